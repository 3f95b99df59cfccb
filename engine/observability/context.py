"""The request id of the work in progress: a plain contextvar, set by the doors.

The web layer binds one per HTTP request (an incoming `X-Request-ID` when it is sane,
else a new one); the worker binds one per job. The history writer records it with
every event, and the JSON log formatter adds it to every line.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

MAX_LENGTH = 64
_SANE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,63}$")
_request_id: ContextVar[str | None] = ContextVar("alliance_request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """The caller's id if it is short printable ASCII without spaces or quotes, else None."""
    if value is None:
        return None
    value = value.strip()
    return value if _SANE.match(value) else None


def bind_request_id(value: str | None) -> Token[str | None]:
    """Set the id (a fresh one when `value` is not sane); reset with `unbind_request_id`."""
    return _request_id.set(sane_request_id(value) or new_request_id())


def unbind_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)


@contextmanager
def request_id_bound(value: str | None) -> Iterator[str]:
    token = bind_request_id(value)
    try:
        yield _request_id.get() or ""
    finally:
        unbind_request_id(token)
