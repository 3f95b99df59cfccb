"""Tasks through the API: inbox, read with form, claim, assign, complete (form validation,
409 on a double completion, idempotent retries)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.flows import TOR

StartFn = Callable[..., dict[str, Any]]


def _draft(start_committee: StartFn, key: str = "TOR-1", user: str = "quanzhou") -> tuple[int, int]:
    case = start_committee(key, user)
    return case["id"], case["open_tasks"][0]["id"]


def test_task_lists(api: ApiClient, start_committee: StartFn) -> None:
    """A city's unsent draft is hers alone: another city's list does not show it."""
    _case, task_id = _draft(start_committee)  # the draft goes to the case's starter
    _draft(start_committee, "TOR-2")
    _draft(start_committee, "TOR-3", user="chongqing")
    visible = api.get("/tasks", "quanzhou").get_json()
    assert visible["total"] == 2 and visible["items"][0]["id"] == task_id
    assert visible["items"][0]["personal"] is True and visible["items"][0]["candidates"] == []
    assert api.get("/tasks?assigned=me", "quanzhou").get_json()["total"] == 2
    assert api.get("/tasks?candidate=me", "quanzhou").get_json()["total"] == 0
    assert api.get("/tasks", "chongqing").get_json()["total"] == 1
    assert api.get("/tasks?candidate=me", "chongqing").get_json()["total"] == 0
    assert_problem(api.post(f"/tasks/{task_id}/unclaim", "quanzhou"), 403)  # personal
    assert api.get("/tasks?candidate=me", "chongqing").get_json()["total"] == 0
    one = api.get("/tasks?per_page=1&page=2&process=committee_establishment", "quanzhou")
    assert one.get_json()["total"] == 2 and len(one.get_json()["items"]) == 1
    assert api.get("/tasks?overdue=true", "quanzhou").get_json()["total"] == 0
    assert api.get("/tasks?state=completed", "quanzhou").get_json()["total"] == 0
    assert api.get("/tasks", "bc_chair").get_json()["total"] == 0
    assert api.get("/tasks", "sec_wang").get_json()["total"] == 0  # staff see them on the dashboard
    for bad in ("assigned=you", "per_page=0", "per_page=201", "overdue=maybe", "state=nope"):
        assert_problem(api.get(f"/tasks?{bad}", "quanzhou"), 422)


def test_read_task_with_form(api: ApiClient, start_committee: StartFn) -> None:
    _case, task_id = _draft(start_committee)
    task = api.get(f"/tasks/{task_id}", "quanzhou").get_json()
    assert task["form"]["components"] and task["may_complete"] is True
    assert task["may_unclaim"] is False and isinstance(task["variables"], dict)
    assert_problem(api.get(f"/tasks/{task_id}", "chongqing"), 403)
    assert_problem(api.get(f"/tasks/{task_id}", "bc_chair"), 403)
    staff = api.get(f"/tasks/{task_id}", "sec_wang").get_json()
    assert staff["may_complete"] is False and staff["may_claim"] is False
    assert_problem(api.get("/tasks/987654", "quanzhou"), 404)


def test_claim_unclaim_assign(api: ApiClient, start_committee: StartFn) -> None:
    _case, task_id = _draft(start_committee)
    assert_problem(api.post(f"/tasks/{task_id}/claim", "bc_chair"), 403)
    assert api.post(f"/tasks/{task_id}/claim", "quanzhou").status_code == 200  # already hers
    assert_problem(api.post(f"/tasks/{task_id}/claim", "chongqing"), 403)
    assert_problem(api.post(f"/tasks/{task_id}/unclaim", "chongqing"), 403)
    assert_problem(api.post(f"/tasks/{task_id}/unclaim", "quanzhou"), 403)
    assert_problem(api.post(f"/tasks/{task_id}/assign", "quanzhou",
                            json={"assignee": "quanzhou", "reason": "mine"}), 403)
    assert_problem(api.post(f"/tasks/{task_id}/assign", "sec_wang", json={}), 422)
    assert_problem(api.post(f"/tasks/{task_id}/assign", "sec_wang",
                            json={"assignee": "nobody-here", "reason": "x"}), 404)
    given = api.post(f"/tasks/{task_id}/assign", "sec_wang",
                     json={"assignee": "chongqing", "reason": "quanzhou asked Chongqing to draft"})
    assert given.get_json()["assignee"] == "chongqing"
    assert api.get(f"/tasks/{task_id}", "chongqing").get_json()["may_complete"] is True
    assert_problem(api.get(f"/tasks/{task_id}", "quanzhou"), 403)
    assert_problem(api.post("/tasks/55555/claim", "quanzhou"), 404)


def test_complete_validates_like_the_task_page(api: ApiClient, start_committee: StartFn) -> None:
    _case, task_id = _draft(start_committee)
    path = f"/tasks/{task_id}/complete"
    body = assert_problem(api.post(path, "quanzhou", json={"variables": {"committee_name": "ab"}}),
                          422)
    assert "committee_name" in body["errors"] and "sector" in body["errors"]
    wrong = dict(TOR, sector="not-a-sector", partner_institutions="iran_chamber")
    errors = assert_problem(api.post(path, "quanzhou", json={"variables": wrong}), 422)["errors"]
    assert set(errors) >= {"sector", "partner_institutions"}
    assert_problem(api.post(path, "quanzhou", json={"variables": "nope"}), 422)
    assert_problem(api.post(path, "quanzhou", data="{", content_type="application/json"), 400)
    assert_problem(api.post(path, "bc_chair", json={"variables": TOR}), 403)
    assert_problem(api.post("/tasks/31337/complete", "quanzhou", json={"variables": TOR}), 404)


def test_complete_then_double_completion_is_409(api: ApiClient, start_committee: StartFn) -> None:
    case_id, task_id = _draft(start_committee)
    refused = api.post(f"/tasks/{task_id}/complete", "quanzhou",
                       json={"variables": dict(TOR, unknown_field="refused")})
    assert assert_problem(refused, 422)["errors"] == {
        "unknown_field": ["This form has no field “unknown_field”."]}  # a form takes only its fields
    done = api.post(f"/tasks/{task_id}/complete", "quanzhou", json={"variables": TOR})
    assert done.status_code == 200, done.get_json()
    case = done.get_json()
    assert case["id"] == case_id and case["variables"]["committee_name"] == TOR["committee_name"]
    assert "unknown_field" not in case["variables"]
    assert case["open_tasks"] and case["open_tasks"][0]["id"] != task_id
    assert_problem(api.post(f"/tasks/{task_id}/complete", "quanzhou", json={"variables": TOR}), 409)


def test_retried_completion_is_a_no_op(api: ApiClient, start_committee: StartFn) -> None:
    case_id, task_id = _draft(start_committee)
    path = f"/tasks/{task_id}/complete"
    key = {"Idempotency-Key": "complete-7f3a"}
    first = api.post(path, "quanzhou", json={"variables": TOR}, headers=key)
    assert first.status_code == 200
    history = api.get(f"/process-instances/{case_id}/history", "quanzhou").get_json()["items"]
    again = api.post(path, "quanzhou", json={"variables": TOR}, headers=key)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.get(f"/process-instances/{case_id}/history", "quanzhou").get_json()["items"] == history
    changed = api.post(path, "quanzhou", json={"variables": dict(TOR, scope="other")}, headers=key)
    assert assert_problem(changed, 422)["errors"]["Idempotency-Key"]
    assert_problem(api.post(path, "quanzhou", json={"variables": TOR},
                            headers={"Idempotency-Key": "k" * 300}), 422)


def test_refused_request_does_not_consume_its_key(api: ApiClient, start_committee: StartFn) -> None:
    _case, task_id = _draft(start_committee)
    path = f"/tasks/{task_id}/complete"
    key = {"Idempotency-Key": "retry-after-fix"}
    assert_problem(api.post(path, "quanzhou", json={"variables": {}}, headers=key), 422)
    # nothing was changed or stored: the corrected request may reuse the key ...
    fixed = api.post(path, "quanzhou", json={"variables": TOR}, headers=key)
    assert fixed.status_code == 200 and "Idempotent-Replayed" not in fixed.headers
    # ... and from now on the key stands for the corrected request
    assert api.post(path, "quanzhou", json={"variables": TOR}, headers=key).headers[
        "Idempotent-Replayed"] == "true"
