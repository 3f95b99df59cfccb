"""Every request's input checked once: 400 for NUL and numbers out of range, 404 for ids
no row can have, JSON under the engine's rules, and safe redirects."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from tests.web.conftest import login, post
from web.input_guard import safe_next


def test_nul_in_a_query_or_form_is_a_400_page(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    login(client, "sec_wang")
    answer = client.get("/cases/list?q=a%00b")
    assert answer.status_code == 400 and answer.mimetype == "text/html"
    assert post(client, "/profile/tokens", {"name": "x\x00"}).status_code == 400


def test_under_the_api_a_refusal_is_problem_json(client: FlaskClient) -> None:
    answer = client.get("/api/v1/tasks?process=a%00b")
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert "NUL" in answer.get_json()["detail"]


@pytest.mark.parametrize("path", ["/cases/2147483648", "/tasks/99999999999999999999999",
                                  "/cases/1/incidents/2147483648/retry"])
def test_ids_beyond_the_columns_match_no_route(client: FlaskClient, seeded: sessionmaker[Any],
                                               path: str) -> None:
    login(client, "sec_wang")
    assert client.get(path).status_code in (404, 405)
    assert client.get("/cases/2147483647").status_code == 404  # in range: looked up, not found


def test_page_numbers_beyond_the_columns_are_a_400(client: FlaskClient,
                                                   seeded: sessionmaker[Any]) -> None:
    login(client, "sec_wang")
    assert client.get("/inbox/?page=2147483648").status_code == 400
    assert client.get("/inbox/?page=2147483647").status_code == 200
    assert client.get("/cases/list?started_to=9999-12-31&ended_from=0001-01-01").status_code == 200


def test_request_json_under_the_engine_rules(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    login(client, "analyst")
    page = client.get("/modeler/edit/committee_establishment").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    answer = client.post("/modeler/api/validate", data="[" * 5000 + "]" * 5000,
                         headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert answer.status_code == 422  # the modeler says "expected a JSON body", no 500


@pytest.mark.parametrize(("target", "expected"), [
    ("/inbox/", "/inbox/"), ("/tasks/3?x=1", "/tasks/3?x=1"), ("//evil.example/", None),
    ("https://evil.example/", None), ("/inbox/\r\nSet-Cookie: x=1", None), ("/\\evil.example", None),
    ("inbox", None), ("", None), (None, None),
])
def test_safe_next(target: str | None, expected: str | None) -> None:
    assert safe_next(target) == expected
