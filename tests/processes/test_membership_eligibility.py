"""The Business Council's membership eligibility rule (processes/membership_eligibility.dmn),
one test per rule row, run as deployed: the business rule task of business_council_membership
puts the decision into `may_apply_for_membership`, which the gateway after the observation year
reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions.deployment import files_from_paths
from engine.definitions.validation import validate_files
from engine.runtime import spiff_patches
from engine.sandbox.evaluator import SandboxScriptEngine

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
DMN = PROCESSES / "membership_eligibility.dmn"
spiff_patches.apply()


ANSWERS = {"check_completeness": {"completeness": "complete"},
           "find_in_registry": {"registry_kind": "new"}, "chair_decision": {"chair_decision": "approve"},
           "register_observer": {}}


def decide(kind: str) -> object:
    """Run the deployed process (as deploy parsed it) up to its business rule task."""
    result = validate_files(files_from_paths([PROCESSES]))
    assert [str(p) for p in result.problems] == []
    [parsed] = [p for p in result.processes if p.process_id == "business_council_membership"]
    assert "membership_eligibility" in parsed.decisions  # versioned with the process
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SandboxScriptEngine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data["applicant_kind"] = kind
    workflow.do_engine_steps()
    for _ in range(10):
        [done] = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "check_eligibility"] or [None]
        if done is not None and done.state == TaskState.COMPLETED:
            return done.data.get("may_apply_for_membership", "unset")
        [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        task.data.update(ANSWERS[task.task_spec.bpmn_id])
        task.run()
        workflow.do_engine_steps()
    raise AssertionError("the business rule task did not run")


def rows() -> list[tuple[str, str]]:
    ns = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
    table = etree.parse(str(DMN))
    return [(rule.findtext("dmn:inputEntry/dmn:text", namespaces=ns),
             rule.findtext("dmn:outputEntry/dmn:text", namespaces=ns))
            for rule in table.iterfind(".//dmn:rule", ns)]


def test_the_table_has_the_three_rows_tested_below() -> None:
    assert rows() == [('"organisation"', "true"), ('"company"', "true"), ('"individual"', "false")]


@pytest.mark.parametrize(("kind", "may_apply"), [("organisation", True), ("company", True),
                                                 ("individual", False)])
def test_each_rule_row(kind: str, may_apply: bool) -> None:
    assert decide(kind) is may_apply


def test_a_kind_no_rule_names_gets_no_answer() -> None:
    """The start form offers only the three kinds; anything else matches no row (None), and
    the gateway's `not may_apply_for_membership` then informs rather than invites."""
    assert decide("government") is None
