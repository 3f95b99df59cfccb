"""Bounds on SpiffWorkflow's own work: fan-out, steps, timer values, long processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.bootstrap import build_runtime, limits_from_environment
from engine.bootstrap import session_factory as engine_session_factory
from engine.clock import FakeClock
from engine.definitions.deployment import deploy
from engine.definitions.validation import UploadedFile
from engine.errors import StepFailed
from engine.runtime import cases, tasks
from engine.store.models import HumanTask
from tests.conftest import fixture_files
from tests.engine.bpmn.test_parsing import linear_process
from tests.engine.worker_handlers import deploy_xml, flow
from tests.hostile.diagrams import CONDITION, timed

FAN_OUT = f"""
<bpmn:startEvent id="start" />
<bpmn:userTask id="endorse" name="Endorse">
  <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="staff" />
  </bpmn:extensionElements>
  <bpmn:multiInstanceLoopCharacteristics>
    <bpmn:loopDataInputRef>partner_institutions</bpmn:loopDataInputRef>
    <bpmn:inputDataItem id="partner" name="partner" />
  </bpmn:multiInstanceLoopCharacteristics>
</bpmn:userTask>
<bpmn:endEvent id="end" />
{flow("start", "endorse")}{flow("endorse", "end")}"""

DUE = f"""
<bpmn:startEvent id="start" />
<bpmn:userTask id="review" name="Review"><bpmn:extensionElements>
  <zeebe:assignmentDefinition candidateGroups="staff" />
  <zeebe:taskSchedule dueDate="=deadline" /></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end" />
{flow("start", "review")}{flow("review", "end")}"""


@pytest.fixture
def small_runtime_factory(db_engine: Any) -> Iterator[Callable[..., sessionmaker[Any]]]:
    built: list[Any] = []

    def make(**limits: int) -> sessionmaker[Any]:
        runtime = build_runtime(**limits)  # type: ignore[arg-type]
        built.append(runtime)
        return engine_session_factory(db_engine, runtime)

    yield make
    for runtime in built:
        runtime.close()


def test_fan_out_beyond_the_cap_fails_naming_element_and_count(
        session: Session, make_user: Callable[..., Actor]) -> None:
    deploy_xml(session, "fan_out", FAN_OUT)
    with pytest.raises(StepFailed, match="would start 5000 instances; at most 300 are allowed"):
        cases.start_case(session, "fan_out", user=make_user("ana"),
                         data={"partner_institutions": ["iran_chamber"] * 5000})
    session.rollback()  # a person's start is refused whole; started by the engine, it fails:
    view = cases.start_case(session, "fan_out", user=None,
                            data={"partner_institutions": ["iran_chamber"] * 5000})
    session.commit()
    assert view.status == "failed"
    assert view.failed_element_id == "endorse"
    assert "would start 5000 instances; at most 300 are allowed" in (view.status_reason or "")
    assert session.scalar(select(HumanTask).where(HumanTask.case_id == view.id)) is None


def test_fan_out_cap_is_configurable(session: Session, make_user: Callable[..., Actor],
                                     small_runtime_factory: Callable[..., sessionmaker[Any]]) -> None:
    deploy_xml(session, "fan_out", FAN_OUT)
    ana = make_user("ana")
    session.rollback()  # SQLite: the other session needs the write lock
    factory = small_runtime_factory(max_instances=3)
    with factory() as small:
        ok = cases.start_case(small, "fan_out", user=ana, data={"partner_institutions": ["a", "b", "c"]})
        too_many = cases.start_case(small, "fan_out", user=None,
                                    data={"partner_institutions": ["a", "b", "c", "d"]})
        small.commit()
    assert (ok.status, len(ok.open_tasks)) == ("running", 3)
    assert too_many.status == "failed"
    assert "would start 4 instances; at most 3" in (too_many.status_reason or "")


def test_a_process_that_never_waits_is_stopped(
        session: Session, make_user: Callable[..., Actor],
        small_runtime_factory: Callable[..., sessionmaker[Any]]) -> None:
    deploy(session, fixture_files("script_loop.bpmn"))
    make_user("ana")
    session.rollback()  # SQLite: the other session needs the write lock
    with small_runtime_factory(max_steps=200)() as small:
        view = cases.start_case(small, "script_loop", user=None, data={"limit": 10**6})
        small.commit()
    assert view.status == "failed"
    assert "ran more than 200 steps without waiting" in (view.status_reason or "")
    assert view.failed_element_id in {"count_up", "more", "join"}


@pytest.mark.parametrize(("delay", "reason"), [
    ("P99999999999999Y", "longer than 100 years"),
    ("R/P1D", "not an ISO 8601 duration"),
    (42, "a duration must be text"),
])
def test_a_timer_value_from_data_is_bounded(session: Session, make_user: Callable[..., Actor],
                                            delay: Any, reason: str) -> None:
    deploy_xml(session, "timed", timed("delay"))
    view = cases.start_case(session, "timed", user=None, data={"delay": delay})
    session.commit()
    assert view.status == "failed"
    assert view.failed_element_id == "wait"
    assert reason in (view.status_reason or "")


def test_a_reasonable_timer_value_from_data_still_works(
        session: Session, make_user: Callable[..., Actor], fake_clock: FakeClock) -> None:
    deploy_xml(session, "timed", timed("delay"))
    view = cases.start_case(session, "timed", user=make_user("ana"), data={"delay": "P1Y2M"})
    assert view.status == "running"


def test_a_failed_condition_says_why(session: Session, make_user: Callable[..., Actor]) -> None:
    deploy_xml(session, "condition", CONDITION)
    view = cases.start_case(session, "condition", user=None, data={"amount": 5})
    session.commit()
    assert view.status == "failed"
    assert view.failed_element_id == "decide"
    reason = view.status_reason or ""
    assert "amount > limit" in reason and "NameError: name 'limit' is not defined" in reason


@pytest.mark.parametrize(("deadline", "due_in"), [
    ("P2D", timedelta(days=2)), ("9999-12-31", None), ("P99999999999999Y", None),
])
def test_due_dates_are_bounded(session: Session, make_user: Callable[..., Actor],
                               fake_clock: FakeClock, deadline: str,
                               due_in: timedelta | None) -> None:
    deploy_xml(session, "due", DUE)
    view = cases.start_case(session, "due", user=make_user("ana"), data={"deadline": deadline})
    task = session.get(HumanTask, view.open_tasks[0].id)
    assert task is not None
    assert task.due_at == (fake_clock.now() + due_in if due_in else None)


def test_a_process_of_2000_tasks_in_a_line_deploys_and_runs(
        session: Session, make_user: Callable[..., Actor],
        small_runtime_factory: Callable[..., sessionmaker[Any]]) -> None:
    """Starting one predicts its whole line of tasks (SpiffWorkflow did it by recursion)."""
    deploy(session, [UploadedFile("deep.bpmn", linear_process(2000, "userTask"))])
    ana = make_user("ana")
    view = cases.start_case(session, "deep", user=ana)
    for expected in ("t0", "t1", "t2"):
        assert [t.element_id for t in view.open_tasks] == [expected]
        view = tasks.complete_task(session, view.open_tasks[0].id, user=ana, data={})
        session.commit()
    session.rollback()
    with small_runtime_factory()() as fresh:  # no live workflow: the state is read back
        view = tasks.complete_task(fresh, view.open_tasks[0].id, user=ana, data={})
        fresh.commit()
    assert (view.status, [t.element_id for t in view.open_tasks]) == ("running", ["t4"])


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_MAX_INSTANCES", "12")
    monkeypatch.setenv("ALLIANCE_SCRIPT_SECONDS", "0.5")
    runtime = build_runtime()
    try:
        assert runtime.script_engine.max_instances == 12
        assert runtime.evaluators is not None and runtime.evaluators.limits.time_limit == 0.5
        assert runtime.max_steps == 10_000
    finally:
        runtime.close()
    monkeypatch.setenv("ALLIANCE_MAX_STEPS", "many")
    with pytest.raises(RuntimeError, match="ALLIANCE_MAX_STEPS must be a number"):
        limits_from_environment()
