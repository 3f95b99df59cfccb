"""Incidents: what the Secretariat must look at, and retrying after the cause is fixed.

Two kinds, one table:
- `job`: a job ran out of attempts (a handler kept failing, no handler has the name,
  a thrown message matched nothing). The job stays, `failed`, until retried.
- `step`: an engine step failed (a script or expression error). The case is `failed`
  with the element and message; its state is the last good one with the errored
  task in ERROR. Every failure opens one (the projection sees the failed status).

`retry_incident(id, data=...)` merges corrected data into the task concerned, then
puts the job back (attempts reset, due now) or sets the ERROR task READY, the case
running, and runs engine steps. `correct_case_data` changes data without retrying.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.orm import Session

from engine import clock
from engine.access import policy
from engine.access.users import Actor
from engine.errors import CaseNotActive, CaseStuck, Conflict, InvalidInput, NotFound
from engine.i18n import N_, msg, state_word
from engine.notify import triggers as tell
from engine.runtime.case_status import require_reason
from engine.runtime.cases import advance
from engine.runtime.context import OpenCase
from engine.runtime.data import case_data, check_data
from engine.runtime.history import EventKind, record
from engine.runtime.persistence import open_case, save_case
from engine.store.models import (
    Case,
    CaseStatus,
    Incident,
    IncidentKind,
    Job,
    JobKind,
    JobStatus,
    OutboxMessage,
    OutboxStatus,
)


@dataclass(frozen=True)
class IncidentView:
    id: int
    kind: str
    case_id: int | None
    job_id: int | None
    element_id: str | None
    handler: str | None
    error: str
    attempts: int
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None

    @classmethod
    def of(cls, row: Incident) -> IncidentView:
        return cls(row.id, row.kind, row.case_id, row.job_id, row.element_id, row.handler, row.error,
                   row.attempts, row.created_at, row.resolved_at, row.resolution)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def open_job_incident(session: Session, job: Job, error: str) -> Incident:
    incident = Incident(kind=IncidentKind.JOB, case_id=job.case_id, job_id=job.id,
                        element_id=job.element_id, handler=job.handler, error=error[:4000],
                        attempts=job.attempts, created_at=clock.now())
    session.add(incident)
    if job.kind == JobKind.MESSAGE and job.payload:
        message = session.get(OutboxMessage, job.payload.get("message_id"))
        if message is not None:
            message.status = OutboxStatus.UNDELIVERABLE
            incident.element_id = incident.element_id or f"message:{message.name}"
    if incident.case_id is not None:  # a case's work: its staff hear of it (not the mail's own jobs)
        session.flush()
        case = session.get(Case, incident.case_id)
        if case is not None:
            tell.case_incident(session, case, key=f"job:{incident.id}", element_id=incident.element_id,
                               error=incident.error)
    return incident


@cache
def _open_incidents_query() -> Select[Any]:
    """Built once (a case's end reads it)."""
    return (select(Incident).where(Incident.case_id == bindparam("case_id", type_=Integer),
                                   Incident.resolved_at.is_(None)).order_by(Incident.id))


def _open_incidents(session: Session, case_id: int, kind: str | None = None) -> list[Incident]:
    rows = session.scalars(_open_incidents_query(), {"case_id": case_id}).all()
    return [i for i in rows if kind is None or i.kind == kind]


_OPEN_INCIDENTS = "open_incidents"


def known_open_incidents(opened: OpenCase, rows: list[Incident]) -> None:
    """The case's open incidents as a batch read them (engine.background.timer_jobs)."""
    opened.known[_OPEN_INCIDENTS] = rows


def _case_incidents(session: Session, opened: OpenCase, kind: str | None = None) -> list[Incident]:
    none = opened.is_new or opened.has_incidents is False
    known: list[Incident] | None = [] if none else opened.known.get(_OPEN_INCIDENTS)
    if known is None:
        return _open_incidents(session, opened.case.id, kind)
    return [i for i in known if i.resolved_at is None and (kind is None or i.kind == kind)]


def project_case_incidents(session: Session, opened: OpenCase, now: datetime) -> None:
    """A failed case has one open step incident; an ended case has none."""
    case = opened.case
    if case.status == CaseStatus.FAILED:
        if not _case_incidents(session, opened, IncidentKind.STEP):
            session.add(Incident(kind=IncidentKind.STEP, case_id=case.id,
                                 element_id=case.failed_element_id,
                                 error=case.status_reason or "engine step failed", attempts=1,
                                 created_at=now))
    elif case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
        for incident in _case_incidents(session, opened):
            incident.resolved_at, incident.resolution = now, f"case {case.status}"
    opened.known.pop(_OPEN_INCIDENTS, None)  # a batch's rows serve this save only


def list_incidents(session: Session, *, case_id: int | None = None, include_resolved: bool = False,
                   limit: int = 100) -> list[IncidentView]:
    query = select(Incident)
    if case_id is not None:
        query = query.where(Incident.case_id == case_id)
    if not include_resolved:
        query = query.where(Incident.resolved_at.is_(None))
    rows = session.scalars(query.order_by(Incident.id.desc()).limit(limit)).all()
    return [IncidentView.of(r) for r in rows]


def incidents_for(session: Session, user: Actor, *, case_id: int | None = None,
                  include_resolved: bool = False, limit: int = 100) -> list[IncidentView]:
    """Incidents, for staff (a case's participants see its failure on the case page)."""
    policy.require_staff(user, msg(N_("list incidents")))
    return list_incidents(session, case_id=case_id, include_resolved=include_resolved, limit=limit)


def _incident(session: Session, incident_id: int) -> Incident:
    row = session.get(Incident, incident_id)
    if row is None:
        raise NotFound(msg(N_("unknown incident %(incident)s"), incident=incident_id),
                       incident_id=incident_id)
    if row.resolved_at is not None:
        raise Conflict(msg(N_("incident %(incident)s is already resolved (%(resolution)s)"),
                           incident=incident_id, resolution=row.resolution),
                       incident_id=incident_id)
    return row


def _unfinished(workflow: Any) -> list[Any]:
    mask = SpiffState.READY | SpiffState.WAITING | SpiffState.STARTED | SpiffState.ERROR
    return list(workflow.get_tasks(state=mask))


def _apply_changes(opened: OpenCase, changes: dict[str, Any], task_id: str | None = None) -> None:
    """Merge changes into the given task, or into every unfinished task and the last one."""
    workflow = opened.workflow
    if task_id is not None:
        task = workflow.get_task_from_id(UUID(task_id))
        targets = [task] if task is not None else []
    else:
        targets = _unfinished(workflow)
        if workflow.last_task is not None:
            targets.append(workflow.last_task)
    for task in targets:
        task.data.update(changes)


def correct_case_data(session: Session, case_id: int, *, user: str | None, changes: Any,
                      reason: str | None = None, as_operator: bool = False) -> dict[str, Any]:
    """Change the data the case's open and errored tasks see; recorded as DATA_CORRECTED."""
    values = check_data(changes, msg(N_("changes")))
    if not values:
        raise InvalidInput(msg(N_("no data changes given")), field="changes")
    opened = open_case(session, case_id)
    if opened.case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
        raise CaseNotActive(msg(N_("case %(case)s is %(status)s; its data cannot change"), case=case_id,
                                status=state_word(str(opened.case.status))),
                            case_id=case_id, status=opened.case.status)
    before = case_data(opened)
    _apply_changes(opened, values)
    save_case(session, opened)
    record(session, case_id, EventKind.DATA_CORRECTED, user=user, reason=reason,
           data={"changes": values, "before": {k: before.get(k) for k in values}},
           as_operator=as_operator)
    return case_data(opened)


def retry_incident(session: Session, incident_id: int, *, user: Actor, reason: str,
                   data: Any = None) -> IncidentView:
    """Staff retry what the incident holds, after merging corrected `data` into the task concerned.

    Afterwards the case has an open task, a job or a message it waits for, or it ended:
    a retry that would leave it with none of these is refused (`CaseStuck`).
    """
    policy.require_staff(user, msg(N_("retry an incident")))
    text = require_reason(reason, msg(N_("retry an incident")))
    incident = _incident(session, incident_id)
    changes = check_data(data)
    # Resolved first: if the retry fails again, the projection opens a fresh incident.
    incident.resolved_at, incident.resolved_by = clock.now(), user.username
    incident.resolution = f"retried: {text}"[:255]
    session.flush()
    if incident.kind == IncidentKind.JOB:
        _retry_job(session, incident, changes, user, text)
    else:
        _retry_step(session, incident, changes, user, text)
    session.flush()
    return IncidentView.of(incident)


def _retry_job(session: Session, incident: Incident, changes: dict[str, Any], user: Actor,
               reason: str) -> None:
    job = session.get(Job, incident.job_id) if incident.job_id else None
    if job is None:
        raise Conflict(msg(N_("the job of incident %(incident)s no longer exists (its task was "
                           "completed or cancelled)"), incident=incident.id), incident_id=incident.id)
    if changes and job.case_id is not None and job.spiff_task_id:
        opened = open_case(session, job.case_id)
        opened.job_at_work = True
        _apply_changes(opened, changes, job.spiff_task_id)
        save_case(session, opened)
        record(session, job.case_id, EventKind.DATA_CORRECTED, user=user.username,
               element_id=job.element_id, data={"changes": changes, "incident_id": incident.id},
               as_operator=user.operator)
    job.status, job.attempts, job.due_at = JobStatus.READY, 0, clock.now()
    job.locked_by = job.locked_until = None
    if job.kind == JobKind.MESSAGE and job.payload:
        message = session.get(OutboxMessage, job.payload.get("message_id"))
        if message is not None and message.status == OutboxStatus.UNDELIVERABLE:
            message.status = OutboxStatus.PENDING
    if job.case_id is not None:
        record(session, job.case_id, EventKind.CASE_RETRIED, user=user.username,
               element_id=job.element_id, reason=f"{reason} (incident {incident.id})",
               as_operator=user.operator)


def _retry_step(session: Session, incident: Incident, changes: dict[str, Any], user: Actor,
                reason: str) -> None:
    assert incident.case_id is not None
    opened = open_case(session, incident.case_id)
    case = opened.case
    if case.status != CaseStatus.FAILED:
        raise CaseNotActive(msg(N_("case %(case)s is %(status)s, not failed"), case=case.id,
                                status=state_word(str(case.status))), case_id=case.id,
                            status=case.status)
    errored = opened.workflow.get_tasks(state=SpiffState.ERROR)
    for task in errored:
        task.data.update(changes)
        task._set_state(SpiffState.READY)
    if changes and not errored:
        _apply_changes(opened, changes)
    case.status, case.status_reason, case.failed_element_id = CaseStatus.RUNNING, None, None
    record(session, case.id, EventKind.CASE_RETRIED, user=user.username,
           element_id=incident.element_id, reason=f"{reason} (incident {incident.id})",
           data={"changes": changes} if changes else None, as_operator=user.operator)
    advance(session, opened, user=user.username)
    if opened.case.status == CaseStatus.RUNNING and not _has_work(opened.workflow):
        raise CaseStuck(msg(N_("retrying incident %(incident)s would leave case %(case)s running with "
                            "nothing to do (no task ready or waiting); correct its data or cancel it"),
                            incident=incident.id, case=case.id),
                        case_id=case.id, incident_id=incident.id)


def _has_work(workflow: Any) -> bool:
    if workflow.is_completed():
        return True
    waiting = SpiffState.READY | SpiffState.WAITING | SpiffState.STARTED
    tasks = list(workflow.tasks.values())
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.tasks.values())
    return any(t.has_state(waiting) for t in tasks)


def retry_case(session: Session, case_id: int, *, user: Actor, reason: str,
               data: Any = None) -> list[IncidentView]:
    """Retry every open incident of a case (the failed step, or its failed jobs)."""
    policy.require_staff(user, msg(N_("retry a case")))
    open_rows = _open_incidents(session, case_id)
    if not open_rows:
        raise NotFound(msg(N_("case %(case)s has no open incident"), case=case_id), case_id=case_id)
    return [retry_incident(session, row.id, user=user, reason=reason, data=data) for row in open_rows]
