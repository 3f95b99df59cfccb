"""`deadline:<task>` jobs: a task's people hear a day before its due time, then when it is
overdue (engine.notify.projector creates the job with the task).

A task no longer open ends its job. While its case is not running (suspended, failed) the
job looks again every `PAUSED_RECHECK`: nobody is pressed about a task they cannot work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from engine import clock
from engine.notify.kinds import Kind
from engine.notify.triggers import task_deadline
from engine.store.db import as_utc
from engine.store.models import Case, CaseStatus, HumanTask, Job, TaskState

PAUSED_RECHECK = timedelta(hours=1)


def run_deadline_job(session: Session, job: Job) -> str:
    task = session.get(HumanTask, int((job.payload or {})["task_id"]))
    if task is None or task.state != TaskState.OPEN or task.due_at is None:
        session.delete(job)
        return "task closed"
    case = session.get(Case, task.case_id)
    now = clock.now()
    job.locked_by = job.locked_until = None
    job.attempts = 0
    if case is None or case.status != CaseStatus.RUNNING:
        if case is None or case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
            session.delete(job)
            return "case finished"
        job.due_at = now + PAUSED_RECHECK
        return "case paused"
    due = as_utc(task.due_at)
    if now < due:
        task_deadline(session, task, case, Kind.TASK_DUE_SOON)
        job.due_at = due
        return "due soon"
    task_deadline(session, task, case, Kind.TASK_OVERDUE)
    session.delete(job)
    return "overdue"


__all__ = ["PAUSED_RECHECK", "run_deadline_job"]
