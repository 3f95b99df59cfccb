"""Alembic environment: every table of the app (engine and the Alliance registry)."""

from __future__ import annotations

from alembic import context

import engine.store.models  # noqa: F401
import processes.registry
import processes.registry_forum
import processes.registry_review  # noqa: F401  (activity follow-up and committee reviews)
from engine.store.db import Base, make_engine

target_metadata = Base.metadata


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    connectable = make_engine(url)
    with connectable.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table (copy, DROP, rename); with foreign keys on, the DROP
            # would cascade to the rows that point at it (a task's candidates). Off outside any
            # transaction, where SQLite honours the pragma; each new connection turns it on again.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


run_migrations()
