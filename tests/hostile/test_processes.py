"""Issue 14, cases 2, 3 and 8: timer values, fan-out, long processes, clear errors."""

from __future__ import annotations

import requests

from tests.engine.bpmn.test_parsing import linear_process
from tests.engine.worker_handlers import process_xml
from tests.hostile.conftest import Stack
from tests.hostile.diagrams import timed
from tests.hostile.test_scripts import start, step_failure

TOR = {"committee_name": "Tourism", "sector": "tourism",
       "objectives": "Promote maritime heritage tourism between member cities.",
       "scope": "Member cities of the Alliance.", "membership": "Quanzhou, Chongqing",
       "resource_mobilization_plan": "Seed funding and city contributions."}


def deploy(stack: Stack, name: str, content: bytes) -> requests.Response:
    return stack.api("analyst").post(f"{stack.url}/api/v1/deployments", timeout=120,
                                     files=[("files", (name, content))])


def test_a_timer_of_a_hundred_trillion_years_is_refused_at_deploy(stack: Stack) -> None:
    answer = deploy(stack, "forever.bpmn", process_xml("forever", timed("P99999999999999Y")).encode())
    assert answer.status_code == 422, answer.text
    problem = answer.json()["problems"][0]
    assert problem["element_id"] == "wait" and problem["line"] == 11
    assert "longer than 100 years" in problem["message"]


def test_a_timer_fed_by_a_form_field_is_bounded_and_the_server_keeps_answering(stack: Stack) -> None:
    element, reason = step_failure(start(stack, "quanzhou", "timer_from_data",
                                         variables={"delay": "P99999999999999Y"}))
    assert element == "wait" and "longer than 100 years" in reason
    assert stack.browser().get(stack.url + "/login", timeout=5).status_code == 200


def test_a_multi_select_of_5000_duplicates_fans_out_to_no_more_than_the_cap(stack: Stack) -> None:
    case = start(stack, "quanzhou", "committee_establishment", business_key="TOR-DUPES")
    assert case.status_code == 201, case.text
    task_id = case.json()["open_tasks"][0]["id"]
    answer = stack.api("quanzhou").post(
        f"{stack.url}/api/v1/tasks/{task_id}/complete", timeout=120,
        json={"variables": {**TOR, "partner_institutions": ["iran_chamber"] * 5000}})
    assert answer.status_code in (200, 422), answer.text
    endorsements = stack.query("SELECT count(*) FROM human_task WHERE case_id = :c AND "
                               "element_id = 'endorse_tor'", c=case.json()["id"])[0][0]
    assert endorsements <= 300
    if answer.status_code == 200:  # the form accepted the list: the fan-out cap stopped the step
        failed = stack.api("sec_wang").get(
            f"{stack.url}/api/v1/process-instances/{case.json()['id']}", timeout=30).json()
        assert failed["status"] == "failed" and failed["failed_element_id"] == "endorse_tor"
        assert "would start 5000 instances; at most 300 are allowed" in failed["status_reason"]


def test_a_linear_process_of_2000_tasks_deploys_and_starts(stack: Stack) -> None:
    answer = deploy(stack, "deep.bpmn", linear_process(2000, "userTask"))
    assert answer.status_code == 201, answer.text
    case = start(stack, "quanzhou", "deep")
    assert case.status_code == 201 and case.json()["status"] == "running", case.text
    assert [t["element_id"] for t in case.json()["open_tasks"]] == ["t0"]


def test_a_failed_condition_says_why(stack: Stack) -> None:
    element, reason = step_failure(start(stack, "quanzhou", "condition", variables={"amount": 5}))
    assert element == "decide"
    assert "amount > limit" in reason and "NameError: name 'limit' is not defined" in reason


def test_an_xml_schema_error_is_in_plain_words(stack: Stack) -> None:
    broken = process_xml("broken", '<bpmn:startEvent id="start" foo="bar" />').encode()
    answer = deploy(stack, "broken.bpmn", broken)
    assert answer.status_code == 422, answer.text
    problem = answer.json()["problems"][0]
    assert problem["element_id"] == "start"
    assert "<bpmn:startEvent> may not have the attribute 'foo'" in problem["message"]
    assert "{http" not in problem["message"]
