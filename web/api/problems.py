"""Errors of the REST API as `application/problem+json` (RFC 9457).

Every answer the API refuses has `type`, `title`, `status` and `detail`; a 422
also has `errors: {field: [messages]}`. Engine errors map as in the web pages
(web.errors.status_for); an invalid or missing token is 401; nothing the caller
sends produces a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, json, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors
from engine.access.tokens import InvalidToken
from engine.i18n import N_
from web.errors import status_for
from web.forms import translated_errors
from web.i18n import error_text

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://alliance-workflow.example/problems/"
API_PREFIX = "/api/v1"
TITLES = {400: N_("Bad request"), 401: N_("Unauthorized"), 403: N_("Forbidden"), 404: N_("Not found"),
          405: N_("Method not allowed"), 409: N_("Conflict"), 413: N_("Payload too large"),
          415: N_("Unsupported media type"), 422: N_("Unprocessable content"),
          500: N_("Internal server error")}
"""Problem titles, English templates translated by the request's Accept-Language."""
DETAILS = {400: N_("The request could not be understood."),
           401: N_("A valid API token is required (Authorization: Bearer ...)."),
           403: N_("You may not do this."),
           404: N_("There is nothing at this address."),
           405: N_("This method is not allowed here."),
           409: N_("The resource changed meanwhile."),
           413: N_("The request is too large."),
           415: N_("Send JSON (Content-Type: application/json)."),
           422: N_("The data was not accepted."),
           500: N_("The request could not be completed; it has been logged.")}
"""Details for errors that werkzeug raised (their own descriptions are English only)."""
SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
         405: "method-not-allowed", 409: "conflict", 413: "too-large", 415: "unsupported-media-type",
         422: "invalid-input", 500: "server-error"}


def problem(status: int, detail: str, *, errors: dict[str, list[str]] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": TYPE_BASE + SLUGS.get(status, str(status)),
                            "title": _(TITLES.get(status, N_("Error"))), "status": status,
                            "detail": detail}
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="alliance-workflow"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow messages ({location: {field: [..]}}, nested) as {field: [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key)
            if not prefix and name in ("json", "query", "form", "files", "headers", "view_args",
                                       "path", "json_or_form"):
                name = ""
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            if isinstance(value, (dict, list)):
                for field, found in flatten_messages(value, path).items():
                    out.setdefault(field, []).extend(found)
            else:
                out.setdefault(path or "_body", []).append(str(value))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                for field, found in flatten_messages(item, prefix).items():
                    out.setdefault(field, []).extend(found)
            else:
                out.setdefault(prefix or "_body", []).append(str(item))
    else:
        out.setdefault(prefix or "_body", []).append(str(messages))
    return out


class FieldErrors(engine_errors.InvalidInput):
    """Validation failed on named fields (HTTP 422 with `errors`)."""

    def __init__(self, errors: dict[str, list[str]], message: str = "the data was not accepted"):
        super().__init__(message)
        self.errors = errors


def handle_engine_error(exc: engine_errors.EngineError) -> Response:
    detail = error_text(exc)
    if isinstance(exc, InvalidToken):
        return problem(401, detail)
    status = status_for(exc)
    if status == 500:
        log.error("engine error on %s %s: %s", request.method, request.path, exc, exc_info=exc)
        return problem(500, _(DETAILS[500]))
    if isinstance(exc, engine_errors.StepFailed):
        return problem(status, detail, element_id=exc.failure.element_id,
                       reason=exc.failure.message, line=exc.failure.line)
    if isinstance(exc, engine_errors.FormInvalid):
        return problem(status, detail, errors=translated_errors(exc))
    errors = getattr(exc, "errors", None)
    if errors is None and status == 422:
        field = exc.context.get("field")
        problems = exc.context.get("problems")
        errors = {str(field): [detail]} if field else None
        if problems:
            return problem(status, detail, errors=errors, problems=problems)
    return problem(status, detail, errors=errors)


def handle_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else None
    custom = exc.description if exc.description != type(exc).description else None
    detail = data.get("message") or custom or (_(DETAILS[status]) if status in DETAILS
                                               else exc.description)
    if status == 400 and errors:
        detail = "; ".join(m for ms in errors.values() for m in ms)
    if status >= 500:
        log.error("HTTP %s on %s %s", status, request.method, request.path)
    response = problem(status, str(detail), errors=errors, headers=data.get("headers"))
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return problem(500, _(DETAILS[500]))


def register(target: Any) -> None:
    """Register the problem handlers on a blueprint (flask or flask-smorest)."""
    target.register_error_handler(engine_errors.EngineError, handle_engine_error)
    target.register_error_handler(HTTPException, handle_http_error)
    target.register_error_handler(Exception, handle_unexpected)


def wrap_app_handlers(app: Flask) -> None:
    """URLs under /api/v1 that match no route (404, 405, 413) answer in problem+json too.

    Flask only calls a blueprint's handlers once a route matched, so the app-wide
    HTTPException handler (HTML pages) is wrapped: API paths get a problem, every
    other path keeps its page.
    """
    spec = app.error_handler_spec[None][None]
    previous: Callable[[Any], Any] | None = spec.get(HTTPException)

    def dispatch(exc: HTTPException) -> Any:
        if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
            return handle_http_error(exc)
        return previous(exc) if previous is not None else exc

    app.register_error_handler(HTTPException, dispatch)


__all__ = ["PROBLEM_JSON", "FieldErrors", "flatten_messages", "problem", "register",
           "wrap_app_handlers"]
