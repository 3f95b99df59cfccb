"""Fixtures: a real database per test (SQLite file, or PostgreSQL when DATABASE_URL says so).

Each test's database is a copy of a template made once per run and xdist worker
(tests/databases.py): the seeded one (the Alliance set up) for a test that asks for `seeded`,
the empty schema for any other. `--database-only` keeps only the tests that use a database
(the second CI pass, on PostgreSQL, runs nothing that the SQLite pass already proved).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import clock as clock_module
from engine.access.users import Actor, actor, create_user
from engine.bootstrap import build_runtime
from engine.bootstrap import session_factory as engine_session_factory
from engine.definitions.deployment import files_from_paths
from engine.runtime.context import Runtime
from tests.browser import browser, chromium  # noqa: F401  (the fixtures, for every browser test)
from tests.databases import TEST_PASSWORD_COST, Templates, make_templates, postgres_url, template_for

FIXTURES = Path(__file__).parent / "fixtures"
OPERATOR = Actor("operator", frozenset(), operator=True)
"""The command line's operator mode, for tests whose subject is not the access policy."""
REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "bpmn-corpus"
if not CORPUS.exists():
    CORPUS = Path(os.environ.get("ALLIANCE_CORPUS", "/work/shared/bpmn-corpus"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database-only", action="store_true",
                     help="run only the tests that use a database, and no browser test "
                          "(CI's second pass, on PostgreSQL)")


def uses_database(item: pytest.Item) -> bool:
    """A test depends on the database when it gets one (`db_engine`, directly or through
    another fixture) or says so (`@pytest.mark.database`: it makes its own); browser tests
    check pages, which the non-browser tests check on every database."""
    names = getattr(item, "fixturenames", ())
    if "browser" in names or item.get_closest_marker("browser"):
        return False
    return "db_engine" in names or item.get_closest_marker("database") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("database_only"):
        return
    kept = [item for item in items if uses_database(item)]
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """This worker's templates, made on first use (a test run without databases makes none)."""
    templates = make_templates(tmp_path_factory.mktemp("templates"),
                               os.environ.get("PYTEST_XDIST_WORKER", "master"))
    yield templates
    templates.close()


@pytest.fixture
def db_engine(request: pytest.FixtureRequest, tmp_path: Path,
              database_templates: Templates) -> Iterator[Engine]:
    """A fresh copy of a template for each test: seeded when the test asks for `seeded`."""
    with database_templates.database(template_for(request.fixturenames), tmp_path) as bind:
        yield bind


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    """A fresh runtime per test (its own caches and evaluator processes); handlers: the
    Alliance's; cheap password hashes."""
    built = build_runtime(password_cost=TEST_PASSWORD_COST)
    yield built
    built.close()


@pytest.fixture
def session_factory(db_engine: Engine, runtime: Runtime) -> sessionmaker[Any]:
    return engine_session_factory(db_engine, runtime)


@pytest.fixture
def seeded(session_factory: sessionmaker[Any]) -> sessionmaker[Any]:
    """The Alliance set up: processes/ deployed, the demo users and the registry's seed rows.

    Asking for this fixture is what gives the test a copy of the seeded template
    (`db_engine` looks for it among the test's fixtures); it returns the session factory.
    """
    return session_factory


@pytest.fixture
def session(session_factory: sessionmaker[Any]) -> Iterator[Session]:
    with session_factory() as s:
        yield s
        s.rollback()


@pytest.fixture
def fake_clock() -> Iterator[clock_module.FakeClock]:
    fake = clock_module.FakeClock()
    previous = clock_module.set_clock(fake)
    yield fake
    clock_module.set_clock(previous)


@pytest.fixture
def make_user(session: Session) -> Callable[..., Actor]:
    def make(name: str | None = None, *groups: str) -> Actor:
        username = name or f"user-{uuid.uuid4().hex[:8]}"
        create_user(session, username, groups=list(groups), password="secret-pw")
        session.commit()
        return actor(session, username)

    return make


def fixture_files(*names: str) -> list[Any]:
    return files_from_paths([FIXTURES / "bpmn" / n for n in names])


__all__ = ["CORPUS", "FIXTURES", "REPO", "fixture_files", "postgres_url"]
