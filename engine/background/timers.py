"""Durable timers: the due times of waiting timer events, as jobs.

- Intermediate and boundary timers: on every save the earliest due time among the
  case's waiting timer events becomes its one `timer:<case>` job. When the job is
  due the worker opens the case, SpiffWorkflow refreshes its timers (reading the
  engine clock) and runs engine steps; the save re-projects the next due time.
- SpiffWorkflow compares `due < now` strictly, so the job is due one microsecond
  after the timer.
- Cycles (`R/P1M`): missed occurrences collapse into one firing (engine.runtime.spiff_patches).
- Timer start events: the latest version of each process whose start event is a
  timer gets one `start:<process id>` job (`sync_start_timers`, run by the worker on
  each poll). Its value must be a literal (there is no case data yet). A date fires
  once; a duration fires once, that long after the worker first saw the version; a
  cycle starts a case per occurrence (missed occurrences collapse into one). Each
  firing starts a case of the latest version with its start event already fired.
"""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.background.jobs import upsert_job
from engine.definitions.deployment import load_definition
from engine.runtime.cases import start_case
from engine.runtime.context import OpenCase
from engine.store.models import Job, JobKind, JobStatus, ProcessDefinition

EPSILON = timedelta(microseconds=1)


def timer_definitions(task: Any) -> list[TimerEventDefinition]:
    """The timer definitions a waiting task holds (an event-based gateway holds several)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return [definition]
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)]
    return []


def timer_due(task: Any, definition: TimerEventDefinition | None = None) -> datetime | None:
    """When a waiting timer task fires next, from SpiffWorkflow's internal data."""
    definition = definition or task.task_spec.event_definition
    value = task._get_internal_data("event_value")
    try:
        if isinstance(definition, CycleTimerEventDefinition):
            if not isinstance(value, dict) or value.get("cycles") == 0:
                return clock.now()  # the cycle completes on the next refresh
            return datetime.fromisoformat(value["next"])
        if value is None:
            return None
        if isinstance(definition, DurationTimerEventDefinition):
            return TimerEventDefinition.get_datetime(value)  # type: ignore[no-any-return]
        if isinstance(definition, TimeDateEventDefinition):
            parsed = TimerEventDefinition.parse_time_or_duration(value)
            return parsed if isinstance(parsed, datetime) else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return None


def waiting_timers(workflow: Any) -> list[tuple[Any, datetime]]:
    out: list[tuple[Any, datetime]] = []
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(SpiffState.WAITING):
            continue
        for definition in timer_definitions(task):
            due = timer_due(task, definition)
            if due is not None:
                out.append((task, due))
    return out


def next_due(workflow: Any) -> datetime | None:
    dues = [due for _task, due in waiting_timers(workflow)]
    return min(dues) if dues else None


def project_timer_job(session: Session, opened: OpenCase, existing: dict[str, Job],
                      now: datetime) -> dict[str, Job]:
    """The case's `timer:<id>` job at its earliest timer (or none), naming that timer's element
    (the dashboards mark it)."""
    waiting = waiting_timers(opened.workflow)
    if not waiting:
        return {}
    task, due = min(waiting, key=lambda pair: pair[1])
    key = f"timer:{opened.case.id}"
    previous = existing.get(key)
    changed = previous is not None and previous.due_at != due + EPSILON
    job = upsert_job(session, existing, key=key, kind=JobKind.TIMER, due_at=due + EPSILON,
                     case_id=opened.case.id, now=now,
                     element_id=getattr(task.task_spec, "bpmn_id", None))
    if changed:  # a new due time: a fresh job (a running worker's lease on the old one ends)
        job.locked_by, job.locked_until, job.attempts = None, None, 0
    return {key: job}


# --- timer start events --------------------------------------------------------------


def start_timer_value(definition: Any) -> tuple[str, str] | None:
    """(kind, literal value) of the process's timer start event, if it has one."""
    for spec in definition.spec.task_specs.values():
        event = getattr(spec, "event_definition", None)
        if type(spec).__name__ != "StartEvent" or not isinstance(event, TimerEventDefinition):
            continue
        try:
            value = ast.literal_eval(event.expression)
        except (ValueError, SyntaxError):
            return None
        if not isinstance(value, str):
            return None
        kind = ("cycle" if isinstance(event, CycleTimerEventDefinition) else
                "duration" if isinstance(event, DurationTimerEventDefinition) else "date")
        return kind, value
    return None


