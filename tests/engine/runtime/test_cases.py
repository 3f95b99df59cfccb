from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.bootstrap import build_runtime, session_factory
from engine.definitions import deployment as definitions
from engine.errors import (
    CaseNotActive,
    FormInvalid,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StepFailed,
    TaskNotOpen,
)
from engine.read.inbox import inbox_page
from engine.runtime import case_status, cases, tasks
from engine.runtime.history import case_history
from engine.store.models import Case
from tests.conftest import fixture_files


@pytest.fixture
def deployed(session: Session) -> None:
    definitions.deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    session.commit()


def test_start_case_projects_first_task_to_the_starter(session: Session, deployed: None,
                                                       make_user: Callable[..., Actor]) -> None:
    ana = make_user("ana", "requester")
    view = cases.start_case(session, "three_steps", user=ana, business_key="REQ-1",
                            data={"note": "hello"})
    session.commit()
    assert view.status == "running" and view.business_key == "REQ-1"
    assert view.data["note"] == "hello"
    [task] = view.open_tasks
    assert (task.element_id, task.assignee, task.form_id) == ("draft", "ana", "draft_form")
    assert task.personal and task.candidates == []  # the initiator's own draft: no group's
    assert [h.kind for h in case_history(session, view.id)] == ["case_started"]


def test_full_path_to_completion(session: Session, deployed: None, make_user: Callable[..., Actor],
                                 fake_clock: object) -> None:
    ana, rev = make_user("ana", "requester"), make_user("rev", "reviewers")
    case = cases.start_case(session, "three_steps", user=ana)
    session.commit()
    case = tasks.complete_task(session, case.open_tasks[0].id, user=ana,
                               data={"title": "Solar roofs", "amount": 21})
    session.commit()
    review = case.open_tasks[0]
    assert review.element_id == "review" and review.assignee is None
    assert review.due_at is not None and (review.due_at - review.created_at).days == 3
    assert [r.task_id for r in inbox_page(session, rev, tab="claimable").rows] == [review.id]
    assert inbox_page(session, ana, tab="claimable").rows == []
    tasks.claim_task(session, review.id, user=rev)
    session.commit()
    assert [r.task_id for r in inbox_page(session, rev, tab="assigned").rows] == [review.id]
    case = tasks.complete_task(session, review.id, user=rev, data={"decision": "approve"})
    approve = case.open_tasks[0]
    case = tasks.complete_task(session, approve.id, user=rev)
    session.commit()
    assert case.status == "completed" and case.ended_at is not None
    assert case.data["total"] == 42
    assert case.data["summary"] == "11 characters in the title"
    kinds = [h.kind for h in case_history(session, case.id)]
    assert kinds == ["case_started", "task_completed", "task_claimed", "task_completed",
                     "task_completed", "case_completed"]
    completed = [h for h in case_history(session, case.id) if h.kind == "task_completed"]
    assert completed[0].user == "ana" and completed[0].data == {"title": "Solar roofs", "amount": 21}


def test_rejection_path(session: Session, deployed: None, make_user: Callable[..., Actor]) -> None:
    ana, rev = make_user("ana", "requester"), make_user("rev", "reviewers")
    case = cases.start_case(session, "three_steps", user=ana)
    case = tasks.complete_task(session, case.open_tasks[0].id, user=ana, data={"title": "x", "amount": 1})
    case = tasks.complete_task(session, case.open_tasks[0].id, user=rev, data={"decision": "no"})
    assert case.status == "completed" and case.open_tasks == []


def test_case_survives_a_new_process(db_engine: Engine, session: Session, deployed: None,
                                     make_user: Callable[..., Actor]) -> None:
    """State is in the database: a new runtime (empty caches) continues the case."""
    ana = make_user("ana", "requester")
    case = cases.start_case(session, "three_steps", user=ana)
    session.commit()
    with session_factory(db_engine, build_runtime())() as other:
        view = cases.view_case(other, case.id)
        assert view.open_tasks[0].element_id == "draft"
        tasks.complete_task(other, view.open_tasks[0].id, user=ana, data={"title": "t", "amount": 2})
        other.commit()
    assert cases.view_case(session, case.id).open_tasks[0].element_id == "review"


