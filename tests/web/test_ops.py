"""/healthz, /readyz, /metrics and the request id, through the Flask app."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from engine.access.tokens import create_token
from engine.access.users import create_user
from engine.definitions.deployment import deploy
from engine.runtime.history import case_history
from engine.store.migrations import alembic_config
from tests.conftest import fixture_files
from tests.ops.support import metric_value
from web import create_app

METRICS_TOKEN = "a-metrics-token-of-32-characters"


@pytest.fixture
def ops_app(db_engine: Engine) -> Flask:
    return create_app({"TESTING": True, "DB_ENGINE": db_engine, "SECRET_KEY": "test-secret-key-1234",
                       "METRICS_TOKEN": METRICS_TOKEN})


@pytest.fixture
def tokens(session_factory: sessionmaker[Any]) -> dict[str, str]:
    with session_factory() as session:
        deploy(session, fixture_files("ops_flow.bpmn"))
        create_user(session, "clara", groups=["clerks"], password="clara-password-1")
        create_user(session, "olga", groups=["operators"], password="olga-password-1")
        found = {name: create_token(session, name, name="t").secret for name in ("clara", "olga")}
        session.commit()
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_healthz_is_anonymous_and_says_nothing_more(ops_app: Flask) -> None:
    response = ops_app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_wants_the_schema_at_head(ops_app: Flask, db_engine: Engine) -> None:
    client = ops_app.test_client()
    response = client.get("/readyz")  # the test schema comes from create_all: no Alembic stamp
    assert response.status_code == 503 and response.get_json() == {"status": "unavailable",
                                                                   "reason": "migrations"}
    url = db_engine.url.render_as_string(hide_password=False)
    command.stamp(alembic_config(url), "head")
    try:
        assert client.get("/readyz").get_json() == {"status": "ready"}
    finally:
        with db_engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))


def test_readyz_without_a_database_names_no_detail() -> None:
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none",
                      "DB_CONNECT_TIMEOUT": 2})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database"}
    assert "hunter2" not in response.get_data(as_text=True)


def test_metrics_need_a_metrics_token_or_an_operator(ops_app: Flask, tokens: dict[str, str]) -> None:
    client = ops_app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/metrics", headers=bearer("not-a-token")).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"}).status_code == 401
    refused = client.get("/metrics", headers=bearer(tokens["clara"]))
    assert refused.status_code == 403 and "operators" in refused.get_json()["error"]
    for token in (METRICS_TOKEN, tokens["olga"]):
        response = client.get("/metrics", headers=bearer(token))
        assert response.status_code == 200 and response.content_type.startswith("text/plain")
        assert "alliance_job_queue_depth" in response.get_data(as_text=True)


def _scrape(client: FlaskClient) -> str:
    return client.get("/metrics", headers=bearer(METRICS_TOKEN)).get_data(as_text=True)


def _value(text: str, name: str, **labels: str) -> float:
    return metric_value(text, name, **labels) or 0.0


def test_metrics_count_what_was_committed(ops_app: Flask, tokens: dict[str, str]) -> None:
    client = ops_app.test_client()
    before = _scrape(client)
    started = client.post("/api/v1/process-definitions/ops_flow/start", json={"business_key": "M-1"},
                          headers=bearer(tokens["clara"]))
    assert started.status_code == 201
    refused = client.post("/api/v1/process-definitions/ops_flow/start", json={"variables": "nope"},
                          headers=bearer(tokens["clara"]))
    assert refused.status_code == 422  # rolled back: counted as a request, not as a case
    task = started.get_json()["open_tasks"][0]["id"]
    assert client.post(f"/api/v1/tasks/{task}/complete", json={"variables": {}},
                       headers=bearer(tokens["clara"])).status_code == 200
    after = _scrape(client)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("alliance_cases_started_total", process="ops_flow") == 1
    assert delta("alliance_tasks_completed_total", process="ops_flow") == 1
    assert delta("alliance_http_request_duration_seconds_count", endpoint="api-process-definitions.Start",
                 method="POST") == 2
    assert _value(after, "alliance_job_queue_depth", kind="service") == 1  # the service task waits
    assert _value(after, "alliance_job_oldest_due_age_seconds") >= 0
    assert "alliance_incidents_open" in after and "alliance_worker_lease_expiries_total" in after


def test_the_request_id_is_echoed_logged_and_recorded_in_history(
        ops_app: Flask, tokens: dict[str, str], session_factory: sessionmaker[Any],
        caplog: pytest.LogCaptureFixture) -> None:
    client = ops_app.test_client()
    with caplog.at_level(logging.INFO, logger="alliance.http"):
        response = client.post("/api/v1/process-definitions/ops_flow/start", json={"business_key": "R-1"},
                               headers={**bearer(tokens["clara"]), "X-Request-ID": "portal-42.a"})
    assert response.status_code == 201 and response.headers["X-Request-ID"] == "portal-42.a"
    with session_factory() as session:
        history = case_history(session, response.get_json()["id"])
    assert [h.request_id for h in history] == ["portal-42.a"]
    line = [r for r in caplog.records if r.name == "alliance.http"][-1]
    assert (line.request_id, line.status, line.method) == ("portal-42.a", 201, "POST")  # type: ignore[attr-defined]
    assert line.endpoint == "api-process-definitions.Start"  # type: ignore[attr-defined]

    for insane in ("has spaces in it", "x" * 65, "quote\"d", "<script>"):
        answered = client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert answered != insane and len(answered) == 32 and answered.isalnum()
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_trusted_proxies_set_the_client_address(db_engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    def remote_addr(app: Flask) -> str:
        with caplog.at_level(logging.INFO, logger="alliance.http"):
            app.test_client().get("/login", headers={"X-Forwarded-For": "203.0.113.9"},
                                  environ_base={"REMOTE_ADDR": "10.0.0.2"})
        return [r for r in caplog.records if r.name == "alliance.http"][-1].remote_addr  # type: ignore[attr-defined, no-any-return]

    base = {"TESTING": True, "DB_ENGINE": db_engine, "SECRET_KEY": "test-secret-key-1234"}
    assert remote_addr(create_app(base)) == "10.0.0.2"  # nobody is trusted by default
    assert remote_addr(create_app({**base, "TRUSTED_PROXIES": 1})) == "203.0.113.9"


def test_json_log_lines_carry_the_request_id() -> None:
    from engine.observability.context import request_id_bound
    from engine.observability.logs import JsonFormatter

    record = logging.LogRecord("alliance.http", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.status = 200
    with request_id_bound("abc-1"):
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /x" and line["request_id"] == "abc-1" and line["status"] == 200
    assert line["level"] == "INFO" and line["ts"].endswith("+00:00")
    assert "request_id" not in json.loads(JsonFormatter().format(record))
