"""Plain values returned by use cases (never ORM objects or SpiffWorkflow objects)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from engine.store.models import Case, HumanTask


@dataclass(frozen=True)
class TaskView:
    id: int
    case_id: int
    process_id: str
    element_id: str
    name: str | None
    lane: str | None
    candidate_groups: list[str]
    candidate_users: list[str]
    assignee: str | None
    form_id: str | None
    state: str
    created_at: datetime
    due_at: datetime | None
    completed_by: str | None = None
    completed_at: datetime | None = None
    subject: str | None = None
    """Whom the task is for, in words (a committee, an organisation)."""
    personal: bool = False
    """Given to its assignee by the process: it cannot be given back."""
    candidates: list[str] = field(default_factory=list)
    """Every principal it is offered to, as `kind:name` (engine.access.principals)."""

    @classmethod
    def of(cls, row: HumanTask) -> TaskView:
        return cls(row.id, row.case_id, row.process_id, row.element_id, row.name, row.lane,
                   row.candidate_groups, row.candidate_users, row.assignee, row.form_id,
                   row.state, row.created_at, row.due_at, row.completed_by, row.completed_at,
                   row.subject, bool(row.personal),
                   sorted(f"{c.kind}:{c.name}" for c in row.candidates))

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class CaseView:
    id: int
    process_id: str
    process_version: int
    business_key: str | None
    title: str | None
    status: str
    started_by: str | None
    started_at: datetime
    ended_at: datetime | None
    status_reason: str | None
    failed_element_id: str | None
    version: int
    data: dict[str, Any] = field(default_factory=dict)
    open_tasks: list[TaskView] = field(default_factory=list)
    outcome: str | None = None

    @classmethod
    def of(cls, case: Case, data: dict[str, Any] | None = None,
           open_tasks: list[TaskView] | None = None, *,
           definition_version: int | None = None) -> CaseView:
        version = definition_version if definition_version is not None else case.definition.version
        return cls(case.id, case.process_id, version, case.business_key, case.title,
                   case.status, case.started_by, case.started_at, case.ended_at, case.status_reason,
                   case.failed_element_id, case.version, data or {}, open_tasks or [], case.outcome)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
