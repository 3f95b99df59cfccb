"""Projections written in the same transaction as the case state.

`human_task` mirrors the READY manual tasks so that the inbox and the
dashboard never read state blobs. `sync_human_tasks` is one of the runtime's
projectors (engine.bootstrap composes them; engine.runtime.persistence.save_case
runs them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn import timer_values
from engine.bpmn.metadata import INITIATOR, ElementInfo
from engine.bpmn.specs import ExternalServiceTask
from engine.bpmn.timer_values import TimerValueError
from engine.runtime.context import OpenCase
from engine.store.models import HumanTask, TaskCandidate, TaskState


def ready_human_tasks(workflow: Any) -> list[Any]:
    return [t for t in workflow.get_tasks(state=SpiffState.READY)
            if t.task_spec.manual and not isinstance(t.task_spec, ExternalServiceTask)]


def sync_human_tasks(session: Session, opened: OpenCase, now: datetime) -> None:
    case = opened.case
    ready = {str(t.id): t for t in ready_human_tasks(opened.workflow)}
    open_rows = session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == TaskState.OPEN)).all()
    known = {row.spiff_task_id for row in open_rows}
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.state = TaskState.CANCELLED
            row.completed_at = now
    for spiff_id, task in ready.items():
        if spiff_id in known:
            continue
        element_id = task.task_spec.bpmn_id or task.task_spec.name
        info = opened.definition.info.elements.get(element_id) or ElementInfo(element_id, "task")
        assignee = resolve_user(info.assignee, task.data, case.started_by)
        row = HumanTask(
            case_id=case.id, spiff_task_id=spiff_id, element_id=element_id,
            name=task.task_spec.bpmn_name or info.name or element_id, process_id=case.process_id,
            lane=task.task_spec.lane or info.lane, assignee=assignee, form_id=info.form_id,
            state=TaskState.OPEN, created_at=now, due_at=due_time(info.due, task.data, now),
            claimed_at=now if assignee else None, documentation=info.documentation)
        for group in info.candidate_groups:
            row.candidates.append(TaskCandidate(kind="group", name=group))
        for user in info.candidate_users:
            name = resolve_user(user, task.data, case.started_by)
            if name:
                row.candidates.append(TaskCandidate(kind="user", name=name))
        session.add(row)
    session.flush()


def resolve_user(expression: str | None, data: dict[str, Any], starter: str | None) -> str | None:
    """`initiator` is the case's starter; `=name` reads a data variable; else a username."""
    if not expression:
        return None
    if expression == INITIATOR:
        return starter
    if expression.startswith("="):
        value = data.get(expression[1:].strip())
        return str(value) if value not in (None, "") else None
    return expression


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
