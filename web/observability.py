"""Per request: a request id, an access log line, the latency histogram.

The id is the caller's `X-Request-ID` when it is sane (short printable ASCII), else a
new one; it is bound in the engine's contextvar (engine.observability.context) for the
request, so the history rows written meanwhile and every log line carry it, and it is
sent back in the `X-Request-ID` response header.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request

from engine.observability.context import bind_request_id, current_request_id, unbind_request_id
from engine.observability.metrics import REQUEST_LATENCY

HEADER = "X-Request-ID"
access_log = logging.getLogger("alliance.http")
QUIET_ENDPOINTS = {"ops.healthz", "ops.readyz", "ops.metrics", "static", "assets.vendor"}
"""Probes, scrapes and files: timed, but not written to the access log."""


def _begin() -> None:
    g.request_id_token = bind_request_id(request.headers.get(HEADER))
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    request_id = current_request_id()
    if request_id:
        response.headers[HEADER] = request_id
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"
    REQUEST_LATENCY.labels(endpoint=endpoint, method=request.method,
                           status=str(response.status_code)).observe(elapsed)
    if endpoint not in QUIET_ENDPOINTS:
        access_log.info("%s %s %s", request.method, request.path, response.status_code,
                        extra={"method": request.method, "path": request.path, "endpoint": endpoint,
                               "status": response.status_code,
                               "duration_ms": round(elapsed * 1000, 2),
                               "remote_addr": request.remote_addr, "request_id": request_id})
    return response


def _end(_exc: BaseException | None) -> None:
    token: Any = g.pop("request_id_token", None)
    if token is not None:
        unbind_request_id(token)


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)
