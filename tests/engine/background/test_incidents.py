"""Step failures: the case fails with element and message, keeps its last good state, and is
retried after the data is corrected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import engine.cli.worker  # noqa: F401  (registers the commands)
from engine import clock
from engine.access.users import Actor
from engine.background import incidents
from engine.background.worker import Worker
from engine.cli.app import cli
from engine.clock import FakeClock
from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StepFailed
from engine.runtime import case_status, cases, tasks
from engine.runtime.history import case_history
from engine.store.models import Incident, IncidentKind
from tests.conftest import OPERATOR
from tests.engine.worker_handlers import deploy_xml, flow, utask

TIMER = ('<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
         "<bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>"
         "</bpmn:intermediateCatchEvent>")
SCRIPT = f"""
<bpmn:startEvent id="start" />
{utask("prepare")}
{TIMER}
<bpmn:scriptTask id="compute" name="Compute the ratio"><bpmn:script>ratio = 10 / divisor</bpmn:script>
</bpmn:scriptTask>
{utask("after")}
<bpmn:endEvent id="end" />
{flow("start", "prepare")}{flow("prepare", "wait")}{flow("wait", "compute")}{flow("compute", "after")}
{flow("after", "end")}"""


@pytest.fixture
def starter(make_user: Callable[..., Actor], session: Session) -> Actor:
    deploy_xml(session, "ratio", SCRIPT)
    return make_user("ana", "staff")


@pytest.fixture
def sec(make_user: Callable[..., Actor]) -> Actor:
    return make_user("sec", "secretariat")


def _fail(session: Session, starter: Actor, clock: FakeClock, factory: sessionmaker[Any]) -> int:
    """The script fails in the background (after a timer): the case fails into an incident."""
    case = cases.start_case(session, "ratio", user=starter, data={"divisor": 0})
    tasks.complete_task(session, case.open_tasks[0].id, user=starter, data={"note": "kept"})
    session.commit()
    clock.advance(timedelta(minutes=2))
    Worker(factory).run_once()
    session.expire_all()
    assert cases.view_case(session, case.id).status == "failed"
    return case.id


def test_a_failing_step_refuses_the_users_submission(session: Session, starter: Actor) -> None:
    """A step the user's own completion triggers fails: 422-style refusal, nothing saved."""
    deploy_xml(session, "ratio_now", SCRIPT.replace(TIMER, '<bpmn:intermediateThrowEvent id="wait" />'))
    case = cases.start_case(session, "ratio_now", user=starter, data={"divisor": 0})
    session.commit()
    task_id = case.open_tasks[0].id
    with pytest.raises(StepFailed, match="compute") as refused:
        tasks.complete_task(session, task_id, user=starter, data={"note": "lost"})
    assert "division by zero" in refused.value.failure.message
    session.rollback()
    view = cases.view_case(session, case.id)
    assert view.status == "running" and [t.id for t in view.open_tasks] == [task_id]
    assert "note" not in view.data and incidents.list_incidents(session, case_id=case.id) == []
    assert [h.kind for h in case_history(session, case.id)] == ["case_started"]


def test_script_error_fails_the_case_with_an_incident(session: Session, starter: Actor,
                                                      fake_clock: FakeClock,
                                                      session_factory: sessionmaker[Any]) -> None:
    case_id = _fail(session, starter, fake_clock, session_factory)
    view = cases.view_case(session, case_id)
    assert view.status == "failed" and view.data["note"] == "kept"  # last good state
    [incident] = incidents.list_incidents(session, case_id=case_id)
    assert incident.kind == "step" and incident.element_id == "compute"
    assert "division by zero" in incident.error
    assert "case_failed" in [h.kind for h in case_history(session, case_id)][-2:]


def test_retry_with_corrected_data_runs_the_step_again(session: Session, starter: Actor, sec: Actor,
                                                       fake_clock: FakeClock,
                                                       session_factory: sessionmaker[Any]) -> None:
    case_id = _fail(session, starter, fake_clock, session_factory)
    [incident] = incidents.list_incidents(session, case_id=case_id)
    with pytest.raises(PermissionDenied):
        incidents.retry_incident(session, incident.id, user=starter, reason="mine", data={"divisor": 4})
    with pytest.raises(InvalidInput, match="reason"):
        incidents.retry_incident(session, incident.id, user=sec, reason="", data={"divisor": 4})
    incidents.retry_incident(session, incident.id, user=sec, reason="divisor fixed", data={"divisor": 4})
    session.commit()
    view = cases.view_case(session, case_id)
    assert view.status == "running" and view.data["ratio"] == 2.5
    assert [t.element_id for t in view.open_tasks] == ["after"]
    assert incidents.list_incidents(session, case_id=case_id) == []
    assert "case_retried" in [h.kind for h in case_history(session, case_id)]
    with pytest.raises(Conflict):
        incidents.retry_incident(session, incident.id, user=sec, reason="again")


