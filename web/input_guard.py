"""Every request's input within the engine's value rules, checked once for all views.

* `check_request` (before every request): query, form and path values may not hold a
  NUL character or a lone surrogate, and on pages a query value that is an integer
  must fit the database's ids (so `page=99999999999999999999` or `version=...` is a
  400, never a database error; the API's schemas bound their own numbers: 422);
* `BoundedInt` replaces the `int` URL converter: `/cases/99999999999999` matches no
  route (404) instead of overflowing an id column;
* `SafeJSONProvider` (request.get_json) and `SafeArgumentsParser` (the REST API's
  bodies) parse JSON under engine.runtime.values: bounded depth, no NaN/Infinity,
  64-bit integers, no NUL; a refusal is a 400 saying why;
* `safe_next` accepts only a path on this site, without control characters.

Refusals are HTTP 400 through the app's error handlers: a page, or problem+json
under /api.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, abort, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.flaskparser import abort as webargs_abort
from werkzeug.routing import IntegerConverter

from engine.runtime import values

_INTEGER = re.compile(r"^[+-]?\d+$")
API_PREFIX = "/api/"
_UNSAFE_IN_PATHS = re.compile(r"[\x00-\x1f\x7f\\]")


def _refuse(where: str, name: str, problem: str) -> None:
    abort(400, description=f"{where} '{name[:40]}': {problem}")


def check_request() -> None:
    pages = not request.path.startswith(API_PREFIX)  # the API's schemas bound their numbers (422)
    for name, value in request.args.items(multi=True):
        for text in (name, value):
            problem = values.text_problem(text) if isinstance(text, str) else None
            if problem:
                _refuse("query parameter", name, problem)
        if pages and isinstance(value, str) and _INTEGER.match(value.strip()):
            problem = values.id_problem(int(value)) if len(value) < 30 else \
                f"the number {value[:20]}... is out of range (at most {values.MAX_ID})"
            if problem:
                _refuse("query parameter", name, problem)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            for text in (name, value):
                problem = values.text_problem(text) if isinstance(text, str) else None
                if problem:
                    _refuse("form field", name, problem)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            problem = values.text_problem(value)
            if problem:
                _refuse("address part", name, problem)


class BoundedInt(IntegerConverter):
    """`<int:...>` up to the largest id the database holds (PostgreSQL `integer`)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", values.MAX_ID)
        super().__init__(map, *args, **kwargs)


class SafeArgumentsParser(FlaskParser):  # type: ignore[misc]
    """webargs' parser for the REST API, loading JSON bodies under the same rules."""

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return missing
        try:
            return values.loads(req.get_data(cache=True))
        except values.ValueRefused as exc:
            webargs_abort(400, exc=exc, messages={"json": [str(exc)]})


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, loading under the engine's value rules."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return values.loads(s)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//', no control characters."""
    if not target or _UNSAFE_IN_PATHS.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def init_app(app: Flask) -> None:
    """Install the converter and the JSON provider, and check every request first."""
    app.url_map.converters["int"] = BoundedInt
    app.json = SafeJSONProvider(app)
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)


__all__ = ["BoundedInt", "SafeArgumentsParser", "SafeJSONProvider", "check_request", "init_app", "safe_next"]
