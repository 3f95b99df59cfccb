"""The Secretariat's case dashboard: counts, a filtered case list, CSV rows, waiting counts.

Reads the projections only (`case_instance` columns, `human_task`, `case_participant`,
`incident`, `job`, `message_subscription`); never a state blob. Which cases a user sees is
engine.access.policy's `visible_case_clause`, the same the case page checks.

Indexes used: `ix_case_process_status` (overview counts, process filter),
`ix_case_status_started` and `ix_case_started_by` (filters), `ix_human_task_case_state` and
`ix_human_task_state_due` (open tasks, overdue), `ix_incident_case` / `ix_incident_open`
(incidents), `ix_history_case` (case page) and `ix_case_parent` (linked cases, engine/models/cases.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.policy import is_staff, participating_count, visible_case_clause
from engine.access.users import Actor
from engine.runtime.values import MAX_ID
from engine.store.db import as_utc
from engine.store.models import (
    Case,
    CaseStatus,
    HumanTask,
    Incident,
    Job,
    JobKind,
    MessageSubscription,
    ProcessDefinition,
    TaskState,
)

STATUSES = tuple(s.value for s in CaseStatus)
SORTS = ("-started", "started", "-updated", "updated", "title", "-title", "key", "-key")
MAX_PER_PAGE = 200
CSV_BATCH = 1000



EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class CaseFilters:
    process_id: str | None = None
    version: int | None = None
    status: str | None = None
    outcome: str | None = None
    """The end the case reached (`Case.outcome`: established, rejected ...)."""
    search: str | None = None
    """Contained in the business key or the title (case-insensitive)."""
    started_by: str | None = None
    concerned: str | None = None
    """A committee or member: contained in the title or business key."""
    lane: str | None = None
    """Waiting on this lane: the case has an open task in it."""
    overdue: bool = False
    incident: bool = False
    started_from: date | None = None
    started_to: date | None = None
    ended_from: date | None = None
    ended_to: date | None = None

    def clean(self) -> CaseFilters:
        """Unknown values dropped; a date beyond EARLIEST_DAY..LATEST_DAY means no bound."""
        def text(value: str | None) -> str | None:
            return (value or "").strip()[:200] or None

        def day(value: date | None) -> date | None:
            return value if value is not None and EARLIEST_DAY <= value <= LATEST_DAY else None
        status = self.status if self.status in STATUSES else None
        version = self.version if self.process_id and self.version and \
            0 < self.version <= MAX_ID else None
        return replace(self, process_id=text(self.process_id), status=status,
                       outcome=text(self.outcome),
                       search=text(self.search), started_by=text(self.started_by),
                       concerned=text(self.concerned), lane=text(self.lane), version=version,
                       started_from=day(self.started_from), started_to=day(self.started_to),
                       ended_from=day(self.ended_from), ended_to=day(self.ended_to))


@dataclass(frozen=True)
class CaseListRow:
    case_id: int
    process_id: str
    process_name: str | None
    version: int
    business_key: str | None
    title: str | None
    status: str
    started_by: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    open_tasks: list[str] = field(default_factory=list)
    waiting_on: list[str] = field(default_factory=list)
    overdue: bool = False
    incident: bool = False
    timer_at: datetime | None = None
    """When the case's next timer fires (it waits on a timer)."""
    messages: list[str] = field(default_factory=list)
    """Messages the case waits for."""
    outcome: str | None = None
    """The end the case reached (engine.runtime.outcome)."""


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseListRow]
    total: int
    page: int
    per_page: int
    sort: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _overdue(now: datetime) -> ColumnElement[bool]:
    return exists().where(HumanTask.case_id == Case.id, HumanTask.state == TaskState.OPEN,
                          HumanTask.due_at < now)


def _has_incident() -> ColumnElement[bool]:
    return exists().where(Incident.case_id == Case.id, Incident.resolved_at.is_(None))


def filter_clauses(user: Actor, filters: CaseFilters, now: datetime) -> list[ColumnElement[bool]]:
    f = filters.clean()
    where: list[ColumnElement[bool]] = [] if is_staff(user) else [visible_case_clause(user)]
    if f.process_id:
        where.append(Case.process_id == f.process_id)
        if f.version is not None:
            where.append(Case.definition_id.in_(
                select(ProcessDefinition.id).where(ProcessDefinition.process_id == f.process_id,
                                                   ProcessDefinition.version == f.version)))
    if f.status:
        where.append(Case.status == f.status)
    if f.outcome:
        where.append(Case.outcome == f.outcome)
    for term in (f.search, f.concerned):
        if term:
            where.append(or_(Case.title.icontains(term, autoescape=True),
                             Case.business_key.icontains(term, autoescape=True)))
    if f.started_by:
        where.append(Case.started_by == f.started_by)
    if f.lane:
        where.append(exists().where(HumanTask.case_id == Case.id,
                                    HumanTask.state == TaskState.OPEN, HumanTask.lane == f.lane))
    if f.overdue:
        where.append(_overdue(now))
    if f.incident:
        where.append(_has_incident())
    if f.started_from:
        where.append(Case.started_at >= _start_of(f.started_from))
    if f.started_to:
        where.append(Case.started_at < _start_of(f.started_to + timedelta(days=1)))
    if f.ended_from:
        where.append(Case.ended_at >= _start_of(f.ended_from))
    if f.ended_to:
        where.append(Case.ended_at < _start_of(f.ended_to + timedelta(days=1)))
    return where


