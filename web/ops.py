"""Endpoints for load balancers and monitoring: /healthz, /readyz, /metrics.

- `/healthz`: the process answers (anonymous; says only "ok").
- `/readyz`: the database answers and its schema is at this code's migration head
  (anonymous; 503 with a one-word reason otherwise, never a URL or an error text).
- `/metrics`: Prometheus text (engine.observability.metrics), for a bearer
  `METRICS_TOKEN` or an API token of an `operators`/`admins` user (401/403 otherwise).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text

from engine.access.tokens import InvalidToken
from engine.errors import PermissionDenied
from engine.observability.metrics import render
from engine.observability.metrics_access import authorize_metrics
from engine.store.migrations import schema_status
from web.db import session_factory

bp = Blueprint("ops", __name__)
PUBLIC = {"ops.healthz", "ops.readyz", "ops.metrics"}
"""No login redirect: /metrics checks its own bearer token."""
log = logging.getLogger("alliance.ops")


def _json(status: int, body: dict[str, Any], **headers: str) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for key, value in headers.items():
        response.headers[key] = value
    return response


@bp.route("/healthz")
def healthz() -> Response:
    return _json(200, {"status": "ok"})


@bp.route("/readyz")
def readyz() -> Response:
    factory = session_factory()
    try:
        with factory() as session:
            connection = session.connection()
            connection.execute(text("SELECT 1"))
            status = schema_status(connection)
            session.rollback()
    except Exception:
        log.warning("readiness check: the database does not answer", exc_info=True)
        return _json(503, {"status": "unavailable", "reason": "database"})
    if not status.at_head:
        log.warning("readiness check: schema at %s, code expects %s (run alliance init-db)",
                    sorted(status.current), sorted(status.head))
        return _json(503, {"status": "unavailable", "reason": "migrations"})
    return _json(200, {"status": "ready"})


@bp.route("/metrics")
def metrics() -> Response:
    factory = session_factory()
    with factory() as session:
        try:
            authorize_metrics(session, request.headers.get("Authorization"),
                              current_app.config.get("METRICS_TOKEN"))
            session.commit()  # the token's last use
        except InvalidToken as exc:
            return _json(401, {"error": str(exc)}, **{"WWW-Authenticate": "Bearer"})
        except PermissionDenied as exc:
            return _json(403, {"error": str(exc)})
    body, content_type = render(factory)
    return Response(body, status=200, content_type=content_type, headers={"Cache-Control": "no-store"})
