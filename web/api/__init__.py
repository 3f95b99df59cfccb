"""The REST API under /api/v1 (flask-smorest): JSON in and out, bearer tokens, problem+json.

    init_app(app)   # after CSRFProtect and the app's error handlers (web.create_app)

The OpenAPI description (`/api/v1/openapi.json`) is built from the marshmallow
schemas in web/api/schemas.py; Swagger UI (`/api/v1/docs`) is served from
node_modules (npm `swagger-ui-dist`), never from a CDN.
"""

from __future__ import annotations

import http
from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from web.api import cases, collab, definitions, messages, problems, tasks
from web.api.schemas import ProblemSchema

API_CONFIG: dict[str, Any] = {
    "API_TITLE": "Alliance Workflow API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": problems.API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/vendor/swagger-ui-dist/",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Start cases, work tasks and send messages without a browser. "
                                "Authenticate with an API token from your profile page: "
                                "`Authorization: Bearer <token>`. Errors are RFC 9457 "
                                "`application/problem+json`."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
        "servers": [{"url": "/"}],
    },
}
BLUEPRINTS = (definitions.bp, definitions.deployments, cases.bp, tasks.bp, messages.bp,
              messages.incidents, collab.bp)


class AllianceApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with problem+json errors instead of its JSON error handler."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are handled per blueprint (web.api.problems), not app-wide."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "An error (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, problems.PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def init_app(app: Flask) -> AllianceApi:
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = AllianceApi(app)
    csrf = app.extensions.get("csrf")
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=problems.API_PREFIX)
        if csrf is not None:  # bearer tokens, no cookies: nothing to forge
            csrf.exempt(blueprint)
    problems.wrap_app_handlers(app)
    return api


__all__ = ["AllianceApi", "init_app"]
