"""What a case waits for besides people: timers (until when), messages (which), and service
jobs (which handler, next attempt), for the case page's diagram and its words.

Timers come from the case's live workflow (each waiting timer event and its due time);
messages from `message_subscription`; service jobs from `job`. Nothing here reads more than
the case's own rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.background.timers import waiting_timers
from engine.definitions.cache import LoadedDefinition
from engine.store.models import Job, JobKind, JobStatus, MessageSubscription


@dataclass(frozen=True)
class Wait:
    kind: str
    """timer | message | service"""
    element_id: str | None
    element_name: str | None
    until: datetime | None
    """When the timer fires; when a service job runs (next)."""
    detail: str | None = None
    """The message's name; the service's handler."""
    parked: bool = False
    """The case is not running: nothing happens until it resumes."""
    attempts: int = 0
    last_error: str | None = None


def _name(definition: LoadedDefinition, element_id: str | None) -> str | None:
    info = definition.info.elements.get(element_id or "")
    return info.name if info is not None else None


def case_waits(session: Session, case_id: int, workflow: Any, definition: LoadedDefinition, *,
               jobs: list[Job] | None = None) -> list[Wait]:
    """Timers first (soonest first), then messages, then service jobs (of `jobs`, the case's
    jobs when the caller read them already)."""
    timers = sorted(((t, due) for t, due in waiting_timers(workflow)), key=lambda pair: pair[1])
    out = [Wait("timer", getattr(t.task_spec, "bpmn_id", None),
                getattr(t.task_spec, "bpmn_name", None) or _name(definition, t.task_spec.bpmn_id), due)
           for t, due in timers]
    for element_id, name in session.execute(
            select(MessageSubscription.element_id, MessageSubscription.message_name)
            .where(MessageSubscription.case_id == case_id).order_by(MessageSubscription.id)).all():
        out.append(Wait("message", element_id, _name(definition, element_id), None, name))
    if jobs is None:
        jobs = list(session.scalars(select(Job).where(Job.case_id == case_id, Job.kind == JobKind.SERVICE)
                                    .order_by(Job.id)).all())
    for job in (j for j in jobs if j.kind == JobKind.SERVICE):
        out.append(Wait("service", job.element_id, _name(definition, job.element_id),
                        job.due_at if job.status == JobStatus.READY else None, job.handler,
                        job.status == JobStatus.PARKED, job.attempts, job.last_error))
    return out


__all__ = ["Wait", "case_waits"]
