"""as_loaded: rows read past the ORM become the session's objects as if loaded."""

from __future__ import annotations

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session

from engine import clock
from engine.store.models import User
from engine.store.sql import as_loaded

_BY_NAME = select(User.__table__.c.username).where(User.__table__.c.username == bindparam("name"))


def _pending_user(session: Session, name: str) -> None:
    session.add(User(username=name, active=True, created_at=clock.now(), timezone="UTC",
                     failed_logins=0))


def test_as_loaded_gives_the_session_s_own_object_or_a_loaded_one(session: Session) -> None:
    _pending_user(session, "loaded-cy")
    session.flush()
    mine = session.scalar(select(User).where(User.username == "loaded-cy"))
    assert mine is not None
    row = session.execute(select(*User.__table__.c).where(User.__table__.c.id == mine.id)).mappings().one()
    assert as_loaded(session, User, dict(row)) is mine  # as a query returns it
    session.expunge(mine)
    fresh = as_loaded(session, User, {"id": mine.id, "username": "loaded-cy"})
    assert fresh is not mine and inspect(fresh).persistent and not inspect(fresh).modified
    assert "active" in inspect(fresh).expired_attributes  # left out: read when first used
    assert fresh.active is True
    assert fresh in session and session.get(User, mine.id) is fresh
    fresh.active = False  # the unit of work sees it as any loaded object
    assert fresh in session.dirty
    session.flush()
    session.expire_all()
    assert session.scalar(select(User.active).where(User.id == mine.id)) is False


def test_unindexed_keeps_a_term_out_of_sqlite_s_index_choice_and_changes_no_result(session: Session) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    from engine.store.sql import unindexed

    users = User.__table__.c
    query = select(users.username).where(unindexed(users.username) == bindparam("name"))
    assert "+user_account.username = ?" in str(query.compile(dialect=sqlite.dialect()))
    assert "WHERE user_account.username = %(name)s" in str(query.compile(dialect=postgresql.dialect()))
    _pending_user(session, "plain-dee")
    session.flush()
    assert session.execute(query, {"name": "plain-dee"}).scalar() == "plain-dee"
