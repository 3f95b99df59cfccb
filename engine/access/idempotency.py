"""Idempotency keys: a retried request gets the first answer and changes nothing more.

The caller reserves the key before doing the work (`reserve`), in the same
transaction as the work, and records the answer afterwards (`record_answer`):
the key is stored if and only if the change is committed. A request that was
refused (4xx) changed nothing, so its transaction is rolled back and the key is
not consumed: a retry is evaluated afresh.

Two concurrent requests with one key: the second's INSERT waits on the unique
index (PostgreSQL) or on the writer lock (SQLite); once the first commits, the
second sees its answer and replays it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from engine.access.users import get_user
from engine.errors import Conflict, InvalidInput
from engine.store.models import IdempotencyKey

KEY_MAX = 255
PENDING = 0


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any


def fingerprint(method: str, path: str, body: Any) -> str:
    """A stable hash of a request: method, path and the JSON body with sorted keys."""
    text = json.dumps([method.upper(), path, body], sort_keys=True, default=str,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable() or not key.isascii():
        raise InvalidInput(f"an Idempotency-Key is 1 to {KEY_MAX} printable ASCII characters",
                           field="Idempotency-Key")
    return key


def _find(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    return session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                       IdempotencyKey.key == key))


def _answer(row: IdempotencyKey, method_path: str, request_hash: str) -> StoredAnswer:
    if row.method_path != method_path or row.request_hash != request_hash:
        raise InvalidInput("this Idempotency-Key was used for a different request; use a new key "
                           "for a new request", field="Idempotency-Key")
    if row.response_status == PENDING:  # pragma: no cover - never committed pending
        raise Conflict("a request with this Idempotency-Key is still being processed")
    return StoredAnswer(row.response_status, row.response_body)


def reserve(session: Session, username: str, key: str, *, method_path: str,
            request_hash: str) -> StoredAnswer | IdempotencyKey:
    """The stored answer of an earlier request with this key, or a fresh reservation.

    Raises InvalidInput when the key was used for another request (another method,
    path or body).
    """
    key = check_key(key)
    user_id = get_user(session, username).id
    row = _find(session, user_id, key)
    if row is not None:
        return _answer(row, method_path, request_hash)
    row = IdempotencyKey(user_id=user_id, key=key, method_path=method_path[:600],
                         request_hash=request_hash, response_status=PENDING, response_body=None,
                         created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = _find(session, user_id, key)
        if existing is None:
            raise Conflict("a request with this Idempotency-Key is being processed; retry "
                           "later") from None
        return _answer(existing, method_path, request_hash)
    return row


def record_answer(session: Session, row: IdempotencyKey, status: int, body: Any) -> None:
    row.response_status = status
    row.response_body = body
    session.flush()


def purge(session: Session, older_than: datetime) -> int:
    """Forget keys created before `older_than` (e.g. after 24 hours); returns how many."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


__all__ = ["StoredAnswer", "check_key", "fingerprint", "purge", "record_answer", "reserve"]
