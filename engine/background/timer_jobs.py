"""Firing a case's due timers: one job, or a batch of jobs (several cases) in one transaction.

A batch reads its jobs with their cases and the content hashes of their definitions in one
statement, fires each case's timers (SpiffWorkflow refreshes them against the engine clock,
engine steps run, the case is saved) and commits once. The worker (engine.background.worker)
runs a batch when it claimed several timer jobs; if anything in it raises, the batch is
rolled back and its jobs run one by one, each with its own transaction and error handling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from engine import clock
from engine.background.incidents import known_open_incidents
from engine.background.projection import known_case_jobs
from engine.background.timers import waiting_timers
from engine.runtime.cases import advance
from engine.runtime.history import EventKind, record
from engine.runtime.persistence import open_case
from engine.runtime.projections import known_open_tasks
from engine.store.models import (
    Case,
    CaseStatus,
    HumanTask,
    Incident,
    Job,
    JobStatus,
    MessageSubscription,
    ProcessDefinition,
    TaskState,
)


@dataclass
class CaseRows:
    """What the save of one case reads, read for a whole batch at once (`batch_rows`)."""

    jobs: list[Job] = field(default_factory=list)
    subscriptions: list[MessageSubscription] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    open_tasks: list[HumanTask] = field(default_factory=list)


def batch_rows(session: Session, case_ids: list[int]) -> dict[int, CaseRows]:
    """The jobs, message subscriptions, open incidents and open human tasks (with their
    candidates) of these cases: four statements for the batch instead of four per case."""
    found = {case_id: CaseRows() for case_id in case_ids}
    for job in session.scalars(select(Job).where(Job.case_id.in_(case_ids))).all():
        found[job.case_id].jobs.append(job)  # type: ignore[index]
    for sub in session.scalars(select(MessageSubscription)
                               .where(MessageSubscription.case_id.in_(case_ids))).all():
        found[sub.case_id].subscriptions.append(sub)
    for incident in session.scalars(select(Incident).where(
            Incident.case_id.in_(case_ids), Incident.resolved_at.is_(None)).order_by(Incident.id)).all():
        found[incident.case_id].incidents.append(incident)  # type: ignore[index]
    for task in session.scalars(select(HumanTask).where(
            HumanTask.case_id.in_(case_ids), HumanTask.state == TaskState.OPEN)).all():
        found[task.case_id].open_tasks.append(task)
    return found


def fire_timers(session: Session, job: Job, worker_id: str, definition_hash: str | None = None,
                known: CaseRows | None = None) -> str:
    """Fire the due timers of the job's case; the outcome in a word. `known`: the case's rows
    as its batch read them (the case's version check refuses the save if a step changed the
    case since, and the batch then runs its jobs one by one)."""
    assert job.case_id is not None
    opened = open_case(session, job.case_id, definition_hash=definition_hash)
    opened.job_at_work = True
    if known is not None:
        opened.flush_later = True
        known_case_jobs(opened, known.jobs, known.subscriptions)
        known_open_incidents(opened, known.incidents)
        known_open_tasks(opened, known.open_tasks)
    if opened.case.status != CaseStatus.RUNNING:
        job.status, job.locked_by, job.locked_until = JobStatus.PARKED, None, None
        job.attempts = max(job.attempts - 1, 0)
        return "parked"
    due_before = job.due_at
    now = clock.now()
    due_now = [(t.task_spec.bpmn_id, t.task_spec.bpmn_name)
               for t, due in waiting_timers(opened.workflow) if due <= now]
    advance(session, opened)
    gone = job in session.deleted or inspect(job).was_deleted  # no flush: the batch's rows go together
    if not gone and job.locked_by == worker_id:
        # Nothing fired (SpiffWorkflow saw the timer as not yet due): look again shortly.
        job.locked_by = job.locked_until = None
        job.attempts = 0
        job.due_at = max(due_before, clock.now()) + timedelta(seconds=1)
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


__all__ = ["CaseRows", "batch_rows", "fire_timers", "leased_timer_jobs"]
