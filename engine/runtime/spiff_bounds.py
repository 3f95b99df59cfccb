"""Bounds on the work SpiffWorkflow 3.2.0 does by itself, outside the sandbox.

Installed by engine.runtime.spiff_patches (after checking the shapes they replace):

* Timer values: SpiffWorkflow's duration, date and cycle computations are replaced
  by engine.bpmn.timer_values (bounded to 100 years, no month-by-month loop), and a
  refused value fails the step at the timer's element instead of escaping unnamed.
* Fan-out: a multi-instance activity starts at most `script_engine.max_instances`
  instances (the runtime's setting, reached through `workflow.script_engine`); more
  fails the step naming the element and the count.
* Prediction: `TaskSpec._predict` walks the future of a task recursively, one frame
  per element, so a linear process of about 1,000 tasks hit the recursion limit when
  a case started. It runs here on an explicit stack, in the same order.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Sized
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import timer_values
from engine.bpmn.timer_values import TimerValueError
from engine.sandbox.evaluator import DEFAULT_MAX_INSTANCES

#: sha256 of the source of what is wrapped or replaced, as in SpiffWorkflow 3.2.0.
EXPECTED_SOURCES = {
    "TaskSpec._predict": "e205cac4587d51d4d6974eeb053185ba31dbb8c8a0fe09021be9f032a5df6199",
    "MultiInstanceTask.create_child":
        "7241174bea90bec2e9202cd260b0b5d1b97ef5213d974004e8ed3c2409a102a8",
}
_TIMER = spiff_timer.TimerEventDefinition
_TIMER_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "parse_iso_duration": timer_values.parse_duration,
    "get_timedelta_from_start": timer_values.timedelta_from_start,
    "get_timedelta_from_end": timer_values.timedelta_from_end,
    "get_datetime": timer_values.parse_date,
    "parse_time_or_duration": timer_values.parse_time_or_duration,
    "parse_iso_recurring_interval": timer_values.parse_cycle,
}
ORIGINAL_TIMER_FUNCTIONS = {name: getattr(_TIMER, name) for name in _TIMER_FUNCTIONS}
"""SpiffWorkflow's own timer functions (what install_timers replaces), kept for comparison."""
_ORIGINAL_PREDICT = TaskSpec._predict
_ORIGINAL_CREATE_CHILD = MultiInstanceTask.create_child
_ORIGINAL_HAS_FIRED = {cls: cls.has_fired for cls in (spiff_timer.TimeDateEventDefinition,
                                                      spiff_timer.DurationTimerEventDefinition)}


# --------------------------------------------------------------------------- timers

def naming_the_element(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a timer definition's method: a refused value fails the step at the timer."""

    def checked(self: Any, my_task: Any) -> Any:
        try:
            return method(self, my_task)
        except TimerValueError as exc:
            raise WorkflowTaskException(f"timer value refused: {exc}", task=my_task,
                                        exception=exc) from exc

    checked.__wrapped__ = method  # type: ignore[attr-defined]
    return checked


def install_timers() -> None:
    for name, function in _TIMER_FUNCTIONS.items():
        setattr(_TIMER, name, staticmethod(function))
    for cls, original in _ORIGINAL_HAS_FIRED.items():
        cls.has_fired = naming_the_element(original)  # type: ignore[method-assign]


# --------------------------------------------------------------------------- fan-out

def max_instances(my_task: Any) -> int:
    return int(getattr(my_task.workflow.script_engine, "max_instances", DEFAULT_MAX_INSTANCES))


def instance_count(spec: MultiInstanceTask, my_task: Any) -> int | None:
    """How many instances the activity is about to start, when that can be known."""
    if spec.data_input is not None:
        if not spec.data_input.exists(my_task):
            return None  # SpiffWorkflow reports the missing input itself
        collection = spec.data_input.get(my_task)
        return len(collection) if isinstance(collection, Sized) else None
    cardinality = my_task.internal_data.get("cardinality")
    if cardinality is None and spec.cardinality is not None:
        cardinality = my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)
    return cardinality if isinstance(cardinality, int) else None


def _create_child(self: MultiInstanceTask, my_task: Any, item: Any, key_or_index: Any = None) -> Any:
    limit = max_instances(my_task)
    started = sum(1 for _ in self._instances(my_task))
    count = instance_count(self, my_task) if started == 0 else None
    if (count is not None and count > limit) or started >= limit:
        raise WorkflowTaskException(
            f"multi-instance activity '{self.bpmn_id}' would start "
            f"{count if count is not None else f'more than {started}'} instances; at most "
            f"{limit} are allowed", task=my_task)
    return _ORIGINAL_CREATE_CHILD(self, my_task, item, key_or_index)


# --------------------------------------------------------------------------- prediction

def _predict(self: TaskSpec, my_task: Any, seen: list[Any] | None = None, looked_ahead: int = 0,
             mask: int = TaskState.PREDICTED_MASK) -> None:
    """TaskSpec._predict of SpiffWorkflow 3.2.0 on an explicit stack, in the same order.

    Each entry is a call of the original: (spec, task, its `seen`, looked_ahead, the
    parent's `seen` to test the task against, or None for the first call).
    """
    stack: list[tuple[Any, Any, list[Any], int, list[Any] | None]] = [
        (self, my_task, [] if seen is None else seen, looked_ahead, None)]
    while stack:
        spec, task, path, ahead, parent_seen = stack.pop()
        if parent_seen is not None and not (task.has_state(mask) and task not in parent_seen):
            continue  # the original's test, made when the loop reaches this child
        if task.has_state(mask):
            spec._predict_hook(task)
        if task.has_state(TaskState.PREDICTED_MASK):
            path.append(spec)
        if not (task.has_state(TaskState.DEFINITE_MASK) or ahead + 1 < spec.lookahead):
            continue
        for child in reversed(task.children):
            stack.append((child.task_spec, child, path[:], ahead + 1, path))


# --------------------------------------------------------------------------- installing

def _source_hash(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def shape_problems() -> list[str]:
    problems = []
    originals = {"TaskSpec._predict": _ORIGINAL_PREDICT,
                 "MultiInstanceTask.create_child": _ORIGINAL_CREATE_CHILD}
    for name, function in originals.items():
        if _source_hash(function) != EXPECTED_SOURCES[name]:
            problems.append(name)
    for name in _TIMER_FUNCTIONS:
        if not callable(getattr(_TIMER, name, None)):
            problems.append(f"TimerEventDefinition.{name}")
    for cls in _ORIGINAL_HAS_FIRED:
        if not callable(getattr(cls, "has_fired", None)):
            problems.append(f"{cls.__name__}.has_fired")
    return problems


def install() -> None:
    """Install every bound (idempotent; spiff_patches checks shape_problems() first)."""
    install_timers()
    MultiInstanceTask.create_child = _create_child  # type: ignore[method-assign]
    TaskSpec._predict = _predict  # type: ignore[method-assign]


__all__ = ["DEFAULT_MAX_INSTANCES", "install", "instance_count", "max_instances",
           "naming_the_element", "shape_problems"]
