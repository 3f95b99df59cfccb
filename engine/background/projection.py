"""What a case's save projects for background work, in the same transaction.

Timers (one job at the earliest waiting timer), service jobs (one per READY service
task), message subscriptions, the outbox of thrown messages, step-failure incidents,
and parking: a case that is not running has its jobs parked until it runs again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.background import incidents, messages, services, timers
from engine.background.jobs import case_jobs
from engine.runtime.context import OpenCase
from engine.store.models import CaseStatus, Job, JobStatus


def sync_case_jobs(session: Session, opened: OpenCase, now: datetime) -> None:
    """The runtime's projector for background work, run on every save of a case."""
    case = opened.case
    existing = case_jobs(session, case.id)
    keep: dict[str, Job] = {}
    finished = case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED)
    if not finished:
        keep.update(timers.project_timer_job(session, opened, existing, now))
        keep.update(services.project_service_jobs(session, opened, existing, now))
    for key, job in existing.items():
        if key not in keep and not key.startswith("message:"):
            session.delete(job)
    running = case.status == CaseStatus.RUNNING
    for job in keep.values():
        if running and job.status == JobStatus.PARKED:
            job.status = JobStatus.READY
        elif not running and job.status == JobStatus.READY:
            job.status = JobStatus.PARKED
    messages.project_subscriptions(session, opened, now, active=not finished)
    messages.persist_outbox(session, opened, now)
    incidents.project_case_incidents(session, opened, now)
    session.flush()



__all__ = ["sync_case_jobs"]
