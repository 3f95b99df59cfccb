"""The worker's own /metrics (and /healthz), served from a background thread.

A worker is a separate process, often on another host, so it is its own Prometheus
target: `alliance worker --metrics-port 9101`. The same rule as the web app's
/metrics applies (engine.observability.metrics_access): a bearer `METRICS_TOKEN` or an
operator's API token; `/healthz` answers "ok" to anyone and says nothing else.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy.orm import sessionmaker

from engine.access.tokens import InvalidToken
from engine.errors import PermissionDenied
from engine.observability.metrics import render
from engine.observability.metrics_access import authorize_metrics

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No per-request lines on stderr: scrapes are frequent and carry no news."""


def metrics_app(session_factory: sessionmaker[Any],
                metrics_token: str | None) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _answer(start_response, "200 OK", {"status": "ok"})
        if path != "/metrics":
            return _answer(start_response, "404 Not Found", {"error": "not found"})
        with session_factory() as session:
            try:
                authorize_metrics(session, environ.get("HTTP_AUTHORIZATION"), metrics_token)
                session.commit()
            except InvalidToken as exc:
                return _answer(start_response, "401 Unauthorized", {"error": str(exc)},
                               [("WWW-Authenticate", "Bearer")])
            except PermissionDenied as exc:
                return _answer(start_response, "403 Forbidden", {"error": str(exc)})
        body, content_type = render(session_factory)
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app


def _answer(start_response: StartResponse, status: str, body: dict[str, Any],
            headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                            *(headers or [])])
    return [data]


def serve_metrics(session_factory: sessionmaker[Any], host: str, port: int,
                  metrics_token: str | None) -> WSGIServer:
    """Start serving in a daemon thread; returns the server (`server.server_port`, `shutdown()`)."""
    server = make_server(host, port, metrics_app(session_factory, metrics_token),
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="alliance-metrics", daemon=True).start()
    return server
