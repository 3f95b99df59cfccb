"""A looping case's state stays small: the finished stem of its task tree is cut."""

from __future__ import annotations

from collections.abc import Callable

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.definitions import deployment as definitions
from engine.definitions.validation import validate_files
from engine.runtime import cases, tasks
from engine.runtime.compaction import KEEP, TRIGGER, compact
from engine.sandbox.evaluator import SandboxScriptEngine
from engine.store.models import Case
from tests.conftest import fixture_files


def _loop_workflow() -> BpmnWorkflow:
    parsed = validate_files(fixture_files("loop.bpmn")).processes[0]
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SandboxScriptEngine())
    workflow.do_engine_steps()
    return workflow


def _turn(workflow: BpmnWorkflow, done: bool = False) -> None:
    task = workflow.get_tasks(state=TaskState.READY)[0]
    task.data["done"] = done
    task.run()
    workflow.do_engine_steps()


def test_compaction_keeps_live_tasks_and_a_margin() -> None:
    workflow = _loop_workflow()
    for _ in range(60):
        _turn(workflow)
    before = len(workflow.tasks)
    ready_before = [t.id for t in workflow.get_tasks(state=TaskState.READY)]
    dropped = compact(workflow)
    assert dropped > 0 and len(workflow.tasks) == before - dropped
    assert [t.id for t in workflow.get_tasks(state=TaskState.READY)] == ready_before
    assert workflow.task_tree.parent is None
    assert len(workflow.tasks) <= KEEP + TRIGGER
    assert workflow.task_tree.data["count"] > 0
    for _ in range(5):
        _turn(workflow)
    _turn(workflow, done=True)
    assert workflow.is_completed()
    assert workflow.last_task.data["count"] == 66


def test_short_cases_are_left_alone() -> None:
    workflow = _loop_workflow()
    for _ in range(5):
        _turn(workflow)
    assert compact(workflow) == 0


def test_state_of_a_long_loop_stays_small(session: Session, make_user: Callable[..., Actor]) -> None:
    definitions.deploy(session, fixture_files("loop.bpmn"))
    worker = make_user("wanda", "workers")
    view = cases.start_case(session, "looping", user=worker)
    sizes = {}
    for turn in range(1, 151):
        view = tasks.complete_task(session, view.open_tasks[0].id, user=worker, data={"done": False})
        if turn in (20, 150):
            sizes[turn] = len(session.scalar(select(Case.state).where(Case.id == view.id)) or b"")
    session.commit()
    assert view.data["count"] == 150
    assert sizes[150] < 2 * sizes[20], sizes
