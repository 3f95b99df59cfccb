"""A loop that outgrows SpiffWorkflow's task-tree horizon fails loudly, never 'completes'."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.definitions import deployment as definitions
from engine.errors import StepFailed
from engine.runtime import cases, spiff_patches
from engine.runtime.history import case_history
from tests.conftest import fixture_files


@pytest.fixture
def spiff_default_depth() -> Iterator[None]:
    previous = spiff_patches.set_max_tree_depth(spiff_patches.SPIFF_DEFAULT_MAX_DEPTH)
    yield
    spiff_patches.set_max_tree_depth(previous)


def test_loop_past_the_horizon_fails_the_case(session: Session, make_user: Callable[..., Actor],
                                              spiff_default_depth: None) -> None:
    definitions.deploy(session, fixture_files("script_loop.bpmn"))
    with pytest.raises(StepFailed, match="depth limit"):
        cases.start_case(session, "script_loop", user=make_user("ana"), data={"limit": 600})
    session.rollback()
    view = cases.start_case(session, "script_loop", user=None, data={"limit": 600})
    session.commit()
    assert view.status == "failed", "a truncated loop must not be reported as completed"
    assert "depth limit" in (view.status_reason or "")
    assert view.failed_element_id in {"more", "count_up", "join"}
    assert [h.kind for h in case_history(session, view.id)][-1] == "case_failed"


def test_engine_runs_the_same_loop_to_the_end(session: Session, make_user: Callable[..., Actor]) -> None:
    definitions.deploy(session, fixture_files("script_loop.bpmn"))
    view = cases.start_case(session, "script_loop", user=make_user("ana"), data={"limit": 350})
    assert view.status == "completed"
    assert view.data["count"] == 350


def test_short_loop_completes_under_spiff_default(session: Session, make_user: Callable[..., Actor],
                                                  spiff_default_depth: None) -> None:
    definitions.deploy(session, fixture_files("script_loop.bpmn"))
    view = cases.start_case(session, "script_loop", user=make_user("ana"), data={"limit": 50})
    assert (view.status, view.data["count"]) == ("completed", 50)


def test_a_human_loop_keeps_going_past_spiffs_horizon(session: Session,
                                                      make_user: Callable[..., Actor]) -> None:
    """260 turns of a user-task loop: with SpiffWorkflow's default horizon the task would vanish."""
    from engine.runtime import tasks

    definitions.deploy(session, fixture_files("loop.bpmn"))
    worker = make_user("wanda", "workers")
    view = cases.start_case(session, "looping", user=worker)
    session.commit()
    for _ in range(260):
        view = tasks.complete_task(session, view.open_tasks[0].id, user=worker, data={"done": False})
        session.commit()
    assert view.status == "running"
    assert [t.element_id for t in view.open_tasks] == ["work"]
    assert view.data["count"] == 260
    view = tasks.complete_task(session, view.open_tasks[0].id, user=worker, data={"done": True})
    assert (view.status, view.data["count"]) == ("completed", 261)
