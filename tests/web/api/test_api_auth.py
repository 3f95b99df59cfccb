"""Tokens: 401 without or with a bad token; the profile page; the description and docs."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.access.tokens import revoke_token
from engine.access.users import get_user
from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.conftest import post


def test_no_token_is_401_with_a_challenge(api: ApiClient) -> None:
    response = api.get("/tasks")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(api: ApiClient) -> None:
    assert_problem(api.get("/tasks", token="alw_not-a-real-token"), 401)
    assert_problem(api.get("/tasks", token="x" * 5000), 401)
    assert_problem(api.get("/tasks", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401)


def test_revoked_token_and_inactive_user_are_401(api: ApiClient, seeded: sessionmaker[Any]) -> None:
    raw = api.token("quanzhou")
    assert api.get("/tasks", token=raw).status_code == 200
    with seeded() as session:
        from engine.access.tokens import list_tokens
        revoke_token(session, list_tokens(session, "quanzhou")[0].id)
        session.commit()
    assert_problem(api.get("/tasks", token=raw), 401)
    raw = api.token("chongqing")
    with seeded() as session:
        get_user(session, "chongqing").active = False
        session.commit()
    assert_problem(api.get("/tasks", token=raw), 401)


def test_api_needs_no_csrf_and_never_redirects(api: ApiClient) -> None:
    response = api.post("/messages", "sec_wang", json={"name": "nobody_waits"})
    assert response.status_code == 404  # reached the view: no CSRF refusal, no login redirect
    assert_problem(api.get("/no-such-thing"), 404)
    assert_problem(api.call("DELETE", "/tasks", "quanzhou"), 405)


def test_openapi_and_docs_are_served_locally(client: FlaskClient, api: ApiClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/tasks/{task_id}/complete" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/vendor/swagger-ui-dist/swagger-ui-bundle.js" in docs and "http" not in docs.split(
        "<body>")[0].replace("text/css", "")
    bundle = client.get("/vendor/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_profile_page_creates_shows_once_and_revokes(login_as: Any, api: ApiClient) -> None:
    client = login_as("quanzhou")
    page = client.get("/profile/")
    assert page.status_code == 200 and "API tokens" in page.get_data(as_text=True)
    created = post(client, "/profile/tokens", {"name": "city portal"})
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    secret = html.split('<code id="token-secret">')[1].split("</code>")[0]
    assert api.get("/tasks", token=secret).status_code == 200
    again = client.get("/profile/").get_data(as_text=True)
    assert secret not in again and "city portal" in again
    token_id = again.split("/profile/tokens/")[1].split("/revoke")[0]
    assert post(client, f"/profile/tokens/{token_id}/revoke").status_code == 302
    assert_problem(api.get("/tasks", token=secret), 401)


def test_profile_cannot_revoke_someone_elses_token(login_as: Any, api: ApiClient,
                                                   seeded: sessionmaker[Any]) -> None:
    api.token("chongqing")
    with seeded() as session:
        from engine.access.tokens import list_tokens
        other = list_tokens(session, "chongqing")[0].id
    client = login_as("quanzhou")
    assert post(client, f"/profile/tokens/{other}/revoke").status_code == 404
    assert api.get("/tasks", "chongqing").status_code == 200
