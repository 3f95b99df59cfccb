"""Projections written in the same transaction as the case state.

`human_task` mirrors the READY manual tasks so that the inbox and the
dashboard never read state blobs. `sync_human_tasks` is one of the runtime's
projectors (engine.bootstrap composes them; engine.runtime.persistence.save_case
runs them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, ScalarSelect, delete, func, insert, select
from sqlalchemy.orm import Session

from engine.access.bodies import principal_labels
from engine.bpmn import timer_values
from engine.bpmn.metadata import ElementInfo
from engine.bpmn.specs import ExternalServiceTask
from engine.bpmn.timer_values import TimerValueError
from engine.runtime.assignment import Assignment, resolve_assignment
from engine.runtime.context import OpenCase, runtime_of
from engine.runtime.participants import add_participants, add_user
from engine.store.direct import run_direct, run_later
from engine.store.models import HumanTask, Job, TaskState
from engine.store.models.tasks import offer_text
from engine.store.sql import as_loaded


def ready_human_tasks(ready: list[Any]) -> list[Any]:
    """Of the READY tasks (`OpenCase.ready_tasks`), those waiting for a person."""
    return [t for t in ready
            if t.task_spec.manual and not isinstance(t.task_spec, ExternalServiceTask)]


_OPEN_TASKS = "open_tasks"


def known_open_tasks(opened: OpenCase, rows: list[HumanTask]) -> None:
    """The case's open task rows as the change read them (with the case, in its one statement):
    the save's projection uses them instead of reading them again. Only for a change that
    changes no task row but through the ORM objects given, and saves the case (whose version
    check fails if another transaction changed the case's tasks by a step meanwhile)."""
    opened.known[_OPEN_TASKS] = rows


def sync_human_tasks(session: Session, opened: OpenCase, now: datetime) -> None:
    """Open a row for each newly READY manual task (with who it is for); close vanished ones."""
    case = opened.case
    ready = {str(t.id): t for t in ready_human_tasks(opened.ready_tasks())}
    read: list[HumanTask] | None = opened.known.pop(_OPEN_TASKS, [] if opened.is_new else None)
    open_rows = ([r for r in read if r.state == TaskState.OPEN] if read is not None
                 else session.scalars(select(HumanTask).where(
                     HumanTask.case_id == case.id, HumanTask.state == TaskState.OPEN)).all())
    known = {row.spiff_task_id for row in open_rows}
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.state = TaskState.CANCELLED
            row.completed_at = now
            if row.due_at is not None:  # its due-date reminders (engine.notify.deadlines) end with it
                session.execute(delete(Job).where(Job.key == f"deadline:{row.id}"))
    engine = runtime_of(session).script_engine
    created: list[HumanTask] = []
    for spiff_id, task in ready.items():
        if spiff_id in known:
            continue
        element_id = task.task_spec.bpmn_id or task.task_spec.name
        info = opened.definition.info.elements.get(element_id) or ElementInfo(element_id, "task")
        assignment = resolve_assignment(engine, info, task.data, case.started_by)
        row = _insert_task(session, opened, {
            "case_id": case.id, "spiff_task_id": spiff_id, "element_id": element_id,
            "name": task.task_spec.bpmn_name or info.name or element_id,
            "process_id": case.process_id, "lane": task.task_spec.lane or info.lane,
            "assignee": assignment.assignee, "form_id": info.form_id, "state": TaskState.OPEN,
            "created_at": now, "due_at": due_time(info.due, task.data, now),
            "claimed_at": now if assignment.assignee else None, "completed_at": None,
            "completed_by": None, "documentation": info.documentation,
            "personal": assignment.personal, "subject": _subject(session, assignment),
            "offered_to": offer_text((p.kind, p.name) for p in assignment.candidates)})
        opened.new_tasks.append(row)
        created.append(row)
        add_participants(session, case.id, assignment.candidates)
        add_user(session, case.id, assignment.assignee)
    opened.open_tasks = sorted([r for r in open_rows if r.state == TaskState.OPEN]
                               + created,
                               key=lambda r: r.id)


def task_id_ahead() -> ScalarSelect[Any]:
    """An id from the human tasks' sequence (PostgreSQL), as an uncorrelated subquery: taken once
    per execution of the statement it is put in, for `OpenCase.task_ids`."""
    sequence = func.pg_get_serial_sequence(HumanTask.__tablename__, "id")
    return select(func.nextval(sequence)).scalar_subquery()


@cache
def _task_insert(*, returning: bool) -> Insert:
    statement = insert(HumanTask.__table__)  # type: ignore[arg-type]
    return statement.returning(HumanTask.__table__.c.id) if returning else statement


def _insert_task(session: Session, opened: OpenCase, values: dict[str, Any]) -> HumanTask:
    """Insert the task with a statement built once; its row goes into the session as if loaded
    (the unit of work of an ORM insert was a third of a step's save: bench/bench_engine.py).
    With an id taken ahead (`OpenCase.task_ids`) the INSERT waits for the commit; otherwise the
    database gives the id now."""
    if opened.task_ids:
        values = {"id": opened.task_ids.pop(0), **values}
        run_later(session, _task_insert(returning=False), values)
        return as_loaded(session, HumanTask, values)
    return as_loaded(session, HumanTask, {
        "id": run_direct(session, _task_insert(returning=True), values).scalar_one(), **values})


def _subject(session: Session, assignment: Assignment) -> str | None:
    """Whom the task is for, in words: the bodies and organisations it is offered to."""
    refs = sorted((p.kind, p.name) for p in assignment.candidates if p.kind in ("body", "org"))
    if not refs:
        return None
    labels = principal_labels(session, refs)
    return "; ".join(labels[r] for r in refs)[:255]


def due_time(expression: str | None, data: dict[str, Any], now: datetime) -> datetime | None:
    """A due date from an ISO duration (relative to now), an ISO date, or a data variable.

    Bounded as timers are (engine.bpmn.timer_values: at most 100 years from now); a value
    that is malformed or out of bounds gives no due date.
    """
    if not expression:
        return None
    value: Any = expression
    if expression.isidentifier() and expression in data:
        value = data[expression]
    if not isinstance(value, str):
        return None
    text = value.strip().strip("'\"")
    try:
        if text.upper().startswith("P"):
            return now + timer_values.timedelta_from_start(timer_values.parse_duration(text), now)
        return timer_values.parse_date(text, reference=now, zone=now.tzinfo or UTC)
    except TimerValueError:
        return None


__all__ = ["due_time", "known_open_tasks", "ready_human_tasks", "sync_human_tasks", "task_id_ahead"]
