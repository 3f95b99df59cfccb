"""Fixtures for the REST API: seeded Alliance, API tokens per demo user, a JSON client."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy.orm import sessionmaker

from engine.access.tokens import create_token
from tests.conftest import REPO

API = "/api/v1"


@pytest.fixture(scope="session", autouse=True)
def hypothesis_home() -> None:
    """Hypothesis's caches under test-output/, one folder per xdist worker (not .hypothesis/)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    set_hypothesis_home_dir(REPO / "test-output" / "hypothesis" / worker)


class ApiClient:
    """Calls /api/v1 as a demo user (a bearer token created for them on first use)."""

    def __init__(self, client: FlaskClient, factory: sessionmaker[Any]) -> None:
        self.client = client
        self.factory = factory
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            with self.factory() as session:
                self.tokens[username] = create_token(session, username, name="tests").secret
                session.commit()
        return self.tokens[username]

    def call(self, method: str, path: str, user: str | None = None, *, token: str | None = None,
             headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        elif user is not None:
            sent["Authorization"] = f"Bearer {self.token(user)}"
        return self.client.open(API + path, method=method, headers=sent, **kwargs)

    def get(self, path: str, user: str | None = None, **kwargs: Any) -> Any:
        return self.call("GET", path, user, **kwargs)

    def post(self, path: str, user: str | None = None, **kwargs: Any) -> Any:
        return self.call("POST", path, user, **kwargs)


@pytest.fixture
def api(client: FlaskClient, seeded: sessionmaker[Any]) -> ApiClient:
    return ApiClient(client, seeded)


@pytest.fixture
def start_committee(api: ApiClient) -> Callable[..., dict[str, Any]]:
    """Start a committee-establishment case as quanzhou through the API; returns the case."""
    def start(key: str = "TOR-1", user: str = "quanzhou") -> dict[str, Any]:
        response = api.post("/process-definitions/committee_establishment/start", user,
                            json={"business_key": key})
        assert response.status_code == 201, response.get_json()
        return response.get_json()  # type: ignore[no-any-return]
    return start


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"] and "detail" in body
    return body  # type: ignore[no-any-return]
