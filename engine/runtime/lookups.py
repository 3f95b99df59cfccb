"""Lookups: service tasks whose handler only reads, run inside the step that reaches them.

Most service tasks are work for the background worker: the case waits, the handler runs in
its own transaction, with retries. A handler that only reads what the organisation holds (the
preparatory committees to choose from, the committees invited to a call) gains nothing from
that and costs the person who started the case a wait: their next form opens only after a
worker has run. Such a handler is declared `@lookup` (engine.runtime.handlers); when a step
reaches a READY service task that calls one, the engine runs it at once, in the same
transaction, merges its result and runs on, so the next user task is open when the request
answers.

A lookup that raises fails the step like a script would: a user's own step is refused and
rolled back (the doors say which element and why), background work becomes an incident. A
guarded handler (one that changes the registry) is never run as a lookup.
"""

from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy.orm import Session

from engine.bpmn.specs import ExternalServiceTask
from engine.errors import EngineError, StepFailure
from engine.runtime.context import OpenCase, runtime_of
from engine.runtime.data import check_data
from engine.runtime.handlers import Handler, ServiceCall, is_lookup
from engine.runtime.history import EventKind, record
from engine.runtime.steps import run_steps

MAX_ROUNDS = 50
"""Lookups, then steps, then lookups again: at most this many rounds in one advance."""


def _handler_name(opened: OpenCase, task: Any) -> str | None:
    spec = task.task_spec
    element_id = spec.bpmn_id or spec.name
    info = opened.definition.info.elements.get(element_id)
    return spec.handler or (info.handler if info else None)  # type: ignore[no-any-return]


def ready_lookups(session: Session, opened: OpenCase) -> list[tuple[Any, str, Handler]]:
    registry = runtime_of(session).handlers
    found = []
    for task in opened.workflow.get_tasks(state=SpiffState.READY):
        if not isinstance(task.task_spec, ExternalServiceTask):
            continue
        name = _handler_name(opened, task)
        handler = registry.get(name)
        if name and handler is not None and is_lookup(handler):
            found.append((task, name, handler))
    return found


def _run_lookup(session: Session, opened: OpenCase, task: Any, name: str,
                handler: Handler) -> StepFailure | None:
    element_id = task.task_spec.bpmn_id or task.task_spec.name
    call = ServiceCall(case_id=opened.case.id, element_id=element_id, handler=name,
                       data=copy.deepcopy(dict(task.data)),
                       idempotency_key=f"{opened.case.id}:{task.id}", attempt=0,
                       process_id=opened.case.process_id)
    try:
        result = handler(session, call)
        if result is not None:
            task.data.update(check_data(result, f"result of handler '{name}'"))
    except EngineError as exc:
        return StepFailure(element_id, exc.message)
    except Exception as exc:  # a lookup's failure is the step's, named, never a lost case
        return StepFailure(element_id, f"handler '{name}' failed: {type(exc).__name__}: {exc}")
    task.run()
    record(session, opened.case.id, EventKind.SERVICE_COMPLETED, element_id=element_id,
           element_name=task.task_spec.bpmn_name, data=result or None,
           reason=f"handler '{name}', in the step")
    return None


def run_steps_and_lookups(session: Session, opened: OpenCase, max_steps: int) -> StepFailure | None:
    """Run engine steps and the lookups they reach until the case waits for something else."""
    for _ in range(MAX_ROUNDS):
        failure = run_steps(opened, max_steps)
        if failure is not None:
            return failure
        ready = ready_lookups(session, opened) if opened.definition.has_service_tasks else []
        if not ready:
            return None
        for task, name, handler in ready:
            failure = _run_lookup(session, opened, task, name, handler)
            if failure is not None:
                return failure
    return StepFailure(None, f"more than {MAX_ROUNDS} rounds of lookups in one step (a loop?)")


__all__ = ["ready_lookups", "run_steps_and_lookups"]
