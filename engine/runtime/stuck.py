"""A case that can never move again, found after each step and failed by name.

SpiffWorkflow leaves a parallel (or inclusive) join WAITING forever when one of its
incoming flows can no longer carry a token: typically the flow starts at a
non-interrupting boundary event whose activity has finished without the event
firing. Nothing is READY, no timer or message is awaited, and the workflow is not
completed: the case would stay `running` with nothing to do and no job, silently.
BPMN says the same (the join waits for every incoming flow), so the model is what is
wrong; the engine fails the case naming the gateway, so the Secretariat sees an
incident instead of a case that looks alive.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.util.task import TaskState as SpiffState

from engine.errors import StepFailure

_JOINS = (ParallelGateway, InclusiveGateway)


def _all_tasks(workflow: BpmnWorkflow) -> list[Any]:
    tasks = list(workflow.tasks.values())
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.tasks.values())
    return tasks


def deadlock_check(workflow: BpmnWorkflow) -> StepFailure | None:
    """A failure naming the join if the case waits only on joins that nothing can reach."""
    if workflow.is_completed():
        return None
    tasks = _all_tasks(workflow)
    if any(t.has_state(SpiffState.READY) for t in tasks):
        return None
    waiting = [t for t in tasks if t.has_state(SpiffState.WAITING)]
    if not waiting or not all(isinstance(t.task_spec, _JOINS) for t in waiting):
        return None
    join = waiting[0].task_spec
    element = join.bpmn_id or join.name
    kind = "parallel" if isinstance(join, ParallelGateway) else "inclusive"
    return StepFailure(element, (
        f"the case cannot go on: {kind} gateway '{element}' waits for an incoming flow that no "
        "task, timer or message can reach any more (for example a flow from a non-interrupting "
        "boundary event that did not fire); change the model so the join does not wait for it"))


__all__ = ["deadlock_check"]
