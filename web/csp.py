"""Security headers on every response, the Content-Security-Policy first.

The policy allows scripts, styles, fonts and connections from this site only (the
front-end libraries are served from node_modules by web/assets.py), no inline or
evaluated script, no plugins, no framing, forms posting here only. Style sheets come
from this site only; style *attributes* are allowed (`style-src-attr 'unsafe-inline'`):
bpmn-js's modeler sets them as it draws. Images may be `data:`/`blob:` URLs (diagram
icons, the empty favicon). Every page type is opened in chromium by the browser tests, which
fail on any CSP violation in the console.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)


__all__ = ["CONTENT_SECURITY_POLICY", "init_app"]
