"""The append-only case history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.store.models import HistoryEvent


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


def record(session: Session, case_id: int, kind: EventKind, *, user: str | None = None,
           task_id: int | None = None, element_id: str | None = None,
           element_name: str | None = None, reason: str | None = None,
           data: dict[str, Any] | None = None, as_operator: bool = False) -> None:
    session.add(HistoryEvent(case_id=case_id, kind=kind, at=clock.now(), user=user, task_id=task_id,
                             element_id=element_id, element_name=element_name, reason=reason,
                             data=data, as_operator=as_operator))


def case_history(session: Session, case_id: int) -> list[HistoryEntry]:
    rows = session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == case_id)
                           .order_by(HistoryEvent.id)).all()
    return [HistoryEntry(r.id, r.kind, r.at, r.user, r.element_id, r.element_name, r.task_id,
                         r.reason, r.data, bool(r.as_operator)) for r in rows]