def _order(sort: str) -> list[Any]:
    desc = sort.startswith("-")
    column: Any = {"started": Case.id, "updated": Case.updated_at, "title": Case.title,
                   "key": Case.business_key}[sort.lstrip("-")]
    ordered = column.desc() if desc else column.asc()
    if column is not Case.id:
        ordered = ordered.nulls_last()
    return [ordered, Case.id.desc() if desc else Case.id.asc()]


def _row_query(where: list[ColumnElement[bool]]) -> Select[Any]:
    return (select(Case.id, Case.process_id, ProcessDefinition.name, ProcessDefinition.version,
                   Case.business_key, Case.title, Case.status, Case.started_by, Case.started_at,
                   Case.updated_at, Case.ended_at, Case.outcome)
            .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id).where(*where))



def _rows(session: Session, found: list[Any], now: datetime) -> list[CaseListRow]:
    ids = [r[0] for r in found]
    tasks: dict[int, list[tuple[str, str | None, bool]]] = {}
    incidents: set[int] = set()
    timers: dict[int | None, datetime] = {}
    messages: dict[int, list[str]] = {}
    if ids:
        for case_id, name, element_id, lane, assignee, due in session.execute(
                select(HumanTask.case_id, HumanTask.name, HumanTask.element_id, HumanTask.lane,
                       HumanTask.assignee, HumanTask.due_at)
                .where(HumanTask.case_id.in_(ids), HumanTask.state == TaskState.OPEN)
                .order_by(HumanTask.id)).all():
            late = due is not None and as_utc(due) < now
            tasks.setdefault(case_id, []).append((name or element_id, assignee or lane, late))
        incidents = {i for i in session.scalars(select(Incident.case_id).where(
            Incident.case_id.in_(ids), Incident.resolved_at.is_(None))).all() if i is not None}
        timers = dict(session.execute(select(Job.case_id, Job.due_at).where(
            Job.case_id.in_(ids), Job.kind == JobKind.TIMER)).tuples().all())
        for case_id, name in session.execute(select(MessageSubscription.case_id,
                                                    MessageSubscription.message_name)
                                             .where(MessageSubscription.case_id.in_(ids))).all():
            messages.setdefault(case_id, []).append(name)
    out = []
    for r in found:
        mine = tasks.get(r[0], [])
        out.append(CaseListRow(
            case_id=r[0], process_id=r[1], process_name=r[2], version=r[3], business_key=r[4],
            title=r[5], status=r[6], started_by=r[7], started_at=as_utc(r[8]),
            updated_at=as_utc(r[9]), ended_at=as_utc(r[10]), open_tasks=[t[0] for t in mine],
            waiting_on=sorted({t[1] for t in mine if t[1]}), overdue=any(t[2] for t in mine),
            incident=r[0] in incidents, timer_at=as_utc(timers.get(r[0])),
            messages=sorted(set(messages.get(r[0], []))), outcome=r[11]))
    return out


def case_page(session: Session, user: Actor, filters: CaseFilters, *, sort: str = "-started",
              page: int = 1, per_page: int = 25) -> CasePage:
    """One page of the cases the user may see that match `filters`, and their total."""
    sort = sort if sort in SORTS else "-started"
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    now = clock.now()
    where = filter_clauses(user, filters, now)
    if not is_staff(user) and filters.clean() == CaseFilters():
        total = participating_count(session, user)
    else:
        total = session.scalar(select(func.count(Case.id)).where(*where)) or 0
    found = session.execute(_row_query(where).order_by(*_order(sort))
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return CasePage(_rows(session, list(found), now), total, page, per_page, sort)


def outcomes(session: Session, process_id: str | None = None) -> list[str]:
    """The outcomes cases have reached (of one process), for the dashboard's filter."""
    query = select(Case.outcome).where(Case.outcome.is_not(None)).distinct()
    if process_id:
        query = query.where(Case.process_id == process_id)
    return sorted(o for o in session.scalars(query).all() if o)


def case_csv_rows(session: Session, user: Actor, filters: CaseFilters, *,
                  sort: str = "-started") -> Iterator[CaseListRow]:
    """Every case matching the filters, in batches (keyset on the sort of the list)."""
    sort = sort if sort in SORTS else "-started"
    now = clock.now()
    where = filter_clauses(user, filters, now)
    ids = list(session.scalars(select(Case.id).where(*where).order_by(*_order(sort))).all())
    for start in range(0, len(ids), CSV_BATCH):
        batch = ids[start:start + CSV_BATCH]
        found = {r[0]: r for r in session.execute(_row_query([Case.id.in_(batch)])).all()}
        yield from _rows(session, [found[i] for i in batch if i in found], now)


__all__ = [
    "SORTS", "STATUSES", "CaseFilters", "CaseListRow", "CasePage", "case_csv_rows", "case_page",
    "filter_clauses", "outcomes",
]
