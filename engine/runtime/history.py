"""The append-only case history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Insert, func, insert, select
from sqlalchemy.orm import Session

from engine import clock
from engine.observability.context import current_request_id
from engine.observability.metrics import CASES_FINISHED, CASES_STARTED, TASKS_COMPLETED, count_after_commit
from engine.runtime.archive import archived_at, archived_events
from engine.store.direct import run_later
from engine.store.models import Case, CaseArchive, HistoryEvent


class EventKind(StrEnum):
    CASE_STARTED = "case_started"
    CASE_COMPLETED = "case_completed"
    CASE_CANCELLED = "case_cancelled"
    CASE_SUSPENDED = "case_suspended"
    CASE_RESUMED = "case_resumed"
    CASE_FAILED = "case_failed"
    CASE_RETRIED = "case_retried"
    TASK_CLAIMED = "task_claimed"
    TASK_UNCLAIMED = "task_unclaimed"
    TASK_ASSIGNED = "task_assigned"
    TASK_COMPLETED = "task_completed"
    DATA_CORRECTED = "data_corrected"
    SERVICE_COMPLETED = "service_completed"
    TIMER_FIRED = "timer_fired"
    MESSAGE_RECEIVED = "message_received"


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    kind: str
    at: datetime
    user: str | None
    element_id: str | None
    element_name: str | None
    task_id: int | None
    reason: str | None
    data: dict[str, Any] | None
    as_operator: bool = False
    request_id: str | None = None


def _count(kind: EventKind, process: str) -> None:
    """The Prometheus counters that follow from an event (engine.observability.metrics)."""
    if kind == EventKind.CASE_STARTED:
        CASES_STARTED.labels(process=process).inc()
    elif kind == EventKind.TASK_COMPLETED:
        TASKS_COMPLETED.labels(process=process).inc()
    elif kind == EventKind.CASE_COMPLETED:
        CASES_FINISHED.labels(process=process, status="completed").inc()
    elif kind == EventKind.CASE_CANCELLED:
        CASES_FINISHED.labels(process=process, status="cancelled").inc()


COUNTED = frozenset({EventKind.CASE_STARTED, EventKind.TASK_COMPLETED, EventKind.CASE_COMPLETED,
                     EventKind.CASE_CANCELLED})


def record(session: Session, case_id: int, kind: EventKind, *, user: str | None = None,
           task_id: int | None = None, element_id: str | None = None,
           element_name: str | None = None, reason: str | None = None,
           data: dict[str, Any] | None = None, as_operator: bool = False) -> None:
    """Append an event, stamped with the current request id; counted in metrics on commit.

    Written at once, in the order of the calls, with a statement built once; inside
    `session.no_autoflush` (a batch of cases in one transaction, engine.background.worker) the
    rows wait for the commit and go in one statement (`write_pending_history`)."""
    row = {"case_id": case_id, "kind": kind, "at": clock.now(), "user": user, "task_id": task_id,
           "element_id": element_id, "element_name": element_name, "reason": reason, "data": data,
           "as_operator": as_operator, "request_id": current_request_id()}
    if session.autoflush:
        run_later(session, _insert_event(), row)
    else:
        session.info.setdefault(_PENDING, []).append(row)
    if kind in COUNTED:
        case = session.get(Case, case_id)  # in the identity map: the caller just changed it
        process = case.process_id if case is not None else "unknown"
        count_after_commit(session, lambda: _count(kind, process))


_PENDING = "alliance.history"
"""session.info: history rows recorded inside `no_autoflush`, not yet written."""


def write_pending_history(session: Session) -> None:
    """Write the rows recorded inside `no_autoflush` (before the commit): one statement."""
    rows = session.info.pop(_PENDING, None)
    if rows:
        run_later(session, _insert_event(), rows)


def drop_pending_history(session_info: dict[str, object]) -> None:
    session_info.pop(_PENDING, None)


@cache
def _insert_event() -> Insert:
    return insert(HistoryEvent.__table__)  # type: ignore[arg-type]


def case_history(session: Session, case_id: int, *, latest: int | None = None) -> list[HistoryEntry]:
    """The case's history, oldest first, including what was archived (engine.runtime.archive);
    with `latest`, only its last `latest` events (the timeline's first page: one indexed read
    of at most that many rows, the archive only when the live rows are fewer)."""
    query = select(HistoryEvent).where(HistoryEvent.case_id == case_id)
    if latest is not None:
        query = query.order_by(HistoryEvent.id.desc()).limit(latest)
    else:
        query = query.order_by(HistoryEvent.id)
    rows = sorted(session.scalars(query).all(), key=lambda r: r.id)
    live = [HistoryEntry(r.id, r.kind, r.at, r.user, r.element_id, r.element_name, r.task_id,
                         r.reason, r.data, bool(r.as_operator), r.request_id) for r in rows]
    if latest is not None and len(live) >= latest:
        return live
    archive = session.get(CaseArchive, case_id)
    if archive is None:
        return live
    old = [HistoryEntry(e["id"], e["kind"], archived_at(e), e["user"], e["element_id"],
                        e["element_name"], e["task_id"], e["reason"], e["data"],
                        bool(e.get("as_operator")), e.get("request_id"))
           for e in archived_events(archive)]
    merged = sorted(old + live, key=lambda entry: entry.id)
    return merged[-latest:] if latest is not None else merged


def history_summary(session: Session, case_id: int) -> tuple[int, set[str]]:
    """How many events the case's history has and the elements of its completed tasks, live and
    archived (the case page marks them on the diagram without reading the whole history)."""
    live = session.scalar(select(func.count()).select_from(HistoryEvent)
                          .where(HistoryEvent.case_id == case_id)) or 0
    found = {e for e in session.scalars(select(HistoryEvent.element_id).distinct().where(
        HistoryEvent.case_id == case_id, HistoryEvent.kind == EventKind.TASK_COMPLETED)).all() if e}
    archive = session.get(CaseArchive, case_id)
    if archive is None:
        return live, found
    archived = archived_events(archive)
    found |= {e["element_id"] for e in archived
              if e["kind"] == EventKind.TASK_COMPLETED and e["element_id"]}
    return live + len(archived), found
