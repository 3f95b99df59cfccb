"""`alliance init-db` (Alembic) builds exactly the schema the models describe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import engine.store.models  # noqa: F401
from engine.store.db import Base, make_engine
from engine.store.migrations import upgrade_database
from tests.databases import postgres_url, scratch_database


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    if postgres_url() is None:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    with scratch_database("migrate") as url:
        yield url


@pytest.mark.database
def test_upgrade_head_matches_models(fresh_url: str) -> None:
    upgrade_database(fresh_url)
    upgrade_database(fresh_url)  # a second run is a no-op
    db = make_engine(fresh_url)
    with db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == [], "models and migrations differ; run `make migration` and commit it"
