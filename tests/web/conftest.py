"""Fixtures for the web layer: an app on the test database, a client, a live server.

The app reuses `db_engine` from tests/conftest.py: a copy of a template database per test
(SQLite file, or the worker's PostgreSQL database when DATABASE_URL points at one); `seeded`
(the Alliance set up) comes from there too.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from werkzeug.serving import make_server

from engine.runtime.context import Runtime
from processes.demo import DEMO_USERS
from web import create_app

REPO = Path(__file__).resolve().parents[2]
PROCESSES = REPO / "processes"
SCREENSHOTS = REPO / "test-output" / "screenshots"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PASSWORDS = {u["username"]: u["password"] for u in DEMO_USERS}


@pytest.fixture
def app(db_engine: Engine, runtime: Runtime) -> Flask:
    return create_app({"TESTING": True, "DB_ENGINE": db_engine, "ENGINE_RUNTIME": runtime,
                       "SECRET_KEY": "test-secret-key-1234", "ALLIANCE_ENV": "development"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    page = client.get(url)
    found = CSRF_META.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url} ({page.status_code})"
    return found.group(1)


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST with a valid CSRF token (from the login page, or the inbox once signed in)."""
    page = client.get("/login")
    if page.status_code == 302:
        page = client.get("/inbox/")
    found = CSRF_META.search(page.get_data(as_text=True))
    assert found, "no CSRF token"
    return client.post(url, data={"csrf_token": found.group(1), **(data or {})}, **kwargs)


def login(client: FlaskClient, username: str, password: str | None = None) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": password or PASSWORDS[username]})


@pytest.fixture
def login_as(client: FlaskClient, seeded: sessionmaker[Any]) -> Callable[[str], FlaskClient]:
    def sign_in(username: str) -> FlaskClient:
        post(client, "/logout")
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return sign_in


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask, seeded: sessionmaker[Any]) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
