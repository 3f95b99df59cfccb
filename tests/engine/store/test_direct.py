"""run_direct: a step's statements on the driver's connection, as SQLAlchemy would run them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import bindparam, delete, event, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from engine.store import direct
from engine.store.direct import DirectStatementError, run_direct, run_later, send_queued, sends_later
from engine.store.models import Case, Job, User
from tests.engine.store.rows import DUE, job_row

_BY_NAME = select(User.__table__.c.username).where(User.__table__.c.username == bindparam("name"))
_JOBS = insert(Job.__table__)  # type: ignore[arg-type]
_JOB = select(Job.__table__.c.due_at, Job.__table__.c.payload).where(Job.__table__.c.id == bindparam("id"))


def _pending_user(session: Session, name: str) -> None:
    session.add(User(username=name, active=True, created_at=clock.now(), timezone="UTC",
                     failed_logins=0))


def _keys(session: Session, prefix: str) -> list[str]:
    return sorted(session.scalars(select(Job.key).where(Job.key.startswith(prefix))))


def test_pending_rows_are_flushed_before_the_statement(session: Session) -> None:
    _pending_user(session, "pending-ana")
    assert run_direct(session, _BY_NAME, {"name": "pending-ana"}).first() == ("pending-ana",)


def test_no_autoflush_is_honoured(session: Session) -> None:
    with session.no_autoflush:
        _pending_user(session, "pending-bo")
        assert run_direct(session, _BY_NAME, {"name": "pending-bo"}).first() is None
    session.flush()
    assert run_direct(session, _BY_NAME, {"name": "pending-bo"}).first() == ("pending-bo",)


def test_values_are_stored_and_read_as_sqlalchemy_stores_and_reads_them(session: Session) -> None:
    """Datetimes (SQLite keeps text), JSON (None is JSON's null, as SQLAlchemy stores it) and
    booleans go through SQLAlchemy's own processors: a row written directly reads back the same
    as one written by `Session.execute`, either way, and is stored the same."""
    for n, payload in enumerate(({"a": [1, "é"]}, None)):
        returning = _JOBS.returning(Job.__table__.c.id)
        mine = run_direct(session, returning, job_row(f"direct-{n}", payload=payload)).scalar_one()
        theirs = session.scalar(returning, job_row(f"core-{n}", payload=payload))
        read_mine = run_direct(session, _JOB, {"id": mine}).one()
        assert read_mine == session.execute(_JOB, {"id": theirs}).one() == (DUE, payload)
        stored = text("SELECT due_at, payload IS NULL FROM job WHERE id = :id")
        assert (session.execute(stored, {"id": mine}).one()
                == session.execute(stored, {"id": theirs}).one())
    _pending_user(session, "flag")
    active = select(User.__table__.c.active).where(User.__table__.c.username == bindparam("name"))
    assert run_direct(session, active, {"name": "flag"}).one() == (True,)


def test_a_list_of_parameters_is_one_executemany(session: Session) -> None:
    seen: list[bool] = []
    bind = session.get_bind()
    session.connection()
    def listener(_c: Any, _cur: Any, sql: str, _params: Any, _ctx: Any, many: bool) -> None:
        if sql != "BEGIN":  # PostgreSQL's, sent with the first statement (engine.store.direct)
            seen.append(many)

    event.listen(bind, "before_cursor_execute", listener)
    try:
        run_direct(session, _JOBS, [job_row(f"many-{n}") for n in range(3)])
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert seen == [True]
    assert _keys(session, "many-") == ["many-0", "many-1", "many-2"]
    with pytest.raises(ValueError, match="empty"):
        run_direct(session, _JOBS, [])


def test_listeners_see_each_statement_before_and_after(session: Session) -> None:
    calls: list[tuple[str, str]] = []
    bind = session.get_bind()
    session.connection()

    def before(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        calls.append(("before", statement.split()[0]))

    def after(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        calls.append(("after", statement.split()[0]))

    event.listen(bind, "before_cursor_execute", before)
    event.listen(bind, "after_cursor_execute", after)
    try:
        run_direct(session, _BY_NAME, {"name": "x"})
    finally:
        event.remove(bind, "before_cursor_execute", before)
        event.remove(bind, "after_cursor_execute", after)
    assert [call for call in calls if call[1] != "BEGIN"] == [("before", "SELECT"), ("after", "SELECT")]


def test_a_driver_error_is_sqlalchemy_s_and_the_session_rolls_back(session: Session) -> None:
    _pending_user(session, "twice")
    session.flush()
    duplicate = insert(User).values(username=bindparam("name"), active=True, timezone="UTC",
                                    timezone_chosen=False, session_version=1, failed_logins=0,
                                    created_at=bindparam("now"))
    with pytest.raises(IntegrityError):
        run_direct(session, duplicate, {"name": "twice", "now": clock.now()})
    session.rollback()
    assert run_direct(session, _BY_NAME, {"name": "twice"}).first() is None  # a new transaction


def test_the_statement_runs_in_the_session_s_transaction_across_commits(session: Session) -> None:
    run_direct(session, _JOBS, job_row("tx-kept"))
    session.commit()
    run_direct(session, _JOBS, job_row("tx-dropped"))
    session.rollback()
    assert _keys(session, "tx-") == ["tx-kept"]
    session.execute(delete(Job).where(Job.key == "tx-kept"))
    session.commit()


def test_what_it_cannot_run_faithfully_is_refused_by_name(session: Session) -> None:
    users = User.__table__.c
    with pytest.raises(DirectStatementError, match="expanded"):
        run_direct(session, select(users.id).where(users.username.in_(bindparam("names", expanding=True))),
                   {"names": ["a"]})
    with pytest.raises(DirectStatementError, match="'name'"):
        run_direct(session, _BY_NAME, {"other": "a"})
    with pytest.raises(DirectStatementError, match="default"):  # status, version: Python defaults
        run_direct(session, insert(Case.__table__), {"process_id": "p"})  # type: ignore[arg-type]


def test_a_statement_is_compiled_once_per_set_of_parameters(session: Session) -> None:
    before = len(direct._PLANS.by_key)
    for name in ("a", "b", "c"):
        run_direct(session, _BY_NAME, {"name": name})
    assert len(direct._PLANS.by_key) - before <= 1  # none when an earlier test compiled it
    assert any(plan.statement is _BY_NAME for plan in direct._PLANS.by_key.values())


# --------------------------------------------------------------------------- run_later

_NOTHING = update(Job.__table__).where(Job.__table__.c.key == bindparam("k")).values(attempts=1)  # type: ignore[arg-type]
"""An UPDATE of one job by key; of no row for a key no job has."""


@contextmanager
def _statements_sent(session: Session) -> Iterator[list[str]]:
    """The first word of each statement sent to the session's database meanwhile."""
    sent: list[str] = []
    bind = session.get_bind()
    listener = lambda _c, _cur, sql, *_rest: sent.append(sql.split()[0])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", listener)


def test_a_later_write_is_seen_by_the_next_statement_whatever_runs_it(session: Session) -> None:
    run_later(session, _JOBS, job_row("later-a"))
    assert _keys(session, "later-") == ["later-a"]  # an ORM statement sends it first
    run_later(session, _JOBS, [job_row("later-b"), job_row("later-c")])
    mine = select(Job.__table__.c.key).where(Job.__table__.c.key.startswith(bindparam("prefix")))
    found = sorted(row[0] for row in run_direct(session, mine, {"prefix": "later-"}).rows())
    assert found == ["later-a", "later-b", "later-c"]


def test_a_later_write_s_failure_and_conflict_come_when_it_is_sent(session: Session) -> None:
    run_direct(session, _JOBS, job_row("taken"))
    run_later(session, _JOBS, job_row("fine"))
    if sends_later(session):
        run_later(session, _JOBS, job_row("taken"))  # not sent yet: nothing to refuse
        with pytest.raises(IntegrityError):
            send_queued(session)
    else:
        with pytest.raises(IntegrityError):
            run_later(session, _JOBS, job_row("taken"))
    session.rollback()

    class Conflict(Exception):
        pass

    if sends_later(session):
        run_later(session, _NOTHING, {"k": "no-such-job"}, expect_rows=1, conflict=Conflict)
        with pytest.raises(Conflict):
            send_queued(session)
    else:
        with pytest.raises(Conflict):
            run_later(session, _NOTHING, {"k": "no-such-job"}, expect_rows=1, conflict=Conflict)
    session.rollback()
    run_later(session, _NOTHING, {"k": "no-such-job"}, expect_rows=0, conflict=Conflict)
    send_queued(session)


def test_the_commit_sends_waiting_writes_and_a_rollback_drops_them(
        session: Session, session_factory: Any) -> None:
    run_later(session, _JOBS, job_row("committed-later"))
    session.commit()
    run_later(session, _JOBS, job_row("rolled-back-later"))
    session.rollback()
    with session_factory() as other:
        assert _keys(other, "rolled-back-later") == []
        assert _keys(other, "committed-later") == ["committed-later"]
        other.execute(delete(Job).where(Job.key == "committed-later"))
        other.commit()


def test_unchecked_writes_wait_for_the_commit_which_takes_them_along(
        session: Session, session_factory: Any) -> None:
    session.connection()
    with _statements_sent(session) as sent:
        run_later(session, _JOBS, job_row("with-commit"))
        send_queued(session, checked_only=True)  # nothing checked among them: they may wait
        assert sent == ([] if sends_later(session) else ["INSERT"])
        session.commit()
    # on PostgreSQL the transaction's BEGIN, its write and the COMMIT go in one round trip
    assert sent == ["BEGIN", "INSERT", "COMMIT"] if sends_later(session) else ["INSERT"]
    with session_factory() as other:
        assert _keys(other, "with-commit") == ["with-commit"]
        other.execute(delete(Job).where(Job.key == "with-commit"))
        other.commit()


def test_a_locked_check_waits_for_the_commit_and_is_a_defect_when_it_fails(
        session: Session, session_factory: Any) -> None:
    """A check on rows the transaction holds cannot fail: it is not sent before the commit, and
    if it does fail it says so as a defect, not as someone else's change."""
    run_direct(session, _JOBS, job_row("held"))
    with _statements_sent(session) as sent:
        run_later(session, _NOTHING, {"k": "held"}, expect_rows=1, locked=True,
                  conflict=lambda: AssertionError("not a conflict"))
        send_queued(session, checked_only=True)
        assert sent == ([] if sends_later(session) else ["UPDATE"])
        session.commit()
    with session_factory() as other:
        assert other.scalar(select(Job.attempts).where(Job.key == "held")) == 1
        other.execute(delete(Job).where(Job.key == "held"))
        other.commit()
    with pytest.raises(direct.LockedCheckFailed, match="changed 0 rows, not 1"):
        run_later(session, _NOTHING, {"k": "no-such-job"}, expect_rows=1, locked=True,
                  conflict=lambda: AssertionError("not a conflict"))
        send_queued(session)
    session.rollback()


def test_every_way_of_running_a_statement_stays_in_its_transaction(db_engine: Any) -> None:
    """PostgreSQL's connections run in the driver's autocommit mode with the engine's own BEGIN
    (engine.store.direct.send_together): a statement SQLAlchemy begins a transaction for, one in
    a session, one run directly or later, all roll back with their transaction."""
    jobs = Job.__table__
    with db_engine.connect() as conn:  # SQLAlchemy's autobegin
        conn.execute(insert(jobs), job_row("tx-autobegin"))  # type: ignore[arg-type]
        conn.rollback()
    with Session(db_engine) as session:
        session.execute(insert(jobs), job_row("tx-session"))  # type: ignore[arg-type]
        run_direct(session, _JOBS, job_row("tx-direct"))
        run_later(session, _JOBS, job_row("tx-later"))
        session.execute(select(Job.id)).all()  # sends what waits
        session.rollback()
    try:
        with db_engine.begin() as conn:
            conn.execute(insert(jobs), job_row("tx-begun"))  # type: ignore[arg-type]
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with Session(db_engine) as session:
        assert _keys(session, "tx-") == []
        session.execute(insert(jobs), job_row("tx-kept"))  # type: ignore[arg-type]
        session.commit()
    with Session(db_engine) as session:
        assert _keys(session, "tx-") == ["tx-kept"]
        session.execute(delete(Job).where(Job.key == "tx-kept"))
        session.commit()
