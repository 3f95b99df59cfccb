"""The Secretariat's overview and process view: counts per process and status, the oldest
open tasks, open incidents, versions, and cases waiting at each element.

Like engine.read.dashboard, reads projections only, never a state blob.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.store.db import as_utc
from engine.store.models import (
    Case,
    CaseStatus,
    HumanTask,
    Incident,
    Job,
    JobStatus,
    MessageSubscription,
    ProcessDefinition,
    TaskState,
)


@dataclass(frozen=True)
class ProcessCounts:
    process_id: str
    name: str
    by_status: dict[str, int]
    overdue: int
    incidents: int
    waiting: list[tuple[str, int]]
    """(lane, open tasks) pairs, most first."""

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class OldTask:
    task_id: int
    name: str
    case_id: int
    case_label: str
    process_id: str
    lane: str | None
    assignee: str | None
    created_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class IncidentRow:
    id: int
    case_id: int | None
    case_label: str
    kind: str
    element_id: str | None
    error: str
    created_at: datetime


@dataclass(frozen=True)
class Overview:
    processes: list[ProcessCounts]
    oldest_tasks: list[OldTask]
    incidents: list[IncidentRow]
    open_incidents: int


def _label(key: str | None, title: str | None, case_id: int | None) -> str:
    parts = [p for p in (key, title if title != key else None) if p]
    return " · ".join(parts) if parts else f"#{case_id}"


def process_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(ProcessDefinition.process_id, ProcessDefinition.name)
                           .order_by(ProcessDefinition.version)).all()
    return {pid: name or pid for pid, name in rows}


def overview_counts(session: Session, *, limit: int = 10) -> Overview:
    """Counts per process and status, open tasks per lane, overdue cases, incidents."""
    now = clock.now()
    names = process_names(session)
    by_status: dict[str, dict[str, int]] = {pid: {} for pid in names}
    for pid, status, count in session.execute(
            select(Case.process_id, Case.status, func.count()).group_by(Case.process_id, Case.status)):
        by_status.setdefault(pid, {})[status] = count
    waiting: dict[str, list[tuple[str, int]]] = {}
    for pid, lane, count in session.execute(
            select(HumanTask.process_id, HumanTask.lane, func.count())
            .where(HumanTask.state == TaskState.OPEN)
            .group_by(HumanTask.process_id, HumanTask.lane).order_by(func.count().desc())):
        waiting.setdefault(pid, []).append((lane or "", count))
    overdue = dict(session.execute(
        select(HumanTask.process_id, func.count(func.distinct(HumanTask.case_id)))
        .where(HumanTask.state == TaskState.OPEN, HumanTask.due_at < now)
        .group_by(HumanTask.process_id)).tuples().all())
    open_incident = Incident.resolved_at.is_(None)
    incident_counts = dict(session.execute(
        select(Case.process_id, func.count(func.distinct(Incident.case_id)))
        .join(Case, Case.id == Incident.case_id).where(open_incident)
        .group_by(Case.process_id)).tuples().all())
    processes = [ProcessCounts(pid, names.get(pid, pid), counts, overdue.get(pid, 0),
                               incident_counts.get(pid, 0), waiting.get(pid, []))
                 for pid, counts in sorted(by_status.items(), key=lambda i: names.get(i[0], i[0]))]
    oldest = [OldTask(r[0], r[1] or r[2], r[3], _label(r[4], r[5], r[3]), r[6], r[7], r[8],
                      as_utc(r[9]), as_utc(r[10]))
              for r in session.execute(
                  select(HumanTask.id, HumanTask.name, HumanTask.element_id, HumanTask.case_id,
                         Case.business_key, Case.title, HumanTask.process_id, HumanTask.lane,
                         HumanTask.assignee, HumanTask.created_at, HumanTask.due_at)
                  .join(Case, Case.id == HumanTask.case_id)
                  .where(HumanTask.state == TaskState.OPEN)
                  .order_by(HumanTask.created_at, HumanTask.id).limit(limit)).all()]
    incidents = [IncidentRow(r[0], r[1], _label(r[2], r[3], r[1]), r[4], r[5], r[6], as_utc(r[7]))
                 for r in session.execute(
                     select(Incident.id, Incident.case_id, Case.business_key, Case.title,
                            Incident.kind, Incident.element_id, Incident.error, Incident.created_at)
                     .outerjoin(Case, Case.id == Incident.case_id).where(open_incident)
                     .order_by(Incident.id).limit(limit)).all()]
    total_incidents = session.scalar(select(func.count(Incident.id)).where(open_incident)) or 0
    return Overview(processes, oldest, incidents, total_incidents)


@dataclass(frozen=True)
class ProcessVersion:
    definition_id: int
    process_id: str
    name: str
    version: int
    created_at: datetime
    running: int
    total: int


def process_versions(session: Session, process_id: str | None = None) -> list[ProcessVersion]:
    """Every deployed version, with its running and total cases."""
    running = func.count(Case.id).filter(Case.status == CaseStatus.RUNNING)
    query = (select(ProcessDefinition.id, ProcessDefinition.process_id, ProcessDefinition.name,
                    ProcessDefinition.version, ProcessDefinition.created_at, running,
                    func.count(Case.id))
             .outerjoin(Case, Case.definition_id == ProcessDefinition.id)
             .group_by(ProcessDefinition.id, ProcessDefinition.process_id, ProcessDefinition.name,
                       ProcessDefinition.version, ProcessDefinition.created_at)
             .order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc()))
    if process_id:
        query = query.where(ProcessDefinition.process_id == process_id)
    return [ProcessVersion(r[0], r[1], r[2] or r[1], r[3], as_utc(r[4]), r[5], r[6])
            for r in session.execute(query).all()]


def waiting_counts_by_element(session: Session, process_id: str, version: int) -> dict[str, dict[str, int]]:
    """element id -> {"tasks"|"jobs"|"messages"|"incidents": number of cases waiting there}.

    A case's timer job names its earliest timer's element (jobs written before that named
    none: they are counted under "").
    """
    definition_id = select(ProcessDefinition.id).where(
        ProcessDefinition.process_id == process_id, ProcessDefinition.version == version
    ).scalar_subquery()
    of_version = Case.definition_id == definition_id
    out: dict[str, dict[str, int]] = {}

    def add(kind: str, rows: Any) -> None:
        for element_id, count in rows:
            out.setdefault(element_id or "", {})[kind] = count

    add("tasks", session.execute(
        select(HumanTask.element_id, func.count()).join(Case, Case.id == HumanTask.case_id)
        .where(of_version, HumanTask.state == TaskState.OPEN).group_by(HumanTask.element_id)))
    add("jobs", session.execute(
        select(Job.element_id, func.count()).join(Case, Case.id == Job.case_id)
        .where(of_version, Job.status.in_([JobStatus.READY, JobStatus.PARKED]))
        .group_by(Job.element_id)))
    add("messages", session.execute(
        select(MessageSubscription.element_id, func.count())
        .join(Case, Case.id == MessageSubscription.case_id).where(of_version)
        .group_by(MessageSubscription.element_id)))
    add("incidents", session.execute(
        select(Incident.element_id, func.count()).join(Case, Case.id == Incident.case_id)
        .where(of_version, Incident.resolved_at.is_(None)).group_by(Incident.element_id)))
    return out


__all__ = [
    "IncidentRow", "OldTask", "Overview", "ProcessCounts", "ProcessVersion", "overview_counts",
    "process_names", "process_versions", "waiting_counts_by_element",
]
