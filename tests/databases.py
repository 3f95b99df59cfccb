"""Test databases: two templates made once per test run (per xdist worker), copied per test.

- `empty`: the schema (`Base.metadata`: the engine's tables and the registry's).
- `seeded`: the schema plus what a set-up Alliance holds, made by the functions the app's own
  set-up uses: `processes/` deployed, the demo users (`processes.demo.seed_demo`) and the
  registry's seed rows (`processes.registry.seed_registry`). New models and seed rows flow in
  without edits here.

A test gets a copy of one template, chosen by what it asks for: a test whose fixtures include
`seeded` (directly, or through `world`, `login_as`, `api` ...) gets the seeded copy, any other
the empty one.

- SQLite: each template is a file under the worker's temporary directory; a test gets a
  copy of the file in its `tmp_path` (a file copy instead of ~1.5 s of deploying, hashing
  and seeding, or ~0.1 s of CREATE TABLE).
- PostgreSQL: one database per xdist worker, named after DATABASE_URL's database
  (`<base>_gw0`, `<base>_gw1`, ..., `<base>_main` without xdist; `<base>` itself is never
  touched and need not exist), created by the run and dropped at its end. The seeded rows
  are kept in the schema `test_template`; before each test every table is emptied (DELETE)
  and its sequences restarted (setval), and for a seeded test the template's rows and
  sequence values are put back (INSERT ... SELECT), in one round trip. Measured on this
  machine (2 cores, busy): 4 ms (empty) and 12 ms (seeded) a test, against 520-600 ms for
  TRUNCATE ... RESTART IDENTITY (new files for every table, index and sequence) and 1.4 s
  (WAL_LOG) or 2.7 s (FILE_COPY) for CREATE DATABASE ... TEMPLATE plus its DROP.
  The suite never drops a database it did not create: a worker database is marked by a
  comment, and an unmarked one of the same name, or a marked one in use by another run,
  stops the run with a message instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import engine.store.models  # noqa: F401
import processes.registry
import processes.registry_forum  # noqa: F401  (action plans and the Cities Forum)
from engine.access.passwords import ScryptCost
from engine.access.users import create_user
from engine.bootstrap import build_runtime, session_factory
from engine.definitions.deployment import deploy, files_from_paths
from engine.store.db import Base, make_engine
from processes.demo import seed_demo
from processes.registry import seed_registry

REPO = Path(__file__).resolve().parents[1]
PROCESSES = REPO / "processes"
TEST_PASSWORD_COST = ScryptCost(n=2, r=1, p=1)
"""The suite's scrypt cost (a runtime setting, `build_runtime(password_cost=...)`): microseconds
instead of ~80 ms a hash. Production keeps `PRODUCTION_COST` (tests/engine/access/test_passwords.py)."""
TEMPLATE_SCHEMA = "test_template"
WORKER_MARK = "alliance test suite: a worker database, dropped at the end of the run"
EMPTY, SEEDED = "empty", "seeded"


def seed_alliance(session: Session) -> None:
    """Deploy processes/ and create the demo users and the registry's seed rows (no commit)."""
    deploy(session, files_from_paths([PROCESSES]))
    seed_demo(session, create_user)
    seed_registry(session)


def _seed(bind: Engine) -> None:
    factory = session_factory(bind, build_runtime(password_cost=TEST_PASSWORD_COST))
    with factory() as session:
        seed_alliance(session)
        session.commit()


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


class SqliteTemplates:
    """Template files under `folder`; each test's database is a copy in its own directory."""

    def __init__(self, folder: Path) -> None:
        self.files = {EMPTY: folder / "empty.db", SEEDED: folder / "seeded.db"}
        bind = make_engine(f"sqlite:///{self.files[EMPTY]}")
        Base.metadata.create_all(bind)
        bind.dispose()  # the last connection closing checkpoints the WAL into the file
        shutil.copyfile(self.files[EMPTY], self.files[SEEDED])
        bind = make_engine(f"sqlite:///{self.files[SEEDED]}")
        _seed(bind)
        bind.dispose()

    @contextmanager
    def database(self, template: str, folder: Path) -> Iterator[Engine]:
        target = folder / "test.db"
        shutil.copyfile(self.files[template], target)
        bind = make_engine(f"sqlite:///{target}")
        try:
            yield bind
        finally:
            bind.dispose()

    def close(self) -> None:
        """Nothing to drop: the files live under pytest's temporary directory."""


