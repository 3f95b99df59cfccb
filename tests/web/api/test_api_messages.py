"""Messages and incidents through the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.store.models import Incident, IncidentKind
from tests.web.api.conftest import ApiClient, assert_problem


def test_message_rights_and_unmatched(api: ApiClient) -> None:
    assert_problem(api.post("/messages", "quanzhou", json={"name": "start_task_force"}), 403)
    assert_problem(api.post("/messages", "sec_wang", json={"name": "nobody_waits"}), 404)
    body = assert_problem(api.post("/messages", "sec_wang", json={}), 422)
    assert "name" in body["errors"]
    assert_problem(api.post("/messages", "sec_wang", json={"name": "x", "correlation": [1]}), 422)


def test_message_starts_a_process_once_per_key(api: ApiClient) -> None:
    payload = {"name": "start_task_force", "correlation": {},
               "variables": {"initiative_id": 1, "initiative_title": "Port data exchange"}}
    key = {"Idempotency-Key": "msg-1"}
    first = api.post("/messages", "sec_wang", json=payload, headers=key)
    assert first.status_code == 200, first.get_json()
    assert len(first.get_json()["started"]) == 1 and first.get_json()["message_id"]
    again = api.post("/messages", "sec_wang", json=payload, headers=key)
    assert again.get_json() == first.get_json()
    total = api.get("/process-instances?process=task_force", "sec_wang").get_json()["total"]
    assert total == len(first.get_json()["started"])


def test_incidents_list_and_retry(api: ApiClient, seeded: sessionmaker[Any]) -> None:
    assert_problem(api.get("/incidents", "quanzhou"), 403)
    assert api.get("/incidents", "sec_wang").get_json() == {"items": []}
    assert_problem(api.post("/incidents/4242/retry", "sec_wang", json={"reason": "x"}), 404)
    assert_problem(api.post("/incidents/4242/retry", "quanzhou", json={"reason": "x"}), 403)
    assert "reason" in assert_problem(api.post("/incidents/4242/retry", "sec_wang", json={}),
                                      422)["errors"]
    with seeded() as session:
        incident = Incident(kind=IncidentKind.JOB, case_id=None, job_id=None, element_id="x",
                            handler="h", error="boom", attempts=3, created_at=clock.now())
        session.add(incident)
        session.commit()
        incident_id = incident.id
    listed = api.get("/incidents?limit=5", "admin").get_json()["items"]
    assert [i["id"] for i in listed] == [incident_id] and listed[0]["error"] == "boom"
    # its job is gone: retrying is a conflict, and the incident stays open
    assert_problem(api.post(f"/incidents/{incident_id}/retry", "sec_wang", json={"reason": "x"}), 409)
    assert len(api.get("/incidents", "sec_wang").get_json()["items"]) == 1
    assert_problem(api.get("/incidents?limit=0", "sec_wang"), 422)
