"""Human task use cases: read, claim, give back, assign, complete.

Who may do what is engine.access.policy's; these functions ask it and do the rest.
Claims are conditional updates on the task row; completion also goes through the
case's version check, so of many simultaneous completions exactly one wins. On PostgreSQL
a completion locks its case and task as it reads them (`task_with_case`): a simultaneous
change of the case waits for it instead of failing, and its checks go with its commit. A
completion and the engine steps it triggers commit together or not at all: a step that
fails refuses the submission (`StepFailed`) and the caller rolls back.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple
from uuid import UUID

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import Integer, Select, Update, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock
from engine.access import policy
from engine.access.users import Actor
from engine.access.users import actor as load_actor
from engine.documents.attach import attach_documents
from engine.errors import CaseNotActive, InvalidInput, NotFound, TaskHeldByOther, TaskNotOpen
from engine.i18n import N_, msg, state_word
from engine.notify import triggers as tell
from engine.runtime.case_status import require_reason
from engine.runtime.cases import advance, view_case
from engine.runtime.history import EventKind, record
from engine.runtime.participants import add_user, known_participants
from engine.runtime.persistence import open_case
from engine.runtime.projections import known_open_tasks, task_id_ahead
from engine.runtime.submissions import accepted
from engine.runtime.views import CaseView, TaskView
from engine.store.direct import run_direct, run_later, sends_later
from engine.store.models import (
    Case,
    CaseParticipant,
    CaseStatus,
    HumanTask,
    Incident,
    Job,
    ProcessDefinition,
    TaskDraft,
    TaskState,
)
from engine.store.models.tasks import OFFER_SEPARATOR, Candidate, candidates_of
from engine.store.sql import as_loaded, unindexed


def find_task(session: Session, task_id: int) -> HumanTask:
    row = session.get(HumanTask, task_id)
    if row is None:
        raise NotFound(msg(N_("unknown task %(task)s"), task=task_id), task_id=task_id)
    return row


def readable_task(session: Session, task_id: int, user: Actor, *, row: HumanTask | None = None
                  ) -> HumanTask:
    """The task if the user may see it; NotFound or PermissionDenied otherwise."""
    row = row or find_task(session, task_id)
    if not policy.may_view_task(session, row, user):
        raise policy.why_not(row, user, "see")
    return row


class CompletionRead(NamedTuple):
    task: HumanTask
    case: Case
    definition_hash: str
    drafted: bool
    open_tasks: list[HumanTask]
    """The case's open tasks (the task itself among them while it is open)."""
    incidents: bool
    """Whether the case has open incidents (its save reads them only then)."""
    participants: list[Candidate]
    """Who takes part in the case, (kind, name): the change writes only who is new."""
    locked: bool
    """The task and its case were locked before they were read (PostgreSQL): the completion's
    checks cannot fail, and a simultaneous change of them waits for this one."""
    task_ids: list[int]
    """Ids taken ahead for the tasks the completion opens (OpenCase.task_ids)."""


_TASK_COLUMNS = tuple(c.key for c in HumanTask.__table__.c)
_CASE_COLUMNS = tuple(c.key for c in Case.__table__.c if c.key != "state")
"""The case's columns a completion reads: not the state, which the live cache (engine.runtime.live)
has unless the process restarted or another process changed the case (it is read then)."""


@cache
def _completion_lock() -> Select[Any]:
    """The task's case and the task, locked for the completion: the case first, then the task,
    the order in which a save writes them (NO KEY: rows that refer to the case may still be
    inserted meanwhile)."""
    task, case = HumanTask.__table__, Case.__table__
    return (select(case.c.id).select_from(case.join(task, task.c.case_id == case.c.id))
            .where(task.c.id == bindparam("task_id", type_=Integer))
            .with_for_update(key_share=True, of=[case, task]))


@cache
def _completion_read(*, take_task_id: bool = False) -> Select[Any]:
    """Built once (`task_id` bound at execution), on tables: the ORM's loading of the same
    rows was a quarter of a completion (bench/bench_engine.py); `task_with_case` puts the rows
    into the session. `take_task_id` (PostgreSQL): also an id from the human tasks' sequence,
    taken once per execution (an uncorrelated subquery), for the task the completion opens."""
    task, case = HumanTask.__table__.c, Case.__table__.c
    task_id = bindparam("task_id", type_=Integer)
    drafted = exists().where(TaskDraft.__table__.c.task_id == task.id)
    incidents = exists().where(Incident.__table__.c.case_id == case.id,
                               Incident.__table__.c.resolved_at.is_(None))
    taking_part = CaseParticipant.__table__.c
    participants = (select(func.aggregate_strings(taking_part.kind + ":" + taking_part.name,
                                                  OFFER_SEPARATOR))
                    .where(taking_part.case_id == case.id).scalar_subquery())
    case_of_task = select(task.case_id).where(task.id == task_id).scalar_subquery()
    taken = [task_id_ahead().label("next_task_id")] if take_task_id else []
    return (select(*task, *(case[k].label(f"case__{k}") for k in _CASE_COLUMNS),
                   ProcessDefinition.__table__.c.content_hash, drafted.label("drafted"),
                   incidents.label("incidents"), participants.label("participants"), *taken)
            .select_from(HumanTask.__table__.join(Case.__table__, case.id == task.case_id)
                         .join(ProcessDefinition.__table__,
                               ProcessDefinition.__table__.c.id == case.definition_id))
            .where(task.case_id == case_of_task,
                   or_(task.id == task_id, unindexed(task.state) == TaskState.OPEN)))


