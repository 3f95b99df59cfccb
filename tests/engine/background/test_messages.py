"""Messages: subscriptions by name and correlation, the outbox, message start events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import engine.cli.worker  # noqa: F401  (registers the commands)
from engine.access.users import Actor
from engine.background import incidents, messages
from engine.background.worker import Worker
from engine.cli.app import cli
from engine.clock import FakeClock
from engine.errors import MessageNotDelivered
from engine.runtime import case_status, cases, tasks
from engine.store.models import Case, MessageSubscription, OutboxMessage, OutboxStatus
from tests.conftest import OPERATOR
from tests.engine.worker_handlers import deploy_xml, flow, utask

ZEEBE_WAIT = f"""
<bpmn:startEvent id="start" />
<bpmn:intermediateCatchEvent id="wait_tf"><bpmn:messageEventDefinition messageRef="Msg_done" />
</bpmn:intermediateCatchEvent>
{utask("after")}
<bpmn:endEvent id="end" />
{flow("start", "wait_tf")}{flow("wait_tf", "after")}{flow("after", "end")}"""
ZEEBE_MESSAGE = """<bpmn:message id="Msg_done" name="task_force_established"><bpmn:extensionElements>
<zeebe:subscription correlationKey="=initiative_id" /></bpmn:extensionElements></bpmn:message>"""

CORRELATION = """
<bpmn:collaboration id="Collab"><bpmn:participant id="P1" processRef="{pid}" />
<bpmn:correlationKey name="initiative">
<bpmn:correlationPropertyRef>initiative_id</bpmn:correlationPropertyRef>
</bpmn:correlationKey></bpmn:collaboration>
<bpmn:correlationProperty id="initiative_id" name="initiative_id">
<bpmn:correlationPropertyRetrievalExpression messageRef="Msg_start">
<bpmn:messagePath>initiative_id</bpmn:messagePath></bpmn:correlationPropertyRetrievalExpression>
<bpmn:correlationPropertyRetrievalExpression messageRef="Msg_done">
<bpmn:messagePath>initiative_id</bpmn:messagePath></bpmn:correlationPropertyRetrievalExpression>
</bpmn:correlationProperty>
<bpmn:message id="Msg_start" name="start_child" /><bpmn:message id="Msg_done" name="child_done" />"""

PARENT = f"""
<bpmn:startEvent id="start" />
<bpmn:intermediateThrowEvent id="throw_start"><bpmn:messageEventDefinition messageRef="Msg_start">
<bpmn:extensionElements>
<spiffworkflow:messagePayload>{{"initiative_id": initiative_id}}</spiffworkflow:messagePayload>
</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>
<bpmn:intermediateCatchEvent id="wait_child"><bpmn:messageEventDefinition messageRef="Msg_done">
<bpmn:extensionElements><spiffworkflow:messageVariable>child</spiffworkflow:messageVariable>
</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>
{utask("parent_after")}
<bpmn:endEvent id="end" />
{flow("start", "throw_start")}{flow("throw_start", "wait_child")}{flow("wait_child", "parent_after")}
{flow("parent_after", "end")}"""

CHILD = f"""
<bpmn:startEvent id="start_child"><bpmn:messageEventDefinition messageRef="Msg_start">
<bpmn:extensionElements><spiffworkflow:messageVariable>request</spiffworkflow:messageVariable>
</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:startEvent>
<bpmn:scriptTask id="unpack">
<bpmn:script>initiative_id = request["initiative_id"]</bpmn:script></bpmn:scriptTask>
{utask("work")}
<bpmn:intermediateThrowEvent id="throw_done"><bpmn:messageEventDefinition messageRef="Msg_done">
<bpmn:extensionElements><spiffworkflow:messagePayload>
{{"initiative_id": initiative_id, "result": result}}</spiffworkflow:messagePayload>
</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>
<bpmn:endEvent id="end" />
{flow("start_child", "unpack")}{flow("unpack", "work")}{flow("work", "throw_done")}
{flow("throw_done", "end")}"""


@pytest.fixture
def starter(make_user: Callable[..., Actor]) -> Actor:
    return make_user("ana", "staff")


def work(session: Session, factory: sessionmaker[Any]) -> None:
    session.commit()
    Worker(factory, worker_id="w1").run_once()
    session.expire_all()


def open_elements(session: Session, case_id: int) -> list[str]:
    return [t.element_id for t in cases.view_case(session, case_id).open_tasks]


def three_initiatives(session: Session, starter: Actor) -> list[int]:
    deploy_xml(session, "initiative", ZEEBE_WAIT, ZEEBE_MESSAGE)
    ids = [cases.start_case(session, "initiative", user=starter, data={"initiative_id": n}).id
           for n in (1, 2, 3)]
    session.commit()
    return ids


def test_message_reaches_only_the_correlated_case(session: Session, starter: Actor,
                                                  fake_clock: FakeClock) -> None:
    first, second, third = three_initiatives(session, starter)
    subs = session.scalars(select(MessageSubscription).order_by(MessageSubscription.case_id)).all()
    assert [(s.message_name, s.correlation) for s in subs] == [
        ("task_force_established", f'{{"initiative_id": "{n}"}}') for n in (1, 2, 3)]
    result = messages.send_message(session, "task_force_established", user=OPERATOR,
                                   correlation={"initiative_id": 2}, data={"task_force_id": 9})
    session.commit()
    assert result.delivered_to == [second] and result.started == []
    assert open_elements(session, second) == ["after"]
    assert cases.view_case(session, second).data["task_force_id"] == 9
    assert open_elements(session, first) == [] and open_elements(session, third) == []
    assert [s.case_id for s in session.scalars(select(MessageSubscription))] == [first, third]


def test_unmatched_message_is_an_error_to_its_sender(session: Session, starter: Actor,
                                                     fake_clock: FakeClock) -> None:
    three_initiatives(session, starter)
    with pytest.raises(MessageNotDelivered, match="initiative_id"):
        messages.send_message(session, "task_force_established", correlation={"initiative_id": 7},
                              user=OPERATOR)
    with pytest.raises(MessageNotDelivered):
        messages.send_message(session, "no_such_message", user=OPERATOR)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_cli_message(session: Session, starter: Actor, db_engine: Engine, fake_clock: FakeClock) -> None:
    _first, second, _third = three_initiatives(session, starter)
    url = db_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--database-url", url, "message", "--operator",
                                      "task_force_established",
                                      "--correlation", '{"initiative_id": "2"}'])
    assert result.exit_code == 0, result.output
    assert f"delivered to case(s) {second}" in result.output
    failed = CliRunner().invoke(cli, ["--database-url", url, "message", "--operator",
                                      "task_force_established",
                                      "--correlation", '{"initiative_id": 2}'])
    assert failed.exit_code == 1 and "no case is waiting" in (failed.output + failed.stderr)


def deploy_pair(session: Session) -> None:
    deploy_xml(session, "parent", PARENT, CORRELATION.format(pid="parent"))
    deploy_xml(session, "child", CHILD, CORRELATION.format(pid="child"))


def test_thrown_messages_start_cases_and_return_to_the_right_parent(
        session: Session, session_factory: sessionmaker[Any], starter: Actor,
        fake_clock: FakeClock) -> None:
    deploy_pair(session)
    parents = [cases.start_case(session, "parent", user=starter, data={"initiative_id": n}).id
               for n in (1, 2, 3)]
    session.commit()
    outbox = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.name, m.correlation, m.status) for m in outbox] == [
        ("start_child", f'{{"initiative_id": "{n}"}}', OutboxStatus.PENDING) for n in (1, 2, 3)]
    work(session, session_factory)
    children = session.scalars(select(Case).where(Case.process_id == "child").order_by(Case.id)).all()
    assert [c.parent_case_id for c in children] == parents
    child_of_2 = children[1].id
    assert cases.view_case(session, child_of_2).data["request"] == {"initiative_id": 2}
    [task] = cases.view_case(session, child_of_2).open_tasks
    tasks.complete_task(session, task.id, user=starter, data={"result": "lead appointed"})
    work(session, session_factory)
    assert open_elements(session, parents[1]) == ["parent_after"]
    assert cases.view_case(session, parents[1]).data["child"] == {
        "initiative_id": 2, "result": "lead appointed"}
    assert open_elements(session, parents[0]) == [] and open_elements(session, parents[2]) == []
    assert all(m.status == OutboxStatus.DELIVERED for m in session.scalars(select(OutboxMessage)))


def test_undeliverable_thrown_message_becomes_an_incident(
        session: Session, session_factory: sessionmaker[Any], starter: Actor,
        fake_clock: FakeClock) -> None:
    deploy_xml(session, "parent", PARENT, CORRELATION.format(pid="parent"))  # no child process
    parent = cases.start_case(session, "parent", user=starter, data={"initiative_id": 5}).id
    for _ in range(messages.MESSAGE_ATTEMPTS):
        work(session, session_factory)
        fake_clock.advance(timedelta(minutes=11))
    [incident] = incidents.list_incidents(session, case_id=parent)
    assert "start_child" in incident.error and incident.attempts == messages.MESSAGE_ATTEMPTS
    assert session.scalar(select(OutboxMessage.status)) == OutboxStatus.UNDELIVERABLE
    deploy_xml(session, "child", CHILD, CORRELATION.format(pid="child"))  # the cause, fixed
    incidents.retry_incident(session, incident.id, user=OPERATOR, reason="test")
    work(session, session_factory)
    assert session.scalar(select(func.count()).select_from(Case).where(Case.process_id == "child")) == 1


def test_message_to_a_suspended_case_is_held(session: Session, starter: Actor,
                                             fake_clock: FakeClock) -> None:
    _first, second, _third = three_initiatives(session, starter)
    case_status.suspend_case(session, second, user=OPERATOR, reason="test")
    with pytest.raises(messages.MessageHeld):
        messages.send_message(session, "task_force_established", correlation={"initiative_id": 2},
                              user=OPERATOR)
