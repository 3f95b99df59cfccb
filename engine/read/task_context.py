"""Everything a task page shows: the task, its case, its form, its diagram, its history.

Who may see it, and what they may do with it, is engine.access.policy's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from engine.access import policy
from engine.access.users import Actor, display_names
from engine.errors import NotFound
from engine.i18n import N_, msg
from engine.runtime.cases import view_case
from engine.runtime.data import INTERNAL_KEYS
from engine.runtime.history import HistoryEntry, case_history
from engine.runtime.persistence import peek_case
from engine.runtime.tasks import readable_task
from engine.runtime.views import CaseView, TaskView
from engine.store.models import Case, CaseStatus, TaskState


@dataclass(frozen=True)
class TaskContext:
    task: TaskView
    case: CaseView
    process_name: str | None
    documentation: str | None
    form: dict[str, Any] | None
    """The task's form-js schema, or None when the task has no form."""
    data: dict[str, Any]
    """What the form is prefilled with: the task's own data while it is open (an instance of a
    multi-instance sees its own item), else the case's data."""
    bpmn_xml: str
    history: list[HistoryEntry]
    may_act: bool
    """The user may complete it now (assignee, or a candidate of an unassigned task)."""
    may_claim: bool
    may_unclaim: bool
    people: dict[str, str] = field(default_factory=dict)
    """Username -> display name of the people the history names."""
    forms: dict[str, Any] = field(default_factory=dict)
    """Every form of the case's version, by id (the page shows the case's codes by their labels)."""

    @property
    def is_open(self) -> bool:
        return self.task.state == TaskState.OPEN


def task_context(session: Session, task_id: int, user: Actor) -> TaskContext:
    row = readable_task(session, task_id, user)
    case = session.get(Case, row.case_id)
    if case is None:  # pragma: no cover - foreign key
        raise NotFound(msg(N_("unknown case %(case)s"), case=row.case_id), case_id=row.case_id)
    definition = case.definition
    forms: dict[str, Any] = json.loads(definition.forms_json or "{}")
    is_open = row.state == TaskState.OPEN
    with peek_case(session, row.case_id) as opened:
        case_view = view_case(session, row.case_id, opened)
        data = dict(case_view.data)
        if is_open:
            spiff_task = opened.workflow.get_task_from_id(UUID(row.spiff_task_id))
            if spiff_task is not None:
                data = {k: v for k, v in spiff_task.data.items() if k not in INTERNAL_KEYS}
    history = case_history(session, row.case_id)
    return TaskContext(
        task=TaskView.of(row), case=case_view, data=data,
        process_name=definition.name, documentation=row.documentation,
        form=forms.get(row.form_id) if row.form_id else None,
        bpmn_xml=definition.bpmn_file.content, history=history,
        may_act=is_open and case.status == CaseStatus.RUNNING and policy.may_complete(row, user),
        may_claim=is_open and policy.may_claim(row, user),
        may_unclaim=is_open and policy.may_unclaim(row, user),
        people=display_names(session, [e.user or "" for e in history]), forms=forms)


__all__ = ["TaskContext", "task_context"]
