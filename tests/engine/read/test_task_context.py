"""The task page's data: task, case, form, diagram and history; only for the task's people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.definitions.deployment import deploy, files_from_paths
from engine.errors import NotFound, PermissionDenied
from engine.read.task_context import task_context
from engine.runtime.cases import start_case
from engine.runtime.tasks import complete_task

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


@pytest.fixture
def draft(session: Session, make_user: Callable[..., Actor]) -> tuple[int, Actor]:
    deploy(session, files_from_paths([PROCESSES]))
    city = make_user("quanzhou", "proposing_entity")
    case = start_case(session, "committee_establishment", user=city, business_key="TOR-1")
    session.commit()
    return case.open_tasks[0].id, city


def test_context_of_an_open_task(session: Session, draft: tuple[int, Actor]) -> None:
    task_id, city = draft
    ctx = task_context(session, task_id, city)
    assert ctx.task.element_id == "draft_tor" and ctx.is_open and ctx.may_act
    assert ctx.form is not None and ctx.form["id"] == "tor_draft"
    assert 'id="draft_tor"' in ctx.bpmn_xml
    assert ctx.case.business_key == "TOR-1"
    # The preparatory committees were listed in the starting step (a lookup).
    assert [h.kind for h in ctx.history] == ["case_started", "service_completed"]
    assert set(ctx.people) == {"quanzhou"}  # whoever the history names, by display name
    assert ctx.process_name == "Committee establishment"


def test_others_may_not_see_it(session: Session, draft: tuple[int, Actor],
                               make_user: Callable[..., Actor]) -> None:
    task_id, _city = draft
    with pytest.raises(PermissionDenied):
        task_context(session, task_id, make_user("another_city", "proposing_entity"))
    assert task_context(session, task_id, make_user("sec", "secretariat")).may_act is False
    with pytest.raises(NotFound):
        task_context(session, 999_999, make_user("x"))


def test_completed_task_is_read_only(session: Session, draft: tuple[int, Actor],
                                     make_user: Callable[..., Actor]) -> None:
    task_id, city = draft
    make_user("iran_chamber", "partner_institutions")
    complete_task(session, task_id, user=city, data={
        "establishment_kind": "new", "committee_name": "Maritime Heritage Tourism", "sector": "tourism",
        "objectives": "x" * 30, "scope": "s",
        "membership": "m", "resource_mobilization_plan": "r", "partner_institutions": ["iran_chamber"]})
    session.commit()
    ctx = task_context(session, task_id, city)
    assert not ctx.is_open and not ctx.may_act and not ctx.may_claim
    assert ctx.task.completed_by == "quanzhou"
    assert [h.kind for h in ctx.history][-1] == "task_completed"
