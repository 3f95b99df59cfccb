"""The daily digest (engine.notify.digest): once a day, at the digest hour of each reader's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.notify.digest import next_run
from engine.store.models import User
from tests.engine.notify.conftest import Paper
from tests.smtp import text_of

DIGEST = "Alliance Workflow: 1 notification(s) of the day"


def _finish_a_case_for_ana(paper: Paper, title: str) -> None:
    case_id = paper.start(title)
    paper.write(case_id)
    paper.review(case_id, "approve")


def test_the_digest_goes_out_at_seven_in_the_readers_own_zone(paper: Paper) -> None:
    """Ana lives in Beijing: 07:00 there is 23:00 UTC the day before."""
    ana = paper.session.scalars(select(User).where(User.username == "ana")).one()
    ana.timezone = "Asia/Shanghai"
    _finish_a_case_for_ana(paper, "On tides")  # 09:00 UTC = 17:00 in Beijing
    day = paper.clock.now().date()
    paper.clock.set(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=22, minutes=1))
    paper.work()  # 06:01 in Beijing: not yet
    assert paper.mails("ana") == []
    paper.clock.advance(timedelta(hours=1))
    paper.work()  # 07:01 in Beijing
    assert paper.mails("ana") == [DIGEST]
    _finish_a_case_for_ana(paper, "On currents")  # later the same Beijing day: tomorrow's
    paper.clock.advance(timedelta(hours=12))
    paper.work()
    assert paper.mails("ana") == [DIGEST]
    paper.clock.advance(timedelta(hours=12))
    paper.work()  # 07:01 the next Beijing day
    assert paper.mails("ana") == [DIGEST, DIGEST]
    first, second = (text_of(m) for m in paper.smtp.to("ana@example.org"))
    assert "/cases/1" in first and "/cases/2" not in first
    assert "/cases/2" in second and "/cases/1" not in second


def test_the_digest_job_runs_at_every_top_of_the_hour() -> None:
    assert next_run(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert next_run(datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC)) == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
