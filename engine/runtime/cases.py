"""Case use cases: start, read, cancel, suspend, resume.

Each takes a session and plain values, returns plain values and never
commits: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.users import Actor
from engine.definitions.deployment import find_definition, load_definition
from engine.errors import CaseNotActive, InvalidInput, NotFound, StepFailure
from engine.runtime.context import OpenCase, runtime_of
from engine.runtime.data import case_data, check_data
from engine.runtime.history import EventKind, record
from engine.runtime.persistence import new_workflow, open_case, peek_case, save_case
from engine.runtime.serialization import SERIALIZER_VERSION, dump_state
from engine.runtime.steps import run_steps
from engine.runtime.views import CaseView, TaskView
from engine.store.models import Case, CaseStatus, HumanTask, TaskState


def start_case(session: Session, process_id: str, *, user: Actor | None,
               business_key: str | None = None, data: Any = None, version: int | None = None,
               title: str | None = None,
               prepare: Callable[[Any], None] | None = None,
               parent_case_id: int | None = None) -> CaseView:
    """Start a case; `prepare(workflow)` runs before the first engine steps (the worker uses
    it to deliver a start message or fire a start timer)."""
    initial = check_data(data)
    definition_row = find_definition(session, process_id, version)
    definition = load_definition(session, definition_row)
    workflow = new_workflow(session, definition)
    workflow.task_tree.data.update(initial)
    for task in workflow.get_tasks(state=SpiffState.READY):
        task.data.update(initial)
    now = clock.now()
    username = user.username if user else None
    case = Case(definition_id=definition_row.id, process_id=process_id, business_key=business_key,
                title=title or _title_from(initial), status=CaseStatus.RUNNING,
                state=dump_state(workflow).encode(), serializer_version=SERIALIZER_VERSION,
                version=1, started_by=username, started_at=now, updated_at=now,
                parent_case_id=parent_case_id)
    session.add(case)
    session.flush()
    record(session, case.id, EventKind.CASE_STARTED, user=username,
           data={"business_key": business_key, "version": definition_row.version, **initial})
    opened = OpenCase(case, definition, workflow, case.version)
    if prepare is not None:
        prepare(workflow)
    advance(session, opened)
    return view_case(session, case.id, opened)


def _title_from(data: dict[str, Any]) -> str | None:
    """A human title from the case data (e.g. the committee's name), when it has one."""
    for key in ("case_title", "title", "name", "committee_name", "applicant_name"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:500]
    return None


def advance(session: Session, opened: OpenCase, *, user: str | None = None) -> StepFailure | None:
    """Run engine steps, save, and record completion or failure in history."""
    was = opened.case.status
    failure = run_steps(opened, runtime_of(session).max_steps)
    title = _title_from(case_data(opened))
    if title and title != opened.case.title:
        opened.case.title = title
    save_case(session, opened, failure=failure)
    case = opened.case
    if failure is not None:
        record(session, case.id, EventKind.CASE_FAILED, user=user, element_id=failure.element_id,
               reason=failure.message, data={"line": failure.line} if failure.line else None)
    elif case.status == CaseStatus.COMPLETED and was != CaseStatus.COMPLETED:
        record(session, case.id, EventKind.CASE_COMPLETED, user=user)
    return failure


def get_case(session: Session, case_id: int) -> CaseView:
    return view_case(session, case_id)


def view_case(session: Session, case_id: int, opened: OpenCase | None = None) -> CaseView:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"unknown case {case_id}", case_id=case_id)
    if opened is not None:
        data = case_data(opened)
    else:
        with peek_case(session, case_id) as peeked:
            data = case_data(peeked)
    tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case_id,
                                                    HumanTask.state == TaskState.OPEN)
                            .order_by(HumanTask.id)).all()
    return CaseView.of(case, data, [TaskView.of(t) for t in tasks])


def list_cases(session: Session, *, process_id: str | None = None, status: str | None = None,
               started_by: str | None = None, limit: int = 100, offset: int = 0
               ) -> tuple[list[CaseView], int]:
    query = select(Case)
    if process_id:
        query = query.where(Case.process_id == process_id)
    if status:
        query = query.where(Case.status == status)
    if started_by:
        query = query.where(Case.started_by == started_by)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Case.id.desc()).limit(limit).offset(offset)).all()
    return [CaseView.of(c) for c in rows], total


def _change_status(session: Session, case_id: int, user: Actor | None, *, allowed: set[str],
                   to: CaseStatus, kind: EventKind, reason: str | None) -> CaseView:
    opened = open_case(session, case_id)
    case = opened.case
    if case.status not in allowed:
        raise CaseNotActive(f"case {case_id} is {case.status}; cannot {kind.split('_')[1][:-2]}",
                            case_id=case_id, status=case.status)
    case.status = to
    if to == CaseStatus.CANCELLED:
        opened.workflow.cancel()
        case.ended_at = clock.now()
        case.status_reason = reason
    elif to == CaseStatus.SUSPENDED:
        case.status_reason = reason
    else:
        case.status_reason = None
    save_case(session, opened)
    record(session, case_id, kind, user=user.username if user else None, reason=reason)
    return view_case(session, case_id, opened)


def cancel_case(session: Session, case_id: int, *, user: Actor | None, reason: str) -> CaseView:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required to cancel a case", field="reason")
    return _change_status(session, case_id, user, allowed={"running", "suspended", "failed"},
                          to=CaseStatus.CANCELLED, kind=EventKind.CASE_CANCELLED, reason=reason)


def suspend_case(session: Session, case_id: int, *, user: Actor | None,
                 reason: str | None = None) -> CaseView:
    return _change_status(session, case_id, user, allowed={"running"}, to=CaseStatus.SUSPENDED,
                          kind=EventKind.CASE_SUSPENDED, reason=reason)


def resume_case(session: Session, case_id: int, *, user: Actor | None,
                reason: str | None = None) -> CaseView:
    return _change_status(session, case_id, user, allowed={"suspended"}, to=CaseStatus.RUNNING,
                          kind=EventKind.CASE_RESUMED, reason=reason)
