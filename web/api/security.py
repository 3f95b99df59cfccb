"""Who is calling (bearer-token authentication) and idempotent answers; rights: engine.access.policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, g, json, request
from marshmallow import Schema

from engine.access import idempotency
from engine.access.tokens import InvalidToken, authenticate_token
from engine.access.users import Actor
from engine.i18n import N_, msg
from web.db import get_db

MAX_ID = 2**31 - 1
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX},
    "description": "a retried request with the same key returns the first answer and changes "
                   "nothing more; the same key with a different request is refused (422)"}


def authenticate() -> None:
    """before_request of every API blueprint: a valid bearer token, or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise InvalidToken(msg(N_("an API token is required: send 'Authorization: Bearer <token>' "
                               "(create one on your profile page)")))
    g.api_actor = authenticate_token(get_db(), raw.strip())


def bounded_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """url_value_preprocessor: an id no row can have is simply unknown (404), never a DB error."""
    for value in (values or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            abort(404)


def me() -> Actor:
    return g.api_actor  # type: ignore[no-any-return]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def idempotent(status: int, schema: Schema, body: Any, work: Callable[[], Any],
               headers: Callable[[dict[str, Any]], dict[str, str]] | None = None) -> Response:
    """Run `work` once per Idempotency-Key; a retry replays the stored answer.

    The key is reserved in the request's transaction and the answer written in it:
    both are committed with the change (2xx), or both rolled back (4xx/5xx).
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    reserved = None
    if key is not None:
        found = idempotency.reserve(
            get_db(), me().username, key, method_path=f"{request.method} {request.path}",
            request_hash=idempotency.fingerprint(request.method, request.path, body))
        if isinstance(found, idempotency.StoredAnswer):
            extra = headers(found.body) if headers and isinstance(found.body, dict) else {}
            return json_response(found.status, found.body,
                                 {**extra, "Idempotent-Replayed": "true"})
        reserved = found
    data = schema.dump(work())
    if reserved is not None:
        idempotency.record_answer(get_db(), reserved, status, data)
    return json_response(status, data, headers(data) if headers else None)


__all__ = ["IDEMPOTENCY_PARAMETER", "authenticate", "bounded_ids", "idempotent", "json_response", "me"]
