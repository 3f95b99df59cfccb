"""The notification outbox: a `notify:<event key>` job carrying the whole event, written in
the caller's transaction, so that what caused it and the news of it commit (or roll back)
together.

The `notification_event` row is not written here but by the job when a worker runs it
(`recorded_event`, called by engine.notify.fanout): the step that causes an event pays one
INSERT for the job (often shared with other jobs) and none for the event. Notifications
still reference an event row, written before them in the job's transaction.

`key` names the event once (`task:12`, `due_soon:12`, `mention:7` ...): emitting the same
key twice keeps the first, so a step that runs again tells nobody twice. The first is found
as its job while it waits and as its event once the job ran (done jobs are deleted).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, exists, insert, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.store.direct import run_later
from engine.store.models import Case, Job, JobKind, JobStatus, NotificationEvent

NOTIFY_ATTEMPTS = 5
JOB_PREFIX = "notify:"
KEY_LENGTH = 300 - len(JOB_PREFIX)
"""Event keys are cut so that the job's key (`notify:` + the event's) fits its column too."""


def emit(session: Session, kind: str, key: str, recipients: Iterable[str], *,
         case_id: int | None = None, task_id: int | None = None, actor: str | None = None,
         params: dict[str, Any] | None = None, fresh: bool = False,
         jobs: list[dict[str, Any]] | None = None) -> str | None:
    """Queue the event's job; returns the event's key, None when nobody is named or the key
    was emitted already.

    `fresh`: the caller knows the key is new (a task created in this transaction), which
    saves the look-up on the case's save path. `jobs`: the job's row is appended there for
    the caller to insert with others in one statement (`insert_jobs`), not added here.
    """
    refs = sorted(set(recipients))
    if not refs or (actor is not None and refs == [f"user:{actor}"]):
        return None  # nobody to tell (nobody is told what they did themselves)
    key = key[:KEY_LENGTH]
    job_key = JOB_PREFIX + key
    if not fresh and session.scalar(select(or_(exists().where(Job.key == job_key),
                                               exists().where(NotificationEvent.key == key)))):
        return None
    now = clock.now()
    event = {"key": key, "kind": kind, "case_id": case_id, "task_id": task_id, "recipients": refs,
             "actor": actor, "params": params or {}, "created_at": now.isoformat()}
    row = dict(key=job_key, kind=JobKind.NOTIFY, status=JobStatus.READY, due_at=now, attempts=0,
               max_attempts=NOTIFY_ATTEMPTS, created_at=now, payload={"event": event})
    if jobs is None:
        session.add(Job(**row))
    else:
        jobs.append(row)
    return key


def recorded_event(session: Session, payload: dict[str, Any]) -> int | None:
    """The id of the event a `notify` job carries, written now unless a run of the job wrote it
    already; None when its case no longer exists (nobody is told of a deleted case).

    Jobs queued by an older version carry `{"event_id": N}`: their event was written with them.
    """
    if "event_id" in payload:
        return int(payload["event_id"])
    data = payload["event"]
    found = session.scalar(select(NotificationEvent.id).where(NotificationEvent.key == data["key"]))
    if found is not None:
        return found
    if data.get("case_id") is not None and session.get(Case, data["case_id"]) is None:
        return None
    event = NotificationEvent(key=data["key"], kind=data["kind"], case_id=data.get("case_id"),
                              task_id=data.get("task_id"), recipients=list(data["recipients"]),
                              actor=data.get("actor"), params=data.get("params") or {},
                              created_at=datetime.fromisoformat(data["created_at"]))
    session.add(event)
    session.flush()
    return event.id


JOB_COLUMNS = ("key", "kind", "status", "due_at", "attempts", "max_attempts", "created_at", "payload")


def insert_jobs(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert job rows (no ids needed back) in one statement."""
    if rows:
        run_later(session, _job_insert(), [{c: row.get(c) for c in JOB_COLUMNS} for row in rows])


@cache
def _job_insert() -> Insert:
    """Without RETURNING: SQLAlchemy's multi-row rewriting of a RETURNING insert was three
    quarters of a step's notification cost; several rows go as one `executemany` (one call into
    SQLite, one round trip with psycopg: engine.store.batch)."""
    table = Job.__table__
    assert isinstance(table, Table)
    return insert(table)


__all__ = ["NOTIFY_ATTEMPTS", "emit", "insert_jobs", "recorded_event"]
