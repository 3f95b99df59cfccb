"""Read queries of the API over the projections (case and task rows; never a state blob).

Who sees which case: the Secretariat and admins every case; everybody else the
cases they take part in (started it, or hold or held one of its tasks).
Who sees which task: its assignee and its candidates (engine.runtime.tasks.may_view).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from engine import clock
from engine.access.users import Actor
from engine.errors import NotFound, PermissionDenied
from engine.runtime.views import CaseView, TaskView
from engine.store.models import Case, HumanTask, TaskCandidate
from web.api.security import SECRETARIAT


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def sees_every_case(user: Actor) -> bool:
    return user.in_any(set(SECRETARIAT))


def _takes_part(user: Actor) -> ColumnElement[bool]:
    held = exists().where(HumanTask.case_id == Case.id,
                          or_(HumanTask.assignee == user.username,
                              HumanTask.completed_by == user.username))
    return or_(Case.started_by == user.username, held)


def require_case_reader(session: Session, user: Actor, case_id: int) -> None:
    """NotFound for an unknown case, PermissionDenied for a case the user takes no part in."""
    if session.get(Case, case_id) is None:
        raise NotFound(f"unknown case {case_id}", case_id=case_id)
    if sees_every_case(user):
        return
    allowed = session.scalar(select(Case.id).where(Case.id == case_id, _takes_part(user)))
    if allowed is None:
        raise PermissionDenied(f"case {case_id} is not one you take part in", case_id=case_id)


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def case_page(session: Session, user: Actor, *, process: str | None, status: str | None,
              started_by: str | None, search: str | None, page: int, per_page: int) -> Page:
    where: list[ColumnElement[bool]] = []
    if not sees_every_case(user):
        where.append(_takes_part(user))
    if process:
        where.append(Case.process_id == process)
    if status:
        where.append(Case.status == status)
    if started_by:
        where.append(Case.started_by == started_by)
    term = (search or "").strip()
    if term:
        where.append(or_(Case.title.icontains(term, autoescape=True),
                         Case.business_key.icontains(term, autoescape=True)))
    total = _count(session, select(Case.id).where(*where))
    rows = session.scalars(select(Case).where(*where).options(selectinload(Case.definition))
                           .order_by(Case.id.desc()).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    return Page([CaseView.of(c) for c in rows], total, page, per_page)


def _candidate_of(user: Actor) -> ColumnElement[bool]:
    match_user = and_(TaskCandidate.kind == "user", TaskCandidate.name == user.username)
    who = (or_(and_(TaskCandidate.kind == "group", TaskCandidate.name.in_(sorted(user.groups))),
               match_user) if user.groups else match_user)
    return exists().where(TaskCandidate.task_id == HumanTask.id, who)


def task_page(session: Session, user: Actor, *, assigned: bool, candidate: bool,
              process: str | None, state: str, overdue: bool, page: int, per_page: int) -> Page:
    mine = HumanTask.assignee == user.username
    claimable = and_(HumanTask.assignee.is_(None), _candidate_of(user))
    if assigned and candidate:
        visible = or_(mine, claimable)
    elif assigned:
        visible = mine
    elif candidate:
        visible = claimable
    else:
        visible = or_(mine, _candidate_of(user))
    where: list[ColumnElement[bool]] = [visible, HumanTask.state == state]
    if process:
        where.append(HumanTask.process_id == process)
    if overdue:
        where.append(HumanTask.due_at < clock.now())
    total = _count(session, select(HumanTask.id).where(*where))
    rows = session.scalars(select(HumanTask).where(*where)
                           .order_by(HumanTask.created_at, HumanTask.id).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    return Page([TaskView.of(r) for r in rows], total, page, per_page)


__all__ = ["Page", "case_page", "require_case_reader", "sees_every_case", "task_page"]
