"""The participants' inbox: one page of tasks or cases, with per-tab counts.

Reads the `human_task` projection joined with `case_instance` (title, business
key) and `process_definition` (process name); never reads a state blob. The
queries follow the indexes on `human_task` (assignee, state, created_at),
(state, due_at) and the open, unassigned tasks by age; who a task is offered to is its row's
`offered_to`.

Tabs:
- `assigned`: open tasks assigned to the user;
- `claimable`: open, unassigned tasks offered to the user (engine.access.policy);
- `started`: cases the user started, with their open tasks' names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, union
from sqlalchemy.orm import Session

from engine import clock
from engine.access.policy import open_task_clause
from engine.access.users import Actor
from engine.store.db import as_utc
from engine.store.models import Case, HumanTask, ProcessDefinition, TaskState

TABS = ("assigned", "claimable", "started")
SORTS = ("created", "-created", "due", "-due", "name", "-name")
MAX_PER_PAGE = 200
COUNT_CAP = 1_000
"""Counts stop at COUNT_CAP + 1 (shown as "1,000+"): an exact count of 100,000 offered tasks
costs many times the page (a filtered count at 10,000 read 90,000 rows: bench/bench_inbox.py);
past the cap the pager goes on while pages are full (`InboxPage.pages`)."""


@dataclass(frozen=True)
class InboxRow:
    """One open task, with what the participant needs to recognise it."""

    task_id: int
    task_name: str
    element_id: str
    process_id: str
    process_name: str | None
    case_id: int
    business_key: str | None
    case_title: str | None
    lane: str | None
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    subject: str | None = None
    """Whom the task is for (a committee, an organisation), when it is offered to a body."""


@dataclass(frozen=True)
class CaseRow:
    """One case the user started, with the names of its open tasks."""

    case_id: int
    process_id: str
    process_name: str | None
    business_key: str | None
    title: str | None
    status: str
    started_at: datetime
    updated_at: datetime
    next_due_at: datetime | None
    overdue: bool
    open_tasks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InboxPage:
    tab: str
    rows: list[InboxRow]
    cases: list[CaseRow]
    total: int
    counts: dict[str, int]
    page: int
    per_page: int
    sort: str

    @property
    def capped(self) -> bool:
        """The total is at least this much (counting stopped at COUNT_CAP + 1)."""
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        """The pages known to exist: past a capped count, one more while this page is full."""
        counted = max(1, -(-self.total // self.per_page))
        full = len(self.rows or self.cases) == self.per_page
        return max(counted, self.page + 1) if self.capped and full else counted


def _task_where(tab: str, user: Actor) -> list[ColumnElement[bool]]:
    return [open_task_clause(user, assigned=tab == "assigned", claimable=tab == "claimable")]


def _search_term(search: str | None) -> str | None:
    term = (search or "").strip()
    return term[:200] or None


def _contains(term: str) -> str:
    """An ILIKE pattern for `term` anywhere (PostgreSQL serves it from the trigram indexes)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _case_matches(term: str) -> ColumnElement[bool]:
    pattern = _contains(term)
    return or_(Case.title.ilike(pattern, escape="\\"), Case.business_key.ilike(pattern, escape="\\"))


def _task_filters(*, process_id: str | None, overdue: bool, search: str | None,
                  now: datetime) -> list[ColumnElement[bool]]:
    """Filters on the task rows (a search reaches the case's title through a subquery)."""
    where: list[ColumnElement[bool]] = []
    if process_id:
        where.append(HumanTask.process_id == process_id)
    if overdue:
        where.append(HumanTask.due_at < now)
    term = _search_term(search)
    if term:
        where.append(HumanTask.id.in_(_tasks_matching(term)))
    return where


def _tasks_matching(term: str) -> Any:
    """Ids of tasks whose name, or whose case's title or business key, holds `term`: a union
    of two index-driven reads (the trigram indexes on PostgreSQL), where one OR across the
    join made PostgreSQL read every task row."""
    by_name = select(HumanTask.id).where(HumanTask.name.ilike(_contains(term), escape="\\"))
    by_case = (select(HumanTask.id).join(Case, Case.id == HumanTask.case_id)
               .where(_case_matches(term)))
    return union(by_name, by_case)


def _overdue_case(now: datetime) -> ColumnElement[bool]:
    return exists().where(HumanTask.case_id == Case.id, HumanTask.state == TaskState.OPEN,
                          HumanTask.due_at < now)


def _case_filters(*, process_id: str | None, overdue: bool, search: str | None,
                  now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if process_id:
        where.append(Case.process_id == process_id)
    if overdue:
        where.append(_overdue_case(now))
    term = _search_term(search)
    if term:
        where.append(_case_matches(term))
    return where


def _count(session: Session, query: Select[Any]) -> int:
    capped = query.limit(COUNT_CAP + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(capped)) or 0)


def _task_count(session: Session, tab: str, user: Actor) -> int:
    return _count(session, select(HumanTask.id).where(*_task_where(tab, user)))


def _started_count(session: Session, user: Actor) -> int:
    return _count(session, select(Case.id).where(Case.started_by == user.username))


def inbox_counts(session: Session, user: Actor) -> dict[str, int]:
    """Unfiltered totals for the tab headers (each at most COUNT_CAP + 1)."""
    return {"assigned": _task_count(session, "assigned", user),
            "claimable": _task_count(session, "claimable", user),
            "started": _started_count(session, user)}


