"""`alliance init-db` (Alembic) builds exactly the schema the models describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import engine.store.models  # noqa: F401
from engine.store.db import Base, make_engine
from engine.store.migrations import upgrade_database
from tests.conftest import postgres_url


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    base = postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"alliance_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_head_matches_models(fresh_url: str) -> None:
    upgrade_database(fresh_url)
    upgrade_database(fresh_url)  # a second run is a no-op
    db = make_engine(fresh_url)
    with db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == [], "models and migrations differ; run `make migration` and commit it"
