"""SpiffWorkflow's own timer, message and event models, run with the behaviour their upstream
tests state (see the corpus SOURCE.txt), time driven by the fake clock and messages sent
through the engine's message API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.background import messages
from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.definitions import deployment as definitions
from engine.runtime import cases
from engine.runtime.cases import advance
from engine.runtime.persistence import open_case
from engine.store.models import MessageSubscription
from tests.conftest import CORPUS, OPERATOR

SPIFF = CORPUS / "executable" / "spiffworkflow"


def deploy(session: Session, name: str) -> str:
    [deployed] = definitions.deploy(session, definitions.files_from_paths([SPIFF / name]))
    session.commit()
    return deployed.process_id


def work(session: Session, factory: sessionmaker[Any]) -> None:
    session.commit()
    Worker(factory, worker_id="corpus").run_once()
    session.expire_all()


def ready(session: Session, case_id: int) -> list[str]:
    """Element ids of the case's READY manual tasks (user and manual tasks)."""
    opened = open_case(session, case_id)
    names = [t.task_spec.bpmn_id for t in opened.workflow.get_tasks(state=SpiffState.READY)
             if t.task_spec.manual]
    session.commit()
    return sorted(names)


def complete(session: Session, case_id: int, element_id: str, **data: Any) -> None:
    """Complete a READY manual task at the engine level (corpus tasks name no candidates)."""
    opened = open_case(session, case_id)
    [task] = [t for t in opened.workflow.get_tasks(state=SpiffState.READY)
              if t.task_spec.bpmn_id == element_id]
    task.data.update(data)
    task.run()
    advance(session, opened)
    session.commit()


def status(session: Session, case_id: int) -> str:
    session.expire_all()
    value = cases.view_case(session, case_id).status
    session.commit()
    return str(value)


@pytest.fixture(autouse=True)
def _corpus() -> None:
    if not SPIFF.exists():
        pytest.skip(f"corpus not found at {SPIFF}")


def test_timer_duration(session: Session, session_factory: Any, fake_clock: FakeClock) -> None:
    """TimerDurationTest: an intermediate timer (PT0.25S) holds the case, then it completes."""
    case = cases.start_case(session, deploy(session, "timer.bpmn"), user=None).id
    work(session, session_factory)
    assert status(session, case) == "running"
    fake_clock.advance(timedelta(milliseconds=300))
    work(session, session_factory)
    assert status(session, case) == "completed"


def test_timer_date(session: Session, session_factory: Any, fake_clock: FakeClock) -> None:
    """TimerDateTest: a script computes `futuredate` (now + 0.05 s); the timeDate waits for it."""
    fake_clock.set(datetime.now(UTC).replace(microsecond=0))  # the script reads datetime.now()
    case = cases.start_case(session, deploy(session, "timer-date-start.bpmn"), user=None).id
    session.commit()
    if status(session, case) == "failed":
        pytest.skip(f"the sandbox refuses the script: {cases.view_case(session, case).status_reason}")
    fake_clock.advance(timedelta(days=1))
    work(session, session_factory)
    assert status(session, case) == "completed"


def test_timer_cycle_fires_twice_on_the_boundary(session: Session, session_factory: Any,
                                                 fake_clock: FakeClock) -> None:
    """TimerCycleTest: a non-interrupting R2/PT0.1S boundary on a manual task fires twice.

    Upstream injects `custom_function` into the script environment; the engine's sandbox
    cannot, so each firing's script fails the case (a clear, retryable step incident)."""
    case = cases.start_case(session, deploy(session, "timer-cycle.bpmn"), user=None).id
    session.commit()
    assert ready(session, case) == ["Get_Coffee"]
    fake_clock.advance(timedelta(milliseconds=150))
    work(session, session_factory)
    view = cases.view_case(session, case)
    assert view.status == "failed" and view.failed_element_id == "Refill_Coffee"
    assert "custom_function" in (view.status_reason or "")