def _task_order(sort: str) -> list[Any]:
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    column: Any = {"created": HumanTask.created_at, "due": HumanTask.due_at,
                   "name": HumanTask.name}[key]
    ordered = column.desc() if desc else column.asc()
    if key == "due":
        ordered = ordered.nulls_last()
    return [ordered, HumanTask.id.desc() if desc else HumanTask.id.asc()]


def _task_page(session: Session, user: Actor, tab: str, filters: list[ColumnElement[bool]],
               sort: str, limit: int, offset: int, now: datetime,
               known_total: int | None) -> tuple[list[InboxRow], int]:
    where = [*_task_where(tab, user), *filters]
    counted = select(HumanTask.id).where(*where)
    total = known_total if known_total is not None else _count(session, counted)
    # The page's ids first, from the task rows alone; only those rows are joined to their
    # cases (page 1,000 joined 25,000 rows to skip them otherwise).
    page_ids = (select(HumanTask.id).where(*where).order_by(*_task_order(sort))
                .limit(limit).offset(offset))
    query = (select(HumanTask.id, HumanTask.name, HumanTask.element_id, HumanTask.process_id,
                    ProcessDefinition.name, HumanTask.case_id, Case.business_key, Case.title,
                    HumanTask.lane, HumanTask.assignee, HumanTask.created_at, HumanTask.due_at,
                    HumanTask.subject)
             .join(Case, Case.id == HumanTask.case_id)
             .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
             .where(HumanTask.id.in_(page_ids.scalar_subquery())).order_by(*_task_order(sort)))
    rows = [InboxRow(task_id=r[0], task_name=r[1] or r[2], element_id=r[2], process_id=r[3],
                     process_name=r[4], case_id=r[5], business_key=r[6], case_title=r[7],
                     lane=r[8], assignee=r[9], created_at=r[10], due_at=r[11],
                     overdue=r[11] is not None and r[11] < now, subject=r[12])
            for r in session.execute(query).all()]
    return rows, total


def _case_page(session: Session, user: Actor, filters: list[ColumnElement[bool]], sort: str,
               limit: int, offset: int, now: datetime) -> tuple[list[CaseRow], int]:
    where = [Case.started_by == user.username, *filters]
    total = _count(session, select(Case.id).where(*where))
    next_due = (select(func.min(HumanTask.due_at))
                .where(HumanTask.case_id == Case.id, HumanTask.state == TaskState.OPEN)
                .correlate(Case).scalar_subquery())
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    column: Any = {"created": Case.started_at, "due": next_due, "name": Case.title}[key]
    ordered = column.desc() if desc else column.asc()
    if key != "created":
        ordered = ordered.nulls_last()
    query = (select(Case.id, Case.process_id, ProcessDefinition.name, Case.business_key, Case.title,
                    Case.status, Case.started_at, Case.updated_at, next_due.label("next_due"))
             .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
             .where(*where).order_by(ordered, Case.id.desc() if desc else Case.id.asc())
             .limit(limit).offset(offset))
    found = session.execute(query).all()
    names: dict[int, list[str]] = {}
    if found:
        open_rows = session.execute(
            select(HumanTask.case_id, HumanTask.name, HumanTask.element_id)
            .where(HumanTask.case_id.in_([r[0] for r in found]), HumanTask.state == TaskState.OPEN)
            .order_by(HumanTask.id)).all()
        for case_id, name, element_id in open_rows:
            names.setdefault(case_id, []).append(name or element_id)
    rows = [CaseRow(case_id=r[0], process_id=r[1], process_name=r[2], business_key=r[3], title=r[4],
                    status=r[5], started_at=r[6], updated_at=r[7], next_due_at=as_utc(r[8]),
                    overdue=r[8] is not None and as_utc(r[8]) < now, open_tasks=names.get(r[0], []))
            for r in found]
    return rows, total



def landing_tab(counts: dict[str, int]) -> str:
    """Where the user's work is: their own tasks, else their groups' and bodies', else their cases."""
    return next((tab for tab in TABS if counts.get(tab)), TABS[0])


def inbox_page(session: Session, user: Actor, *, tab: str | None, process_id: str | None = None,
               overdue: bool = False, search: str | None = None, sort: str = "created",
               page: int = 1, per_page: int = 25) -> InboxPage:
    """One page of the user's inbox; `counts` are the unfiltered totals of every tab.

    `tab` None: the tab where the user's work is (`landing_tab`)."""
    counts = inbox_counts(session, user)
    if tab is None:
        tab = landing_tab(counts)
    if tab not in TABS:
        raise ValueError(f"unknown inbox tab {tab!r}")
    if sort not in SORTS:
        sort = "created"
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    offset = (page - 1) * per_page
    now = clock.now()
    rows: list[InboxRow] = []
    cases: list[CaseRow] = []
    if tab == "started":
        filters = _case_filters(process_id=process_id, overdue=overdue, search=search, now=now)
        cases, total = _case_page(session, user, filters, sort, per_page, offset, now)
    else:
        task_filters = _task_filters(process_id=process_id, overdue=overdue,
                                                 search=search, now=now)
        rows, total = _task_page(session, user, tab, task_filters, sort, per_page,
                                 offset, now, None if task_filters else counts[tab])
    return InboxPage(tab=tab, rows=rows, cases=cases, total=total,
                     counts=counts, page=page, per_page=per_page, sort=sort)


__all__ = ["COUNT_CAP", "SORTS", "TABS", "CaseRow", "InboxPage", "InboxRow", "inbox_counts", "inbox_page",
           "landing_tab"]
