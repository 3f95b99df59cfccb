"""Due timers fired in batches: several cases per transaction, one claim for many jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.background import jobs
from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.runtime import case_status, cases
from engine.runtime.live import WRITTEN_KEY
from engine.store.models import Case, HumanTask, Job, JobKind, TaskState
from tests.conftest import OPERATOR
from tests.engine.background.test_timers import timer_body
from tests.engine.worker_handlers import deploy_xml

CASES = 10


def _waiting_cases(session: Session, make_user: Callable[..., Actor], count: int) -> list[int]:
    starter = make_user("ana", "staff")
    deploy_xml(session, "observe", timer_body("<bpmn:timeDuration>PT1H</bpmn:timeDuration>"))
    ids = [cases.start_case(session, "observe", user=starter).id for _ in range(count)]
    session.commit()
    return ids


def test_one_worker_fires_many_due_timers_in_few_transactions(
        session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock,
        make_user: Callable[..., Actor]) -> None:
    ids = _waiting_cases(session, make_user, CASES)
    fake_clock.advance(timedelta(hours=1, seconds=1))
    written: list[int] = []  # cases written by each transaction that wrote any

    def count(committing: Session) -> None:
        if committing.info.get(WRITTEN_KEY):
            written.append(len(committing.info[WRITTEN_KEY]))

    event.listen(session_factory, "before_commit", count)
    stats = Worker(session_factory, worker_id="batcher", timer_batch=25).run_once()
    assert stats.by_kind.get("timer") == CASES and stats.failed == 0
    assert written == [CASES]  # one claim, one transaction for all ten cases
    session.expire_all()
    opened = session.scalars(select(HumanTask.case_id).where(
        HumanTask.case_id.in_(ids), HumanTask.state == TaskState.OPEN,
        HumanTask.element_id == "after")).all()
    assert sorted(opened) == sorted(ids)
    assert session.scalar(select(Job).where(Job.case_id.in_(ids))) is None


def test_a_batch_fires_the_due_timers_and_leaves_a_suspended_case_parked(
        session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock,
        make_user: Callable[..., Actor]) -> None:
    ids = _waiting_cases(session, make_user, 3)
    case_status.suspend_case(session, ids[1], user=OPERATOR, reason="on hold")
    session.commit()
    fake_clock.advance(timedelta(hours=1, seconds=1))
    stats = Worker(session_factory, worker_id="batcher").run_once()
    assert stats.by_kind.get("timer") == 2
    session.expire_all()
    assert {c.id: c.status for c in session.scalars(select(Case).where(Case.id.in_(ids)))} == \
        {ids[0]: "running", ids[1]: "suspended", ids[2]: "running"}
    parked = session.scalar(select(Job).where(Job.case_id == ids[1], Job.kind == JobKind.TIMER))
    assert parked is not None and parked.status == "parked"


def test_one_claim_leases_many_jobs_of_the_kind_asked_for(
        session: Session, fake_clock: FakeClock, make_user: Callable[..., Actor]) -> None:
    ids = _waiting_cases(session, make_user, 4)
    fake_clock.advance(timedelta(hours=1, seconds=1))
    assert jobs.claim(session, "w", limit=10, timers=False) == []
    claimed = jobs.claim(session, "w", limit=3, timers=True)
    session.commit()
    assert len(claimed) == 3 and {c.kind for c in claimed} == {"timer"}
    assert {c.case_id for c in claimed} < set(ids) and all(c.attempt == 1 for c in claimed)
    assert [c.case_id for c in jobs.claim(session, "w2", limit=10, timers=True)] == \
        [i for i in ids if i not in {c.case_id for c in claimed}]


def test_a_fired_timer_job_is_removed_even_when_the_case_row_says_it_has_no_jobs(
        session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock,
        make_user: Callable[..., Actor]) -> None:
    """A row without the `background` flag (restored, cloned or written by hand) must not leave
    its fired timer job behind to fire again and again."""
    ids = _waiting_cases(session, make_user, 2)
    session.execute(update(Case).where(Case.id.in_(ids)).values(background=False))
    session.commit()
    fake_clock.advance(timedelta(hours=1, seconds=1))
    stats = Worker(session_factory, worker_id="flagless", timer_batch=25).run_once()
    assert stats.by_kind.get("timer") == 2 and stats.failed == 0
    session.expire_all()
    assert session.scalar(select(Job).where(Job.case_id.in_(ids))) is None
    assert sorted(session.scalars(select(HumanTask.case_id).where(
        HumanTask.case_id.in_(ids), HumanTask.element_id == "after")).all()) == sorted(ids)
