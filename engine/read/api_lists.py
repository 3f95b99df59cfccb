"""The lists the REST API pages through: cases and tasks as plain views, with totals.

Which rows a user may see is engine.access.policy's (`visible_case_clause`,
`open_task_clause`, `visible_task_clause`): the same clauses the detail reads check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from engine import clock
from engine.access.policy import open_task_clause, visible_task_clause
from engine.access.users import Actor
from engine.read.dashboard import CaseFilters, filter_clauses
from engine.runtime.views import CaseView, TaskView
from engine.store.models import Case, HumanTask, TaskState

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def case_list(session: Session, user: Actor, filters: CaseFilters, *, page: int = 1,
              per_page: int = 25) -> Page:
    """Cases the user may see that match the filters, newest first."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    where = filter_clauses(user, filters, clock.now())  # includes the policy's visibility clause
    total = _count(session, select(Case.id).where(*where))
    rows = session.scalars(select(Case).where(*where).options(selectinload(Case.definition))
                           .order_by(Case.id.desc()).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    return Page([CaseView.of(c) for c in rows], total, page, per_page)


def task_list(session: Session, user: Actor, *, assigned: bool, candidate: bool,
              process: str | None, state: str, overdue: bool, page: int = 1,
              per_page: int = 25) -> Page:
    """Tasks the user may see: open ones assigned to them and/or offered to them; finished ones
    of cases they may see."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    where: list[ColumnElement[bool]] = [HumanTask.state == state]
    if state == TaskState.OPEN:
        where.append(open_task_clause(user, assigned=assigned or not candidate,
                                      claimable=candidate or not assigned))
    else:
        where.append(visible_task_clause(user))
        if assigned:
            where.append(HumanTask.completed_by == user.username)
    if process:
        where.append(HumanTask.process_id == process)
    if overdue:
        where.append(HumanTask.due_at < clock.now())
    total = _count(session, select(HumanTask.id).where(*where))
    rows = session.scalars(select(HumanTask).where(*where)
                           .order_by(HumanTask.created_at, HumanTask.id).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    return Page([TaskView.of(r) for r in rows], total, page, per_page)


__all__ = ["MAX_PER_PAGE", "Page", "case_list", "task_list"]
