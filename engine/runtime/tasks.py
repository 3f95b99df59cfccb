"""Human task use cases: inbox, claim, unclaim, assign, complete.

Who may act on a task: its assignee once it has one; before that, a member of
one of its candidate groups or a candidate user. Claims are conditional
updates on the task row; completion also goes through the case's version
check, so of many simultaneous completions exactly one wins.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock
from engine.access.users import Actor
from engine.access.users import actor as load_actor
from engine.errors import CaseNotActive, NotFound, PermissionDenied, TaskHeldByOther, TaskNotOpen
from engine.runtime.cases import advance, view_case
from engine.runtime.data import check_data
from engine.runtime.history import EventKind, record
from engine.runtime.persistence import open_case
from engine.runtime.views import CaseView, TaskView
from engine.store.models import Case, CaseStatus, HumanTask, TaskCandidate, TaskState


def _task(session: Session, task_id: int) -> HumanTask:
    row = session.get(HumanTask, task_id)
    if row is None:
        raise NotFound(f"unknown task {task_id}", task_id=task_id)
    return row


def is_candidate(row: HumanTask, user: Actor) -> bool:
    return user.in_any(set(row.candidate_groups)) or user.username in row.candidate_users


def may_act(row: HumanTask, user: Actor) -> bool:
    if row.assignee:
        return row.assignee == user.username
    return is_candidate(row, user)


def may_view(row: HumanTask, user: Actor) -> bool:
    return row.assignee == user.username or is_candidate(row, user)


def _require_open(row: HumanTask) -> None:
    if row.state != TaskState.OPEN:
        raise TaskNotOpen(f"task {row.id} ('{row.name}') is {row.state}; it can no longer be worked on",
                          task_id=row.id, state=row.state)


def _require_case_running(session: Session, row: HumanTask) -> None:
    status = session.scalar(select(Case.status).where(Case.id == row.case_id))
    if status != CaseStatus.RUNNING:
        raise CaseNotActive(f"case {row.case_id} is {status}; its tasks cannot be worked on now",
                            case_id=row.case_id, status=status)


def get_task(session: Session, task_id: int, *, user: Actor) -> TaskView:
    row = _task(session, task_id)
    if not may_view(row, user):
        raise PermissionDenied(f"task {task_id} is not yours or your groups'", task_id=task_id)
    return TaskView.of(row)


def claim_task(session: Session, task_id: int, *, user: Actor) -> TaskView:
    row = _task(session, task_id)
    if not (is_candidate(row, user) or row.assignee == user.username):
        raise PermissionDenied(f"you may not claim task {task_id}: it is for "
                               f"{', '.join(row.candidate_groups or row.candidate_users) or 'nobody'}",
                               task_id=task_id)
    _require_open(row)
    _require_case_running(session, row)
    if row.assignee == user.username:
        return TaskView.of(row)
    if row.assignee:
        raise TaskHeldByOther(f"task {task_id} is held by {row.assignee}", task_id=task_id,
                              assignee=row.assignee)
    _conditional_update(session, row, expect_assignee=None, assignee=user.username,
                        claimed_at=clock.now())
    record(session, row.case_id, EventKind.TASK_CLAIMED, user=user.username, task_id=row.id,
           element_id=row.element_id, element_name=row.name)
    return TaskView.of(row)


def unclaim_task(session: Session, task_id: int, *, user: Actor) -> TaskView:
    row = _task(session, task_id)
    if row.assignee != user.username:
        raise PermissionDenied(f"task {task_id} is not claimed by you", task_id=task_id)
    _require_open(row)
    _conditional_update(session, row, expect_assignee=user.username, assignee=None, claimed_at=None)
    record(session, row.case_id, EventKind.TASK_UNCLAIMED, user=user.username, task_id=row.id,
           element_id=row.element_id, element_name=row.name)
    return TaskView.of(row)


def assign_task(session: Session, task_id: int, *, user: Actor, assignee: str,
                reason: str | None = None) -> TaskView:
    """Give the task to `assignee`; the caller decides who may reassign (e.g. the Secretariat)."""
    row = _task(session, task_id)
    _require_open(row)
    load_actor(session, assignee)
    _conditional_update(session, row, expect_assignee=row.assignee, assignee=assignee,
                        claimed_at=clock.now())
    record(session, row.case_id, EventKind.TASK_ASSIGNED, user=user.username, task_id=row.id,
           element_id=row.element_id, element_name=row.name, reason=reason,
           data={"assignee": assignee})
    return TaskView.of(row)


def _conditional_update(session: Session, row: HumanTask, *, expect_assignee: str | None,
                        **values: Any) -> None:
    condition = (HumanTask.assignee.is_(None) if expect_assignee is None
                 else HumanTask.assignee == expect_assignee)
    result = session.execute(update(HumanTask)
                             .where(HumanTask.id == row.id, HumanTask.state == TaskState.OPEN,
                                    condition)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(row)
        raise TaskHeldByOther(f"task {row.id} changed meanwhile (claimed or completed by someone "
                              "else); reload it", task_id=row.id)
    session.expire(row)


def complete_task(session: Session, task_id: int, *, user: Actor, data: Any = None) -> CaseView:
    submitted = check_data(data)
    row = _task(session, task_id)
    if not may_view(row, user):
        raise PermissionDenied(f"you may not complete task {task_id}: it is for "
                               f"{', '.join(row.candidate_groups or row.candidate_users) or 'nobody'}",
                               task_id=task_id)
    _require_open(row)
    if row.assignee and row.assignee != user.username:
        raise TaskHeldByOther(f"task {task_id} is held by {row.assignee}", task_id=task_id,
                              assignee=row.assignee)
    opened = open_case(session, row.case_id)
    if opened.case.status != CaseStatus.RUNNING:
        raise CaseNotActive(f"case {row.case_id} is {opened.case.status}; its tasks cannot be worked "
                            "on now", case_id=row.case_id, status=opened.case.status)
    spiff_task = opened.workflow.get_task_from_id(UUID(row.spiff_task_id))
    if spiff_task is None or not spiff_task.has_state(SpiffState.READY):
        raise TaskNotOpen(f"task {task_id} is no longer waiting in case {row.case_id}",
                          task_id=task_id)
    now = clock.now()
    values = {"state": TaskState.COMPLETED, "completed_by": user.username, "completed_at": now,
              "assignee": user.username}
    result = session.execute(
        update(HumanTask).where(HumanTask.id == row.id, HumanTask.state == TaskState.OPEN,
                                or_(HumanTask.assignee.is_(None),
                                    HumanTask.assignee == user.username))
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise TaskNotOpen(f"task {task_id} was completed or taken by someone else meanwhile",
                          task_id=task_id)
    for key, value in values.items():
        set_committed_value(row, key, value)
    spiff_task.data.update(submitted)
    spiff_task.run()
    record(session, row.case_id, EventKind.TASK_COMPLETED, user=user.username, task_id=task_id,
           element_id=row.element_id, element_name=row.name, data=submitted)
    advance(session, opened, user=user.username)
    return view_case(session, row.case_id, opened)


def inbox(session: Session, user: Actor, *, tab: str = "assigned", process_id: str | None = None,
          limit: int = 50, offset: int = 0) -> list[TaskView]:
    """Open tasks: `assigned` to the user, or `claimable` by their groups (unassigned)."""
    query = select(HumanTask).where(HumanTask.state == TaskState.OPEN)
    if tab == "assigned":
        query = query.where(HumanTask.assignee == user.username)
    elif tab == "claimable":
        candidate = exists().where(
            TaskCandidate.task_id == HumanTask.id,
            or_(and_(TaskCandidate.kind == "group", TaskCandidate.name.in_(sorted(user.groups))),
                and_(TaskCandidate.kind == "user", TaskCandidate.name == user.username)))
        query = query.where(HumanTask.assignee.is_(None), candidate)
    else:
        raise ValueError(f"unknown inbox tab {tab!r}")
    if process_id:
        query = query.where(HumanTask.process_id == process_id)
    rows = session.scalars(query.order_by(HumanTask.created_at, HumanTask.id)
                           .limit(limit).offset(offset)).all()
    return [TaskView.of(r) for r in rows]


def open_task_ids(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.state == TaskState.OPEN)).all())


__all__ = [
    "assign_task",
    "claim_task",
    "complete_task",
    "get_task",
    "inbox",
    "may_act",
    "may_view",
    "open_case",
    "unclaim_task",
]
