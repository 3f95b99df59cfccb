"""Case state through SpiffWorkflow's own encoder: what a waiting or finished event gateway holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.background.worker import Worker
from engine.bootstrap import build_runtime, session_factory
from engine.clock import FakeClock
from engine.runtime import cases
from engine.runtime.persistence import open_case
from engine.runtime.serialization import dump_state
from engine.store.models import Case
from tests.engine.worker_handlers import deploy_xml, flow, utask

GATEWAY = f"""
<bpmn:startEvent id="start" />
<bpmn:eventBasedGateway id="wait" />
<bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition messageRef="m_reply" />
</bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="timeout"><bpmn:timerEventDefinition>
  <bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:intermediateCatchEvent>
{utask("answered")}{utask("chase")}
<bpmn:endEvent id="end_a" /><bpmn:endEvent id="end_b" />
{flow("start", "wait")}{flow("wait", "reply")}{flow("wait", "timeout")}
{flow("reply", "answered")}{flow("timeout", "chase")}{flow("answered", "end_a")}{flow("chase", "end_b")}
"""
MESSAGE = '<bpmn:message id="m_reply" name="reply" />'


def test_an_event_gateway_case_round_trips_through_json(
        session: Session, make_user: Callable[..., Actor], fake_clock: FakeClock,
        db_engine: Engine) -> None:
    """SpiffWorkflow keeps the caught events in the gateway's data; the state must stay JSON."""
    ana = make_user("ana", "staff")
    deploy_xml(session, "gateway", GATEWAY, MESSAGE)
    case = cases.start_case(session, "gateway", user=ana)
    session.commit()
    fake_clock.advance(timedelta(hours=2))
    assert Worker(session_factory(db_engine, build_runtime())).run_once().by_kind["timer"] == 1
    with session_factory(db_engine, build_runtime())() as fresh:  # a new runtime: empty caches
        view = cases.view_case(fresh, case.id)
        assert [t.element_id for t in view.open_tasks] == ["chase"]
        row = fresh.get(Case, case.id)
        assert row is not None
        json.loads(row.state)
        restored = open_case(fresh, case.id).workflow
        assert json.loads(dump_state(restored)) == json.loads(row.state)
        assert '"seen_events"' in row.state.decode()  # what the removed gateway patch used to drop
