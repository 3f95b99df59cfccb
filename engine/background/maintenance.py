"""Scheduled upkeep run by the workers: history retention (engine.runtime.archive) and the
purge of expired idempotency keys (engine.access.idempotency).

Every worker makes sure the `upkeep` job exists; whichever claims it forgets the API's
idempotency keys older than `IDEMPOTENCY_KEEP` and schedules it `UPKEEP_EVERY` later.

A worker started with an archive period (`alliance worker --archive-after-days N` or
`$ALLIANCE_ARCHIVE_AFTER_DAYS`) keeps one durable job, key `archive`, whose payload
holds the period. Whichever worker claims it archives one batch, then schedules it
again (at once while more remain, else `ARCHIVE_EVERY` later); the job's lease keeps
two workers from running it at once. Give every worker the same period; 0 removes the schedule.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.access.idempotency import purge as purge_idempotency_keys
from engine.runtime.archive import BATCH, ArchiveResult, archive_finished_cases
from engine.store.models import Job, JobKind, JobStatus

ARCHIVE_KEY = "archive"
ARCHIVE_EVERY = timedelta(hours=1)
UPKEEP_KEY = "upkeep"
UPKEEP_EVERY = timedelta(hours=1)
IDEMPOTENCY_KEEP = timedelta(hours=24)
"""A retried request is answered from its key for this long (clients retry within minutes)."""


def schedule_upkeep(session: Session) -> Job:
    job = session.scalar(select(Job).where(Job.key == UPKEEP_KEY))
    if job is None:
        job = Job(key=UPKEEP_KEY, kind=JobKind.UPKEEP, status=JobStatus.READY, due_at=clock.now(),
                  attempts=0, max_attempts=3, created_at=clock.now(), payload={})
        session.add(job)
    return job


def run_upkeep_job(session: Session, job: Job) -> int:
    """Forget expired idempotency keys; returns how many; due again `UPKEEP_EVERY` later."""
    forgotten = purge_idempotency_keys(session, clock.now() - IDEMPOTENCY_KEEP)
    job.locked_by = job.locked_until = None
    job.attempts = 0
    job.due_at = clock.now() + UPKEEP_EVERY
    return forgotten


def schedule_archive(session: Session, after_days: float | None) -> Job | None:
    """Create, update or (with 0) remove the archive job; None leaves it as it is."""
    if after_days is None:
        return None
    job = session.scalar(select(Job).where(Job.key == ARCHIVE_KEY))
    if after_days <= 0:
        if job is not None:
            session.delete(job)
        return None
    payload = {"after_days": after_days}
    if job is None:
        job = Job(key=ARCHIVE_KEY, kind=JobKind.ARCHIVE, status=JobStatus.READY, due_at=clock.now(),
                  attempts=0, max_attempts=3, created_at=clock.now(), payload=payload)
        session.add(job)
    elif job.payload != payload:
        job.payload = payload
    return job


def run_archive_job(session: Session, job: Job) -> ArchiveResult:
    """Archive one batch in the job's transaction; due again at once while more remain."""
    after_days = float((job.payload or {}).get("after_days", 0))
    result = archive_finished_cases(session, older_than=timedelta(days=after_days), limit=BATCH)
    job.locked_by = job.locked_until = None
    job.attempts = 0
    job.due_at = clock.now() + (timedelta(0) if result.cases >= BATCH else ARCHIVE_EVERY)
    return result
