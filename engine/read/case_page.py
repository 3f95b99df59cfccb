"""One case as the case page shows it: data, diagram marks, open tasks, history, links.

`case_detail` peeks at the case (one blob, kept in the live cache: its current data and the
tasks its compacted tree still knows) and reads its projections: history, human tasks,
incidents, subscriptions, jobs and linked cases (`Case.parent_case_id`, set when a message
thrown by a case starts another one, e.g. an initiative starting its task force). Who may
see it is engine.access.policy's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.policy import is_staff, require_case_view
from engine.access.users import Actor, display_names
from engine.background.incidents import IncidentView, list_incidents
from engine.collab.comments import CommentView, case_comments
from engine.documents.service import DocumentView, case_documents
from engine.read.waits import Wait, case_waits
from engine.runtime.cases import view_case
from engine.runtime.history import EventKind, HistoryEntry, case_history, history_summary
from engine.runtime.persistence import peek_case
from engine.runtime.views import CaseView, TaskView
from engine.store.models import (
    Case,
    HumanTask,
    Job,
    JobStatus,
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
    forms: dict[str, Any] = field(default_factory=dict)
    """The forms of the case's version, by form id (the doors show codes by their labels)."""
    waits: list[Wait] = field(default_factory=list)
    """Timers (until when), messages and service jobs the case waits for (engine.read.waits)."""
    people: dict[str, str] = field(default_factory=dict)
    """Username -> display name of the people the page names (history, tasks, the starter)."""
    history_total: int = 0
    """How many events the whole history has (`history` may be its latest page only)."""
    comments: list[CommentView] = field(default_factory=list)
    documents: list[DocumentView] = field(default_factory=list)


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


def case_forms(case: Case) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(case.definition.forms_json or "{}")
    return loaded


HISTORY_PAGE = 200
"""The case page shows the latest this many history events (all of them on request)."""


def case_detail(session: Session, case_id: int, user: Actor, *,
                history_limit: int | None = HISTORY_PAGE) -> CaseDetail:
    """The case page's content; its history's latest `history_limit` events (None: all)."""
    case = require_case_view(session, user, case_id)  # held: the checks below find it in the session
    tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)
                            .order_by(HumanTask.id)).all()
    jobs = list(session.scalars(select(Job).where(Job.case_id == case_id).order_by(Job.id)).all())
    with peek_case(session, case_id) as opened:
        opened.open_tasks = [t for t in tasks if t.state == TaskState.OPEN]
        view = view_case(session, case_id, opened)
        done_in_tree = {t.task_spec.bpmn_id for t in opened.workflow.get_tasks(state=SpiffState.COMPLETED)
                        if getattr(t.task_spec, "bpmn_id", None)}
        waits = case_waits(session, case_id, opened.workflow, opened.definition, jobs=jobs)
    history = case_history(session, case_id, latest=history_limit)
    if history_limit is None or len(history) < history_limit:
        total = len(history)
        completed = {e.element_id for e in history if e.kind == EventKind.TASK_COMPLETED and e.element_id}
    else:
        total, completed = history_summary(session, case_id)
    now = clock.now()
    completed |= {t.element_id for t in tasks if t.state == TaskState.COMPLETED}
    completed |= done_in_tree
    active = [ActiveTask(TaskView.of(t), t.claimed_at,
                         bool(t.due_at and _utc(t.due_at) < now))
              for t in tasks if t.state == TaskState.OPEN]
    # waiting on a message (every subscription is among the waits) or on a background job
    waiting = {w.element_id for w in waits if w.element_id}
    waiting |= {j.element_id for j in jobs
                if j.element_id and j.status in (JobStatus.READY, JobStatus.PARKED)}
    incidents = list_incidents(session, case_id=case_id)
    failed = {i.element_id for i in incidents if i.element_id}
    forms = case_forms(case)
    if case.failed_element_id:
        failed.add(case.failed_element_id)
    return CaseDetail(
        case=view, process_name=case.definition.name or case.process_id,
        bpmn_xml=case.definition.bpmn_file.content, history=history,
        completed_elements=sorted(completed), active_tasks=active,
        waiting_elements=sorted(e for e in waiting if e), failed_elements=sorted(failed),
        incidents=incidents, linked=linked_cases(session, case),
        field_types=field_types(view.data, form_field_types(forms)),
        may_admin=is_staff(user), forms=forms, waits=waits, history_total=total,
        people=display_names(session, [case.started_by or "", *(e.user or "" for e in history),
                                       *(t.assignee or "" for t in tasks)]),
        comments=case_comments(session, user, case_id), documents=case_documents(session, user, case_id))



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


__all__ = ["HISTORY_PAGE", "ActiveTask", "CaseDetail", "LinkedCase", "case_detail", "case_forms",
           "field_types", "form_field_types", "json_type", "linked_cases"]
