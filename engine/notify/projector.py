"""The case's save tells people about the tasks it opened (one of the runtime's projectors).

Cheap by design: it does nothing unless the save opened a human task; then one job per task
carrying its event (the fan-out to people runs later in a worker), plus one `deadline:<task>`
job for a task with a due time (engine.notify.deadlines).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.notify.events import insert_jobs
from engine.notify.triggers import task_created
from engine.runtime.context import OpenCase
from engine.store.models import Job, JobKind, JobStatus

DUE_SOON = timedelta(days=1)
"""How long before its due time a task's people are told it is due."""


def deadline_job(task_id: int, due_at: datetime, now: datetime) -> Job:
    return Job(**deadline_row(task_id, due_at, now))


def deadline_row(task_id: int, due_at: datetime, now: datetime) -> dict[str, Any]:
    return dict(key=f"deadline:{task_id}", kind=JobKind.DEADLINE, status=JobStatus.READY,
                due_at=max(now, due_at - DUE_SOON), attempts=0, max_attempts=3, created_at=now,
                payload={"task_id": task_id})


def project_notifications(session: Session, opened: OpenCase, now: datetime) -> None:
    if not opened.new_tasks:
        return
    tasks, opened.new_tasks = opened.new_tasks, []
    process_name = opened.definition.info.name
    jobs: list[dict[str, Any]] = []  # the events' and deadlines' jobs: one INSERT
    for task in tasks:
        task_created(session, task, opened.case, actor=opened.actor, process_name=process_name,
                     jobs=jobs)
        if task.due_at is not None:
            jobs.append(deadline_row(task.id, task.due_at, now))
    insert_jobs(session, jobs)


__all__ = ["DUE_SOON", "deadline_job", "deadline_row", "project_notifications"]
