"""DMN decision tables beside the BPMN: checked at deploy, run in the sandbox, versioned."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session

from engine.definitions import deployment as definitions
from engine.definitions.validation import UploadedFile, validate_files
from engine.runtime import cases, spiff_patches
from engine.sandbox.evaluator import SandboxScriptEngine

spiff_patches.apply()

RULE = """<rule id="R{n}"><inputEntry id="I{n}"><text>{test}</text></inputEntry>
<outputEntry id="O{n}"><text>{out}</text></outputEntry></rule>"""


def dmn(rules: list[tuple[str, str]], policy: str = "UNIQUE", extra: str = "",
        decision_id: str = "level") -> str:
    body = "".join(RULE.format(n=n, test=escape(t), out=escape(o))
                   for n, (t, o) in enumerate(rules, start=1))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="D_{decision_id}" name="x"
  namespace="http://example.org">
  <decision id="{decision_id}" name="Level">
    <decisionTable id="T_{decision_id}" hitPolicy="{policy}" {extra}>
      <input id="In" label="Amount"><inputExpression id="IE" typeRef="number"><text>amount</text>
      </inputExpression></input>
      <output id="Out" label="Level" name="level" typeRef="string" />
      {body}
    </decisionTable>
  </decision>
</definitions>"""


def bpmn(task_attrs: str = "", ext: str = '<zeebe:calledDecision decisionId="level" '
         'resultVariable="result" />') -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="Defs" targetNamespace="http://example.org">
  <bpmn:process id="decide" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule" />
    <bpmn:businessRuleTask id="rule" {task_attrs}>
      <bpmn:extensionElements>{ext}</bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


BANDS = [("< 100", '"low"'), ("[100..1000]", '"mid"'), ("> 1000", '"high"')]


def files(table: str, diagram: str | None = None) -> list[UploadedFile]:
    return [UploadedFile("decide.bpmn", (diagram or bpmn()).encode()),
            UploadedFile("level.dmn", table.encode())]


def run(table: str, data: dict[str, Any], diagram: str | None = None) -> dict[str, Any]:
    result = validate_files(files(table, diagram))
    assert [str(p) for p in result.problems] == []
    [parsed] = result.processes
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SandboxScriptEngine())
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks():
        task.data.update(data)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    return dict(workflow.last_task.data)


def problems(table: str, diagram: str | None = None) -> list[str]:
    return [str(p) for p in validate_files(files(table, diagram)).problems]


@pytest.mark.parametrize(("amount", "level"), [(5, "low"), (100, "mid"), (1000, "mid"), (1001, "high")])
def test_each_rule_row_decides(amount: int, level: str) -> None:
    assert run(dmn(BANDS), {"amount": amount})["result"] == level


def test_without_a_result_variable_the_outputs_are_merged_into_the_data() -> None:
    data = run(dmn(BANDS), {"amount": 5}, bpmn(ext='<zeebe:calledDecision decisionId="level" />'))
    assert data["level"] == "low"


def test_unique_hit_policy_refuses_overlapping_rules_at_run_time() -> None:
    table = dmn([("< 100", '"a"'), ("< 50", '"b"')])
    with pytest.raises(Exception) as info:
        run(table, {"amount": 10})
    assert "rules 1, 2 all match" in str(info.value)


def test_first_and_collect() -> None:
    overlapping = [("< 100", '"a"'), ("< 50", '"b"'), ("-", '"any"')]
    assert run(dmn(overlapping, "FIRST"), {"amount": 10})["result"] == "a"
    assert run(dmn(overlapping, "COLLECT"), {"amount": 10})["result"] == ["a", "b", "any"]


@pytest.mark.parametrize(("mapping", "expected"), [
    ("singleEntry", "low"), ("singleResult", {"level": "low"}), ("collectEntries", ["low"]),
    (None, [{"level": "low"}]),  # resultList, Camunda 7's default
])
def test_camunda_7_decision_ref_and_result_mapping(mapping: str | None, expected: Any) -> None:
    attrs = 'camunda:decisionRef="level" camunda:resultVariable="result"'
    if mapping:
        attrs += f' camunda:mapDecisionResult="{mapping}"'
    assert run(dmn(BANDS), {"amount": 5}, bpmn(attrs, ext=""))["result"] == expected


@pytest.mark.parametrize(("policy", "extra", "reason"), [
    ("PRIORITY", "", "hit policy PRIORITY is not supported"),
    ("RULE ORDER", "", "hit policy RULE ORDER is not supported"),
    ("OUTPUT ORDER", "", "hit policy OUTPUT ORDER is not supported"),
    ("COLLECT", 'aggregation="SUM"', "COLLECT with aggregation SUM is not supported"),
])
def test_unsupported_hit_policies_are_refused_by_name(policy: str, extra: str, reason: str) -> None:
    [problem] = problems(dmn(BANDS, policy, extra))
    assert problem.startswith("level.dmn:") and reason in problem


def test_a_cell_that_cannot_be_translated_names_its_row_and_column() -> None:
    [problem] = problems(dmn([("< 100", '"low"'), ('matches(?, "x")', '"odd"')]))
    assert "rule 2, input 1" in problem and "'matches' is not supported" in problem
    assert "element I2" in problem


def test_a_missing_decision_is_named() -> None:
    diagram = bpmn(ext='<zeebe:calledDecision decisionId="nowhere" resultVariable="r" />')
    found = problems(dmn(BANDS), diagram)
    assert found and "nowhere" in found[0]


def test_a_file_with_two_decisions_is_refused() -> None:
    table = dmn(BANDS).replace("</definitions>", '<decision id="second" name="Second" /></definitions>')
    [problem] = problems(table)
    assert "2 decisions" in problem


def test_decisions_are_versioned_with_the_process(session: Session) -> None:
    """Changing the DMN deploys a new process version; a running case keeps its rules."""
    [v1] = definitions.deploy(session, files(dmn(BANDS)))
    changed = dmn([("< 100", '"changed"'), ("[100..1000]", '"mid"'), ("> 1000", '"high"')])
    [v2] = definitions.deploy(session, files(changed))
    assert (v1.version, v2.version) == (1, 2)
    [again] = definitions.deploy(session, files(changed))
    assert again.version == 2 and not again.created
    # the BPMN alone picks up the latest deployed decision (stored like forms)
    [same] = definitions.deploy(session, [UploadedFile("decide.bpmn", bpmn().encode())])
    assert same.version == 2
    old = cases.start_case(session, "decide", user=None, data={"amount": 5}, version=1)
    new = cases.start_case(session, "decide", user=None, data={"amount": 5})
    assert old.data["result"] == "low" and new.data["result"] == "changed"
