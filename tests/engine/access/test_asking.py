"""engine.access.asking: who is asking, kept a short while by the runtime."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text, update
from sqlalchemy.orm import Session, sessionmaker

from engine.access.asking import ENVIRONMENT, seconds_from_environment
from engine.access.tokens import InvalidToken, authenticate_token, create_token, revoke_token
from engine.access.users import actor, set_groups
from engine.errors import NotFound
from engine.runtime.context import Runtime
from engine.store.models import User


@pytest.fixture
def make(session: Session, make_user: Callable[..., Any]) -> Callable[..., Any]:
    """make_user, its session's transaction then ended (SQLite: it would hold the writer lock)."""
    def made(name: str, *groups: str) -> Any:
        user = make_user(name, *groups)
        session.rollback()
        return user
    return made


@pytest.fixture
def reads(db_engine: Engine) -> Iterator[list[str]]:
    """The statements that read who someone is, as they run."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM group_account JOIN user_group" in statement and "user_account.active" in statement:
            seen.append(statement)

    event.listen(db_engine, "before_cursor_execute", listen)
    yield seen
    event.remove(db_engine, "before_cursor_execute", listen)


def test_the_answer_is_kept_for_a_second_then_read_again(
        session_factory: sessionmaker[Any], make: Callable[..., Any], fake_clock: Any,
        reads: list[str]) -> None:
    make("ana", "requester")
    with session_factory() as s:
        first = actor(s, "ana")
    with session_factory() as s:
        assert actor(s, "ana") is first
        assert actor(s, "ana", operator=True).operator and not first.operator
    assert len(reads) == 1
    fake_clock.advance(timedelta(seconds=1))
    with session_factory() as s:
        assert actor(s, "ana") == first and actor(s, "ana") is not first
    assert len(reads) == 2


def test_a_change_committed_through_this_runtime_is_seen_at_once(
        session_factory: sessionmaker[Any], make: Callable[..., Any], reads: list[str]) -> None:
    make("bo", "requester")
    with session_factory() as s:
        assert actor(s, "bo").groups == {"requester"}
    with session_factory() as s:
        set_groups(s, "bo", ["reviewers"])
        assert actor(s, "bo").groups == {"reviewers"}  # the session's own change, not committed
        s.rollback()
    with session_factory() as s:
        assert actor(s, "bo").groups == {"requester"}  # rolled back: the kept answer holds
        set_groups(s, "bo", ["reviewers"])
        s.commit()
    with session_factory() as s:
        assert actor(s, "bo").groups == {"reviewers"}
    with session_factory() as s:
        s.execute(update(User).where(User.username == "bo").values(active=False))
        s.commit()
    with session_factory() as s, pytest.raises(NotFound, match="not active"):
        actor(s, "bo")


def test_a_change_made_elsewhere_is_seen_within_the_second(
        session_factory: sessionmaker[Any], make: Callable[..., Any], fake_clock: Any) -> None:
    """Another process (or SQL outside the engine) changes who someone is: this runtime's kept
    answer stands until it expires."""
    make("cy", "requester")
    with session_factory() as s:
        assert actor(s, "cy").groups == {"requester"}
    with session_factory() as s:
        s.execute(text("UPDATE user_account SET active = :no WHERE username = 'cy'"), {"no": False})
        s.commit()
    with session_factory() as s:
        assert actor(s, "cy").groups == {"requester"}
    fake_clock.advance(timedelta(milliseconds=1000))
    with session_factory() as s, pytest.raises(NotFound, match="not active"):
        actor(s, "cy")


def test_refusals_are_never_kept(session_factory: sessionmaker[Any], make: Callable[..., Any],
                                 runtime: Runtime, reads: list[str]) -> None:
    make("di")
    runtime.asking.forget()
    with session_factory() as s:
        s.execute(text("UPDATE user_account SET active = :no WHERE username = 'di'"), {"no": False})
        s.commit()
    for _ in range(2):
        with session_factory() as s, pytest.raises(NotFound, match="not active"):
            actor(s, "di")
    with session_factory() as s:
        s.execute(text("UPDATE user_account SET active = :yes WHERE username = 'di'"), {"yes": True})
        s.commit()
    with session_factory() as s:
        assert actor(s, "di").username == "di"
    assert len(reads) == 4  # make's own, both refusals, the answer


def test_a_token_revoked_through_this_runtime_is_refused_at_once(
        session_factory: sessionmaker[Any], make: Callable[..., Any]) -> None:
    make("ed")
    with session_factory() as s:
        token = create_token(s, "ed", name="portal")
        s.commit()
    with session_factory() as s:
        assert authenticate_token(s, token.secret).username == "ed"
        s.commit()
    with session_factory() as s:
        assert authenticate_token(s, token.secret).username == "ed"
        revoke_token(s, token.token.id)
        s.commit()
    with session_factory() as s, pytest.raises(InvalidToken):
        authenticate_token(s, token.secret)


def test_no_seconds_keep_nothing(session_factory: sessionmaker[Any], runtime: Runtime,
                                 make: Callable[..., Any], reads: list[str]) -> None:
    runtime.asking.seconds = 0
    make("fay")
    for _ in range(3):
        with session_factory() as s:
            actor(s, "fay")
    assert len(reads) == 4  # make_user's own, then each


def test_the_seconds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT, raising=False)
    assert seconds_from_environment() == 1.0
    monkeypatch.setenv(ENVIRONMENT, "0.25")
    assert seconds_from_environment() == 0.25
    for wrong in ("soon", "-1"):
        monkeypatch.setenv(ENVIRONMENT, wrong)
        with pytest.raises(RuntimeError, match=ENVIRONMENT):
            seconds_from_environment()


def test_sessions_without_a_runtime_read_every_time(db_engine: Engine, make: Callable[..., Any],
                                                    reads: list[str]) -> None:
    make("gus")
    for _ in range(2):
        with Session(db_engine) as s:
            assert actor(s, "gus").username == "gus"
    assert len(reads) == 3


def test_expired_answers_make_room(fake_clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.access import asking

    monkeypatch.setattr(asking, "MAX_ENTRIES", 3)
    kept: asking.AskingCache[int] = asking.AskingCache(seconds=1)
    kept.put("a", 1)
    kept.put("b", 2)
    fake_clock.advance(timedelta(seconds=1))
    kept.put("c", 3)
    kept.put("d", 4)  # full: a and b have expired and go
    assert (kept.get("a"), kept.get("c"), kept.get("d")) == (None, 3, 4)
    kept.put("e", 5)
    assert kept.get("e") == 5 and len(kept._entries) <= 3