@cache
def _completion_update() -> Update:
    """Built once, on the table: the task closes only if it is still open and not someone
    else's."""
    table = HumanTask.__table__
    return (update(table)  # type: ignore[arg-type]
            .where(table.c.id == bindparam("task_id"), table.c.state == TaskState.OPEN,
                   or_(table.c.assignee.is_(None), table.c.assignee == bindparam("assignee")))
            .values(state=bindparam("state"), completed_by=bindparam("completed_by"),
                    completed_at=bindparam("completed_at"), assignee=bindparam("assignee")))


def task_with_case(session: Session, task_id: int) -> CompletionRead:
    """The task and its case (into the session), the content hash of the case's definition,
    whether the task has a draft, the case's other open tasks and whether it has open
    incidents: one statement for what a completion reads.

    On PostgreSQL the task and its case are first locked (in the same round trip, before the
    read, whose snapshot then sees whatever change committed while it waited): their checks
    cannot fail afterwards, so the completion's writes all go with its commit."""
    locked = sends_later(session)
    if locked:
        run_later(session, _completion_lock(), {"task_id": task_id})
    rows = run_direct(session, _completion_read(take_task_id=locked), {"task_id": task_id}).mappings()
    found = next((r for r in rows if r["id"] == task_id), None)
    if found is None:
        raise NotFound(msg(N_("unknown task %(task)s"), task=task_id), task_id=task_id)
    tasks = [as_loaded(session, HumanTask, {k: r[k] for k in _TASK_COLUMNS}) for r in rows]
    # the caller holds the case (the session keeps it weakly)
    case = as_loaded(session, Case, {k: found[f"case__{k}"] for k in _CASE_COLUMNS})
    task = next(t for t in tasks if t.id == task_id)
    return CompletionRead(task, case, found["content_hash"], bool(found["drafted"]),
                          [t for t in tasks if t.state == TaskState.OPEN], bool(found["incidents"]),
                          candidates_of(found["participants"] or ""), locked,
                          [found["next_task_id"]] if locked else [])


def _require_open(row: HumanTask) -> None:
    if row.state != TaskState.OPEN:
        raise TaskNotOpen(msg(N_("task %(task)s ('%(name)s') is %(state)s; it can no longer be worked on"),
                              task=row.id, name=row.name, state=state_word(str(row.state))),
                          task_id=row.id, state=row.state)


def _require_case_running(session: Session, row: HumanTask) -> None:
    status = session.scalar(select(Case.status).where(Case.id == row.case_id))
    if status != CaseStatus.RUNNING:
        raise CaseNotActive(msg(N_("case %(case)s is %(status)s; its tasks cannot be worked on now"),
                                case=row.case_id, status=state_word(str(status))),
                            case_id=row.case_id, status=status)


def get_task(session: Session, task_id: int, *, user: Actor) -> TaskView:
    return TaskView.of(readable_task(session, task_id, user))


def claim_task(session: Session, task_id: int, *, user: Actor) -> TaskView:
    row = readable_task(session, task_id, user)
    _require_open(row)
    if row.assignee == user.username:
        return TaskView.of(row)
    if row.assignee:
        raise TaskHeldByOther(msg(N_("task %(task)s is held by someone else"), task=task_id),
                              task_id=task_id)
    if not policy.may_claim(row, user):
        raise policy.why_not(row, user, "claim")
    _require_case_running(session, row)
    _conditional_update(session, row, expect_assignee=None, assignee=user.username,
                        claimed_at=clock.now())
    add_user(session, row.case_id, user.username)
    record(session, row.case_id, EventKind.TASK_CLAIMED, user=user.username, task_id=row.id,
           element_id=row.element_id, element_name=row.name, as_operator=user.operator)
    return TaskView.of(row)


def unclaim_task(session: Session, task_id: int, *, user: Actor) -> TaskView:
    row = readable_task(session, task_id, user)
    _require_open(row)
    if row.assignee != user.username:
        raise policy.why_not(row, user, "give back")
    if not policy.may_unclaim(row, user):
        raise policy.why_not(row, user, "give back")
    _conditional_update(session, row, expect_assignee=user.username, assignee=None, claimed_at=None)
    record(session, row.case_id, EventKind.TASK_UNCLAIMED, user=user.username, task_id=row.id,
           element_id=row.element_id, element_name=row.name, as_operator=user.operator)
    return TaskView.of(row)


