"""Case use cases: start, advance, read (status changes: engine.runtime.case_status).

Each takes a session and plain values, returns plain values and never
commits: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import Insert, insert, select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.policy import require_case_view
from engine.access.start_rights import require_start
from engine.access.users import Actor
from engine.definitions.deployment import find_definition, load_definition
from engine.documents.attach import attach_documents
from engine.errors import InvalidInput, NotFound, StepFailed, StepFailure
from engine.i18n import N_, msg
from engine.notify import triggers as tell
from engine.runtime.assignment import AssignmentFailed
from engine.runtime.context import OpenCase, runtime_of
from engine.runtime.data import case_data, check_data
from engine.runtime.history import EventKind, record
from engine.runtime.lookups import run_steps_and_lookups
from engine.runtime.outcome import settle_outcome
from engine.runtime.participants import add_user
from engine.runtime.persistence import new_workflow, peek_case, save_case
from engine.runtime.projections import task_id_ahead
from engine.runtime.serialization import SERIALIZER_VERSION, dump_state
from engine.runtime.submissions import accepted
from engine.runtime.views import CaseView, TaskView
from engine.store.direct import run_direct, sends_later
from engine.store.models import Case, CaseStatus, HumanTask, TaskState
from engine.store.sql import as_loaded

MAX_BUSINESS_KEY = 255


def start_case(session: Session, process_id: str, *, user: Actor | None,
               business_key: str | None = None, data: Any = None, version: int | None = None,
               title: str | None = None,
               prepare: Callable[[Any], None] | None = None,
               parent_case_id: int | None = None) -> CaseView:
    """Start a case of the latest runnable version (or `version`).

    With a `user`, the start is theirs: the start rights apply (engine.access.start_rights),
    and a step that fails refuses the start (`StepFailed`, nothing saved). Without one, the
    engine starts it (a message or a timer): a failing step fails the case into an incident.
    `prepare(workflow)` runs before the first engine steps (the worker uses it to deliver a
    start message or fire a start timer).
    """
    if business_key is not None and (len(business_key) > MAX_BUSINESS_KEY
                                     or not business_key.isprintable()):
        raise InvalidInput(msg(N_("a business key is at most %(n)s printable characters"),
                               n=MAX_BUSINESS_KEY),
                           field="business_key")
    attached: list[Any] = []
    if user is not None:
        start = require_start(session, user, process_id)
        initial = accepted(start.form, data, what=msg(N_("the start form")))
        initial, attached = attach_documents(session, initial, case=None, process_id=process_id,
                                             user=user)
    else:
        initial = check_data(data)
    started_by_hand = user is not None and version is None
    definition_row = (start.definition if started_by_hand else
                      find_definition(session, process_id, version, runnable=version is None))
    assert definition_row is not None
    definition = load_definition(session, definition_row)
    workflow = new_workflow(session, definition)
    workflow.task_tree.data.update(initial)
    for task in workflow.get_tasks(state=SpiffState.READY):
        task.data.update(initial)
    now = clock.now()
    username = user.username if user else None
    case, task_ids = _insert_case(session, {
        "definition_id": definition_row.id, "process_id": process_id, "business_key": business_key,
        "title": title or _title_from(initial), "status": CaseStatus.RUNNING,
        "state": dump_state(workflow).encode(), "serializer_version": SERIALIZER_VERSION,
        "version": 1, "started_by": username, "started_at": now, "updated_at": now,
        "ended_at": None, "status_reason": None, "failed_element_id": None,
        "parent_case_id": parent_case_id, "outcome": None, "background": False})
    for document in attached:  # the start form's uploads now belong to the case
        document.case_id = case.id
    add_user(session, case.id, username)
    record(session, case.id, EventKind.CASE_STARTED, user=username,
           data={"business_key": business_key, "version": definition_row.version, **initial},
           as_operator=bool(user and user.operator))
    opened = OpenCase(case, definition, workflow, case.version, is_new=True, locked=True,
                      task_ids=task_ids)
    if prepare is not None:
        prepare(workflow)
    advance(session, opened, user=username, atomic=user is not None)
    return view_case(session, case.id, opened)


@cache
def _case_insert(*, take_task_id: bool) -> Insert:
    """`take_task_id` (PostgreSQL): an id from the human tasks' sequence comes back with the
    case's, for the first task the start opens (OpenCase.task_ids)."""
    table = Case.__table__
    taken = [task_id_ahead()] if take_task_id else []
    return insert(table).returning(table.c.id, *taken)  # type: ignore[arg-type]


def _insert_case(session: Session, values: dict[str, Any]) -> tuple[Case, list[int]]:
    """Insert the case with a statement built once; its row goes into the session as if loaded.
    With it, the ids taken ahead for the tasks its start opens."""
    take = sends_later(session)
    row = run_direct(session, _case_insert(take_task_id=take), values).one()
    return as_loaded(session, Case, {"id": row[0], **values}), [row[1]] if take else []


def _title_from(data: dict[str, Any]) -> str | None:
    """A human title from the case data (e.g. the committee's name), when it has one."""
    for key in ("case_title", "title", "name", "committee_name", "applicant_name"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:500]
    return None


def advance(session: Session, opened: OpenCase, *, user: str | None = None,
            atomic: bool = False) -> StepFailure | None:
    """Run engine steps, save, and record completion or failure in history.

    `atomic` (a user's own step): a failure raises `StepFailed` before anything is saved, so
    the caller's rollback leaves the case as it was. Otherwise the case is saved as failed
    and the failure returned (the projection opens an incident).
    """
    was = opened.case.status
    opened.actor = user
    failure = run_steps_and_lookups(session, opened, runtime_of(session).max_steps)
    if failure is not None and atomic:
        raise StepFailed(failure, opened.case.id)
    title = _title_from(case_data(opened))
    if failure is None:
        settle_outcome(opened)
    try:  # a new title goes into the state's own UPDATE
        save_case(session, opened, failure=failure,
                  title=title if title and title != opened.case.title else None)
    except AssignmentFailed as exc:
        if atomic:
            raise StepFailed(StepFailure(exc.context.get("element_id"), exc.message),
                             opened.case.id) from None
        raise
    case = opened.case
    if failure is not None:
        record(session, case.id, EventKind.CASE_FAILED, user=user, element_id=failure.element_id,
               reason=failure.message, data={"line": failure.line} if failure.line else None)
        tell.case_incident(session, case, key=f"step:{case.id}:{case.version}",
                           element_id=failure.element_id, error=failure.message)
    elif case.status == CaseStatus.COMPLETED and was != CaseStatus.COMPLETED:
        record(session, case.id, EventKind.CASE_COMPLETED, user=user)
        tell.case_finished(session, case, actor=user, process_name=opened.definition.info.name)
    return failure


def get_case(session: Session, case_id: int, *, user: Actor) -> CaseView:
    """The case, if the user may see it (engine.access.policy)."""
    require_case_view(session, user, case_id)
    return view_case(session, case_id)


def view_case(session: Session, case_id: int, opened: OpenCase | None = None) -> CaseView:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(msg(N_("unknown case %(case)s"), case=case_id), case_id=case_id)
    if opened is not None:
        data = case_data(opened)
    else:
        with peek_case(session, case_id) as peeked:
            data = case_data(peeked)
    if opened is not None and opened.open_tasks is not None:  # what the save just projected
        tasks = opened.open_tasks
    else:
        tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case_id,
                                                             HumanTask.state == TaskState.OPEN)
                                     .order_by(HumanTask.id)).all())
    return CaseView.of(case, data, [TaskView.of(t) for t in tasks],
                       definition_version=opened.definition.version if opened else None)
