"""Idempotency keys: first answer replayed, different request refused, per user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine import clock
from engine.access.idempotency import StoredAnswer, fingerprint, purge, record_answer, reserve
from engine.errors import InvalidInput
from engine.store.models import IdempotencyKey


def _reserve(session: Session, user: str, key: str, body: Any) -> Any:
    return reserve(session, user, key, method_path="POST /x",
                   request_hash=fingerprint("POST", "/x", body))


def test_first_answer_is_replayed(session: Session, make_user: Callable[..., Any]) -> None:
    make_user("ana")
    row = _reserve(session, "ana", "k1", {"a": 1, "b": 2})
    assert isinstance(row, IdempotencyKey)
    record_answer(session, row, 201, {"id": 7})
    session.commit()
    again = _reserve(session, "ana", "k1", {"b": 2, "a": 1})  # key order does not matter
    assert again == StoredAnswer(201, {"id": 7})


def test_different_request_same_key_is_refused(session: Session,
                                               make_user: Callable[..., Any]) -> None:
    make_user("ana")
    make_user("bo")
    record_answer(session, _reserve(session, "ana", "k1", {"a": 1}), 200, {})
    session.commit()
    with pytest.raises(InvalidInput):
        _reserve(session, "ana", "k1", {"a": 2})
    with pytest.raises(InvalidInput):
        reserve(session, "ana", "k1", method_path="POST /y",
                request_hash=fingerprint("POST", "/y", {"a": 1}))
    assert isinstance(_reserve(session, "bo", "k1", {"a": 2}), IdempotencyKey)  # per user


def test_rolled_back_reservation_leaves_nothing(session: Session,
                                                make_user: Callable[..., Any]) -> None:
    make_user("ana")
    _reserve(session, "ana", "k1", {"a": 1})
    session.rollback()
    assert isinstance(_reserve(session, "ana", "k1", {"a": 2}), IdempotencyKey)


def test_key_checks_and_purge(session: Session, make_user: Callable[..., Any]) -> None:
    make_user("ana")
    for bad in ("", "   ", "k" * 256, "naïve", "tab\there"):
        with pytest.raises(InvalidInput):
            _reserve(session, "ana", bad, {})
    record_answer(session, _reserve(session, "ana", "old", {}), 200, {})
    session.commit()
    assert purge(session, clock.now() - timedelta(hours=1)) == 0
    assert purge(session, clock.now() + timedelta(seconds=1)) == 1
