"""The sandbox as SpiffWorkflow's script engine: round trips, refused imports, lines, size limits."""

from __future__ import annotations

from typing import Any

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.sandbox.evaluator import (
    SandboxEnvironment,
    SandboxScriptEngine,
)

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
                  targetNamespace="http://example.org/sandbox">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="small_flow">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>big_flow</bpmn:outgoing><bpmn:outgoing>small_flow</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:scriptTask id="big">
      <bpmn:incoming>big_flow</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>size = 'big'</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="small">
      <bpmn:incoming>small_flow</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>size = 'small'</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gw"/>
    <bpmn:sequenceFlow id="big_flow" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression>total &gt; 100 and len(items) == 3</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small_flow" sourceRef="gw" targetRef="small"/>
    <bpmn:sequenceFlow id="f3" sourceRef="big" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="small" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def workflow(script: str, **data: Any) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.format(script=script).encode(), filename="sandbox.bpmn")
    wf = BpmnWorkflow(parser.get_spec("proc"), script_engine=SandboxScriptEngine())
    wf.data.update(data)
    return wf


@pytest.mark.parametrize(("prices", "size"), [([40, 50, 60], "big"), ([1, 2, 3], "small")])
def test_spiff_round_trip(prices: list[int], size: str) -> None:
    wf = workflow(f"items = {prices}\ntotal = sum(items)\nlabel = f'total {{total}}'")
    wf.do_engine_steps()
    assert wf.is_completed()
    total = sum(prices)
    assert wf.data == {"items": prices, "total": total, "label": f"total {total}", "size": size}


def test_spiff_script_with_import_fails() -> None:
    wf = workflow("import os\nx = os.getcwd()")
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert "import statements are not allowed" in str(info.value)
    assert info.value.task_spec.name == "compute"
    assert not wf.is_completed()


def test_spiff_reports_the_line_of_a_script_error() -> None:
    wf = workflow("x = 1\ny = x / 0")
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert info.value.line_number == 2
    assert "ZeroDivisionError" in str(info.value)


def test_spiff_size_refusal_at_run_time() -> None:
    wf = workflow("items = [1]\ntotal = 'x' * 10")
    wf.script_engine = SandboxScriptEngine(SandboxEnvironment(max_bytes=5))
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert "size limit" in str(info.value)
