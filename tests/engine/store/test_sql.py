"""run_core: statements built once, run past the ORM, with the ORM's flush-first semantics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, event, inspect, select
from sqlalchemy.orm import Session

from engine import clock
from engine.store.models import User
from engine.store.sql import as_loaded, run_core

_BY_NAME = select(User.__table__.c.username).where(User.__table__.c.username == bindparam("name"))


def _pending_user(session: Session, name: str) -> None:
    session.add(User(username=name, active=True, created_at=clock.now(), timezone="UTC",
                     failed_logins=0))


def test_pending_rows_are_flushed_before_the_statement(session: Session) -> None:
    _pending_user(session, "pending-ana")
    assert run_core(session, _BY_NAME, {"name": "pending-ana"}).scalar() == "pending-ana"


def test_no_autoflush_is_honoured(session: Session) -> None:
    with session.no_autoflush:
        _pending_user(session, "pending-bo")
        assert run_core(session, _BY_NAME, {"name": "pending-bo"}).scalar() is None
    session.flush()
    assert run_core(session, _BY_NAME, {"name": "pending-bo"}).scalar() == "pending-bo"


def test_a_statement_built_once_is_compiled_once(session: Session) -> None:
    """The compiled form comes from SQLAlchemy's cache after the first run (a statement it cannot
    cache, such as the dialects' ON CONFLICT inserts, would be compiled at every step)."""
    hits: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("SELECT"):
            hits.append(str(_rest[1].cache_hit))

    bind = session.get_bind()
    session.connection()  # the transaction's BEGIN before counting
    event.listen(bind, "before_cursor_execute", seen)
    try:
        for name in ("a", "b", "c"):
            run_core(session, _BY_NAME, {"name": name})
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    assert len(hits) == 3
    assert hits[1:] == [hits[1]] * 2 and "HIT" in hits[1].upper(), hits


def test_as_loaded_gives_the_session_s_own_object_or_a_loaded_one(session: Session) -> None:
    _pending_user(session, "loaded-cy")
    session.flush()
    mine = session.scalar(select(User).where(User.username == "loaded-cy"))
    assert mine is not None
    row = run_core(session, select(*User.__table__.c).where(User.__table__.c.id == mine.id)).mappings().one()
    assert as_loaded(session, User, dict(row)) is mine  # as a query returns it
    session.expunge(mine)
    fresh = as_loaded(session, User, {"id": mine.id, "username": "loaded-cy"})
    assert fresh is not mine and inspect(fresh).persistent and not inspect(fresh).modified
    assert "active" in inspect(fresh).expired_attributes  # left out: read when first used
    assert fresh.active is True
