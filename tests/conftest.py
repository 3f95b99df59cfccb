"""Fixtures: a real database per test (SQLite file, or PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import engine.store.models  # noqa: F401
import processes.registry  # noqa: F401  (the registry's tables share the metadata)
from engine import clock as clock_module
from engine.access.users import Actor, actor, create_user
from engine.bootstrap import build_runtime
from engine.bootstrap import session_factory as engine_session_factory
from engine.definitions.deployment import files_from_paths
from engine.runtime.context import Runtime
from engine.store.db import Base, make_engine
from tests.browser import browser  # noqa: F401  (the fixture, for every browser test)

FIXTURES = Path(__file__).parent / "fixtures"
OPERATOR = Actor("operator", frozenset(), operator=True)
"""The command line's operator mode, for tests whose subject is not the access policy."""
REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "bpmn-corpus"
if not CORPUS.exists():
    CORPUS = Path(os.environ.get("ALLIANCE_CORPUS", "/work/shared/bpmn-corpus"))


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine | None]:
    url = postgres_url()
    if url is None:
        yield None
        return
    eng = make_engine(url, pool_size=20, max_overflow=10)
    Base.metadata.drop_all(eng)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def db_engine(tmp_path: Path, pg_engine: Engine | None) -> Iterator[Engine]:
    """A fresh, empty schema for each test."""
    if pg_engine is not None:
        names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
        with pg_engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        yield pg_engine
        return
    eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    """A fresh runtime per test (its own caches and evaluator processes); handlers: the Alliance's."""
    built = build_runtime()
    yield built
    built.close()


@pytest.fixture
def session_factory(db_engine: Engine, runtime: Runtime) -> sessionmaker[Any]:
    return engine_session_factory(db_engine, runtime)


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
