"""The execution corpus: BPMN from other tools (and our own files for each construct) run
through the engine, each asserting the path its author meant: which tasks ran, in what
order, which end was reached. Links, joins, implicit splits, dialects, FEEL and DMN.

Files: tests/fixtures/bpmn/execution/ (ours) and ../shared/bpmn-corpus (third party).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.definitions import deployment as definitions
from engine.definitions.validation import UploadedFile
from engine.errors import DeploymentRefused
from engine.runtime import cases
from engine.runtime.cases import advance
from engine.runtime.context import Runtime
from engine.runtime.handlers import HandlerRegistry
from engine.runtime.persistence import open_case
from engine.store.models import HumanTask
from tests.conftest import CORPUS, FIXTURES

OURS = FIXTURES / "bpmn" / "execution"
SPIFF = CORPUS / "executable" / "spiffworkflow"
CAMUNDA = CORPUS / "executable" / "camunda-bpm-examples"
Answers = dict[str, dict[str, Any]]


class Run:
    """A case driven to its end: user tasks answered from `answers`, jobs run by a worker."""

    def __init__(self, session: Session, factory: sessionmaker[Any], paths: list[Path],
                 process_id: str, data: dict[str, Any] | None = None) -> None:
        self.session, self.factory = session, factory
        files = [UploadedFile(p.name, p.read_bytes()) for p in paths]
        definitions.deploy(session, files)
        session.commit()
        self.case_id = cases.start_case(session, process_id, user=None, data=data or {}).id
        session.commit()
        self.completed: list[str] = []

    def ready(self) -> list[str]:
        opened = open_case(self.session, self.case_id)
        names = sorted(t.task_spec.bpmn_id for t in opened.workflow.get_tasks(state=SpiffState.READY)
                       if t.task_spec.manual and t.task_spec.__class__.__name__ != "ExternalServiceTask")
        self.session.commit()
        return names

    def complete(self, element_id: str, **data: Any) -> None:
        opened = open_case(self.session, self.case_id)
        [task] = [t for t in opened.workflow.get_tasks(state=SpiffState.READY)
                  if t.task_spec.bpmn_id == element_id]
        task.data.update(data)
        task.run()
        advance(self.session, opened)
        self.session.commit()

    def drive(self, answers: Answers | None = None, limit: int = 20) -> Run:
        self.session.commit()
        for _ in range(limit):
            Worker(self.factory, worker_id="corpus").run_once()
            self.session.expire_all()
            ready = self.ready()
            if not ready or self.status() != "running":
                break
            self.complete(ready[0], **(answers or {}).get(ready[0], {}))
        return self

    def status(self) -> str:
        self.session.expire_all()
        value = str(cases.view_case(self.session, self.case_id).status)
        self.session.commit()
        return value

    def path(self) -> list[str]:
        """Activities and end events that completed, in the order they completed."""
        opened = open_case(self.session, self.case_id)
        tasks = opened.workflow.get_tasks(state=SpiffState.COMPLETED)  # sub-processes included
        self.session.commit()
        kept = [t for t in tasks if t.task_spec.bpmn_id and (
            "Task" in type(t.task_spec).__name__
            or type(t.task_spec).__name__ in ("EndEvent", "CallActivity"))]
        kept.sort(key=lambda t: t.last_state_change)
        return [t.task_spec.bpmn_id for t in kept]

    def data(self) -> dict[str, Any]:
        return dict(cases.view_case(self.session, self.case_id).data)


@pytest.fixture
def run(session: Session, session_factory: sessionmaker[Any], runtime: Runtime) -> Any:
    """Cases run with only the handlers a test registers (`registry`)."""
    def make(paths: list[Path], process_id: str, data: dict[str, Any] | None = None,
             registry: HandlerRegistry | None = None) -> Run:
        runtime.handlers.clear()
        runtime.handlers.update({name: (registry.get(name)) for name in registry.names()}  # type: ignore[misc]
                                if registry is not None else {})
        return Run(session, session_factory, paths, process_id, data)
    return make


def refused(session: Session, *paths: Path) -> list[str]:
    with pytest.raises(DeploymentRefused) as info:
        definitions.deploy(session, [UploadedFile(p.name, p.read_bytes()) for p in paths])
    session.rollback()
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- links


def test_link_events_continue_after_the_catch(run: Any) -> None:
    case = run([OURS / "link_events.bpmn"], "link_events").drive()
    assert case.status() == "completed"
    assert case.path() == ["first", "second", "end"]


def test_a_broken_link_is_refused_at_deploy(session: Session) -> None:
    [problem] = refused(session, OURS / "link_broken.bpmn")
    assert "element go_nowhere" in problem and "link 'missing'" in problem and ":8" in problem


# --------------------------------------------------------------------------- splits and joins


@pytest.mark.parametrize(("amount", "branches"), [
    (50, ["always", "small"]), (500, ["always", "big"]), (5000, ["always", "big", "huge"])])
def test_implicit_split_out_of_an_activity(run: Any, amount: int, branches: list[str]) -> None:
    """Unconditional flows always run, conditional ones when true, the default when none is."""
    case = run([OURS / "implicit_split.bpmn"], "implicit_split").drive({"assess": {"amount": amount}})
    assert case.status() == "completed"
    path = case.path()
    assert path[0] == "assess"
    assert sorted(t for t in path if not t.startswith("end_") and t != "assess") == branches
    assert sorted(t for t in path if t.startswith("end_")) == sorted(f"end_{b}" for b in branches)


def test_parallel_fork_out_of_a_script_task_joins(run: Any) -> None:
    case = run([OURS / "parallel_fork.bpmn"], "parallel_fork")
    assert case.ready() == ["left", "right"]
    case.drive()
    assert case.status() == "completed"
    path = case.path()
    assert path[0] == "prepare" and sorted(path[1:3]) == ["left", "right"]
    assert path[3:] == ["after", "end"]


def test_process_without_start_event_starts_every_entry_node(run: Any) -> None:
    """No start event and no isExecutable attribute (read as executable, as Flowable does)."""
    case = run([OURS / "no_start_event.bpmn"], "no_start_event")
    assert case.ready() == ["alpha", "beta"]
    case.drive()
    assert case.status() == "completed" and case.path()[-1] == "end"


def test_spiffworkflow_no_start_event_file_runs_its_tasks(run: Any) -> None:
    """Spiff's own tests call this file invalid; BPMN 2.0 (10.5.2) says every node without an
    incoming flow starts: both tasks of the parallel branches run, then the process ends."""
    path = CORPUS / "invalid" / "spiffworkflow" / "No-Start-Event.bpmn20.xml"
    case = run([path], "sid-669ddebf-4196-41ee-8b04-bcc90bc5f983").drive()
    assert case.status() == "completed"
    assert len([p for p in case.path() if "sid" in p]) >= 2


def test_join_that_can_never_fire_fails_the_case_by_name(run: Any, fake_clock: FakeClock) -> None:
    """NITimerDurationBoundaryTest's model, with the work done before the non-interrupting
    timer fires: the parallel join waits for the timer's branch forever. The case fails
    naming the join instead of staying 'running' with nothing to do."""
    case = run([SPIFF / "timer-non-interrupt-boundary.bpmn"], "NonInterruptTimer")
    assert case.ready() == ["Activity_Work"]
    case.complete("Activity_Work", work_done="Yes")
    view = cases.view_case(case.session, case.case_id)
    assert view.status == "failed" and view.failed_element_id == "Gateway_19fdoel"
    assert "waits for an incoming flow" in (view.status_reason or "")


def test_join_fires_when_the_boundary_branch_ran(run: Any, fake_clock: FakeClock) -> None:
    case = run([SPIFF / "timer-non-interrupt-boundary.bpmn"], "NonInterruptTimer")
    fake_clock.advance(timedelta(milliseconds=250))
    case.drive({"Activity_Work": {"work_done": "Yes"}, "GetReason": {"delay_reason": "late"}})
    assert case.status() == "completed"
    assert case.path()[-1] == "Event_17ly1lc"


def test_parallel_then_exclusive_with_inclusive_join(run: Any) -> None:
    """ParallelThenExclusiveTest: both choices end at the same place through the join."""
    path = SPIFF / "Parallel-Then-Exclusive.bpmn20.xml"
    for choice, task in (("Yes", "Yes Task"), ("No", "No Task")):
        case = run([path], "sid-bb9ea2d5-58b6-43c7-8e77-6e28f71106f0")
        case.drive({rid: {"choice": choice} for rid in case.ready()} | {"*": {}}, limit=10)
        names = _names(case)
        assert case.status() == "completed" and task in names and "Done" in names


def _names(case: Run) -> list[str]:
    opened = open_case(case.session, case.case_id)
    names = [t.task_spec.bpmn_name for t in opened.workflow.get_tasks(state=SpiffState.COMPLETED)
             if t.task_spec.bpmn_name]
    case.session.commit()
    return names


@pytest.mark.parametrize(("u", "w", "ran"), [(1, 0, ["u_plus_v"]), (0, 1, ["w_plus_v"]),
                                              (1, 1, ["u_plus_v", "w_plus_v"])])
def test_inclusive_gateway(run: Any, u: int, w: int, ran: list[str]) -> None:
    """InclusiveGatewayTest: the true branches run and join; the end needs v == 0."""
    case = run([SPIFF / "inclusive_gateway.bpmn"], "main").drive(
        {"set_data": {"u": u, "w": w, "v": 0}})
    assert case.status() == "completed", case.data()
    path = case.path()
    assert path[0] == "set_data" and sorted(path[1:-1]) == ran and path[-1] == "Event_05yg5je"


def test_inclusive_gateway_default_then_no_true_flow_fails_by_name(run: Any) -> None:
    """u = w = 0: the default branch increments v, so `v == 0` out of the join is false and
    there is no default: the case fails at that gateway (upstream: test_invalid_data)."""
    case = run([SPIFF / "inclusive_gateway.bpmn"], "main").drive(
        {"set_data": {"u": 0, "w": 0, "v": 0}})
    view = cases.view_case(case.session, case.case_id)
    assert view.status == "failed" and view.failed_element_id == "second"


# --------------------------------------------------------------------------- FEEL


@pytest.mark.parametrize(("data", "end"), [
    ({"customer": {"Service Level": "Premium"},
      "orders": [{"amount": 50, "code": "A1"}, {"amount": 150, "code": "A2"}]}, "premium"),
    ({"customer": {"Service Level": "Basic"},
      "orders": [{"amount": 1, "code": "B1"}, {"amount": 2, "code": "B2"},
                 {"amount": 3, "code": "B3"}]}, "bulk"),
    ({"customer": {"Service Level": "Premium"}, "orders": [{"amount": 5, "code": "C1"}]},
     "standard"),
])
def test_feel_conditions_choose_the_route(run: Any, data: dict[str, Any], end: str) -> None:
    """Names with spaces (a context entry), `some`/`every ... satisfies`, paths, list and
    string functions."""
    case = run([OURS / "feel_conditions.bpmn"], "feel_conditions", data).drive()
    assert case.status() == "completed"
    assert case.path() == [end, f"end_{end}"]


def test_untranslatable_feel_is_refused_by_name(session: Session) -> None:
    [problem] = refused(session, OURS / "feel_refused.bpmn")
    assert "element to_a" in problem and "'matches' is not supported" in problem


# --------------------------------------------------------------------------- dialects


def test_camunda_8_dialect(run: Any, session: Session) -> None:
    """zeebe: embedded form by formKey, ioMapping, send task as a job, calledElement."""
    registry = HandlerRegistry()
    calls: list[dict[str, Any]] = []
    registry.register("record", lambda _session, call: calls.append(dict(call.data)) or {"noted": 1})
    case = run([OURS / "zeebe_dialect.bpmn"], "zeebe_dialect", {"order": {"amount": 21}}, registry)
    [row] = session.scalars(select(HumanTask).where(HumanTask.element_id == "review")).all()
    assert row.form_id == "review_form"
    assert {(c.kind, c.name) for t in session.scalars(select(HumanTask)) for c in t.candidates} == {
        ("group", "reviewers")}
    session.commit()
    case.complete("review", approved=True)
    case.drive()
    assert case.status() == "completed"
    assert case.path() == ["review", "notify", "child_task", "child_end", "call_child", "end"]
    assert calls and calls[0]["reviewed_amount"] == 43 and "doubled" not in calls[0]
    assert case.data()["noted"] == 1


def test_camunda_8_embedded_form_is_deployed_with_the_process(session: Session) -> None:
    definitions.deploy(session, [UploadedFile("zeebe_dialect.bpmn",
                                              (OURS / "zeebe_dialect.bpmn").read_bytes())])
    loaded = definitions.load_definition(session, definitions.find_definition(session, "zeebe_dialect"))
    assert loaded.forms["review_form"]["components"][0]["key"] == "approved"


@pytest.mark.parametrize(("amount", "end"), [(10, "end_yes"), (-10, "end_no")])
def test_camunda_7_dialect(run: Any, session: Session, amount: int, end: str) -> None:
    """camunda: assignee (JUEL), candidate groups, inputOutput, JUEL conditions."""
    case = run([OURS / "camunda7_dialect.bpmn"], "camunda7_dialect",
               {"reviewer": "ana", "amount": amount})
    [row] = session.scalars(select(HumanTask)).all()
    assert row.assignee == "ana"
    assert {c.name for c in row.candidates} == {"clerks", "reviewers"}
    session.commit()
    case.drive()
    assert case.path() == ["check", end]
    data = case.data()
    assert "limit" not in data and "label" not in data and data["within_limit"] == (amount > 0)


def test_flowable_dialect_without_is_executable(run: Any, session: Session) -> None:
    case = run([OURS / "flowable_dialect.bpmn"], "flowable_dialect")
    [row] = session.scalars(select(HumanTask)).all()
    assert row.assignee == "ana" and {c.name for c in row.candidates} == {"managers"}
    session.commit()
    case.drive()
    assert case.path() == ["approve", "end"]


@pytest.mark.parametrize(("approved", "path"), [
    (True, ["Task_1a9adlo", "Task_1otws6s", "Task_1fbt88z", "EndEvent_0zc07k5"]),
    (False, ["Task_1a9adlo", "Task_01363n3", "EndEvent_0fmx4bw"])])
def test_camunda_7_example_with_juel_conditions(run: Any, approved: bool, path: list[str]) -> None:
    """react-example.bpmn (Camunda 7): ${approved} / ${not approved} choose the end."""
    case = run([CAMUNDA / "react-example.bpmn"], "reactExample")
    case.drive({"Task_1a9adlo": {"approved": approved}})
    assert case.status() == "completed"
    assert case.path() == path


def test_compensation_is_refused_in_words(session: Session) -> None:
    problems = refused(session, OURS / "compensation.bpmn")
    assert problems and all("compensation (undoing completed work) is not supported" in p
                            for p in problems)
    assert any("element cancel_booking" in p for p in problems)


# --------------------------------------------------------------------------- DMN


@pytest.mark.parametrize(("amount", "end"), [(50, "auto"), (100, "review"), (1000, "review"),
                                             (1001, "board")])
def test_business_rule_task_runs_the_decision_table(run: Any, amount: int, end: str) -> None:
    case = run([OURS / "approval_route.bpmn", OURS / "approval_level.dmn"], "approval_route",
               {"amount": amount})
    assert case.ready() == [end]
    assert case.data()["route"] == end
    case.drive()
    assert case.path() == ["decide_route", end, f"end_{end}"]

