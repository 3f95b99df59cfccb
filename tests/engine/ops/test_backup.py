"""`alliance backup` / `alliance restore` on the database under test (SQLite, or PostgreSQL
with DATABASE_URL): a backup restored into an empty database finishes a case that was
mid-flight, and a restore never overwrites data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from engine.access.users import actor, create_user
from engine.background.worker import Worker
from engine.bootstrap import build_runtime, session_factory
from engine.cli import ops  # noqa: F401  (registers backup, restore)
from engine.cli.app import cli
from engine.definitions.deployment import deploy
from engine.runtime.cases import start_case
from engine.runtime.history import case_history
from engine.runtime.tasks import complete_task
from engine.store.db import make_engine
from engine.store.migrations import upgrade_database
from engine.store.models import Case, CaseStatus, HumanTask, TaskState
from tests.conftest import fixture_files, postgres_url
from tests.ops.handlers import HANDLERS, create_effect_table


@pytest.fixture
def scratch_urls(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A source and an empty target database of the backend under test."""
    base = postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'restored' / 'target.db'}"
        return
    names = [f"alliance_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield tuple(make_url(base).set(database=n).render_as_string(hide_password=False)  # type: ignore[misc]
                for n in names)
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def alliance(url: str, *args: str, ok: bool = True) -> Result:
    result = CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def _source_with_cases_in_flight(url: str) -> dict[str, Any]:
    """Two ops_flow cases: one waiting for the worker (its task done), one waiting at its task."""
    upgrade_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        create_effect_table(conn)
    with session_factory(engine, build_runtime(handlers=HANDLERS))() as session:
        deploy(session, fixture_files("ops_flow.bpmn"))
        create_user(session, "clara", groups=["clerks"], password="clara-password-1")
        clara = actor(session, "clara")
        first = start_case(session, "ops_flow", user=clara, business_key="B-1")
        second = start_case(session, "ops_flow", user=clara, business_key="B-2")
        complete_task(session, first.open_tasks[0].id, user=clara, data={})
        session.commit()
        history = [(h.id, h.kind) for h in case_history(session, first.id)]
    engine.dispose()
    return {"first": first.id, "second": second.id, "second_task": second.open_tasks[0].id,
            "first_history": history}


def test_a_restored_backup_finishes_the_cases_that_were_in_flight(scratch_urls: tuple[str, str],
                                                                  tmp_path: Path) -> None:
    source, target = scratch_urls
    before = _source_with_cases_in_flight(source)
    backup_file = tmp_path / "backups" / "alliance.backup"
    made = alliance(source, "backup", str(backup_file), "--json")
    assert '"size_bytes"' in made.stdout and backup_file.stat().st_size > 1000

    # The source moves on after the backup; the restored copy does not see it.
    engine = make_engine(source)
    with session_factory(engine, build_runtime(handlers=HANDLERS))() as session:
        start_case(session, "ops_flow", user=actor(session, "clara"), business_key="B-after")
        session.commit()
    engine.dispose()

    assert "restored" in alliance(target, "restore", str(backup_file)).stdout
    restored = make_engine(target)
    factory = session_factory(restored, build_runtime(handlers=HANDLERS))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 2
        assert [(h.id, h.kind) for h in case_history(session, before["first"])] == before["first_history"]

    Worker(factory).run_once()  # the job that was due when the backup was taken
    with factory() as session:
        complete_task(session, before["second_task"], user=actor(session, "clara"), data={})
        session.commit()
    Worker(factory).run_once()
    with factory() as session:
        for case_id in (before["first"], before["second"]):
            case = session.get(Case, case_id)
            assert case is not None and case.status == CaseStatus.COMPLETED
            assert {t.state for t in session.scalars(select(HumanTask).where(HumanTask.case_id == case_id))} \
                == {TaskState.COMPLETED}
        effects = session.execute(text("SELECT case_id, count(*) FROM ops_effect GROUP BY case_id")).all()
        assert sorted(effects) == [(before["first"], 1), (before["second"], 1)]
    restored.dispose()
    upgrade_database(target)  # a restored database is at head: nothing to do, no error

    # A restore never overwrites: the target now has data.
    refused = alliance(target, "restore", str(backup_file), ok=False)
    assert refused.exit_code == 1 and "is not empty" in refused.stderr


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'empty.db'}"
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    refused = alliance(target, "restore", str(junk), ok=False)
    assert refused.exit_code == 1 and "not a backup made by `alliance backup`" in refused.stderr
    missing = alliance(target, "restore", str(tmp_path / "nope.backup"), ok=False)
    assert missing.exit_code == 1 and "no backup file" in missing.stderr
    pg_dump_like = tmp_path / "pg.backup"
    pg_dump_like.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    wrong_kind = alliance(target, "restore", str(pg_dump_like), ok=False)
    assert wrong_kind.exit_code == 1 and "cannot be restored into a sqlite database" in wrong_kind.stderr
    assert not (tmp_path / "empty.db").exists() or (tmp_path / "empty.db").stat().st_size == 0


def test_backup_of_a_missing_sqlite_database_is_an_error(tmp_path: Path) -> None:
    result = alliance(f"sqlite:///{tmp_path / 'absent.db'}", "backup", str(tmp_path / "b.backup"), ok=False)
    assert result.exit_code == 1 and "no SQLite database" in result.stderr
    assert not (tmp_path / "b.backup").exists()
