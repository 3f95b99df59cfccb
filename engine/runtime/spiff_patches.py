"""Deliberate adjustments to SpiffWorkflow 3.2.0 internals, in one place.

Task-tree depth: SpiffWorkflow's tree iterators stop at depth 1000 by default.
A loop adds a few levels per iteration, so after roughly 250-500 iterations the
READY task falls below the horizon: the workflow then reports itself completed
with work left, silently. The engine raises the horizon (default 100,000) so
long-running loops keep working, and `runtime.depth_check` still fails any case
that reaches the horizon, loudly.

Time: SpiffWorkflow's timer module reads `datetime.now(timezone.utc)` itself.
The module's `datetime` name is replaced by a subclass whose `now()` reads the
engine's clock (`engine.clock`), so a fake clock moves Spiff's timers too.

Cycles: after downtime SpiffWorkflow fires every missed occurrence of a cycle
timer, one per refresh. The engine's rule is "missed occurrences collapse into
one firing": when several occurrences are past, the cycle fires once, the next
firing stays on the original schedule (the first occurrence after now), and for
a bounded cycle (`R3/...`) the skipped occurrences count as used.

Decision tables: SpiffWorkflow's UNIQUE hit policy returns the first matching rule
without looking further, so a table whose rules overlap answers silently with the first.
The engine evaluates every rule and fails the step naming the rows when more than one
matches, as the DMN standard says a UNIQUE table must.

Bounds (engine.runtime.spiff_bounds): timer values bounded and computed without
loops, multi-instance fan-out capped, prediction without recursion; and the parser
without recursion on process length (engine.bpmn.parsing).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.util.task import TaskIterator

from engine import clock
from engine.bpmn import parsing
from engine.runtime import spiff_bounds

SPIFF_DEFAULT_MAX_DEPTH = 1000
ENGINE_MAX_DEPTH = 100_000
_REAL_DATETIME = datetime


def set_max_tree_depth(depth: int) -> int:
    """Set how deep SpiffWorkflow's iterators look; returns the previous depth."""
    previous: int = TaskIterator.__init__.__defaults__[1]  # type: ignore[index]
    TaskIterator.__init__.__defaults__ = (None, depth, True, None)
    BpmnTaskIterator.__init__.__defaults__ = (None, depth, True, False, None)
    return previous


class _ClockDatetimeMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        # Spiff checks `isinstance(value, datetime)` on values it parsed itself.
        return isinstance(obj, _REAL_DATETIME)


class ClockDatetime(datetime, metaclass=_ClockDatetimeMeta):
    """`datetime` whose `now()` is the engine clock (installed in Spiff's timer module)."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = clock.now()
        if tz is None:
            return current.astimezone().replace(tzinfo=None)
        return current.astimezone(tz)


def collapse_missed(event_value: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Move a cycle's `next` to its last missed occurrence, so that it fires once.

    `event_value` is Spiff's cycle state: {'cycles': n (-1 = unbounded), 'next': iso,
    'duration': seconds}. Returns the same dict, updated in place.
    """
    cycles, duration = event_value["cycles"], float(event_value["duration"])
    if cycles == 0 or duration <= 0:
        return event_value
    next_at = _REAL_DATETIME.fromisoformat(event_value["next"])
    if next_at >= now:
        return event_value
    missed = -((next_at - now) // timedelta(seconds=duration))  # occurrences strictly before now
    skipped = missed - 1
    if cycles > 0:
        skipped = min(skipped, cycles - 1)
        event_value["cycles"] = cycles - skipped
    event_value["next"] = (next_at + timedelta(seconds=duration) * skipped).isoformat()
    return event_value


_original_cycle_complete = spiff_timer.CycleTimerEventDefinition.cycle_complete


def _collapsing_cycle_complete(self: Any, my_task: Any) -> bool:
    event_value = my_task._get_internal_data("event_value")
    if event_value is not None and isinstance(event_value, dict) and "next" in event_value:
        my_task._set_internal_data(event_value=collapse_missed(event_value, clock.now()))
    return bool(_original_cycle_complete(self, my_task))


_cycle_complete = spiff_bounds.naming_the_element(_collapsing_cycle_complete)


def _decide(self: Any, task: Any) -> list[Any]:
    table = self.decision_table
    matched = [rule for rule in table.rules if self._DMNEngine__check_rule(rule, task)]
    if table.hit_policy == HitPolicy.UNIQUE.value and len(matched) > 1:
        rows = ", ".join(str(rule.row_number) for rule in matched)
        raise ValueError(f"decision table '{table.name or table.id}' has hit policy UNIQUE but "
                         f"rules {rows} all match; make the rules exclusive or use FIRST")
    return matched


def install_clock() -> None:
    """Make SpiffWorkflow's timer module read the engine clock (idempotent)."""
    spiff_timer.datetime = ClockDatetime  # type: ignore[misc]
    spiff_timer.CycleTimerEventDefinition.cycle_complete = _cycle_complete  # type: ignore[method-assign]


class PatchMismatch(RuntimeError):
    """SpiffWorkflow's internals are not shaped as the patches expect (another version?)."""


def check_shapes() -> None:
    """Refuse to patch internals that do not look as they did in SpiffWorkflow 3.2.0."""
    problems = []
    if TaskIterator.__init__.__defaults__ is None or len(TaskIterator.__init__.__defaults__) != 4:
        problems.append("TaskIterator.__init__ defaults (task, max_depth, ...)")
    if BpmnTaskIterator.__init__.__defaults__ is None or len(BpmnTaskIterator.__init__.__defaults__) != 5:
        problems.append("BpmnTaskIterator.__init__ defaults")
    if getattr(spiff_timer, "datetime", None) not in (_REAL_DATETIME, ClockDatetime):
        problems.append("the timer module's datetime name")
    if not callable(getattr(spiff_timer.CycleTimerEventDefinition, "cycle_complete", None)):
        problems.append("CycleTimerEventDefinition.cycle_complete")
    if not callable(getattr(DMNEngine, "decide", None)) or not hasattr(DMNEngine, "_DMNEngine__check_rule"):
        problems.append("DMNEngine.decide / __check_rule")
    problems.extend(spiff_bounds.shape_problems())
    if problems:
        raise PatchMismatch("SpiffWorkflow internals changed: " + "; ".join(problems))


def apply() -> None:
    """Apply every patch (idempotent); engine.bootstrap calls it once per runtime."""
    check_shapes()
    set_max_tree_depth(ENGINE_MAX_DEPTH)
    install_clock()
    DMNEngine.decide = _decide  # type: ignore[method-assign]
    spiff_bounds.install()
    parsing.install()


__all__ = ["ENGINE_MAX_DEPTH", "ClockDatetime", "PatchMismatch", "apply", "check_shapes", "collapse_missed",
           "set_max_tree_depth"]