def test_retry_that_fails_again_opens_a_new_incident(session: Session, starter: Actor, sec: Actor,
                                                     fake_clock: FakeClock,
                                                     session_factory: sessionmaker[Any]) -> None:
    case_id = _fail(session, starter, fake_clock, session_factory)
    [first] = incidents.list_incidents(session, case_id=case_id)
    incidents.retry_incident(session, first.id, user=sec, reason="try again")
    session.commit()
    [second] = incidents.list_incidents(session, case_id=case_id)
    assert second.id != first.id and cases.view_case(session, case_id).status == "failed"


def test_correct_case_data_then_retry_by_case(session: Session, starter: Actor, sec: Actor,
                                              fake_clock: FakeClock,
                                              session_factory: sessionmaker[Any]) -> None:
    case_id = _fail(session, starter, fake_clock, session_factory)
    data = incidents.correct_case_data(session, case_id, user="sec", changes={"divisor": 5})
    assert data["divisor"] == 5
    incidents.retry_case(session, case_id, user=sec, reason="corrected")
    session.commit()
    assert cases.view_case(session, case_id).data["ratio"] == 2.0
    kinds = [h.kind for h in case_history(session, case_id)]
    assert "data_corrected" in kinds
    with pytest.raises(NotFound):
        incidents.retry_case(session, case_id, user=sec, reason="again")


def test_cancelling_a_failed_case_resolves_its_incident(session: Session, starter: Actor,
                                                        fake_clock: FakeClock,
                                                        session_factory: sessionmaker[Any]) -> None:
    case_id = _fail(session, starter, fake_clock, session_factory)
    case_status.cancel_case(session, case_id, user=OPERATOR, reason="abandoned")
    session.commit()
    assert incidents.list_incidents(session, case_id=case_id) == []
    [resolved] = incidents.list_incidents(session, case_id=case_id, include_resolved=True)
    assert resolved.resolution == "case cancelled"


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_cli_incidents_and_retry(session: Session, starter: Actor, db_engine: Engine,
                                 fake_clock: FakeClock, session_factory: sessionmaker[Any],
                                 sec: Actor) -> None:
    case_id = _fail(session, starter, fake_clock, session_factory)
    session.commit()
    runner = CliRunner()
    refused = runner.invoke(cli, ["--database-url", _url(db_engine), "incidents", "--user", "ana"])
    assert refused.exit_code == 1 and "Secretariat" in (refused.output + refused.stderr)
    listed = runner.invoke(cli, ["--database-url", _url(db_engine), "incidents", "--user", "sec"])
    assert listed.exit_code == 0 and "compute" in listed.output and "division by zero" in listed.output
    [incident] = incidents.list_incidents(session, case_id=case_id)
    session.commit()
    retried = runner.invoke(cli, ["--database-url", _url(db_engine), "retry", str(incident.id),
                                  "--data", '{"divisor": 2}', "--reason", "fixed", "--operator"])
    assert retried.exit_code == 0, retried.output
    session.expire_all()
    assert cases.view_case(session, case_id).data["ratio"] == 5.0
    session.commit()
    missing = runner.invoke(cli, ["--database-url", _url(db_engine), "retry", "999", "--reason", "x",
                                  "--user", "sec"])
    assert missing.exit_code == 1 and "unknown incident 999" in (missing.output + missing.stderr)




ONE_TASK = f"""
<bpmn:startEvent id="start" />
{utask("only")}
<bpmn:endEvent id="end" />
{flow("start", "only")}{flow("only", "end")}"""


def test_a_completion_that_ends_the_case_resolves_its_open_incidents(
        session: Session, make_user: Callable[..., Actor]) -> None:
    """The completion reads whether the case has open incidents along with the task (and reads
    none when it has none); a job incident left open on a running case is resolved when the
    case ends."""
    deploy_xml(session, "single", ONE_TASK)
    ana = make_user("ana", "staff")
    quiet = cases.start_case(session, "single", user=ana)
    noisy = cases.start_case(session, "single", user=ana)
    session.add(Incident(kind=IncidentKind.JOB, case_id=noisy.id, element_id="only",
                         error="a mail server was down", attempts=5, created_at=clock.now()))
    session.commit()
    for view in (quiet, noisy):
        done = tasks.complete_task(session, view.open_tasks[0].id, user=ana, data={})
        session.commit()
        assert done.status == "completed"
    assert incidents.list_incidents(session, case_id=noisy.id) == []
    [resolved] = incidents.list_incidents(session, case_id=noisy.id, include_resolved=True)
    assert resolved.resolution == "case completed"
    assert incidents.list_incidents(session, case_id=quiet.id, include_resolved=True) == []
