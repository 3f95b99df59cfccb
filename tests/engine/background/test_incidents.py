"""Step failures: the case fails with element and message, keeps its last good state, and is
retried after the data is corrected."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import engine.cli.worker  # noqa: F401  (registers the commands)
from engine.access.users import Actor
from engine.background import incidents
from engine.cli.app import cli
from engine.errors import Conflict, NotFound
from engine.runtime import cases
from engine.runtime.history import case_history
from tests.engine.worker_handlers import deploy_xml, flow, utask

SCRIPT = f"""
<bpmn:startEvent id="start" />
{utask("prepare")}
<bpmn:scriptTask id="compute" name="Compute the ratio"><bpmn:script>ratio = 10 / divisor</bpmn:script>
</bpmn:scriptTask>
{utask("after")}
<bpmn:endEvent id="end" />
{flow("start", "prepare")}{flow("prepare", "compute")}{flow("compute", "after")}{flow("after", "end")}"""


@pytest.fixture
def starter(make_user: Callable[..., Actor], session: Session) -> Actor:
    deploy_xml(session, "ratio", SCRIPT)
    return make_user("ana", "staff")


def _fail(session: Session, starter: Actor) -> int:
    from engine.runtime import tasks

    case = cases.start_case(session, "ratio", user=starter, data={"divisor": 0})
    view = tasks.complete_task(session, case.open_tasks[0].id, user=starter, data={"note": "kept"})
    session.commit()
    assert view.status == "failed"
    return case.id


def test_script_error_fails_the_case_with_an_incident(session: Session, starter: Actor) -> None:
    case_id = _fail(session, starter)
    view = cases.get_case(session, case_id)
    assert view.status == "failed" and view.data["note"] == "kept"  # last good state
    [incident] = incidents.list_incidents(session, case_id=case_id)
    assert incident.kind == "step" and incident.element_id == "compute"
    assert "division by zero" in incident.error
    assert [h.kind for h in case_history(session, case_id)][-1] == "case_failed"


def test_retry_with_corrected_data_runs_the_step_again(session: Session, starter: Actor) -> None:
    case_id = _fail(session, starter)
    [incident] = incidents.list_incidents(session, case_id=case_id)
    incidents.retry_incident(session, incident.id, user="sec", data={"divisor": 4})
    session.commit()
    view = cases.get_case(session, case_id)
    assert view.status == "running" and view.data["ratio"] == 2.5
    assert [t.element_id for t in view.open_tasks] == ["after"]
    assert incidents.list_incidents(session, case_id=case_id) == []
    assert "case_retried" in [h.kind for h in case_history(session, case_id)]
    with pytest.raises(Conflict):
        incidents.retry_incident(session, incident.id)


def test_retry_that_fails_again_opens_a_new_incident(session: Session, starter: Actor) -> None:
    case_id = _fail(session, starter)
    [first] = incidents.list_incidents(session, case_id=case_id)
    incidents.retry_incident(session, first.id)
    session.commit()
    [second] = incidents.list_incidents(session, case_id=case_id)
    assert second.id != first.id and cases.get_case(session, case_id).status == "failed"


def test_correct_case_data_then_retry_by_case(session: Session, starter: Actor) -> None:
    case_id = _fail(session, starter)
    data = incidents.correct_case_data(session, case_id, user="sec", changes={"divisor": 5})
    assert data["divisor"] == 5
    incidents.retry_case(session, case_id, user="sec")
    session.commit()
    assert cases.get_case(session, case_id).data["ratio"] == 2.0
    kinds = [h.kind for h in case_history(session, case_id)]
    assert "data_corrected" in kinds
    with pytest.raises(NotFound):
        incidents.retry_case(session, case_id)


def test_cancelling_a_failed_case_resolves_its_incident(session: Session, starter: Actor) -> None:
    case_id = _fail(session, starter)
    cases.cancel_case(session, case_id, user=starter, reason="abandoned")
    session.commit()
    assert incidents.list_incidents(session, case_id=case_id) == []
    [resolved] = incidents.list_incidents(session, case_id=case_id, include_resolved=True)
    assert resolved.resolution == "case cancelled"


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_cli_incidents_and_retry(session: Session, starter: Actor, db_engine: Engine) -> None:
    case_id = _fail(session, starter)
    session.commit()
    runner = CliRunner()
    listed = runner.invoke(cli, ["--database-url", _url(db_engine), "incidents"])
    assert listed.exit_code == 0 and "compute" in listed.output and "division by zero" in listed.output
    [incident] = incidents.list_incidents(session, case_id=case_id)
    session.commit()
    retried = runner.invoke(cli, ["--database-url", _url(db_engine), "retry", str(incident.id),
                                  "--data", '{"divisor": 2}'])
    assert retried.exit_code == 0, retried.output
    session.expire_all()
    assert cases.get_case(session, case_id).data["ratio"] == 5.0
    session.commit()
    missing = runner.invoke(cli, ["--database-url", _url(db_engine), "retry", "999"])
    assert missing.exit_code == 1 and "unknown incident 999" in (missing.output + missing.stderr)