def test_timer_on_user_task_non_interrupting(session: Session, session_factory: Any,
                                             fake_clock: FakeClock) -> None:
    """TimerDurationBoundaryOnTaskTest: the boundary sets timer_called; the task stays open."""
    case = cases.start_case(session, deploy(session, "boundary_timer_on_task.bpmn"), user=None).id
    session.commit()
    assert ready(session, case) == ["user_task"]
    fake_clock.advance(timedelta(milliseconds=5))
    work(session, session_factory)
    assert ready(session, case) == ["user_task"]
    complete(session, case, "user_task")
    assert status(session, case) == "completed"
    opened = open_case(session, case)
    [boundary_branch] = [t for t in opened.workflow.get_tasks(state=SpiffState.COMPLETED)
                         if t.task_spec.bpmn_id == "set_variable"]
    assert boundary_branch.data["timer_called"] is True


def test_non_interrupting_timer_on_a_subprocess(session: Session, session_factory: Any,
                                                fake_clock: FakeClock) -> None:
    """NITimerDurationBoundaryTest: after PT0.2S the reason task appears beside the work."""
    case = cases.start_case(session, deploy(session, "timer-non-interrupt-boundary.bpmn"), user=None).id
    session.commit()
    assert ready(session, case) == ["Activity_Work"]
    fake_clock.advance(timedelta(milliseconds=250))
    work(session, session_factory)
    assert ready(session, case) == ["Activity_Work", "GetReason"]
    complete(session, case, "GetReason", delay_reason="Just Because")
    complete(session, case, "Activity_Work", work_done="Yes")
    assert status(session, case) == "completed"
    assert cases.view_case(session, case).data["delay_reason"] == "Just Because"


@pytest.mark.parametrize(("message", "end"), [("message_1", "message_1_end"),
                                              ("message_2", "message_2_end"), (None, "timer")])
def test_event_based_gateway(session: Session, session_factory: Any, fake_clock: FakeClock,
                             message: str | None, end: str) -> None:
    """EventBasedGatewayTest: the first of two messages or the PT1S timer wins; the others
    are cancelled (their subscriptions and timer job disappear)."""
    case = cases.start_case(session, deploy(session, "event-gateway.bpmn"), user=None).id
    session.commit()
    names = sorted(session.scalars(select(MessageSubscription.message_name)).all())
    assert names == ["message_1", "message_2"]
    if message:
        messages.send_message(session, message, user=OPERATOR)
    else:
        fake_clock.advance(timedelta(seconds=2))
    work(session, session_factory)
    assert status(session, case) == "completed"
    opened = open_case(session, case)
    done = {t.task_spec.bpmn_id for t in opened.workflow.get_tasks(state=SpiffState.COMPLETED)}
    assert end in done and not ({"message_1_end", "message_2_end", "timer"} - {end}) & done
    assert session.scalars(select(MessageSubscription)).all() == []


def test_signal_starts_an_event_subprocess(session: Session, fake_clock: FakeClock) -> None:
    """EventSubprocessTest: a thrown signal starts the event subprocess, whose task must be
    completed before the case completes."""
    case = cases.start_case(session, deploy(session, "event-subprocess.bpmn"), user=None).id
    session.commit()
    assert ready(session, case) == ["set_data"]
    complete(session, case, "set_data")
    assert ready(session, case) == ["task"]  # inside the event subprocess
    complete(session, case, "task")
    assert status(session, case) == "completed"
    opened = open_case(session, case)
    done = {t.task_spec.bpmn_id for t in opened.workflow.get_tasks(state=SpiffState.COMPLETED)}
    assert {"Event_1o52hta", "Event_0rfrdxr", "task", "Event_17xen75"} <= done


def test_non_interrupting_message_boundary(session: Session, fake_clock: FakeClock) -> None:
    """MessageNonInterruptTest: a message on the long task adds the acknowledge task."""
    case = cases.start_case(session, deploy(session, "Message-Non-Interrupt.bpmn20.xml"), user=None).id
    session.commit()
    long_task = "sid-6FBBB56D-00CD-4C2B-9345-486986BB4992"
    acknowledge = "sid-D3365C47-2FAE-4D17-98F4-E68B345E18CE"
    assert ready(session, case) == [long_task]
    [name] = session.scalars(select(MessageSubscription.message_name)).all()
    messages.send_message(session, name, user=OPERATOR)
    session.commit()
    assert ready(session, case) == sorted([long_task, acknowledge])
    complete(session, case, acknowledge)
    complete(session, case, long_task)
    assert status(session, case) == "completed"
