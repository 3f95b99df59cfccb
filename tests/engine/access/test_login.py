"""Sign-in: the lockout counted in SQL (also under concurrency), and revocable sign-ins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access import login
from engine.access.users import create_user, set_password
from engine.clock import FakeClock
from engine.store.models import User

LIMITS = {"max_failures": 5, "lock_minutes": 15}


def _user(session: Session, name: str = "ana") -> None:
    create_user(session, name, password="right-password")
    session.commit()


def _state(factory: sessionmaker[Any], name: str = "ana") -> tuple[int, bool]:
    with factory() as session:
        user = session.scalar(select(User).where(User.username == name))
        assert user is not None
        return user.failed_logins, user.locked_until is not None


def _attempt(factory: sessionmaker[Any], password: str, name: str = "ana") -> login.SignIn | None:
    with factory() as session:
        found = login.authenticate(session, name, password, **LIMITS)
        session.commit()
        return found


def test_the_fifth_wrong_password_locks_even_the_right_one_out(
        session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock) -> None:
    _user(session)
    session.rollback()
    for _ in range(4):
        assert _attempt(session_factory, "wrong") is None
    assert _state(session_factory) == (4, False)
    assert _attempt(session_factory, "right-password") == login.SignIn("ana", 1)
    assert _state(session_factory) == (0, False)  # a success starts the count again
    for _ in range(5):
        assert _attempt(session_factory, "wrong") is None
    assert _state(session_factory) == (0, True)
    assert _attempt(session_factory, "right-password") is None
    assert _attempt(session_factory, "wrong") is None
    assert _state(session_factory) == (0, True)  # attempts while locked count for nothing
    fake_clock.advance(timedelta(minutes=16))
    assert _attempt(session_factory, "right-password") == login.SignIn("ana", 1)


def test_an_unknown_user_gets_the_same_answer(session: Session) -> None:
    assert login.authenticate(session, "nobody", "whatever", **LIMITS) is None


def _burst(factory: sessionmaker[Any], passwords: list[str]) -> list[login.SignIn | None]:
    gate = threading.Barrier(len(passwords))
    answers: list[Any] = [None] * len(passwords)

    def one(index: int) -> None:
        gate.wait()
        answers[index] = _attempt(factory, passwords[index])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_wrong_passwords_all_count(session: Session,
                                              session_factory: sessionmaker[Any]) -> None:
    """Read-add-write lost counts on PostgreSQL: 4 at once moved the counter by 1."""
    _user(session)
    session.rollback()
    assert _burst(session_factory, ["wrong"] * 4) == [None] * 4
    assert _state(session_factory) == (4, False)
    assert _burst(session_factory, ["wrong"] * 12) == [None] * 12
    assert _state(session_factory) == (0, True)


def test_after_five_wrong_the_right_password_in_a_burst_is_refused(
        session: Session, session_factory: sessionmaker[Any]) -> None:
    _user(session)
    session.rollback()
    assert _burst(session_factory, ["wrong"] * 5) == [None] * 5
    assert _burst(session_factory, ["wrong"] * 15 + ["right-password"]) == [None] * 16


def test_sign_ins_are_revoked_by_sign_out_and_password_changes(session: Session) -> None:
    _user(session)
    first = login.authenticate(session, "ana", "right-password", **LIMITS)
    assert first is not None and login.signed_in_user(session, first) is not None
    login.revoke_sessions(session, "ana")
    assert login.signed_in_user(session, first) is None
    second = login.authenticate(session, "ana", "right-password", **LIMITS)
    assert second == login.SignIn("ana", 2) and login.signed_in_user(session, second) is not None
    set_password(session, "ana", "another-password")
    session.flush()
    session.expire_all()
    assert login.signed_in_user(session, second) is None
    third = login.authenticate(session, "ana", "another-password", **LIMITS)
    assert third == login.SignIn("ana", 3)


def test_an_inactive_user_cannot_sign_in(session: Session, make_user: Callable[..., Any]) -> None:
    _user(session)
    user = session.scalar(select(User).where(User.username == "ana"))
    assert user is not None
    user.active = False
    session.flush()
    assert login.authenticate(session, "ana", "right-password", **LIMITS) is None
