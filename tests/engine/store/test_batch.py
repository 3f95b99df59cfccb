"""engine.store.batch: psycopg's statements in one simple-protocol round trip, each prepared once
per connection. PostgreSQL only (CI's second pass); SQLite runs each statement at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import BigInteger, Engine, bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from engine.store.direct import run_direct, run_later
from engine.store.models import Job
from tests.engine.store.rows import DUE, job_row, round_trips

_JOBS = Job.__table__
_INSERT = insert(_JOBS)  # type: ignore[arg-type]
_BY_KEY = (select(_JOBS.c.key, _JOBS.c.attempts, _JOBS.c.payload, _JOBS.c.due_at, _JOBS.c.last_error)
           .where(_JOBS.c.key == bindparam("key")))
_BUMP = (update(_JOBS).where(_JOBS.c.key.startswith(bindparam("prefix")))  # type: ignore[arg-type]
         .values(attempts=_JOBS.c.attempts + 1))


@pytest.fixture(autouse=True)
def _postgres_only(db_engine: Engine) -> None:
    if db_engine.dialect.driver != "psycopg":
        pytest.skip("batches are psycopg's (PostgreSQL); SQLite runs each statement at once")


def _prepared(session: Session) -> list[str]:
    return list(session.scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_values_travel_as_literals_and_come_back_exactly(session: Session) -> None:
    """Quotes, backslashes, SQL in a value, JSON, NULLs, timestamps: quoted by psycopg's adapters,
    never SQL; the rows read back are the values written."""
    hostile = "x'); DELETE FROM job; -- \\ \"é\" %s %(key)s"
    run_later(session, _INSERT, job_row("lit-1", last_error=hostile, payload={"q": "it's", "n": None}))
    run_later(session, _INSERT, job_row("lit-2", last_error=None, payload=None))
    got = run_direct(session, _BY_KEY, {"key": "lit-1"}).one()
    assert got == ("lit-1", 0, {"q": "it's", "n": None}, DUE, hostile)
    assert run_direct(session, _BY_KEY, {"key": "lit-2"}).one()[2:] == (None, DUE, None)


def test_waiting_writes_and_the_read_go_in_one_round_trip_and_answer_each(
        monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    run_direct(session, _BY_KEY, {"key": "none"})  # the transaction begun, the read prepared
    run_direct(session, _INSERT, job_row("prep-one"))
    run_direct(session, _BUMP, {"prefix": "prep-"})
    sent = round_trips(monkeypatch)
    run_later(session, _INSERT, [job_row("one-a"), job_row("one-b")])  # a list: one EXECUTE per row
    run_later(session, _BUMP, {"prefix": "one-"}, expect_rows=2, conflict=lambda: AssertionError())
    rows = run_direct(session, _BY_KEY, {"key": "one-b"}).rows()
    assert [r[:2] for r in rows] == [("one-b", 1)]
    assert sent == [4]  # the two INSERTs, the UPDATE and the SELECT: one query


def test_a_statement_is_prepared_once_per_connection_and_survives_a_rollback(
        session_factory: sessionmaker[Any]) -> None:
    """psycopg's own preparing ends in DEALLOCATE ALL after any ROLLBACK it sees; it is off, and
    the batch's statements stay prepared across the connection's transactions."""
    for attempt in range(3):
        with session_factory() as session:
            assert run_direct(session, _BY_KEY, {"key": f"none-{attempt}"}).first() is None
            for _ in range(6):  # what psycopg would prepare, if it prepared
                session.execute(select(_JOBS.c.id).where(_JOBS.c.key == "none")).all()
            session.rollback()
    with session_factory() as session:
        run_direct(session, _BY_KEY, {"key": "none"})
        mine = [s for s in _prepared(session) if "FROM job" in s and "job.key" in s]
        assert len(mine) == 1, mine
        session.rollback()


def test_an_integer_larger_than_the_first_one_still_fits(session: Session) -> None:
    """The first values chose the prepared statement's parameter types: an integer is widened to
    bigint (psycopg picks int2 for 1), so a later one of 2**40 still fits."""
    plus_one = text("SELECT :n + 1 AS m").columns(m=BigInteger)
    assert run_direct(session, plus_one, {"n": 1}).scalar_one() == 2
    assert run_direct(session, plus_one, {"n": 2**40}).scalar_one() == 2**40 + 1


def test_an_array_parameter_is_declared_as_an_array_of_bigint(session: Session) -> None:
    """psycopg dumps [1, 2] as int2[]: declared int8[], a later 2**40 in it still fits."""
    largest = text("SELECT (SELECT max(k) FROM unnest(:keys) AS k) AS n").columns(n=BigInteger)
    assert run_direct(session, largest, {"keys": [1, 2]}).scalar_one() == 2
    assert run_direct(session, largest, {"keys": [3, 2**40]}).scalar_one() == 2**40


def test_a_failing_statement_stops_the_batch_and_nothing_of_it_is_committed(
        session_factory: sessionmaker[Any]) -> None:
    with session_factory() as session:
        run_direct(session, _INSERT, job_row("dup"))
        session.commit()
    with session_factory() as session:
        run_later(session, _INSERT, job_row("dup-before"))
        with pytest.raises(IntegrityError, match="job_key_key"):
            run_direct(session, _INSERT, job_row("dup"))
        session.rollback()
        assert run_direct(session, _BY_KEY, {"key": "dup-before"}).first() is None
        session.execute(delete(Job).where(Job.key == "dup"))
        session.commit()


def test_statements_deallocated_behind_its_back_are_prepared_again(
        session_factory: sessionmaker[Any]) -> None:
    """A `DEALLOCATE ALL` someone else sent (a proxy, a reset): the next batch fails with the
    server's own error, and the one after prepares its statements again."""
    with session_factory() as session:
        run_direct(session, _BY_KEY, {"key": "gone"})
        session.execute(text("DEALLOCATE ALL"))
        with pytest.raises(ProgrammingError, match="does not exist"):
            run_direct(session, _BY_KEY, {"key": "gone"})
        session.rollback()
        assert run_direct(session, _BY_KEY, {"key": "gone"}).first() is None
        session.rollback()
