"""Connections as the engine makes them (engine.store.db.make_engine)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import ConcurrentUpdate
from engine.store.db import make_engine
from engine.store.direct import run_direct, run_later, sends_later
from engine.store.models import Job
from tests.databases import postgres_url
from tests.engine.store.rows import job_row


@pytest.mark.database
def test_postgresql_connections_run_without_jit_whatever_else_they_are_given() -> None:
    """The web app passes its own connect arguments (a connect timeout); JIT stays off, or an
    inbox page over 100,000 tasks spends most of its time compiling its plan."""
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL only (DATABASE_URL=postgresql+psycopg://...)")
    for extra in ({}, {"connect_args": {"connect_timeout": 5}}):
        db = make_engine(url, **extra)
        with db.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == "off"
        db.dispose()


@pytest.mark.database
def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = make_engine(f"sqlite:///{tmp_path}/x.db")
    with db.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_a_deadlock_is_a_lost_race_not_a_fault(session: Session, session_factory: sessionmaker[Any]) -> None:
    """Two transactions that wait for each other's rows: PostgreSQL ends one; it comes out as
    ConcurrentUpdate (whichever way its statement ran: the ORM's, the driver's, a batch) and the
    other one goes through."""
    if not sends_later(session):
        pytest.skip("PostgreSQL only: SQLite serializes writers at BEGIN IMMEDIATE")
    jobs = Job.__table__
    for key in ("race-a", "race-b"):
        run_later(session, jobs.insert(), job_row(key))  # type: ignore[attr-defined]
    session.commit()
    bump = update(jobs).where(jobs.c.key == bindparam("k")).values(attempts=jobs.c.attempts + 1)  # type: ignore[arg-type]
    outcomes: dict[str, str] = {}
    both_hold = threading.Barrier(2, timeout=10)

    def second() -> None:
        with session_factory() as other:
            other.execute(text("SET LOCAL deadlock_timeout = '20ms'"))
            other.execute(bump, {"k": "race-b"})  # the ORM's way
            both_hold.wait()
            try:
                run_direct(other, bump, {"k": "race-a"})  # the driver's way, in a batch
                other.commit()
                outcomes["second"] = "saved"
            except ConcurrentUpdate:
                other.rollback()
                outcomes["second"] = "conflict"

    thread = threading.Thread(target=second)
    session.execute(text("SET LOCAL deadlock_timeout = '20ms'"))
    run_direct(session, bump, {"k": "race-a"})
    thread.start()
    both_hold.wait()
    try:
        session.execute(bump, {"k": "race-b"})
        session.commit()
        outcomes["first"] = "saved"
    except ConcurrentUpdate as exc:
        assert "deadlock" in str(exc)
        session.rollback()
        outcomes["first"] = "conflict"
    thread.join(30)
    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    attempts = dict(session.execute(select(Job.key, Job.attempts)
                                    .where(Job.key.startswith("race-"))).tuples().all())
    assert attempts == {"race-a": 1, "race-b": 1}
