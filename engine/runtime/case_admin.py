"""One case as the dashboard shows it, and what the Secretariat may do to it.

`case_detail` opens one case (one blob: its current data and the tasks its compacted tree
still knows) and reads its projections: history, human tasks, incidents, subscriptions,
jobs and linked cases (`Case.parent_case_id`, set when a message thrown by a case starts
another one, e.g. an initiative starting its task force).

The actions (suspend, resume, cancel, retry an incident, reassign a task, correct a data
field) are for the Secretariat and admins only, need a reason and write history. They do
not commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.users import Actor
from engine.background.incidents import IncidentView, list_incidents, retry_incident
from engine.background.incidents import correct_case_data as _merge_case_data
from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.read.dashboard import is_staff, may_see_case
from engine.runtime.cases import cancel_case, case_data, resume_case, suspend_case, view_case
from engine.runtime.history import EventKind, HistoryEntry, case_history
from engine.runtime.persistence import peek_case
from engine.runtime.tasks import assign_task
from engine.runtime.views import CaseView, TaskView
from engine.store.models import (
    Case,
    HistoryEvent,
    HumanTask,
    Incident,
    Job,
    JobStatus,
    MessageSubscription,
    TaskState,
)

JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "number": (int, float), "boolean": bool, "array": list, "object": dict}
FORM_TYPES = {"number": "number", "checkbox": "boolean", "taglist": "array", "checklist": "array",
              "textfield": "string", "textarea": "string", "select": "string", "radio": "string",
              "datetime": "string"}


@dataclass(frozen=True)
class ActiveTask:
    task: TaskView
    claimed_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class LinkedCase:
    case_id: int
    process_id: str
    business_key: str | None
    title: str | None
    status: str
    relation: str
    """"parent" (this case was started by it) or "child" (it was started by this case)."""


@dataclass(frozen=True)
class CaseDetail:
    case: CaseView
    process_name: str
    bpmn_xml: str
    history: list[HistoryEntry]
    completed_elements: list[str]
    active_tasks: list[ActiveTask]
    waiting_elements: list[str]
    """Elements waiting on a message or background job (not people)."""
    failed_elements: list[str]
    incidents: list[IncidentView]
    linked: list[LinkedCase]
    field_types: dict[str, str]
    """Data field -> JSON type, for the correction form."""
    may_admin: bool


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for name, kinds in JSON_TYPES.items():
        if name != "boolean" and isinstance(value, kinds):
            return name
    return "string"


def form_field_types(forms: dict[str, Any]) -> dict[str, str]:
    """Field key -> JSON type declared by the process's forms (first declaration wins)."""
    out: dict[str, str] = {}

    def walk(components: list[Any]) -> None:
        for component in components or []:
            if not isinstance(component, dict):
                continue
            key, kind = component.get("key"), FORM_TYPES.get(str(component.get("type")))
            if isinstance(key, str) and kind and key not in out:
                out[key] = kind
            walk(component.get("components") or [])

    for schema in forms.values():
        if isinstance(schema, dict):
            walk(schema.get("components") or [])
    return out


def _forms(case: Case) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(case.definition.forms_json or "{}")
    return loaded


def case_detail(session: Session, case_id: int, user: Actor) -> CaseDetail:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"unknown case {case_id}", case_id=case_id)
    if not may_see_case(session, user, case_id):
        raise PermissionDenied(f"case {case_id} is not one you take part in", case_id=case_id)
    with peek_case(session, case_id) as opened:
        view = view_case(session, case_id, opened)
        done_in_tree = {t.task_spec.bpmn_id for t in opened.workflow.get_tasks(state=SpiffState.COMPLETED)
                        if getattr(t.task_spec, "bpmn_id", None)}
    history = case_history(session, case_id)
    now = clock.now()
    tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)
                            .order_by(HumanTask.id)).all()
    completed = {e.element_id for e in history if e.kind == EventKind.TASK_COMPLETED and e.element_id}
    completed |= {t.element_id for t in tasks if t.state == TaskState.COMPLETED}
    completed |= done_in_tree
    active = [ActiveTask(TaskView.of(t), t.claimed_at,
                         bool(t.due_at and _utc(t.due_at) < now))
              for t in tasks if t.state == TaskState.OPEN]
    waiting = set(session.scalars(select(MessageSubscription.element_id)
                                  .where(MessageSubscription.case_id == case_id)).all())
    waiting |= set(session.scalars(select(Job.element_id).where(
        Job.case_id == case_id, Job.status.in_([JobStatus.READY, JobStatus.PARKED]))).all())
    incidents = list_incidents(session, case_id=case_id)
    failed = {i.element_id for i in incidents if i.element_id}
    if case.failed_element_id:
        failed.add(case.failed_element_id)
    return CaseDetail(
        case=view, process_name=case.definition.name or case.process_id,
        bpmn_xml=case.definition.bpmn_file.content, history=history,
        completed_elements=sorted(completed), active_tasks=active,
        waiting_elements=sorted(e for e in waiting if e), failed_elements=sorted(failed),
        incidents=incidents, linked=linked_cases(session, case),
        field_types=field_types(view.data, form_field_types(_forms(case))),
        may_admin=is_staff(user))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def field_types(data: dict[str, Any], declared: dict[str, str]) -> dict[str, str]:
    out = {key: json_type(value) for key, value in data.items()}
    out.update({k: v for k, v in declared.items() if k in data or k not in out})
    return dict(sorted(out.items()))


