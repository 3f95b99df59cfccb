"""Case state through SpiffWorkflow's own encoder: what a waiting or finished event gateway holds."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
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


def _stock_registry() -> Any:
    """The case-state registry with SpiffWorkflow's own task converter (what CaseTaskConverter
    replaces)."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

    from engine.bpmn.specs import ENGINE_SPEC_CONFIG
    from engine.runtime.serialization import SpeclessWorkflowConverter

    config = dict(ENGINE_SPEC_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry._encoder_mode = True
    return registry


def test_a_case_s_state_is_the_dict_spiffworkflow_s_own_converter_makes() -> None:
    """The engine's task converter (faster) against SpiffWorkflow's, for every process of the
    Alliance and the loop fixture, at every step of a case driven through its first manual
    tasks: the same JSON, byte for byte."""
    from SpiffWorkflow.util.task import TaskState

    from engine.definitions.deployment import files_from_paths
    from engine.definitions.validation import validate_files
    from engine.runtime.serialization import _ENCODER, _ENCODING
    from engine.sandbox.evaluator import SandboxScriptEngine

    stock = _stock_registry()
    processes = [*validate_files(files_from_paths([Path("processes")])).processes,
                 *validate_files(files_from_paths([Path("tests/fixtures/bpmn/loop.bpmn")])).processes]
    assert len(processes) >= 10
    compared = 0
    for parsed in processes:
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SandboxScriptEngine())
        for _ in range(4):
            with contextlib.suppress(Exception):  # a step wanting data this drive lacks: compare what ran
                workflow.do_engine_steps()
            mine = json.dumps(_ENCODING.convert(workflow), cls=_ENCODER, sort_keys=True)
            theirs = json.dumps(stock.convert(workflow), cls=_ENCODER, sort_keys=True)
            assert mine == theirs, parsed.process_id
            compared += 1
            ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
            if not ready:
                break
            ready[0].data["step_note"] = {"seen": [1, "x"]}  # data that differs from the parent's
            with contextlib.suppress(Exception):
                ready[0].run()
    assert compared >= 2 * len(processes)