def worker_database_name(base: str, worker: str) -> str:
    return f"{base}_{'main' if worker == 'master' else worker}"


class PostgresTemplates:
    """One database per worker; the seeded rows kept in a schema of it and copied back per test."""

    def __init__(self, base_url: str, worker: str) -> None:
        parsed = make_url(base_url)
        if not parsed.database:
            raise RuntimeError(f"DATABASE_URL names no database: {base_url}")
        self.name = worker_database_name(parsed.database, worker)
        # The base database only names the worker databases; it need not exist.
        self.admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self._create_worker_database()
        self.url = parsed.set(database=self.name)
        self.bind = make_engine(self.url.render_as_string(hide_password=False), pool_size=20,
                                max_overflow=10)
        self.restore = self._build()

    def _create_worker_database(self) -> None:
        with self.admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.name})
            if exists:
                mark = conn.scalar(text("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                        "WHERE datname = :n"), {"n": self.name})
                if mark != WORKER_MARK:
                    raise RuntimeError(
                        f"database {self.name!r} exists and was not made by the test suite; "
                        "the suite will not drop it: rename it, or point DATABASE_URL elsewhere")
                if conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :n"),
                               {"n": self.name}):
                    raise RuntimeError(f"database {self.name!r} is in use by another test run; "
                                       "give this run another DATABASE_URL database name")
                conn.execute(text(f'DROP DATABASE "{self.name}"'))  # left by a run that crashed
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            conn.execute(text(f"COMMENT ON DATABASE \"{self.name}\" IS '{WORKER_MARK}'"))

    def _build(self) -> dict[str, str]:
        """The schema and the seeded rows; returns, per template, the SQL that restores it."""
        tables = [t.name for t in Base.metadata.sorted_tables]
        Base.metadata.create_all(self.bind)
        _seed(self.bind)
        with self.bind.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {TEMPLATE_SCHEMA}"))
            filled = []
            for name in tables:
                conn.execute(text(f'CREATE TABLE {TEMPLATE_SCHEMA}."{name}" AS TABLE public."{name}"'))
                if conn.scalar(text(f'SELECT EXISTS (SELECT 1 FROM public."{name}")')):
                    filled.append(name)
            sequences = conn.execute(text("SELECT sequencename, last_value FROM pg_sequences "
                                          "WHERE schemaname = 'public'")).all()
        # DELETE and setval, not TRUNCATE ... RESTART IDENTITY (see the module's docstring).
        delete = "".join(f'DELETE FROM public."{n}";' for n in reversed(tables))
        restart = "".join(f"SELECT setval('public.\"{s}\"', 1, false);" for s, _ in sequences)
        copy = "".join(f'INSERT INTO public."{n}" SELECT * FROM {TEMPLATE_SCHEMA}."{n}";' for n in filled)
        setval = "".join(f"SELECT setval('public.\"{s}\"', {v});" if v is not None
                         else f"SELECT setval('public.\"{s}\"', 1, false);" for s, v in sequences)
        return {EMPTY: delete + restart, SEEDED: delete + copy + setval}

    @contextmanager
    def database(self, template: str, folder: Path) -> Iterator[Engine]:
        with self.bind.begin() as conn:
            conn.exec_driver_sql(self.restore[template])
        yield self.bind

    def close(self) -> None:
        self.bind.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


Templates = SqliteTemplates | PostgresTemplates


@contextmanager
def scratch_database(purpose: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside the worker's (`<base>_<purpose>_<random>`), for
    a test that builds its own schema; dropped afterwards. Yields its URL."""
    base = postgres_url()
    if base is None:
        raise RuntimeError("scratch_database needs DATABASE_URL to name a PostgreSQL database")
    parsed = make_url(base)
    name = f"{parsed.database}_{purpose}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_templates(folder: Path, worker: str) -> Templates:
    url = postgres_url()
    return PostgresTemplates(url, worker) if url else SqliteTemplates(folder)


def template_for(fixturenames: list[str]) -> str:
    """The template a test needs: seeded when it asks for `seeded` (directly or through another
    fixture such as `world` or `login_as`), else empty."""
    return SEEDED if SEEDED in fixturenames else EMPTY


__all__ = ["EMPTY", "PROCESSES", "SEEDED", "TEST_PASSWORD_COST", "PostgresTemplates", "SqliteTemplates",
           "Templates", "make_templates", "postgres_url", "scratch_database", "seed_alliance",
           "template_for"]
