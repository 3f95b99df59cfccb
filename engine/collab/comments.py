"""Comments on a case or one of its tasks: who, when, what (Markdown, engine.collab.markdown).

Whoever may see the case (engine.access.policy) reads its comments and may write one; a
comment on a task needs the task to be one the writer may see. `@username` tells that person
(a `mention` notification) when they may see the case; the answer lists who was told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.access import policy
from engine.access.users import Actor
from engine.collab.markdown import excerpt, mentions_in, render
from engine.errors import InvalidInput, NotFound
from engine.notify import triggers as tell
from engine.store.models import Case, Comment, HumanTask, User

MAX_COMMENT = 10_000


@dataclass(frozen=True)
class CommentView:
    id: int
    case_id: int
    task_id: int | None
    task_name: str | None
    author: str
    author_name: str
    body: str
    """The Markdown source."""
    html: str
    """Sanitised HTML (safe to insert into a page)."""
    mentions: list[str]
    created_at: datetime


def _views(session: Session, rows: list[Comment]) -> list[CommentView]:
    if not rows:
        return []
    authors = sorted({c.author for c in rows})
    names: dict[str, str | None] = dict(session.execute(
        select(User.username, User.display_name).where(User.username.in_(authors))).tuples().all())
    task_ids = sorted({c.task_id for c in rows if c.task_id})
    tasks: dict[int, str | None] = dict(session.execute(
        select(HumanTask.id, HumanTask.name).where(HumanTask.id.in_(task_ids))).tuples().all()) \
        if task_ids else {}
    return [CommentView(c.id, c.case_id, c.task_id, tasks.get(c.task_id) if c.task_id else None, c.author,
                        names.get(c.author) or c.author, c.body, render(c.body, c.mentions or []),
                        list(c.mentions or []), c.created_at) for c in rows]


def case_comments(session: Session, user: Actor, case_id: int) -> list[CommentView]:
    """The case's comments, oldest first (PermissionDenied if the user may not see the case)."""
    policy.require_case_view(session, user, case_id)
    rows = session.scalars(select(Comment).where(Comment.case_id == case_id).order_by(Comment.id)).all()
    return _views(session, list(rows))


def add_comment(session: Session, user: Actor, case_id: int, body: str, *,
                task_id: int | None = None) -> CommentView:
    """Write a comment; `@names` of people who may see the case are told."""
    policy.require_case_view(session, user, case_id)
    text = (body or "").strip()
    if not text:
        raise InvalidInput("write something to comment", field="body")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"a comment is at most {MAX_COMMENT:,} characters (this one has "
                           f"{len(text):,})", field="body")
    if task_id is not None:
        task = session.get(HumanTask, task_id)
        if task is None or task.case_id != case_id:
            raise NotFound(f"case {case_id} has no task {task_id}", case_id=case_id, task_id=task_id)
        if not policy.may_view_task(session, task, user):
            raise policy.why_not(task, user, "comment on")
    written = mentions_in(text)
    known = sorted(session.scalars(select(User.username).where(
        User.username.in_(written), User.active.is_(True))).all()) if written else []
    row = Comment(case_id=case_id, task_id=task_id, author=user.username, body=text,
                  mentions=known or None, created_at=clock.now())
    session.add(row)
    session.flush()
    others = [name for name in known if name != user.username]
    case = session.get(Case, case_id)
    view = _views(session, [row])[0]
    if others and case is not None:
        tell.mentioned(session, case, comment_id=row.id, usernames=others, author=user.username,
                       author_name=view.author_name, excerpt=excerpt(text), task_id=task_id)
    return view


__all__ = ["MAX_COMMENT", "CommentView", "add_comment", "case_comments"]
