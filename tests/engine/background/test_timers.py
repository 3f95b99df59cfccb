"""Durable timers driven by the fake clock and the worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.runtime import case_status, cases, tasks
from engine.store.models import Case, HumanTask, Job, JobKind, JobStatus, TaskState
from tests.conftest import OPERATOR
from tests.engine.worker_handlers import deploy_xml, flow, utask

UTC = UTC


def timer_body(definition: str, *, after: str = "after") -> str:
    return f"""
<bpmn:startEvent id="start" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>{definition}</bpmn:timerEventDefinition>
</bpmn:intermediateCatchEvent>
{utask(after, "After the timer")}
<bpmn:endEvent id="end" />
{flow("start", "wait")}{flow("wait", after)}{flow(after, "end")}"""


BOUNDARIES = f"""
<bpmn:startEvent id="start" />
{utask("review", "Review")}
<bpmn:boundaryEvent id="remind" attachedToRef="review" cancelActivity="false">
  <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:boundaryEvent>
<bpmn:boundaryEvent id="expire" attachedToRef="review">
  <bpmn:timerEventDefinition><bpmn:timeDuration>P30D</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:boundaryEvent>
{utask("reminder", "Reminder")}
<bpmn:endEvent id="end" /><bpmn:endEvent id="end_reminded" /><bpmn:endEvent id="end_expired" />
{flow("start", "review")}{flow("review", "end")}{flow("remind", "reminder")}
{flow("reminder", "end_reminded")}{flow("expire", "end_expired")}"""


def cycle_body(cycle: str) -> str:
    return f"""
