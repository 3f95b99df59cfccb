"""What a case's save projects for background work, in the same transaction.

Timers (one job at the earliest waiting timer), service jobs (one per READY service
task), message subscriptions, the outbox of thrown messages, step-failure incidents,
and parking: a case that is not running has its jobs parked until it runs again.

The case row's `background` flag says whether the case has jobs or subscriptions: the save
reads them only then (`prepare_case_jobs`, before the state's UPDATE, which writes the flag
for what the save leaves behind). Most steps of most cases wait for people only: no reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.background import incidents, messages, services, timers
from engine.background.jobs import case_jobs
from engine.runtime.context import OpenCase
from engine.store.models import CaseStatus, Job, JobStatus, MessageSubscription

_JOBS, _SUBSCRIPTIONS = "jobs", "subscriptions"


def known_case_jobs(opened: OpenCase, jobs: list[Job], subscriptions: list[MessageSubscription]) -> None:
    """The case's jobs and subscriptions as a batch read them for several cases at once
    (engine.background.timer_jobs): the save's preparer uses them instead of reading them."""
    opened.known[_JOBS] = {job.key: job for job in jobs}
    opened.known[_SUBSCRIPTIONS] = subscriptions


def prepare_case_jobs(session: Session, opened: OpenCase) -> dict[str, Any]:
    """Before the save's UPDATE: the case's jobs and subscriptions if its row says it has any
    (or as a batch read them), and the flag for after this save (the runtime's preparer)."""
    case = opened.case
    jobs: dict[str, Job] = {}
    subscriptions: list[MessageSubscription] = []
    if _JOBS in opened.known:
        jobs, subscriptions = opened.known[_JOBS], opened.known[_SUBSCRIPTIONS]
    elif case.background or opened.job_at_work:
        jobs = case_jobs(session, case.id)
        subscriptions = list(session.scalars(select(MessageSubscription)
                                             .where(MessageSubscription.case_id == case.id)).all())
    opened.known[_JOBS], opened.known[_SUBSCRIPTIONS] = jobs, subscriptions
    return {"background": _leaves_background(opened, jobs)}


def _leaves_background(opened: OpenCase, jobs: dict[str, Job]) -> bool:
    """Whether the save will leave jobs or subscriptions: messages' jobs stay until delivered,
    thrown messages get one; a case not finished keeps a job per timer and service task and a
    subscription per awaited message."""
    if any(key.startswith("message:") for key in jobs):
        return True
    if any(isinstance(e.event_definition, MessageEventDefinition) for e in opened.events):
        return True
    if opened.case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
        return False
    workflow = opened.workflow
    return bool(timers.waiting_timers(workflow) or services.ready_service_tasks(opened.ready_tasks())
                or messages.waiting_message_tasks(workflow))


def sync_case_jobs(session: Session, opened: OpenCase, now: datetime) -> None:
    """The runtime's projector for background work, run on every save of a case."""
    case = opened.case
    existing: dict[str, Job] = dict(opened.known.pop(_JOBS, {}))
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
    messages.project_subscriptions(session, opened, now, active=not finished,
                                   rows=opened.known.pop(_SUBSCRIPTIONS, []))
    messages.persist_outbox(session, opened, now)
    incidents.project_case_incidents(session, opened, now)
    if not opened.flush_later:
        session.flush()

__all__ = ["known_case_jobs", "prepare_case_jobs", "sync_case_jobs"]
