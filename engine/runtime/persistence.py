"""Load a case, run its engine steps, save it: the one path every change takes.

Every change is load -> run -> save inside the caller's transaction. `save`
writes the state with `UPDATE ... WHERE version = :read`; a lost race raises
`ConcurrentUpdate` and the caller rolls back. Live workflow objects are kept
between steps of a case in this process (keyed by case id and version) and put
back only after a commit, so a failed or rolled-back change never leaks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock
from engine.definitions.deployment import LoadedDefinition, load_definition
from engine.errors import CaseFailed, ConcurrentUpdate, EngineError, NotFound, StepFailure
from engine.runtime import spiff_patches
from engine.runtime.compaction import compact
from engine.runtime.serialization import SERIALIZER_VERSION, dump_state, load_state
from engine.runtime.stuck import deadlock_check
from engine.sandbox.evaluator import SandboxScriptEngine
from engine.store.models import Case, CaseStatus

spiff_patches.apply()
_script_engine: SandboxScriptEngine | None = None


def script_engine() -> SandboxScriptEngine:
    global _script_engine
    if _script_engine is None:
        _script_engine = SandboxScriptEngine()
    return _script_engine


@dataclass
class OpenCase:
    case: Case
    definition: LoadedDefinition
    workflow: BpmnWorkflow
    read_version: int
    events: list[Any] = field(default_factory=list)


class _LiveWorkflows:
    """Workflows that are exactly the committed state of (case id, version)."""

    def __init__(self, size: int = 512) -> None:
        self._items: dict[int, tuple[int, BpmnWorkflow]] = {}
        self._size = size
        self._lock = threading.Lock()

    def take(self, case_id: int, version: int) -> BpmnWorkflow | None:
        with self._lock:
            item = self._items.pop(case_id, None)
        if item is not None and item[0] == version:
            return item[1]
        return None

    def put(self, case_id: int, version: int, workflow: BpmnWorkflow) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[case_id] = (version, workflow)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


LIVE = _LiveWorkflows()
_PENDING = "alliance.live_pending"


@event.listens_for(Session, "after_commit")
def _publish_live(session: Session) -> None:
    for case_id, version, workflow in session.info.pop(_PENDING, []):
        LIVE.put(case_id, version, workflow)


@event.listens_for(Session, "after_rollback")
def _drop_live(session: Session) -> None:
    session.info.pop(_PENDING, None)


def new_workflow(definition: LoadedDefinition) -> BpmnWorkflow:
    return BpmnWorkflow(definition.spec, definition.subprocess_specs, script_engine=script_engine())


def open_case(session: Session, case_id: int) -> OpenCase:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"unknown case {case_id}", case_id=case_id)
    definition = load_definition(case.definition)
    workflow = LIVE.take(case.id, case.version)
    if workflow is None:
        workflow = load_state(case.state, definition.spec, definition.subprocess_specs)
        workflow.script_engine = script_engine()
    return OpenCase(case, definition, workflow, case.version)


def run_steps(opened: OpenCase) -> StepFailure | None:
    """Run engine steps until the case waits; return the failure if a step failed."""
    workflow = opened.workflow
    try:
        workflow.refresh_timers()
        workflow.do_engine_steps()
        opened.events.extend(workflow.get_events())
    except RecursionError:
        return StepFailure(None, "the process is too deep for the engine (recursion limit)")
    except EngineError as exc:
        return StepFailure(exc.context.get("element_id") or _errored_element(workflow), exc.message,
                           exc.context.get("line"))
    except (WorkflowException, SpiffWorkflowException) as exc:
        return _failure_from_spiff(exc, workflow)
    except Exception as exc:  # a step raising anything else still must not lose the case
        return StepFailure(_errored_element(workflow), f"{type(exc).__name__}: {exc}")
    return depth_check(workflow) or deadlock_check(workflow)


def depth_check(workflow: BpmnWorkflow) -> StepFailure | None:
    """SpiffWorkflow stops a long loop silently and calls the workflow completed.

    Its tree walks end at the depth horizon, so the tasks left behind are found
    in the flat task dictionaries instead.
    """
    if workflow.is_completed():
        unfinished = SpiffState.READY | SpiffState.WAITING | SpiffState.STARTED
        tasks = list(workflow.tasks.values())
        for sub in workflow.subprocesses.values():
            tasks.extend(sub.tasks.values())
        left = [t for t in tasks if t.has_state(unfinished)]
        if left:
            element = left[0].task_spec.bpmn_id or left[0].task_spec.name
            return StepFailure(element, (
                "the engine stopped at the task-tree depth limit with tasks left to run "
                f"({len(left)} at '{element}'); a loop ran too many times"))
    return None


def _failure_from_spiff(exc: Exception, workflow: BpmnWorkflow) -> StepFailure:
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or _errored_element(workflow)
    line = getattr(exc, "line_number", None) or None
    inner = getattr(exc, "exception", None)
    message = str(exc.args[0]) if exc.args else str(exc)
    if isinstance(inner, EngineError):
        message = inner.message
    notes = getattr(exc, "notes", None)
    details = {"notes": list(notes)} if notes else {}
    return StepFailure(element, message, line if isinstance(line, int) else None, details)


def _errored_element(workflow: BpmnWorkflow) -> str | None:
    errored = workflow.get_tasks(state=SpiffState.ERROR)
    return errored[0].task_spec.bpmn_id if errored else None


def save_case(session: Session, opened: OpenCase, *, failure: StepFailure | None = None) -> None:
    """Write state and status guarded by the version read at load time."""
    from engine.runtime.projections import sync_projections

    case, workflow = opened.case, opened.workflow
    now = clock.now()
    status = case.status
    ended_at = case.ended_at
    reason = case.status_reason
    failed_element = case.failed_element_id
    if failure is not None:
        status, reason, failed_element = CaseStatus.FAILED, failure.message, failure.element_id
    elif status == CaseStatus.RUNNING and workflow.is_completed():
        status, ended_at = CaseStatus.COMPLETED, now
    compact(workflow)
    state = dump_state(workflow).encode()
    new_version = opened.read_version + 1
    result = session.execute(
        update(Case).where(Case.id == case.id, Case.version == opened.read_version)
        .values(state=state, version=new_version, status=status, updated_at=now, ended_at=ended_at,
                status_reason=reason, failed_element_id=failed_element,
                serializer_version=SERIALIZER_VERSION)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdate(f"case {case.id} was changed by someone else; reload and try again",
                               case_id=case.id)
    for key, value in dict(state=state, version=new_version, status=status, updated_at=now,
                           ended_at=ended_at, status_reason=reason,
                           failed_element_id=failed_element,
                           serializer_version=SERIALIZER_VERSION).items():
        set_committed_value(case, key, value)
    opened.read_version = new_version
    sync_projections(session, opened, now)
    if failure is None:
        session.info.setdefault(_PENDING, []).append((case.id, new_version, workflow))


def fail_if(failure: StepFailure | None, case_id: int) -> None:
    if failure is not None:
        raise CaseFailed(failure, case_id)


def case_version(session: Session, case_id: int) -> int | None:
    return session.scalar(select(Case.version).where(Case.id == case_id))
