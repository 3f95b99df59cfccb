"""Service tasks: a registry of handlers by name, their jobs, and running one.

The engine halts at an `ExternalServiceTask` (READY, manual); the projection gives
each READY one a `service:<case>:<task>` job. The worker runs the handler in its own
transaction while the case waits: `handler(session, call) -> dict | None`; the
result is merged into the task's data, the task is completed and engine steps run,
all in the transaction that also removes the job. A crash before the commit rolls
everything back (the registry writes too) and the job runs again after its lease:
handlers must be idempotent (`call.idempotency_key` is `<case id>:<spiff task id>`).

Handlers are loaded from a dotted path "module:NAME" (a dict name -> callable),
by default "processes.handlers:HANDLERS", or `$ALLIANCE_HANDLERS`.
"""

from __future__ import annotations

import copy
import importlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy.orm import Session

from engine.background.jobs import DEFAULT_MAX_ATTEMPTS, upsert_job
from engine.bpmn.specs import ExternalServiceTask
from engine.errors import HandlerMissing, InvalidInput
from engine.store.models import CaseStatus, Job, JobKind, JobStatus

if TYPE_CHECKING:
    from engine.runtime.persistence import OpenCase

DEFAULT_HANDLERS = "processes.handlers:HANDLERS"
HANDLERS_ENV = "ALLIANCE_HANDLERS"

Handler = Callable[[Session, Any], "dict[str, Any] | None"]


@dataclass(frozen=True)
class ServiceCall:
    """What a handler receives (matches processes.handlers.ServiceCall)."""

    case_id: int
    element_id: str
    handler: str
    data: dict[str, Any]
    idempotency_key: str
    attempt: int


class HandlerRegistry:
    """Handlers by name; thread-safe, filled from a dotted path or by `register`."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.loaded_from: str | None = None

    def register(self, name: str, handler: Handler) -> None:
        with self._lock:
            self._handlers[name] = handler

    def update(self, handlers: Mapping[str, Handler]) -> None:
        with self._lock:
            self._handlers.update(handlers)

    def get(self, name: str | None) -> Handler | None:
        with self._lock:
            return self._handlers.get(name or "")

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._handlers)

    def clear(self) -> None:
        with self._lock:
            self._handlers.clear()
            self.loaded_from = None

    def load(self, path: str | None = None) -> None:
        """Load "package.module:NAME" (default: $ALLIANCE_HANDLERS or processes.handlers:HANDLERS)."""
        path = path or os.environ.get(HANDLERS_ENV) or DEFAULT_HANDLERS
        self.update(load_handlers(path))
        self.loaded_from = path


def load_handlers(path: str) -> dict[str, Handler]:
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    handlers = getattr(module, attr or "HANDLERS")
    if not isinstance(handlers, Mapping):
        raise InvalidInput(f"{path} is not a mapping of handler names to functions")
    return dict(handlers)


REGISTRY = HandlerRegistry()


def ready_service_tasks(workflow: Any) -> list[Any]:
    return [t for t in workflow.get_tasks(state=SpiffState.READY)
            if isinstance(t.task_spec, ExternalServiceTask)]


def idempotency_key(case_id: int, spiff_task_id: str) -> str:
    return f"{case_id}:{spiff_task_id}"


def project_service_jobs(session: Session, opened: OpenCase, existing: dict[str, Job],
                         now: datetime) -> dict[str, Job]:
    """One job per READY service task; new jobs are due now."""
    keep: dict[str, Job] = {}
    for task in ready_service_tasks(opened.workflow):
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


def run_service_job(session: Session, job: Job, *, registry: HandlerRegistry = REGISTRY) -> str:
    """Run the handler of a service job and complete its task; returns what happened.

    Raises whatever the handler raises (the worker records the failure), or
    `HandlerMissing` when no handler has the name.
    """
    from engine.runtime.cases import advance, check_data
    from engine.runtime.history import EventKind, record
    from engine.runtime.persistence import open_case

    assert job.case_id is not None and job.spiff_task_id is not None
    opened = open_case(session, job.case_id)
    if opened.case.status != CaseStatus.RUNNING:
        job.status, job.locked_by, job.locked_until = JobStatus.PARKED, None, None
        job.attempts = max(job.attempts - 1, 0)
        return "parked"
    task = opened.workflow.get_task_from_id(UUID(job.spiff_task_id))
    if task is None or not task.has_state(SpiffState.READY):
        session.delete(job)
        return "stale"
    handler = registry.get(job.handler)
    if handler is None:
        raise HandlerMissing(f"no handler registered for '{job.handler}' (service task "
                             f"{job.element_id}); known: {', '.join(registry.names()) or 'none'}",
                             handler=job.handler, element_id=job.element_id)
    call = ServiceCall(case_id=job.case_id, element_id=job.element_id or "", handler=job.handler or "",
                       data=copy.deepcopy(dict(task.data)),
                       idempotency_key=idempotency_key(job.case_id, job.spiff_task_id),
                       attempt=job.attempts)
    result = handler(session, call)
    if result is not None:
        task.data.update(check_data(result, f"result of handler '{job.handler}'"))
    task.run()
    record(session, job.case_id, EventKind.SERVICE_COMPLETED, element_id=job.element_id,
           element_name=task.task_spec.bpmn_name, data=result or None,
           reason=f"handler '{job.handler}', attempt {job.attempts}")
    advance(session, opened)
    return "completed"
