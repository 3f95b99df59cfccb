"""Service tasks run by the worker as jobs: handlers, retries with backoff, incidents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.background import incidents
from engine.background.jobs import BACKOFF_BASE
from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.runtime import case_status, cases
from engine.runtime.context import Runtime
from engine.runtime.handlers import HandlerRegistry, load_handlers
from engine.store.models import Incident, Job, JobKind, JobStatus
from processes.registry import RegistryNotification
from tests.conftest import OPERATOR
from tests.engine import worker_handlers
from tests.engine.worker_handlers import deploy_xml, flow, utask


def service_body(handler: str, retries: int | None = None) -> str:
    retry = f' retries="{retries}"' if retries else ""
    return f"""
<bpmn:startEvent id="start" />
<bpmn:serviceTask id="svc" name="Call the registry"><bpmn:extensionElements>
  <zeebe:taskDefinition type="{handler}"{retry} /></bpmn:extensionElements></bpmn:serviceTask>
{utask("after")}
<bpmn:endEvent id="end" />
{flow("start", "svc")}{flow("svc", "after")}{flow("after", "end")}"""


@pytest.fixture
def registry(runtime: Runtime) -> Iterator[HandlerRegistry]:
    worker_handlers.reset()
    runtime.handlers.clear()
    runtime.handlers.update(worker_handlers.HANDLERS)
    yield runtime.handlers


@pytest.fixture
def starter(make_user: Callable[..., Actor]) -> Actor:
    return make_user("ana", "staff")


def work(session: Session, factory: sessionmaker[Any], registry: HandlerRegistry) -> None:
    session.commit()
    Worker(factory, worker_id="w1").run_once()
    session.expire_all()


def jobs_of(session: Session, case_id: int) -> list[Job]:
    session.expire_all()
    return list(session.scalars(select(Job).where(Job.case_id == case_id)).all())


def test_service_task_waits_for_the_worker_then_continues(
        session: Session, session_factory: sessionmaker[Any], registry: HandlerRegistry,
        starter: Actor, fake_clock: FakeClock) -> None:
    deploy_xml(session, "svc_echo", service_body("echo"))
    case = cases.start_case(session, "svc_echo", user=starter, data={"value": 42})
    session.commit()
    assert case.status == "running" and case.open_tasks == []
    [job] = jobs_of(session, case.id)
    assert (job.kind, job.handler, job.element_id, job.max_attempts) == (JobKind.SERVICE, "echo", "svc", 3)
    spiff_task_id = job.spiff_task_id
    work(session, session_factory, registry)
    view = cases.view_case(session, case.id)
    assert [t.element_id for t in view.open_tasks] == ["after"]
    assert view.data["echoed"] == 42 and view.data["attempt_seen"] == 1
    assert view.data["key_seen"] == f"{case.id}:{spiff_task_id}"
    assert jobs_of(session, case.id) == []
    assert sum(worker_handlers.CALLS.values()) == 1


def test_failed_attempt_is_retried_after_backoff(
        session: Session, session_factory: sessionmaker[Any], registry: HandlerRegistry,
        starter: Actor, fake_clock: FakeClock) -> None:
    deploy_xml(session, "svc_flaky", service_body("flaky"))
    case = cases.start_case(session, "svc_flaky", user=starter, data={"fail_times": 1})
    work(session, session_factory, registry)
    [job] = jobs_of(session, case.id)
    assert job.attempts == 1 and "registry unavailable" in (job.last_error or "")
    assert job.due_at == fake_clock.now() + BACKOFF_BASE and job.locked_by is None
    work(session, session_factory, registry)  # not due yet
    assert jobs_of(session, case.id)[0].attempts == 1
    fake_clock.advance(BACKOFF_BASE + timedelta(seconds=1))
    work(session, session_factory, registry)
    view = cases.view_case(session, case.id)
    assert view.data["flaky_ok"] == 2 and [t.element_id for t in view.open_tasks] == ["after"]


def test_attempts_run_out_into_an_incident_that_can_be_retried(
        session: Session, session_factory: sessionmaker[Any], registry: HandlerRegistry,
        starter: Actor, fake_clock: FakeClock) -> None:
    deploy_xml(session, "svc_retries", service_body("flaky", retries=2))
    case = cases.start_case(session, "svc_retries", user=starter, data={"fail_times": 9})
    for _ in range(3):
        work(session, session_factory, registry)
        fake_clock.advance(timedelta(minutes=15))
    [job] = jobs_of(session, case.id)
    assert job.status == JobStatus.FAILED and job.attempts == 2
    [incident] = incidents.list_incidents(session, case_id=case.id)
    assert (incident.kind, incident.element_id, incident.handler, incident.attempts) == (
        "job", "svc", "flaky", 2)
    assert "registry unavailable (attempt 2)" in incident.error
    incidents.retry_incident(session, incident.id, user=OPERATOR, reason="cause fixed",
                             data={"fail_times": 0})
    work(session, session_factory, registry)
    view = cases.view_case(session, case.id)
    assert view.data["flaky_ok"] == 1 and [t.element_id for t in view.open_tasks] == ["after"]
    assert incidents.list_incidents(session, case_id=case.id) == []
    resolved = session.get(Incident, incident.id)
    assert resolved is not None and resolved.resolved_by == "operator"


def test_unknown_handler_is_an_incident_naming_it(
        session: Session, session_factory: sessionmaker[Any], registry: HandlerRegistry,
        starter: Actor, fake_clock: FakeClock) -> None:
    deploy_xml(session, "svc_missing", service_body("no_such_handler"))
    case = cases.start_case(session, "svc_missing", user=starter)
    work(session, session_factory, registry)
    [incident] = incidents.list_incidents(session, case_id=case.id)
    assert incident.handler == "no_such_handler" and "no_such_handler" in incident.error
    assert incident.attempts == 1
    registry.register("no_such_handler", worker_handlers.echo)
    incidents.retry_incident(session, incident.id, user=OPERATOR, reason="test")
    work(session, session_factory, registry)
    assert cases.view_case(session, case.id).open_tasks[0].element_id == "after"


def test_service_job_of_a_suspended_case_waits(
        session: Session, session_factory: sessionmaker[Any], registry: HandlerRegistry,
        starter: Actor, fake_clock: FakeClock) -> None:
    deploy_xml(session, "svc_echo", service_body("echo"))
    case = cases.start_case(session, "svc_echo", user=starter, data={"value": 1})
    case_status.suspend_case(session, case.id, user=OPERATOR, reason="test")
    work(session, session_factory, registry)
    assert [j.status for j in jobs_of(session, case.id)] == [JobStatus.PARKED]
    assert sum(worker_handlers.CALLS.values()) == 0
    case_status.resume_case(session, case.id, user=OPERATOR, reason="test")
    work(session, session_factory, registry)
    assert cases.view_case(session, case.id).data["echoed"] == 1


def test_handlers_load_from_a_dotted_path(monkeypatch: pytest.MonkeyPatch) -> None:
    alliance = load_handlers("processes.handlers:HANDLERS")
    assert {"register_committee", "notify", "register_task_force"} <= set(alliance)
    reg = HandlerRegistry()
    monkeypatch.setenv("ALLIANCE_HANDLERS", "tests.engine.worker_handlers:HANDLERS")
    reg.load()
    assert reg.names() == sorted(worker_handlers.HANDLERS) and reg.loaded_from is not None


def test_alliance_handler_runs_through_the_worker(
        session: Session, session_factory: sessionmaker[Any], starter: Actor,
        fake_clock: FakeClock, runtime: Runtime) -> None:
    """A real Alliance handler (notify) writes one row keyed by the idempotency key."""
    reg = runtime.handlers
    reg.load("processes.handlers:HANDLERS")
    deploy_xml(session, "svc_notify", service_body("notify"))
    case = cases.start_case(session, "svc_notify", user=starter, data={"committee_name": "Tourism"})
    [job] = jobs_of(session, case.id)
    spiff_task_id = job.spiff_task_id
    work(session, session_factory, reg)
    rows = session.scalars(select(RegistryNotification)).all()
    assert len(rows) == 1 and rows[0].idempotency_key == f"{case.id}:{spiff_task_id}"
    assert cases.view_case(session, case.id).data["last_notification_id"] == rows[0].id
