"""The notification outbox: an event and its `notify:<id>` job, written in the caller's
transaction, so that what caused it and the news of it commit (or roll back) together.

`key` names the event once (`task:12`, `due_soon:12`, `mention:7` ...): emitting the same
key twice keeps the first, so a step that runs again tells nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine import clock
from engine.store.models import Job, JobKind, JobStatus, NotificationEvent

NOTIFY_ATTEMPTS = 5


def emit(session: Session, kind: str, key: str, recipients: Iterable[str], *,
         case_id: int | None = None, task_id: int | None = None, actor: str | None = None,
         params: dict[str, Any] | None = None, fresh: bool = False,
         jobs: list[dict[str, Any]] | None = None) -> NotificationEvent | None:
    """Write the event and its job; None when nobody is named or the key exists already.

    `fresh`: the caller knows the key is new (a task created in this transaction), which
    saves the look-up on the case's save path. `jobs`: the job's row is appended there for
    the caller to insert with others in one statement (`insert_jobs`), not added here.
    """
    refs = sorted(set(recipients))
    if not refs or (actor is not None and refs == [f"user:{actor}"]):
        return None  # nobody to tell (nobody is told what they did themselves)
    key = key[:300]
    if not fresh and session.scalar(select(NotificationEvent.id).where(NotificationEvent.key == key)):
        return None
    now = clock.now()
    event = NotificationEvent(key=key, kind=kind, case_id=case_id, task_id=task_id, recipients=refs,
                              actor=actor, params=params or {}, created_at=now)
    session.add(event)
    session.flush()
    row = dict(key=f"notify:{event.id}", kind=JobKind.NOTIFY, status=JobStatus.READY, due_at=now,
               attempts=0, max_attempts=NOTIFY_ATTEMPTS, created_at=now, payload={"event_id": event.id})
    if jobs is None:
        session.add(Job(**row))
    else:
        jobs.append(row)
    return event


JOB_COLUMNS = ("key", "kind", "status", "due_at", "attempts", "max_attempts", "created_at", "payload")


def insert_jobs(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert job rows (no ids needed back) in one statement."""
    if rows:
        session.execute(insert(Job).values([{c: row.get(c) for c in JOB_COLUMNS} for row in rows]))


__all__ = ["NOTIFY_ATTEMPTS", "emit", "insert_jobs"]