def linked_cases(session: Session, case: Case) -> list[LinkedCase]:
    """The case that started this one (parent) and the cases it started (children)."""
    found: list[LinkedCase] = []
    if case.parent_case_id is not None:
        parent = session.get(Case, case.parent_case_id)
        if parent is not None:
            found.append(LinkedCase(parent.id, parent.process_id, parent.business_key, parent.title,
                                    parent.status, "parent"))
    for child in session.scalars(select(Case).where(Case.parent_case_id == case.id)
                                 .order_by(Case.id)).all():
        found.append(LinkedCase(child.id, child.process_id, child.business_key, child.title,
                                child.status, "child"))
    return found


# --- actions ------------------------------------------------------------------------------


def require_staff(user: Actor) -> None:
    if not is_staff(user):
        raise PermissionDenied("only the Secretariat and admins may change a case")


def require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("a reason is required", field="reason")
    return text[:2000]


def _annotate(session: Session, case_id: int, kind: EventKind, reason: str) -> None:
    """Put the reason on the history event the engine use case just recorded."""
    session.flush()
    event = session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == case_id,
                                                       HistoryEvent.kind == kind)
                            .order_by(HistoryEvent.id.desc()).limit(1)).first()
    if event is not None:
        event.reason = f"{reason} ({event.reason})" if event.reason else reason


def suspend(session: Session, case_id: int, *, user: Actor, reason: str) -> CaseView:
    require_staff(user)
    return suspend_case(session, case_id, user=user, reason=require_reason(reason))


def resume(session: Session, case_id: int, *, user: Actor, reason: str) -> CaseView:
    require_staff(user)
    return resume_case(session, case_id, user=user, reason=require_reason(reason))


def cancel(session: Session, case_id: int, *, user: Actor, reason: str) -> CaseView:
    require_staff(user)
    return cancel_case(session, case_id, user=user, reason=require_reason(reason))


def retry(session: Session, case_id: int, incident_id: int, *, user: Actor,
          reason: str) -> IncidentView:
    require_staff(user)
    text = require_reason(reason)
    incident = session.get(Incident, incident_id)
    if incident is None or incident.case_id != case_id:
        raise NotFound(f"case {case_id} has no incident {incident_id}", incident_id=incident_id)
    result = retry_incident(session, incident_id, user=user.username)
    _annotate(session, case_id, EventKind.CASE_RETRIED, text)
    return result


def reassign(session: Session, case_id: int, task_id: int, *, user: Actor, assignee: str,
             reason: str) -> TaskView:
    require_staff(user)
    text = require_reason(reason)
    row = session.get(HumanTask, task_id)
    if row is None or row.case_id != case_id:
        raise NotFound(f"case {case_id} has no task {task_id}", task_id=task_id)
    if not assignee.strip():
        raise InvalidInput("name the user who should take the task", field="assignee")
    return assign_task(session, task_id, user=user, assignee=assignee.strip(), reason=text)


def parse_value(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the new value is not JSON ({exc.msg}); write text in double quotes, "
                           "e.g. \"Tourism\"", field="value") from None


def correct_case_data(session: Session, case_id: int, *, user: Actor, field: str, value: Any,
                      reason: str) -> dict[str, Any]:
    """Set one data field of the case's waiting tasks (or the last one); typed and recorded.

    `value` is JSON text (or an already parsed value). It must keep the field's JSON type,
    unless the process's forms declare the field, in which case the declared type rules.
    The change goes through open_case/save_case (version check) and is recorded as
    DATA_CORRECTED with the old and the new value and the reason.
    """
    require_staff(user)
    text = require_reason(reason)
    name = (field or "").strip()
    if not name.isidentifier() or name.startswith("_"):
        raise InvalidInput(f"{name!r} is not a data field name", field="field")
    new = parse_value(value)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"unknown case {case_id}", case_id=case_id)
    with peek_case(session, case_id) as opened:
        current = case_data(opened)
    declared = form_field_types(_forms(case)).get(name)
    if declared is None and name not in current:
        raise InvalidInput(f"the case has no data field {name!r} and no form declares it",
                           field="field")
    expected = declared or json_type(current.get(name))
    actual = json_type(new)
    if expected != "null" and actual != expected and not (new is None and declared is None):
        raise InvalidInput(f"{name} must stay a JSON {expected}, not a {actual}", field="value")
    result = _merge_case_data(session, case_id, user=user.username, changes={name: new})
    _annotate(session, case_id, EventKind.DATA_CORRECTED, text)
    return result


__all__ = [
    "ActiveTask", "CaseDetail", "LinkedCase", "cancel", "case_detail", "correct_case_data",
    "form_field_types", "json_type", "parse_value", "reassign", "require_reason", "require_staff",
    "resume", "retry", "suspend",
]
