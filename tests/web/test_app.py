"""The app factory, configuration, error pages, assets and login-everywhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from tests.web.conftest import REPO, csrf_token, login
from web import create_app
from web.assets import VENDOR_DIR
from web.config import DEV_SECRET_KEY, ConfigError


@pytest.mark.parametrize("key", [None, "", DEV_SECRET_KEY, "short"])
def test_production_refuses_a_missing_or_default_secret_key(db_engine: Engine, key: str | None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ALLIANCE_ENV": "production", "SECRET_KEY": key, "DB_ENGINE": db_engine})


def test_production_from_the_environment(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"DB_ENGINE": db_engine})
    monkeypatch.setenv("SECRET_KEY", "a-long-and-random-production-key")
    app = create_app({"DB_ENGINE": db_engine})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_gets_a_default_key_and_unknown_mode_is_refused(db_engine: Engine) -> None:
    assert create_app({"DB_ENGINE": db_engine, "SECRET_KEY": None}).config["SECRET_KEY"] == DEV_SECRET_KEY
    with pytest.raises(ConfigError, match="ALLIANCE_ENV"):
        create_app({"DB_ENGINE": db_engine, "ALLIANCE_ENV": "staging"})


def test_database_url_from_the_environment(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    app = create_app()
    assert app.config["DATABASE_URL"] == url


def _dummy_args(rule: Any) -> dict[str, Any]:
    values = {"task_id": 1, "process_id": "committee_establishment", "username": "admin",
              "path": "bpmn-js/dist/assets/bpmn-js.css", "filename": "app.css"}
    return {arg: values.get(arg, "1") for arg in rule.arguments}


def test_every_page_but_login_and_assets_requires_a_user(app: Flask, client: FlaskClient,
                                                         seeded: sessionmaker[Any]) -> None:
    public = {"auth.login", "i18n.switch", "static", "assets.vendor", "ops.healthz", "ops.readyz"}
    token = csrf_token(client)
    checked = 0
    with app.test_request_context():
        rules = list(app.url_map.iter_rules())
    for rule in rules:
        url = rule.build(_dummy_args(rule))[1]
        if url.startswith("/api/") or rule.endpoint == "ops.metrics":
            continue  # they answer 401 themselves (bearer tokens): tests/web/api, tests/web/test_ops.py
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            if rule.endpoint in public:  # /readyz: 503 here, the test schema has no Alembic stamp
                assert response.status_code in ((200, 503) if rule.endpoint == "ops.readyz"
                                                else (200, 302)), url
                continue
            checked += 1
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.location.startswith("/login"), (method, url)
    assert checked >= 10


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    response = login(client, "quanzhou")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["X-Frame-Options"] == "DENY"


def test_404_page_says_so_plainly(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    login(client, "quanzhou")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Page not found" in text and "Traceback" not in text


def test_500_page_hides_the_stack_trace(db_engine: Engine, seeded: sessionmaker[Any]) -> None:
    app = create_app({"DB_ENGINE": db_engine, "SECRET_KEY": "test-secret-key-1234"})

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    client = app.test_client()
    login(client, "quanzhou")
    response = client.get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Something went wrong" in text
    assert "secret internals" not in text and "Traceback" not in text


def test_vendor_assets_come_from_the_package(client: FlaskClient) -> None:
    js = client.get("/vendor/@bpmn-io/form-js/dist/form-viewer.umd.js")
    assert js.status_code == 200 and "javascript" in js.content_type
    assert client.get("/vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js").status_code == 200
    assert client.get("/vendor/bpmn-js/dist/assets/diagram-js.css").status_code == 200
    assert client.get("/vendor/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    for bad in ("bpmn-js/package.json", "bpmn-js/dist/../package.json", "lodash/lodash.js",
                "%2e%2e/package.json", "bpmn-js/dist/bpmn-modeler.development.js"):
        assert client.get(f"/vendor/{bad}").status_code == 404, bad


def test_every_vendor_file_a_template_names_is_copied_into_the_package(client: FlaskClient) -> None:
    """web/assets/vendor.mjs copies what the templates (and Swagger UI) load, nothing is missed."""
    named = set()
    for template in (REPO / "web" / "templates").rglob("*.html"):
        named |= set(re.findall(r"assets\.vendor', path='([^']+)'", template.read_text()))
    named |= {f"swagger-ui-dist/{name}" for name in
              ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")}
    assert len(named) >= 10
    for path in sorted(named):
        assert (VENDOR_DIR / path).is_file(), f"{path} is not in web/static/vendor (npm run build)"
        assert client.get(f"/vendor/{path}").status_code == 200, path


def test_own_static_files(client: FlaskClient) -> None:
    assert client.get("/static/forms.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200