def assign_task(session: Session, task_id: int, *, user: Actor, assignee: str,
                reason: str) -> TaskView:
    """Staff give the task to `assignee` (an active user), with the reason recorded."""
    row = find_task(session, task_id)
    _require_open(row)
    if not policy.may_reassign(row, user):
        raise policy.why_not(row, user, "reassign")
    reason = require_reason(reason, msg(N_("reassign a task")))
    assignee = (assignee or "").strip()
    if not assignee:
        raise InvalidInput(msg(N_("name the user who should take the task")), field="assignee")
    load_actor(session, assignee)
    _conditional_update(session, row, expect_assignee=row.assignee, assignee=assignee,
                        claimed_at=clock.now())
    add_user(session, row.case_id, assignee)
    record(session, row.case_id, EventKind.TASK_ASSIGNED, user=user.username, task_id=row.id,
           element_id=row.element_id, element_name=row.name, reason=reason,
           data={"assignee": assignee}, as_operator=user.operator)
    case = session.get(Case, row.case_id)
    if case is not None:
        tell.task_reassigned(session, row, case, assignee=assignee, actor=user.username, at=clock.now())
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
        raise TaskHeldByOther(msg(N_("task %(task)s changed meanwhile (claimed or completed by someone "
                                  "else); reload it"), task=row.id), task_id=row.id)
    session.expire(row)


def complete_task(session: Session, task_id: int, *, user: Actor, data: Any = None) -> CaseView:
    """Complete the task with `data` (checked against its form) and run the steps it triggers."""
    read = task_with_case(session, task_id)
    row = readable_task(session, task_id, user, row=read.task)
    _require_open(row)
    if not policy.may_complete(row, user):
        if row.assignee and policy.is_candidate(row, user):  # someone else took it first
            raise TaskHeldByOther(msg(N_("task %(task)s is held by someone else"), task=task_id),
                                  task_id=task_id)
        raise policy.why_not(row, user, "complete")
    opened = open_case(session, row.case_id, definition_hash=read.definition_hash)
    known_open_tasks(opened, read.open_tasks)
    opened.has_incidents = read.incidents
    opened.locked, opened.task_ids = read.locked, read.task_ids
    known_participants(session, row.case_id, read.participants)
    if opened.case.status != CaseStatus.RUNNING:
        raise CaseNotActive(msg(N_("case %(case)s is %(status)s; its tasks cannot be worked on now"),
                                case=row.case_id, status=state_word(str(opened.case.status))),
                            case_id=row.case_id, status=opened.case.status)
    spiff_task = opened.workflow.get_task_from_id(UUID(row.spiff_task_id))
    if spiff_task is None or not spiff_task.has_state(SpiffState.READY):
        raise TaskNotOpen(msg(N_("task %(task)s is no longer waiting in case %(case)s"), task=task_id,
                              case=row.case_id),
                          task_id=task_id)
    form = opened.definition.forms.get(row.form_id) if row.form_id else None
    submitted = accepted(form, data, context=dict(spiff_task.data))
    submitted, _attached = attach_documents(session, submitted, case=opened.case,
                                            process_id=row.process_id, user=user, task_id=row.id)
    now = clock.now()
    values = {"state": TaskState.COMPLETED, "completed_by": user.username, "completed_at": now,
              "assignee": row.assignee or user.username}
    run_later(session, _completion_update(), {"task_id": row.id, **values}, expect_rows=1,
              locked=read.locked,
              conflict=lambda: TaskNotOpen(msg(N_("task %(task)s was completed or taken by someone "
                                                  "else meanwhile"), task=task_id), task_id=task_id))
    for key, value in values.items():
        set_committed_value(row, key, value)
    spiff_task.data.update(submitted)
    spiff_task.run()
    if read.drafted:  # engine.collab.drafts
        session.execute(delete(TaskDraft).where(TaskDraft.task_id == row.id))
    if row.due_at is not None:  # its due-date reminders (engine.notify.deadlines) end with it
        session.execute(delete(Job).where(Job.key == f"deadline:{row.id}"))
    add_user(session, row.case_id, user.username)
    record(session, row.case_id, EventKind.TASK_COMPLETED, user=user.username, task_id=task_id,
           element_id=row.element_id, element_name=row.name, data=submitted,
           as_operator=user.operator)
    advance(session, opened, user=user.username, atomic=True)
    return view_case(session, row.case_id, opened)


def next_task_for(session: Session, user: Actor, case_id: int) -> TaskView | None:
    """The user's next open task in the case: one assigned to them first, else one offered."""
    row = session.scalars(select(HumanTask).where(
        HumanTask.case_id == case_id, policy.open_task_clause(user))
        .order_by((HumanTask.assignee == user.username).desc(), HumanTask.id).limit(1)).first()
    return TaskView.of(row) if row is not None else None


def open_task_ids(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.state == TaskState.OPEN)).all())


__all__ = ["assign_task", "claim_task", "complete_task", "find_task", "get_task", "next_task_for",
           "open_task_ids", "readable_task", "unclaim_task"]

