"""Run the Alembic migrations shipped inside the package (`engine/store/alembic/`).

They travel with the wheel, so an installed `alliance init-db` finds them.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from engine.store.db import make_engine

SCRIPT_LOCATION = Path(__file__).resolve().parent / "alembic"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The revisions this code expects (read once per process)."""
    return frozenset(ScriptDirectory(str(SCRIPT_LOCATION)).get_heads())


@dataclass(frozen=True)
class SchemaStatus:
    current: frozenset[str]
    head: frozenset[str]

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def schema_status(connection: Connection) -> SchemaStatus:
    """Where the database's schema stands against this code's migrations."""
    current = MigrationContext.configure(connection).get_current_heads()
    return SchemaStatus(frozenset(current), head_revisions())


def upgrade_database(url: str) -> None:
    make_engine(url).dispose()  # creates the SQLite folder if needed
    command.upgrade(alembic_config(url), "head")


def new_revision(message: str) -> None:
    """Autogenerate a migration from the models against a scratch SQLite database at head."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scratch.db"
        upgrade_database(url)
        command.revision(alembic_config(url), message=message, autogenerate=True)
