"""The dashboard through the Flask client: routes, rights, filters in the URL, CSV, actions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.store.models import Case, HistoryEvent, HumanTask
from tests.web.conftest import post


def csv_ids(client: FlaskClient, query: str) -> list[int]:
    response = client.get(f"/cases/export.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads Chinese and Portuguese right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return [int(r["Case id"]) for r in rows]


def listed(client: FlaskClient, query: str) -> str:
    response = client.get(f"/cases/list{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def snapshot(seeded: sessionmaker[Any], case_id: int) -> tuple[Any, ...]:
    with seeded() as session:
        case = session.get(Case, case_id)
        assert case is not None
        history = session.scalar(select(func.count()).where(HistoryEvent.case_id == case_id))
        holders = tuple(session.scalars(select(HumanTask.assignee).where(HumanTask.case_id == case_id)
                                        .order_by(HumanTask.id)).all())
        return case.status, case.version, history, holders


def test_staff_pages(login_as: Callable[[str], FlaskClient], cases: dict[str, int]) -> None:
    client = login_as("sec_wang")
    overview = client.get("/cases/")
    assert overview.status_code == 200
    text = overview.get_data(as_text=True)
    assert "Committee" in text and "/cases/list?process=committee_establishment&amp;status=running" in text
    assert "overdue=1" in text and "Review terms of reference" in text
    page = client.get(f"/cases/{cases['review']}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="case-actions"' in body and '"active": ["review_tor"]' in body
    assert "Tourism" in body and 'id="timeline"' in body and "/suspend" in body
    assert client.get("/cases/processes").status_code == 200
    process = client.get("/cases/processes/committee_establishment/1")
    assert process.status_code == 200 and '"review_tor": 1' in process.get_data(as_text=True)
    registry = client.get("/registry/")
    assert registry.status_code == 200 and "Investment and Trade" in registry.get_data(as_text=True)


def test_filters_live_in_the_url_and_csv_matches(login_as: Callable[[str], FlaskClient],
                                                 cases: dict[str, int]) -> None:
    client = login_as("sec_silva")
    body = listed(client, "?q=TOR-2")
    assert "TOR-2" in body and "TOR-3" not in body and "1 cases found" in body
    assert 'href="/cases/export.csv?q=TOR-2"' in body
    assert csv_ids(client, "?q=TOR-2") == [cases["drafting"]]
    assert csv_ids(client, "?overdue=1") == [cases["review"]]
    assert csv_ids(client, "?lane=Proposing+Entity&sort=started") == [cases["drafting"], cases["other"]]
    assert csv_ids(client, "?sort=started") == sorted([cases["review"], cases["drafting"], cases["other"]])
    paged = listed(client, "?sort=started&status=running")
    assert "3 cases found" in paged and 'value="running" selected' in paged
    assert csv_ids(client, "?status=cancelled") == []
    assert listed(client, "?version=abc&started_from=not-a-date")  # bad values are ignored


def test_participant_sees_own_cases_read_only(login_as: Callable[[str], FlaskClient],
                                              cases: dict[str, int]) -> None:
    client = login_as("iran_chamber")  # endorsed TOR-1 only
    assert client.get("/cases/").status_code == 302
    body = listed(client, "")
    assert "TOR-1" in body and "TOR-2" not in body
    assert csv_ids(client, "") == [cases["review"]]
    page = client.get(f"/cases/{cases['review']}")
    assert page.status_code == 200 and 'id="case-actions"' not in page.get_data(as_text=True)
    assert "reassign" not in page.get_data(as_text=True)
    assert client.get(f"/cases/{cases['drafting']}").status_code == 403
    assert client.get("/cases/processes").status_code == 403
    assert client.get("/registry/").status_code == 200


def test_participant_action_urls_are_refused(login_as: Callable[[str], FlaskClient],
                                             seeded: sessionmaker[Any], cases: dict[str, int]) -> None:
    client = login_as("quanzhou")  # started every case
    case_id = cases["drafting"]
    before = snapshot(seeded, case_id)
    for url, data in ((f"/cases/{case_id}/suspend", {"reason": "x"}),
                      (f"/cases/{case_id}/cancel", {"reason": "x"}),
                      (f"/cases/{case_id}/resume", {"reason": "x"}),
                      (f"/cases/{case_id}/tasks/{cases['draft_task']}/reassign",
                       {"assignee": "chongqing", "reason": "x"}),
                      (f"/cases/{case_id}/data", {"field": "committee_name", "value": '"X"',
                                                  "reason": "x"}),
                      (f"/cases/{case_id}/incidents/1/retry", {"reason": "x"})):
        assert post(client, url, data).status_code == 403, url
    assert snapshot(seeded, case_id) == before


def test_actions_need_csrf_and_reason(login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any],
                                      cases: dict[str, int]) -> None:
    client = login_as("sec_wang")
    case_id = cases["drafting"]
    before = snapshot(seeded, case_id)
    assert client.post(f"/cases/{case_id}/suspend", data={"reason": "x"}).status_code == 400
    response = post(client, f"/cases/{case_id}/suspend", {"reason": " "}, follow_redirects=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    response = post(client, f"/cases/{case_id}/data", {"field": "committee_name", "value": "12",
                                                       "reason": "typo"}, follow_redirects=True)
    assert "must stay a JSON string" in response.get_data(as_text=True)
    assert snapshot(seeded, case_id) == before


def test_actions_change_the_case(login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any],
                                 cases: dict[str, int]) -> None:
    client = login_as("sec_wang")
    case_id = cases["review"]
    assert post(client, f"/cases/{case_id}/suspend", {"reason": "audit"}).status_code == 302
    assert snapshot(seeded, case_id)[0] == "suspended"
    assert post(client, f"/cases/{case_id}/resume", {"reason": "audit done"}).status_code == 302
    response = post(client, f"/cases/{case_id}/tasks/{cases['review_task']}/reassign",
                    {"assignee": "sec_silva", "reason": "holiday"})
    assert response.status_code == 302
    assert snapshot(seeded, case_id)[3][-1] == "sec_silva"
    unknown = post(client, f"/cases/{case_id}/tasks/{cases['review_task']}/reassign",
                   {"assignee": "nobody_here", "reason": "x"}, follow_redirects=True)
    assert "Nothing was changed" in unknown.get_data(as_text=True)
    assert post(client, f"/cases/{case_id}/data", {"field": "committee_name",
                                                   "value": '"Tourism Committee"',
                                                   "reason": "official name"}).status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Tourism Committee" in page and "official name" in page and "holiday" in page
    assert post(client, f"/cases/{cases['other']}/cancel", {"reason": "duplicate"}).status_code == 302
    assert snapshot(seeded, cases["other"])[0] == "cancelled"
    assert post(client, f"/cases/{cases['other']}/cancel", {"reason": "again"}).status_code == 409