<bpmn:startEvent id="start" />
{utask("run", "Run")}
<bpmn:boundaryEvent id="every" attachedToRef="run" cancelActivity="false">
  <bpmn:timerEventDefinition><bpmn:timeCycle>{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition>
</bpmn:boundaryEvent>
{utask("report", "Report")}
<bpmn:endEvent id="end" /><bpmn:endEvent id="end_report" />
{flow("start", "run")}{flow("run", "end")}{flow("every", "report")}{flow("report", "end_report")}"""


def work(factory: sessionmaker[Any], session: Session | None = None) -> None:
    """Run the jobs due now; the test's session first ends its transaction (SQLite's
    BEGIN IMMEDIATE makes every open transaction a writer)."""
    if session is not None:
        session.commit()
    Worker(factory, worker_id="test-worker").run_once()


def open_elements(session: Session, case_id: int) -> list[str]:
    session.expire_all()
    return sorted(session.scalars(select(HumanTask.element_id).where(
        HumanTask.case_id == case_id, HumanTask.state == TaskState.OPEN)).all())


def timer_job(session: Session, case_id: int) -> Job | None:
    session.expire_all()
    return session.scalar(select(Job).where(Job.case_id == case_id, Job.kind == JobKind.TIMER))


@pytest.fixture
def starter(make_user: Callable[..., Actor]) -> Actor:
    return make_user("ana", "staff")


def test_one_year_timer_fires_after_a_fake_year(session: Session, session_factory: sessionmaker[Any],
                                                fake_clock: FakeClock, starter: Actor) -> None:
    deploy_xml(session, "observe", timer_body("<bpmn:timeDuration>P1Y</bpmn:timeDuration>"))
    case = cases.start_case(session, "observe", user=starter)
    session.commit()
    job = timer_job(session, case.id)
    assert job is not None and job.due_at > datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    assert job.due_at - datetime(2027, 1, 1, 9, 0, tzinfo=UTC) < timedelta(milliseconds=1)
    work(session_factory, session)
    assert open_elements(session, case.id) == []
    fake_clock.advance(timedelta(days=364))
    work(session_factory, session)
    assert open_elements(session, case.id) == []
    fake_clock.set(datetime(2027, 1, 1, 9, 0, 1, tzinfo=UTC))
    work(session_factory, session)
    assert open_elements(session, case.id) == ["after"]
    assert timer_job(session, case.id) is None


@pytest.mark.parametrize("value", ["=wait_for", "wait_for"])
def test_timer_value_from_an_expression(session: Session, session_factory: sessionmaker[Any],
                                        fake_clock: FakeClock, starter: Actor, value: str) -> None:
    deploy_xml(session, "wait_var", timer_body(f"<bpmn:timeDuration>{value}</bpmn:timeDuration>"))
    case = cases.start_case(session, "wait_var", user=starter, data={"wait_for": "PT10M"})
    session.commit()
    fake_clock.advance(timedelta(minutes=9))
    work(session_factory, session)
    assert open_elements(session, case.id) == []
    fake_clock.advance(timedelta(minutes=2))
    work(session_factory, session)
    assert open_elements(session, case.id) == ["after"]


def test_time_date_from_a_data_variable(session: Session, session_factory: sessionmaker[Any],
                                        fake_clock: FakeClock, starter: Actor) -> None:
    deploy_xml(session, "deadline", timer_body("<bpmn:timeDate>deadline</bpmn:timeDate>"))
    case = cases.start_case(session, "deadline", user=starter,
                            data={"deadline": "2026-03-01T00:00:00+00:00"})
    session.commit()
    job = timer_job(session, case.id)
    assert job is not None and job.due_at.date().isoformat() == "2026-03-01"
    fake_clock.set(datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC))
    work(session_factory, session)
    assert open_elements(session, case.id) == ["after"]


def test_boundary_timers_on_a_user_task(session: Session, session_factory: sessionmaker[Any],
                                        fake_clock: FakeClock, starter: Actor) -> None:
    deploy_xml(session, "boundaries", BOUNDARIES)
    case = cases.start_case(session, "boundaries", user=starter)
    session.commit()
    assert open_elements(session, case.id) == ["review"]
    fake_clock.advance(timedelta(hours=1, seconds=1))
    work(session_factory, session)
    assert open_elements(session, case.id) == ["reminder", "review"]  # non-interrupting
    fake_clock.advance(timedelta(days=30))
    work(session_factory, session)
    assert open_elements(session, case.id) == ["reminder"]  # interrupting: review cancelled
    cancelled = session.scalar(select(HumanTask).where(HumanTask.case_id == case.id,
                                                       HumanTask.element_id == "review"))
    assert cancelled is not None and cancelled.state == TaskState.CANCELLED
    [reminder] = tasks.open_task_ids(session, case.id)
    view = tasks.complete_task(session, reminder, user=starter)
    session.commit()
    assert view.status == "completed"


def test_completing_the_task_removes_its_boundary_timers(session: Session, starter: Actor,
                                                         fake_clock: FakeClock) -> None:
    deploy_xml(session, "boundaries", BOUNDARIES)
    case = cases.start_case(session, "boundaries", user=starter)
    session.commit()
    assert timer_job(session, case.id) is not None
    tasks.complete_task(session, case.open_tasks[0].id, user=starter)
    session.commit()
    assert timer_job(session, case.id) is None


def test_cycle_fires_once_after_downtime(session: Session, session_factory: sessionmaker[Any],
                                         fake_clock: FakeClock, starter: Actor) -> None:
    deploy_xml(session, "monthly", cycle_body("R/P1M"))
    case = cases.start_case(session, "monthly", user=starter)
    session.commit()
    first_due = timer_job(session, case.id).due_at  # type: ignore[union-attr]
    fake_clock.set(first_due + timedelta(seconds=1))
    work(session_factory, session)
    assert open_elements(session, case.id).count("report") == 1
    fake_clock.advance(timedelta(days=160))  # five months of downtime
    work(session_factory, session)
    assert open_elements(session, case.id).count("report") == 2  # once, not five times
    job = timer_job(session, case.id)
    assert job is not None and job.due_at > fake_clock.now()  # next occurrence on the schedule
    fake_clock.set(job.due_at + timedelta(seconds=1))
    work(session_factory, session)
    assert open_elements(session, case.id).count("report") == 3


def test_bounded_cycle_counts_missed_occurrences(session: Session, session_factory: sessionmaker[Any],
                                                 fake_clock: FakeClock, starter: Actor) -> None:
    deploy_xml(session, "thrice", cycle_body("R3/PT1H"))
    case = cases.start_case(session, "thrice", user=starter)
    session.commit()
    fake_clock.advance(timedelta(hours=1, seconds=1))
    work(session_factory, session)
    assert open_elements(session, case.id).count("report") == 1
    fake_clock.advance(timedelta(hours=10))
    work(session_factory, session)
    fake_clock.advance(timedelta(hours=10))
    work(session_factory, session)
    assert open_elements(session, case.id).count("report") == 2
    assert timer_job(session, case.id) is None


def test_suspended_case_keeps_its_timer_until_resumed(session: Session,
                                                      session_factory: sessionmaker[Any],
                                                      fake_clock: FakeClock, starter: Actor) -> None:
    deploy_xml(session, "observe", timer_body("<bpmn:timeDuration>PT1H</bpmn:timeDuration>"))
    case = cases.start_case(session, "observe", user=starter)
    case_status.suspend_case(session, case.id, user=OPERATOR, reason="audit")
    session.commit()
    assert timer_job(session, case.id).status == JobStatus.PARKED  # type: ignore[union-attr]
    fake_clock.advance(timedelta(hours=2))
    work(session_factory, session)
    assert open_elements(session, case.id) == []
    assert timer_job(session, case.id) is not None
    case_status.resume_case(session, case.id, user=OPERATOR, reason="test")
    session.commit()
    assert timer_job(session, case.id).status == JobStatus.READY  # type: ignore[union-attr]
    work(session_factory, session)
    assert open_elements(session, case.id) == ["after"]


def test_worker_parks_a_timer_of_a_case_suspended_after_projection(
        session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock,
        starter: Actor) -> None:
    deploy_xml(session, "observe", timer_body("<bpmn:timeDuration>PT1H</bpmn:timeDuration>"))
    case = cases.start_case(session, "observe", user=starter)
    session.commit()
    session.get(Case, case.id).status = "suspended"  # type: ignore[union-attr]  # behind the projection
    session.commit()
    fake_clock.advance(timedelta(hours=2))
    work(session_factory, session)
    assert timer_job(session, case.id).status == JobStatus.PARKED  # type: ignore[union-attr]


START_CYCLE = f"""
<bpmn:startEvent id="daily"><bpmn:timerEventDefinition><bpmn:timeCycle>R/P1D</bpmn:timeCycle>
</bpmn:timerEventDefinition></bpmn:startEvent>
{utask("check", "Daily check")}
<bpmn:endEvent id="end" />
{flow("daily", "check")}{flow("check", "end")}"""


def _cases_of(session: Session, pid: str) -> list[Case]:
    session.expire_all()
    return list(session.scalars(select(Case).where(Case.process_id == pid)).all())


def test_timer_start_event_starts_cases_of_the_latest_version(
        session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock) -> None:
    deploy_xml(session, "daily_check", START_CYCLE)
    work(session_factory, session)
    assert _cases_of(session, "daily_check") == []
    fake_clock.advance(timedelta(days=1, seconds=1))
    work(session_factory, session)
    [first] = _cases_of(session, "daily_check")
    assert open_elements(session, first.id) == ["check"]
    fake_clock.advance(timedelta(days=3))  # downtime: one more case, not three
    work(session_factory, session)
    assert len(_cases_of(session, "daily_check")) == 2
    deploy_xml(session, "daily_check", START_CYCLE.replace("Daily check", "Daily check v2"))
    fake_clock.advance(timedelta(days=2))
    work(session_factory, session)
    latest = max(_cases_of(session, "daily_check"), key=lambda c: c.id)
    assert latest.definition.version == 2


def test_timer_start_event_with_a_date_fires_once(session: Session, session_factory: sessionmaker[Any],
                                                  fake_clock: FakeClock) -> None:
    deploy_xml(session, "launch", START_CYCLE.replace(
        "<bpmn:timeCycle>R/P1D</bpmn:timeCycle>", "<bpmn:timeDate>2026-02-01T00:00:00Z</bpmn:timeDate>"))
    work(session_factory, session)
    fake_clock.set(datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC))
    work(session_factory, session)
    fake_clock.advance(timedelta(days=30))
    work(session_factory, session)
    assert len(_cases_of(session, "launch")) == 1
