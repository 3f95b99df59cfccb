"""engine/diff.py: what changed between two versions of a diagram, by element id."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.diff import diff_bpmn
from engine.errors import DeploymentRefused

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
COMMITTEE = (PROCESSES / "committee_establishment.bpmn").read_text()

NEW_TASK = """<bpmn:userTask id="check_budget" name="Check the budget">
      <bpmn:extensionElements><zeebe:formDefinition formId="budget_check" /></bpmn:extensionElements>
      <bpmn:incoming>Flow_start_draft</bpmn:incoming>
    </bpmn:userTask>
    <bpmn:startEvent id="start_committee\""""


def by_id(elements: list) -> dict:  # type: ignore[type-arg]
    return {e.element_id: e for e in elements}


def test_identical_diagrams_have_no_changes() -> None:
    assert diff_bpmn(COMMITTEE, COMMITTEE).empty


def test_layout_only_changes_are_ignored() -> None:
    moved = COMMITTEE.replace('<dc:Bounds x="', '<dc:Bounds x="1', 3)
    assert moved != COMMITTEE
    assert diff_bpmn(COMMITTEE, moved).empty


def test_added_and_removed_elements() -> None:
    added = COMMITTEE.replace('<bpmn:startEvent id="start_committee"', NEW_TASK, 1)
    diff = diff_bpmn(COMMITTEE, added)
    [element] = diff.added
    assert (element.element_id, element.kind, element.name, element.status) == (
        "check_budget", "userTask", "Check the budget", "added")
    assert not diff.removed and not diff.changed
    back = diff_bpmn(added, COMMITTEE)
    assert [e.element_id for e in back.removed] == ["check_budget"]
    assert back.removed[0].status == "removed"


def test_changed_name_due_date_condition_and_handler() -> None:
    changed = (COMMITTEE
               .replace('name="Review terms of reference"', 'name="Review the ToR"')
               .replace('dueDate="P21D"', 'dueDate="P14D"')
               .replace("review_decision == 'approve'", "review_decision == 'approved'")
               .replace('type="register_committee"', 'type="register_committee_v2"'))
    diff = diff_bpmn(COMMITTEE, changed)
    changes = {e.element_id: {c.path: (c.old, c.new) for c in e.changes} for e in diff.changed}
    assert changes["review_tor"]["@name"] == ("Review terms of reference", "Review the ToR")
    assert by_id(diff.changed)["review_tor"].name == "Review the ToR"
    assert changes["endorse_tor"]["zeebe:taskSchedule@dueDate"] == ("P21D", "P14D")
    assert changes["Flow_approved"]["conditionExpression"] == (
        "review_decision == 'approve'", "review_decision == 'approved'")
    assert changes["register_committee"]["zeebe:taskDefinition@type"] == (
        "register_committee", "register_committee_v2")
    assert not diff.added and not diff.removed


def test_added_and_removed_extension_elements_and_type_change() -> None:
    changed = (COMMITTEE
               .replace('<zeebe:taskSchedule dueDate="P30D" />', "")
               .replace('<bpmn:serviceTask id="remind_secretariat"', '<bpmn:sendTask id="remind_secretariat"')
               .replace("</bpmn:serviceTask>\n    <bpmn:endEvent id=\"end_reminded\"",
                        "</bpmn:sendTask>\n    <bpmn:endEvent id=\"end_reminded\"", 1))
    diff = diff_bpmn(COMMITTEE, changed)
    changes = {e.element_id: {c.path: (c.old, c.new) for c in e.changes} for e in diff.changed}
    assert changes["review_tor"]["zeebe:taskSchedule@dueDate"] == ("P30D", None)
    assert changes["remind_secretariat"]["type"] == ("serviceTask", "sendTask")


def test_new_flow_target_and_lane_membership() -> None:
    rerouted = COMMITTEE.replace('sourceRef="gw_review" targetRef="register_committee"',
                                 'sourceRef="gw_review" targetRef="end_rejected"')
    if rerouted == COMMITTEE:
        pytest.skip("flow attribute order differs")
    diff = diff_bpmn(COMMITTEE, rerouted)
    flow = by_id(diff.changed)["Flow_approved"]
    assert {c.path: (c.old, c.new) for c in flow.changes}["@targetRef"] == (
        "register_committee", "end_rejected")


def test_lane_members_compare_as_a_set() -> None:
    lines = COMMITTEE.splitlines(keepends=True)
    refs = [i for i, line in enumerate(lines) if "<bpmn:flowNodeRef>review_tor<" in line]
    nxt = refs[0] + 1
    lines[refs[0]], lines[nxt] = lines[nxt], lines[refs[0]]
    assert diff_bpmn(COMMITTEE, "".join(lines)).empty


def test_timer_value_is_reported_on_the_event() -> None:
    changed = COMMITTEE.replace(">P30D</bpmn:timeDuration>", ">P20D</bpmn:timeDuration>")
    diff = diff_bpmn(COMMITTEE, changed)
    changes = {e.element_id: {c.path: (c.old, c.new) for c in e.changes} for e in diff.changed}
    assert changes == {"review_overdue": {"timerEventDefinition/timeDuration": ("P30D", "P20D")}}


def test_not_bpmn_is_refused() -> None:
    with pytest.raises(DeploymentRefused):
        diff_bpmn(COMMITTEE, "<html/>")
    with pytest.raises(DeploymentRefused):
        diff_bpmn("not xml", COMMITTEE)
