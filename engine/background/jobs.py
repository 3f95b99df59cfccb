"""The job table: claiming with a lease, failing with backoff, finishing.

Rules (see README, "Background worker"):
- A job is claimable when `status = 'ready'`, `due_at <= now` and it has no live lease
  (`locked_until` is null or past). Claiming sets `locked_by`, `locked_until = now + lease`
  and counts one attempt, in its own short transaction. On PostgreSQL the candidates are
  read with `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait for or take the
  same rows; on SQLite `BEGIN IMMEDIATE` serializes the claim and the update is
  conditional on the lease still being free.
- A worker that dies leaves its lease to expire; the job is then claimed again (the
  attempt it used counts). The case's version check makes a late duplicate lose.
- A failed attempt is retried after `BACKOFF_BASE * 2**(attempt-1)` (capped at
  `BACKOFF_CAP`); when `attempts >= max_attempts` the job becomes `failed` and an
  incident is opened (engine.background.incidents).
- What a case's save projects (timers, service jobs, subscriptions, the outbox,
  incidents) is engine.background.projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, literal, or_, select, update
from sqlalchemy.orm import Session

from engine import clock
from engine.background.incidents import open_job_incident
from engine.observability.metrics import LEASE_EXPIRIES, count_after_commit
from engine.store.models import Job, JobKind, JobStatus

DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_MAX_ATTEMPTS = 3
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(minutes=10)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    case_id: int | None
    attempt: int


def backoff(attempt: int) -> timedelta:
    """Delay before the next attempt after attempt number `attempt` (1-based) failed."""
    return min(BACKOFF_BASE * (2 ** max(attempt - 1, 0)), BACKOFF_CAP)


def _inline(value: str) -> Any:
    """A constant written into the SQL, not bound: the planner then sees that a claim matches
    a partial index's condition (kind = 'timer' AND status = 'ready'; engine.store.models.jobs)."""
    return literal(value, literal_execute=True)


def _claimable(now: datetime) -> list[ColumnElement[bool]]:
    return [Job.status == _inline(JobStatus.READY), Job.due_at <= now,
            or_(Job.locked_until.is_(None), Job.locked_until < now)]


def claim(session: Session, worker_id: str, *, limit: int = 10,
          lease: timedelta = DEFAULT_LEASE, timers: bool | None = None) -> list[ClaimedJob]:
    """Claim up to `limit` due jobs for `worker_id` in one statement; the caller commits right away.

    `timers`: True claims only timer jobs, False every kind but timers, None any kind.
    The candidates (a CTE, `FOR UPDATE SKIP LOCKED` on PostgreSQL) and the lease are one
    UPDATE ... FROM ... RETURNING: one round trip however many jobs are claimed."""
    now = clock.now()
    where = _claimable(now)
    if timers is not None:
        timer = _inline(JobKind.TIMER)
        where.append(Job.kind == timer if timers else Job.kind != timer)
    picked = select(Job.id.label("id"), Job.locked_by.label("previous")).where(*where) \
        .order_by(Job.due_at, Job.id).limit(limit)
    lease_values = dict(locked_by=worker_id, locked_until=now + lease, attempts=Job.attempts + 1)
    returned = (Job.id, Job.kind, Job.case_id, Job.attempts, Job.due_at)
    if session.get_bind().dialect.name == "postgresql":
        chosen = picked.with_for_update(skip_locked=True).cte("chosen")
        rows: list[Any] = list(session.execute(
            # by id alone: the CTE locked rows that meet `where` (re-checked under the lock);
            # repeating it here led the planner to walk every due job to join them
            update(Job).where(Job.id == chosen.c.id).values(**lease_values)
            .returning(*returned, chosen.c.previous)
            .execution_options(synchronize_session=False)).all())
    else:  # SQLite (BEGIN IMMEDIATE: no one else claims meanwhile; no round trip to save)
        previous = dict(session.execute(picked).tuples().all())
        rows = [(*r, previous[r[0]]) for r in session.execute(
            update(Job).where(Job.id.in_(previous), *where).values(**lease_values)
            .returning(*returned).execution_options(synchronize_session=False)).all()] \
            if previous else []
    rows = sorted(rows, key=lambda r: (r[4], r[0]))
    claimed = [ClaimedJob(r[0], r[1], r[2], r[3]) for r in rows]
    expired = sum(r[5] is not None for r in rows)  # its holder never released it: the lease ran out
    if expired:
        count_after_commit(session, lambda: LEASE_EXPIRIES.inc(expired))
    return claimed


def holds_lease(session: Session, job_id: int, worker_id: str) -> Job | None:
    """The job if `worker_id` still holds its lease (else another worker took it over)."""
    job = session.get(Job, job_id)
    if job is None or job.locked_by != worker_id:
        return None
    return job


def release(session: Session, job_id: int, worker_id: str, *, due_at: datetime | None = None,
            refund_attempt: bool = False, status: str | None = None) -> None:
    """Give the lease back, optionally rescheduling; `refund_attempt` for a lost race."""
    values: dict[str, object] = {"locked_by": None, "locked_until": None}
    if due_at is not None:
        values["due_at"] = due_at
    if refund_attempt:
        values["attempts"] = Job.attempts - 1
    if status is not None:
        values["status"] = status
    session.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker_id).values(**values)
                    .execution_options(synchronize_session=False))


def finish(session: Session, job_id: int) -> None:
    """Delete a job that is done (if the projection has not already removed it)."""
    job = session.get(Job, job_id)
    if job is not None:
        session.delete(job)


def record_failure(session: Session, job_id: int, worker_id: str, error: str, *,
                   retryable: bool = True) -> bool:
    """Count a failed attempt: reschedule with backoff, or open an incident.

    Returns True when an incident was opened.
    """
    job = session.get(Job, job_id)
    if job is None or job.locked_by != worker_id:
        return False
    now = clock.now()
    job.last_error = error[:4000]
    job.locked_by, job.locked_until = None, None
    if retryable and job.attempts < job.max_attempts:
        job.due_at = now + backoff(job.attempts)
        return False
    job.status = JobStatus.FAILED
    open_job_incident(session, job, error)
    return True


def upsert_job(session: Session, existing: dict[str, Job], *, key: str, kind: str, due_at: datetime,
               case_id: int | None, now: datetime, **values: object) -> Job:
    """Insert the job `key` or update its due time; used by the projections."""
    job = existing.pop(key, None)
    if job is None:
        job = Job(key=key, kind=kind, case_id=case_id, due_at=due_at, status=JobStatus.READY,
                  attempts=0, created_at=now, **values)
        session.add(job)
    else:
        if job.due_at != due_at:
            job.due_at = due_at
        for name, value in values.items():
            if getattr(job, name) != value:
                setattr(job, name, value)
    return job


def case_jobs(session: Session, case_id: int) -> dict[str, Job]:
    return {j.key: j for j in session.scalars(select(Job).where(Job.case_id == case_id)).all()}
