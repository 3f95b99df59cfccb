"""Firing a case's due timers: one job, or a batch of jobs (several cases) in one transaction.

A batch reads its jobs with their cases and the content hashes of their definitions in one
statement, fires each case's timers (SpiffWorkflow refreshes them against the engine clock,
engine steps run, the case is saved) and commits once. The worker (engine.background.worker)
runs a batch when it claimed several timer jobs; if anything in it raises, the batch is
rolled back and its jobs run one by one, each with its own transaction and error handling.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.background.timers import waiting_timers
from engine.runtime.cases import advance
from engine.runtime.history import EventKind, record
from engine.runtime.persistence import open_case
from engine.store.models import Case, CaseStatus, Job, JobStatus, ProcessDefinition


def fire_timers(session: Session, job: Job, worker_id: str, definition_hash: str | None = None) -> str:
    """Fire the due timers of the job's case; the outcome in a word."""
    assert job.case_id is not None
    opened = open_case(session, job.case_id, definition_hash=definition_hash)
    opened.job_at_work = True
    if opened.case.status != CaseStatus.RUNNING:
        job.status, job.locked_by, job.locked_until = JobStatus.PARKED, None, None
        job.attempts = max(job.attempts - 1, 0)
        return "parked"
    due_before = job.due_at
    now = clock.now()
    due_now = [(t.task_spec.bpmn_id, t.task_spec.bpmn_name)
               for t, due in waiting_timers(opened.workflow) if due <= now]
    advance(session, opened)
    session.flush()
    current = session.get(Job, job.id)
    if current is not None and current.locked_by == worker_id:
        # Nothing fired (SpiffWorkflow saw the timer as not yet due): look again shortly.
        current.locked_by = current.locked_until = None
        current.attempts = 0
        current.due_at = max(due_before, clock.now()) + timedelta(seconds=1)
        return "not yet"
    for element_id, element_name in due_now:
        record(session, opened.case.id, EventKind.TIMER_FIRED, element_id=element_id,
               element_name=element_name)
    return "fired"


def leased_timer_jobs(session: Session, job_ids: list[int], worker_id: str
                      ) -> list[tuple[Job, Case, str]]:
    """The jobs `worker_id` still holds, each with its case and its definition's content hash,
    in one statement (the caller keeps the rows: the session holds them weakly)."""
    rows = session.execute(
        select(Job, Case, ProcessDefinition.content_hash)
        .join(Case, Case.id == Job.case_id)
        .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
        .where(Job.id.in_(job_ids), Job.locked_by == worker_id).order_by(Job.id)).all()
    return [(job, case, content_hash) for job, case, content_hash in rows]


__all__ = ["fire_timers", "leased_timer_jobs"]
