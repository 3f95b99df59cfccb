"""Definitions, deployments and process instances through the API."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.conftest import PROCESSES

StartFn = Callable[..., dict[str, Any]]


def test_definitions_list_detail_xml(api: ApiClient) -> None:
    items = api.get("/process-definitions", "quanzhou").get_json()["items"]
    by_key = {d["key"]: d for d in items}
    assert by_key["committee_establishment"]["startable"] is True
    detail = api.get("/process-definitions/committee_establishment", "quanzhou").get_json()
    assert detail["version"] == 1 and detail["versions"][0]["version"] == 1
    assert "proposing_entity" in detail["start_groups"]
    xml = api.get("/process-definitions/committee_establishment/xml", "quanzhou").get_json()
    assert xml["bpmn_xml"].lstrip().startswith("<?xml")
    assert_problem(api.get("/process-definitions/nope", "quanzhou"), 404)
    assert_problem(api.get("/process-definitions/committee_establishment/xml?version=9",
                           "quanzhou"), 404)
    assert_problem(api.get("/process-definitions/committee_establishment/xml?version=x",
                           "quanzhou"), 422)


def _bpmn() -> bytes:
    return (PROCESSES / "committee_establishment.bpmn").read_bytes()


def test_deploy_rights_new_version_and_refusals(api: ApiClient) -> None:
    def files(content: bytes, name: str = "committee_establishment.bpmn") -> dict[str, Any]:
        return {"files": (io.BytesIO(content), name), "comment": "from the API"}

    assert_problem(api.post("/deployments", "quanzhou", data=files(_bpmn()),
                            content_type="multipart/form-data"), 403)
    same = api.post("/deployments", "analyst", data=files(_bpmn()),
                    content_type="multipart/form-data")
    assert same.status_code == 200, same.get_json()
    assert same.get_json()["processes"][0]["created"] is False
    changed = _bpmn().replace(b'name="Committee proposed"', b'name="Committee proposed (v2)"')
    new = api.post("/deployments", "admin", data=files(changed), content_type="multipart/form-data")
    assert new.status_code == 201, new.get_json()
    assert new.get_json()["processes"][0]["version"] == 2
    bad = api.post("/deployments", "analyst", data=files(b"<not-bpmn", "broken.bpmn"),
                   content_type="multipart/form-data")
    assert assert_problem(bad, 422)["problems"]
    assert_problem(api.post("/deployments", "analyst", data={},
                            content_type="multipart/form-data"), 422)


def test_start_returns_the_case_with_location(api: ApiClient, start_committee: StartFn) -> None:
    case = start_committee("TOR-9")
    assert case["status"] == "running" and case["business_key"] == "TOR-9"
    assert case["open_tasks"][0]["element_id"] == "draft_tor"
    response = api.post("/process-definitions/committee_establishment/start", "quanzhou",
                        json={"business_key": "TOR-10"})
    assert response.headers["Location"].endswith(f"/process-instances/{response.get_json()['id']}")


def test_start_refusals(api: ApiClient) -> None:
    path = "/process-definitions/committee_establishment/start"
    assert_problem(api.post(path, "bc_chair", json={}), 403)
    assert_problem(api.post("/process-definitions/nope/start", "quanzhou", json={}), 404)
    body = assert_problem(api.post(path, "quanzhou", json={"variables": {"_secret": 1}}), 422)
    assert body["errors"]
    body = assert_problem(api.post(path, "quanzhou", json={"business_key": 5}), 422)
    assert "business_key" in body["errors"]
    assert_problem(api.post(path, "quanzhou", json={"business_key": "x" * 300}), 422)
    assert_problem(api.post(path, "quanzhou", data="{not json", content_type="application/json"),
                   400)
    assert_problem(api.post(path, "quanzhou", json=[1, 2]), 422)


def test_start_is_idempotent(api: ApiClient) -> None:
    path = "/process-definitions/committee_establishment/start"
    key = {"Idempotency-Key": "start-1"}
    first = api.post(path, "quanzhou", json={"business_key": "IDEM"}, headers=key)
    again = api.post(path, "quanzhou", json={"business_key": "IDEM"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert api.get("/process-instances?search=IDEM", "quanzhou").get_json()["total"] == 1
    other = api.post(path, "quanzhou", json={"business_key": "OTHER"}, headers=key)
    assert "Idempotency-Key" in assert_problem(other, 422)["errors"]
    # keys are per user: another user's same key is a new request
    assert api.post(path, "chongqing", json={"business_key": "IDEM"}, headers=key).status_code == 201


def test_list_filters_pages_and_visibility(api: ApiClient, start_committee: StartFn) -> None:
    for n in range(3):
        start_committee(f"Q-{n}")
    start_committee("C-1", user="chongqing")
    everything = api.get("/process-instances?per_page=2", "sec_wang").get_json()
    assert everything["total"] == 4 and len(everything["items"]) == 2
    page2 = api.get("/process-instances?per_page=2&page=2", "sec_wang").get_json()
    assert {c["id"] for c in page2["items"]}.isdisjoint({c["id"] for c in everything["items"]})
    mine = api.get("/process-instances", "quanzhou").get_json()
    assert mine["total"] == 3 and {c["started_by"] for c in mine["items"]} == {"quanzhou"}
    assert api.get("/process-instances?search=c-1", "sec_wang").get_json()["total"] == 1
    assert api.get("/process-instances?started_by=chongqing&status=running&process="
                   "committee_establishment", "sec_wang").get_json()["total"] == 1
    assert api.get("/process-instances", "bc_chair").get_json()["total"] == 0
    for bad in ("page=0", "per_page=100000", "page=99999999999999999999", "status=weird"):
        assert_problem(api.get(f"/process-instances?{bad}", "sec_wang"), 422)


def test_read_case_and_history_rights(api: ApiClient, start_committee: StartFn) -> None:
    case_id = start_committee()["id"]
    got = api.get(f"/process-instances/{case_id}", "quanzhou").get_json()
    assert got["id"] == case_id and isinstance(got["variables"], dict) and got["open_tasks"]
    assert api.get(f"/process-instances/{case_id}", "sec_silva").status_code == 200
    assert_problem(api.get(f"/process-instances/{case_id}", "chongqing"), 403)
    history = api.get(f"/process-instances/{case_id}/history", "quanzhou").get_json()["items"]
    assert history[0]["kind"] == "case_started" and history[0]["user"] == "quanzhou"
    assert_problem(api.get(f"/process-instances/{case_id}/history", "bc_chair"), 403)
    assert_problem(api.get("/process-instances/999999", "sec_wang"), 404)
    assert_problem(api.get("/process-instances/99999999999999999999", "sec_wang"), 404)


def test_suspend_resume_cancel(api: ApiClient, start_committee: StartFn) -> None:
    case_id = start_committee()["id"]
    base = f"/process-instances/{case_id}"
    assert_problem(api.post(f"{base}/suspend", "quanzhou", json={"reason": "mine"}), 403)
    assert "reason" in assert_problem(api.post(f"{base}/suspend", "sec_wang", json={}), 422)["errors"]
    suspended = api.post(f"{base}/suspend", "sec_wang", json={"reason": "waiting for a letter"})
    assert suspended.get_json()["status"] == "suspended"
    assert_problem(api.post(f"{base}/suspend", "sec_wang", json={"reason": "again"}), 409)
    assert api.post(f"{base}/resume", "admin", json={"reason": "letter came"}).get_json()[
        "status"] == "running"
    assert "reason" in assert_problem(api.post(f"{base}/cancel", "sec_wang", json={}), 422)["errors"]
    assert_problem(api.post(f"{base}/cancel", "sec_wang", json={"reason": ""}), 422)
    cancelled = api.post(f"{base}/cancel", "sec_wang", json={"reason": "withdrawn"})
    assert cancelled.get_json()["status"] == "cancelled"
    assert_problem(api.post(f"{base}/resume", "sec_wang", json={"reason": "oops"}), 409)
    assert_problem(api.post("/process-instances/424242/cancel", "sec_wang",
                            json={"reason": "x"}), 404)