def _schedule(kind: str, value: str, now: datetime) -> dict[str, Any]:
    if kind == "date":
        return {"next": TimerEventDefinition.get_datetime(value).isoformat(), "cycles": 1}
    if kind == "duration":
        delta = TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(value), now)
        return {"next": (now + delta).isoformat(), "cycles": 1}
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
    return {"next": start.isoformat(), "cycles": cycles, "duration": duration.total_seconds()}


def sync_start_timers(session: Session) -> int:
    """One `start:<pid>` job per latest definition with a timer start event; returns how many."""
    now = clock.now()
    latest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.process_id).subquery())
    rows = session.scalars(select(ProcessDefinition).join(
        latest, (ProcessDefinition.process_id == latest.c.process_id)
        & (ProcessDefinition.version == latest.c.v))).all()
    jobs = {j.key: j for j in session.scalars(select(Job).where(Job.kind == JobKind.START_TIMER))}
    count = 0
    for row in rows:
        key = f"start:{row.process_id}"
        value = start_timer_value(load_definition(session, row))
        job = jobs.pop(key, None)
        if value is None:
            if job is not None:
                session.delete(job)
            continue
        count += 1
        payload = {"definition_id": row.id, "kind": value[0], "value": value[1]}
        if job is not None and job.payload and job.payload.get("kind") == value[0] \
                and job.payload.get("value") == value[1]:
            if job.payload.get("definition_id") != row.id:  # same schedule, newer version
                job.payload = {**job.payload, "definition_id": row.id}
            continue
        try:
            schedule = _schedule(value[0], value[1], now)
        except Exception:  # an unparsable literal: no job, the deploy validation reports it
            continue
        payload.update(schedule)
        due = datetime.fromisoformat(schedule["next"]) + EPSILON
        if job is None:
            session.add(Job(key=key, kind=JobKind.START_TIMER, status=JobStatus.READY, due_at=due,
                            attempts=0, max_attempts=3, payload=payload, created_at=now))
        else:
            job.payload, job.due_at, job.status, job.attempts = payload, due, JobStatus.READY, 0
    for job in jobs.values():
        session.delete(job)
    session.flush()
    return count


def fire_start_timer(session: Session, job: Job) -> int | None:
    """Start a case of the latest version with its timer start event fired; reschedule the job."""
    payload = dict(job.payload or {})
    definition = session.get(ProcessDefinition, payload.get("definition_id"))
    if definition is None:
        session.delete(job)
        return None

    def fire(workflow: Any) -> None:
        """Fire the new case's start event once (a cycle here would repeat inside the case)."""
        workflow.do_engine_steps()
        for task in list(workflow.event_manager.tasks.values()):
            if type(task.task_spec).__name__ != "StartEvent":
                continue
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
                past = (clock.now() - timedelta(seconds=1)).isoformat()
                task._set_internal_data(event_value={"cycles": 1, "next": past, "duration": 0})
            else:
                task._set_internal_data(event_fired=True)

    view = start_case(session, definition.process_id, user=None, version=definition.version,
                      prepare=fire)
    now = clock.now()
    remaining = int(payload.get("cycles", 1))  # occurrences left including this one; -1 = unbounded
    if payload.get("kind") != "cycle" or remaining == 1:
        job.status, job.payload = JobStatus.DONE, {**payload, "cycles": 0}
        return view.id
    remaining = remaining - 1 if remaining > 0 else remaining
    step = timedelta(seconds=float(payload["duration"]))
    next_at = datetime.fromisoformat(payload["next"]) + step
    if step.total_seconds() > 0 and next_at < now:  # missed occurrences collapse into this one
        skipped = -((next_at - now) // step)
        next_at += step * skipped
        remaining = max(remaining - skipped, 0) if remaining > 0 else remaining
    payload.update(next=next_at.isoformat(), cycles=remaining)
    job.payload, job.due_at, job.attempts = payload, next_at + EPSILON, 0
    if remaining == 0:
        job.status = JobStatus.DONE
    return view.id
