"""Database plumbing: the declarative base, engines and session factories.

Nothing here holds a module-level engine or session: callers (the Flask app,
a CLI command, a worker job) create a session factory and own each session's
lifecycle and transaction.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DDL, DateTime, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

from engine.errors import ConcurrentUpdate
from engine.store.direct import execute_on_driver, send_together

DEFAULT_DATABASE_URL = "sqlite:///instance/alliance.db"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def as_utc(moment: Any) -> Any:
    """UTC-aware, whatever the backend returned for an aggregate (SQLite may return text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


# Trigram indexes (text search) need pg_trgm; a trusted extension since PostgreSQL 13.
event.listen(Base.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    url = database_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    elif url.startswith("postgresql"):
        # No JIT: the engine's queries are short and indexed; PostgreSQL's JIT compiles any
        # plan it costs high (an inbox page over 100,000 open tasks), spending 15-400 ms to
        # save a few (bench/bench_inbox.py shows both).
        connect_args = dict(kwargs.get("connect_args") or {})
        connect_args.setdefault("options", "-c jit=off")
        kwargs["connect_args"] = connect_args
    engine = create_engine(url, **kwargs)
    if engine.dialect.driver == "psycopg":
        send_together(engine)  # a step's statements in few round trips (engine.store.direct)
        event.listen(engine, "handle_error", _lost_race_as_conflict)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


_LOST_RACES = {"40P01": "a deadlock", "40001": "a serialization failure"}


def _lost_race_as_conflict(context: ExceptionContext) -> None:
    """PostgreSQL ends one of two transactions that wait for each other's rows (a deadlock:
    a completion locks its case and task as it reads them, a worker's batch of timers writes
    several cases). That is a race lost, not a fault: it comes out as `ConcurrentUpdate` (the
    doors answer 409, the worker takes the job again without spending an attempt), and the
    transaction, rolled back by its owner, saved nothing."""
    what = _LOST_RACES.get(getattr(context.original_exception, "sqlstate", None) or "")
    if what is not None:
        raise ConcurrentUpdate(f"the database ended this change, caught in {what} with another "
                               "one; nothing was saved: try again") from context.sqlalchemy_exception


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so that BEGIN IMMEDIATE below works.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer. synchronous=NORMAL in WAL mode: a commit is
        # written to the WAL (the OS's cache) before COMMIT returns, so a committed step
        # survives a crash of the process (tests/engine/store/test_durability.py); only a
        # crash of the OS or a power cut may lose the last commits (the database stays
        # consistent), the WAL being fsynced at checkpoints. FULL would fsync every commit
        # (power-cut safe) at several times the cost of a step; a deployment that needs that
        # runs PostgreSQL, whose defaults (synchronous_commit=on) are kept.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers serialize at BEGIN instead of failing on lock upgrade mid-transaction. On the
        # driver (engine.store.direct), as psycopg sends PostgreSQL's BEGIN: through
        # `exec_driver_sql` it was an eighth of a step's statements' cost.
        execute_on_driver(connection, "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, *, info: dict[str, Any] | None = None) -> sessionmaker[Any]:
    """Plain sessions; the engine's use cases need `engine.bootstrap.session_factory`."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=dict(info or {}))
