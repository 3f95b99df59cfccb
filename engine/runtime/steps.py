"""Running a case's engine steps, and turning whatever a step raised into a `StepFailure`."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState as SpiffState

from engine.errors import EngineError, LimitExceeded, StepFailure
from engine.runtime.context import OpenCase
from engine.runtime.stuck import deadlock_check

DEFAULT_MAX_STEPS = 10_000


class StepBudget:
    """`will_complete_task` callback: at most `limit` engine tasks in one advance.

    A process that loops through scripts and gateways without ever waiting would
    otherwise hold its request (and, on SQLite, the write lock) until the task tree's
    depth horizon, minutes later.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.running: list[Any] = []
        """The task about to run (SpiffWorkflow does not say which one raised)."""
        self.reached: list[str] = []
        """The BPMN elements completed, in order (the case's outcome is read from them)."""

    def __call__(self, task: Any) -> None:
        self.running[:] = [task]
        self.used += 1
        element = getattr(task.task_spec, "bpmn_id", None)
        if element:
            self.reached.append(element)
        if self.used > self.limit:
            element = task.task_spec.bpmn_id or task.task_spec.name
            raise LimitExceeded(f"the process ran more than {self.limit} steps without waiting "
                                f"(an endless loop?) at '{element}'", element_id=element)


def run_steps(opened: OpenCase, max_steps: int = DEFAULT_MAX_STEPS) -> StepFailure | None:
    """Run engine steps until the case waits; return the failure if a step failed."""
    workflow = opened.workflow
    budget = StepBudget(max_steps)
    running = budget.running
    try:
        workflow.refresh_timers()
        try:
            workflow.do_engine_steps(will_complete_task=budget)
        finally:
            opened.reached.extend(budget.reached)
        opened.events.extend(workflow.get_events())
    except RecursionError:
        return StepFailure(_mark_errored(workflow, running),
                           "the process is too deep for the engine (recursion limit)")
    except EngineError as exc:
        return StepFailure(exc.context.get("element_id") or _mark_errored(workflow, running),
                           exc.message, exc.context.get("line"))
    except (WorkflowException, SpiffWorkflowException) as exc:
        _mark_errored(workflow, running)
        return failure_from_spiff(exc, workflow)
    except Exception as exc:  # a step raising anything else still must not lose the case
        return StepFailure(_mark_errored(workflow, running), f"{type(exc).__name__}: {exc}")
    return depth_check(workflow) or deadlock_check(workflow)


def _mark_errored(workflow: BpmnWorkflow, running: list[Any]) -> str | None:
    """The element whose step raised; its task is put in ERROR so that a retry runs it again.

    SpiffWorkflow leaves a task that raised a plain exception (not its own) READY or STARTED
    without naming it; the engine keeps the task it was about to run to know which it was.
    """
    found = errored_element(workflow)
    if found is not None or not running:
        return found
    task = running[0]
    if task.has_state(SpiffState.READY | SpiffState.STARTED):
        task.error()
    return task.task_spec.bpmn_id or task.task_spec.name  # type: ignore[no-any-return]


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


def failure_from_spiff(exc: Exception, workflow: BpmnWorkflow) -> StepFailure:
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or errored_element(workflow)
    line = getattr(exc, "line_number", None) or None
    inner = getattr(exc, "exception", None)
    message = str(exc.args[0]) if exc.args else str(exc)
    if isinstance(inner, EngineError):
        message = inner.message
    notes = getattr(exc, "notes", None)
    details = {"notes": list(notes)} if notes else {}
    return StepFailure(element, message, line if isinstance(line, int) else None, details)


def errored_element(workflow: BpmnWorkflow) -> str | None:
    errored = workflow.get_tasks(state=SpiffState.ERROR)
    return errored[0].task_spec.bpmn_id if errored else None


__all__ = ["DEFAULT_MAX_STEPS", "StepBudget", "depth_check", "errored_element", "failure_from_spiff",
           "run_steps"]
