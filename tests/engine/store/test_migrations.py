"""`alliance init-db` (Alembic) builds exactly the schema the models describe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

import engine.store.models  # noqa: F401
from engine.bootstrap import session_factory
from engine.store.db import Base, make_engine
from engine.store.migrations import alembic_config, upgrade_database
from engine.store.models.tasks import offer_text
from tests.databases import postgres_url, scratch_database
from tests.engine.read.test_inbox import add_case, add_task


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



@pytest.mark.database
def test_the_offered_to_migration_fills_existing_tasks_from_their_candidates(fresh_url: str) -> None:
    """Tasks written before `human_task.offered_to` existed stay in their candidates' inboxes:
    the column is dropped (downgrade) and added again, and the upgrade fills it. On the way down,
    the candidate table (dropped by 5c1f0e2a9b47) comes back filled from the column."""
    upgrade_database(fresh_url)
    db = make_engine(fresh_url)
    factory = session_factory(db)
    with factory() as session:
        case = add_case(session, title="Old case")
        offered = add_task(session, case, "Review", groups=("committee",), users=("rui",)).id
        nobody = add_task(session, case, "Anyone on staff").id
        session.commit()
    command.downgrade(alembic_config(fresh_url), "e7c41c39f7b9")
    command.upgrade(alembic_config(fresh_url), "head")
    with db.connect() as conn:
        found = dict(conn.execute(text("SELECT id, offered_to FROM human_task")).all())
    db.dispose()
    assert found == {offered: offer_text([("group", "committee"), ("user", "rui")]), nobody: ""}
