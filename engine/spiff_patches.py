"""Deliberate adjustments to SpiffWorkflow 3.2.0 internals, in one place.

Task-tree depth: SpiffWorkflow's tree iterators stop at depth 1000 by default.
A loop adds a few levels per iteration, so after roughly 250-500 iterations the
READY task falls below the horizon: the workflow then reports itself completed
with work left, silently. The engine raises the horizon (default 100,000) so
long-running loops keep working, and `runtime.depth_check` still fails any case
that reaches the horizon, loudly.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator

SPIFF_DEFAULT_MAX_DEPTH = 1000
ENGINE_MAX_DEPTH = 100_000


def set_max_tree_depth(depth: int) -> int:
    """Set how deep SpiffWorkflow's iterators look; returns the previous depth."""
    previous: int = TaskIterator.__init__.__defaults__[1]  # type: ignore[index]
    TaskIterator.__init__.__defaults__ = (None, depth, True, None)
    BpmnTaskIterator.__init__.__defaults__ = (None, depth, True, False, None)
    return previous


def apply() -> None:
    set_max_tree_depth(ENGINE_MAX_DEPTH)