def test_suspend_blocks_tasks_and_resume_restores(session: Session, deployed: None,
                                                  make_user: Callable[..., Actor]) -> None:
    ana, sec = make_user("ana", "requester"), make_user("sec", "secretariat")
    case = cases.start_case(session, "three_steps", user=ana)
    case_status.suspend_case(session, case.id, user=sec, reason="waiting for budget")
    session.commit()
    with pytest.raises(CaseNotActive, match="suspended"):
        tasks.complete_task(session, case.open_tasks[0].id, user=ana, data={"title": "x", "amount": 1})
    session.rollback()
    assert cases.view_case(session, case.id).open_tasks[0].element_id == "draft"
    with pytest.raises(CaseNotActive):
        case_status.suspend_case(session, case.id, user=sec, reason="test")
    session.rollback()
    case_status.resume_case(session, case.id, user=sec, reason="test")
    view = tasks.complete_task(session, case.open_tasks[0].id, user=ana, data={"title": "x", "amount": 1})
    assert view.open_tasks[0].element_id == "review"
    kinds = [h.kind for h in case_history(session, case.id)]
    assert kinds[:3] == ["case_started", "case_suspended", "case_resumed"]


def test_cancel_is_for_staff_needs_reason_and_closes_tasks(session: Session, deployed: None,
                                                           make_user: Callable[..., Actor]) -> None:
    ana, sec = make_user("ana", "requester"), make_user("sec", "secretariat")
    case = cases.start_case(session, "three_steps", user=ana)
    with pytest.raises(PermissionDenied, match="Secretariat"):
        case_status.cancel_case(session, case.id, user=ana, reason="mine")
    with pytest.raises(InvalidInput, match="reason"):
        case_status.cancel_case(session, case.id, user=sec, reason=" ")
    view = case_status.cancel_case(session, case.id, user=sec, reason="duplicate request")
    session.commit()
    assert view.status == "cancelled" and view.status_reason == "duplicate request"
    assert view.open_tasks == []
    with pytest.raises(TaskNotOpen):
        tasks.complete_task(session, case.open_tasks[0].id, user=ana, data={})


def test_bad_input_is_refused_and_case_unchanged(session: Session, deployed: None,
                                                 make_user: Callable[..., Actor]) -> None:
    ana, eve = make_user("ana", "requester"), make_user("eve", "outsiders")
    case = cases.start_case(session, "three_steps", user=ana)
    session.commit()
    before = cases.view_case(session, case.id)
    task_id = case.open_tasks[0].id
    for bad in ("{oops", [1, 2], {"__class__": 1}, {"title": "t", "amount": 1, "extra": 2}):
        with pytest.raises(FormInvalid, match="not accepted"):  # the task's form decides
            tasks.complete_task(session, task_id, user=ana, data=bad)
    with pytest.raises(PermissionDenied):
        tasks.complete_task(session, task_id, user=eve, data={})
    with pytest.raises(NotFound, match="unknown task 999"):
        tasks.complete_task(session, 999, user=ana, data={})
    with pytest.raises(NotFound, match="unknown case 999"):
        cases.view_case(session, 999)
    with pytest.raises(NotFound, match="unknown process"):
        cases.start_case(session, "nope", user=ana)
    session.rollback()
    after = cases.view_case(session, case.id)
    assert (after.version, after.open_tasks, after.data) == (before.version, before.open_tasks, before.data)


def test_script_error_refuses_a_users_start(session: Session, make_user: Callable[..., Actor]) -> None:
    definitions.deploy(session, fixture_files("script_loop.bpmn"))
    session.commit()
    with pytest.raises(StepFailed, match="limit") as refused:
        cases.start_case(session, "script_loop", user=make_user("ana"))  # `limit` is undefined
    assert refused.value.failure.element_id in {"f_done", "more"}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_script_error_fails_a_case_the_engine_started(session: Session) -> None:
    definitions.deploy(session, fixture_files("script_loop.bpmn"))
    view = cases.start_case(session, "script_loop", user=None)  # `limit` is undefined
    session.commit()
    assert view.status == "failed"
    assert view.failed_element_id == "f_done" or view.failed_element_id == "more"
    assert "limit" in (view.status_reason or "")
    assert [h.kind for h in case_history(session, view.id)] == ["case_started", "case_failed"]
