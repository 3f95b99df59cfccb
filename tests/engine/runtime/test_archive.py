"""History retention: long-finished cases keep their history compressed, and still show it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.background.maintenance import ARCHIVE_KEY
from engine.background.worker import Worker
from engine.cli import ops  # noqa: F401  (registers archive)
from engine.cli.app import cli
from engine.clock import FakeClock
from engine.definitions.deployment import deploy
from engine.errors import InvalidInput
from engine.runtime.archive import archive_finished_cases
from engine.runtime.case_status import cancel_case
from engine.runtime.cases import start_case
from engine.runtime.history import EventKind, case_history, record
from engine.runtime.tasks import complete_task
from engine.store.models import CaseArchive, HistoryEvent, Job
from tests.conftest import fixture_files


def _finished_case(session: Session, user: Actor) -> int:
    """A three_steps case run to its end (draft, review) — several history events."""
    view = start_case(session, "three_steps", user=user, business_key="ARCH-1")
    complete_task(session, view.open_tasks[0].id, user=user, data={"title": "T", "amount": 2})
    review = next(t for t in start_and_tasks(session, view.id) if t.state == "open")
    complete_task(session, review.id, user=user, data={"decision": "no"})
    session.commit()
    return view.id


def start_and_tasks(session: Session, case_id: int) -> list[Any]:
    from engine.store.models import HumanTask

    return list(session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)))


@pytest.fixture
def deployed(session: Session, make_user: Any) -> Actor:
    deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    session.commit()
    return make_user("ana", "requester", "reviewers", "secretariat")  # type: ignore[no-any-return]


def test_archiving_moves_history_into_one_compressed_row_and_keeps_it_readable(
        session: Session, deployed: Actor, fake_clock: FakeClock) -> None:
    done = _finished_case(session, deployed)
    running = start_case(session, "three_steps", user=deployed, business_key="ARCH-2").id
    cancelled = start_case(session, "three_steps", user=deployed, business_key="ARCH-3").id
    cancel_case(session, cancelled, user=deployed, reason="duplicate")
    session.commit()
    before = {case_id: case_history(session, case_id) for case_id in (done, running, cancelled)}
    assert len(before[done]) >= 4

    fake_clock.advance(timedelta(days=29))
    assert archive_finished_cases(session, older_than=timedelta(days=30)).cases == 0  # not old enough
    fake_clock.advance(timedelta(days=2))
    result = archive_finished_cases(session, older_than=timedelta(days=30))
    session.commit()
    assert result.cases == 2 and result.events == len(before[done]) + len(before[cancelled])
    assert 0 < result.stored_bytes < result.raw_bytes
    assert session.scalar(select(func.count()).select_from(HistoryEvent)
                          .where(HistoryEvent.case_id.in_([done, cancelled]))) == 0
    assert session.get(CaseArchive, running) is None
    for case_id, entries in before.items():
        assert case_history(session, case_id) == entries  # the same ids, kinds, users, times, data
    assert archive_finished_cases(session, older_than=timedelta(days=30)).cases == 0  # nothing left

    # An event written later (e.g. a correction) joins the archive at the next run, in order.
    record(session, done, EventKind.DATA_CORRECTED, user="ana", reason="typo", data={"x": 1})
    session.commit()
    again = archive_finished_cases(session, older_than=timedelta(days=30))
    session.commit()
    assert again.cases == 1 and again.events == 1
    history = case_history(session, done)
    assert history[:-1] == before[done] and history[-1].kind == EventKind.DATA_CORRECTED
    archive = session.get(CaseArchive, done)
    assert archive is not None and archive.event_count == len(before[done]) + 1


def test_a_negative_period_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="negative"):
        archive_finished_cases(session, older_than=timedelta(days=-1))


def test_the_worker_archives_on_a_schedule(session_factory: sessionmaker[Any], session: Session,
                                           deployed: Actor, fake_clock: FakeClock) -> None:
    done = _finished_case(session, deployed)
    worker = Worker(session_factory, archive_after_days=7)
    fake_clock.advance(timedelta(days=8))
    worker.sync_start_timers(force=True)
    stats = worker.run_once()
    assert stats.by_kind.get("archive") == 1
    session.expire_all()
    assert session.get(CaseArchive, done) is not None
    job = session.scalar(select(Job).where(Job.key == ARCHIVE_KEY))
    assert job is not None and job.payload == {"after_days": 7} and job.due_at > fake_clock.now()
    session.rollback()  # SQLite: end this read before another session writes
    # 0 removes the schedule.
    Worker(session_factory, archive_after_days=0).sync_start_timers(force=True)
    session.expire_all()
    assert session.scalar(select(Job).where(Job.key == ARCHIVE_KEY)) is None


def test_alliance_archive_command(db_engine: Any, session: Session, deployed: Actor,
                                  fake_clock: FakeClock) -> None:
    done = _finished_case(session, deployed)
    fake_clock.advance(timedelta(days=400))
    url = db_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--database-url", url, "archive", "--older-than-days", "365"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "archived the history of 1 case(s)" in result.stdout
    session.expire_all()
    assert session.get(CaseArchive, done) is not None
