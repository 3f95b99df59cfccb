"""Service tasks: a registry of handlers by name, their jobs, and running one.

The engine halts at an `ExternalServiceTask` (READY, manual); the projection gives
each READY one a `service:<case>:<task>` job. The worker runs the handler in its own
transaction while the case waits: `handler(session, call) -> dict | None`; the
result is merged into the task's data, the task is completed and engine steps run,
all in the transaction that also removes the job. A crash before the commit rolls
everything back (the registry writes too) and the job runs again after its lease:
handlers must be idempotent (`call.idempotency_key` is `<case id>:<spiff task id>`).

Handlers come from the runtime's registry (engine.runtime.handlers).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy.orm import Session

from engine.background.jobs import DEFAULT_MAX_ATTEMPTS, upsert_job
from engine.bpmn.specs import ExternalServiceTask
from engine.errors import HandlerMissing, HandlerNotAllowed
from engine.runtime.cases import advance
from engine.runtime.context import OpenCase, runtime_of
from engine.runtime.data import check_data
from engine.runtime.handlers import ServiceCall
from engine.runtime.history import EventKind, record
from engine.runtime.persistence import open_case
from engine.store.models import CaseStatus, Job, JobKind, JobStatus


def ready_service_tasks(ready: list[Any]) -> list[Any]:
    """Of the READY tasks (`OpenCase.ready_tasks`), the service tasks."""
    return [t for t in ready
            if isinstance(t.task_spec, ExternalServiceTask)]


def idempotency_key(case_id: int, spiff_task_id: str) -> str:
    return f"{case_id}:{spiff_task_id}"


def project_service_jobs(session: Session, opened: OpenCase, existing: dict[str, Job],
                         now: datetime) -> dict[str, Job]:
    """One job per READY service task; new jobs are due now."""
    keep: dict[str, Job] = {}
    for task in ready_service_tasks(opened.ready_tasks()):
        spec = task.task_spec
        element_id = spec.bpmn_id or spec.name
        info = opened.definition.info.elements.get(element_id)
        key = f"service:{opened.case.id}:{task.id}"
        if key in existing:
            keep[key] = existing.pop(key)
            continue
        retries = info.retries if info is not None and info.retries else DEFAULT_MAX_ATTEMPTS
        keep[key] = upsert_job(session, existing, key=key, kind=JobKind.SERVICE, due_at=now,
                               case_id=opened.case.id, now=now, element_id=element_id,
                               spiff_task_id=str(task.id),
                               handler=spec.handler or (info.handler if info else None),
                               max_attempts=max(int(retries), 1))
    return keep


def run_service_job(session: Session, job: Job) -> str:
    """Run the handler of a service job and complete its task; returns what happened.

    Raises whatever the handler raises (the worker records the failure), or
    `HandlerMissing` when no handler has the name.
    """
    assert job.case_id is not None and job.spiff_task_id is not None
    opened = open_case(session, job.case_id)
    opened.job_at_work = True
    if opened.case.status != CaseStatus.RUNNING:
        job.status, job.locked_by, job.locked_until = JobStatus.PARKED, None, None
        job.attempts = max(job.attempts - 1, 0)
        return "parked"
    task = opened.workflow.get_task_from_id(UUID(job.spiff_task_id))
    if task is None or not task.has_state(SpiffState.READY):
        session.delete(job)
        return "stale"
    registry = runtime_of(session).handlers
    handler = registry.get(job.handler)
    if handler is None:
        raise HandlerMissing(f"no handler registered for '{job.handler}' (service task "
                             f"{job.element_id}); known: {', '.join(registry.names()) or 'none'}",
                             handler=job.handler, element_id=job.element_id)
    allowed = registry.guard(job.handler)
    if allowed is not None:
        if opened.case.process_id not in allowed:
            raise HandlerNotAllowed(f"service task {job.element_id} of process "
                                    f"'{opened.case.process_id}' may not call '{job.handler}' "
                                    f"(only {', '.join(sorted(allowed))} may)",
                                    handler=job.handler, element_id=job.element_id)
        if opened.case.definition.approved_at is None:
            raise HandlerNotAllowed(f"version {opened.case.definition.version} of "
                                    f"'{opened.case.process_id}' calls '{job.handler}' and no admin "
                                    "has approved it", handler=job.handler, element_id=job.element_id)
    call = ServiceCall(case_id=job.case_id, element_id=job.element_id or "", handler=job.handler or "",
                       data=copy.deepcopy(dict(task.data)),
                       idempotency_key=idempotency_key(job.case_id, job.spiff_task_id),
                       attempt=job.attempts, process_id=opened.case.process_id)
    result = handler(session, call)
    if result is not None:
        task.data.update(check_data(result, f"result of handler '{job.handler}'"))
    task.run()
    record(session, job.case_id, EventKind.SERVICE_COMPLETED, element_id=job.element_id,
           element_name=task.task_spec.bpmn_name, data=result or None,
           reason=f"handler '{job.handler}', attempt {job.attempts}")
    advance(session, opened)
    return "completed"
