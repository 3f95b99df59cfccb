"""Connections as the engine makes them (engine.store.db.make_engine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from engine.store.db import make_engine
from tests.databases import postgres_url


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
