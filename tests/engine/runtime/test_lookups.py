"""Lookups (engine.runtime.lookups): read-only handlers run inside the step that reaches them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.errors import StepFailed
from engine.runtime import cases
from engine.runtime.context import Runtime
from engine.runtime.handlers import ServiceCall, guarded, lookup
from engine.store.models import Case, HistoryEvent, Job
from tests.engine.background.test_service_jobs import service_body
from tests.engine.worker_handlers import deploy_xml

CALLS: list[ServiceCall] = []


@lookup
def committees(session: Session, call: ServiceCall) -> dict[str, Any]:
    CALLS.append(call)
    return {"committees": ["Tourism", "Financial Markets"]}


@lookup
def broken(session: Session, call: ServiceCall) -> dict[str, Any]:
    raise KeyError("sector")


@lookup
@guarded("somewhere_else")
def writes_the_registry(session: Session, call: ServiceCall) -> dict[str, Any]:
    raise AssertionError("a guarded handler never runs in the step")


@pytest.fixture
def starter(make_user: Callable[..., Actor], runtime: Runtime) -> Actor:
    CALLS.clear()
    runtime.handlers.clear()
    runtime.handlers.update({"committees": committees, "broken": broken,
                             "writes_the_registry": writes_the_registry})
    return make_user("ana", "staff")


def test_a_lookup_runs_in_the_start_and_the_next_task_is_open_at_once(
        session: Session, starter: Actor) -> None:
    deploy_xml(session, "pick", service_body("committees"))
    case = cases.start_case(session, "pick", user=starter, data={"city": "Quanzhou"})
    session.commit()
    view = cases.view_case(session, case.id)
    assert [t.element_id for t in view.open_tasks] == ["after"]
    assert view.data["committees"] == ["Tourism", "Financial Markets"]
    [call] = CALLS
    assert (call.element_id, call.handler, call.data["city"], call.process_id) == (
        "svc", "committees", "Quanzhou", "pick")
    assert session.scalar(select(func.count()).select_from(Job).where(Job.case_id == case.id)) == 0
    kinds = session.scalars(select(HistoryEvent.kind).where(HistoryEvent.case_id == case.id)
                            .order_by(HistoryEvent.id)).all()
    assert "service_completed" in kinds


def test_a_failing_lookup_refuses_the_start_by_element_and_keeps_nothing(
        session: Session, starter: Actor) -> None:
    deploy_xml(session, "pick_broken", service_body("broken"))
    before = session.scalar(select(func.count()).select_from(Case))
    with pytest.raises(StepFailed) as refused:
        cases.start_case(session, "pick_broken", user=starter)
    session.rollback()
    assert refused.value.failure.element_id == "svc"
    assert "handler 'broken' failed: KeyError" in refused.value.failure.message
    assert session.scalar(select(func.count()).select_from(Case)) == before


def test_a_guarded_handler_is_never_a_lookup_it_waits_for_the_worker(
        session: Session, starter: Actor) -> None:
    deploy_xml(session, "somewhere_else", service_body("writes_the_registry"))
    case = cases.start_case(session, "somewhere_else", user=starter)
    session.commit()
    assert cases.view_case(session, case.id).open_tasks == []
    [job] = session.scalars(select(Job).where(Job.case_id == case.id)).all()
    assert (job.kind, job.handler) == ("service", "writes_the_registry")
