"""Figures read from the database at scrape time: the job queue and open incidents.

They describe the shared store, not one process, so every node reports the same
values (aggregate them with `max`, not `sum`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.store.db import as_utc
from engine.store.models import Incident, Job, JobStatus


@dataclass(frozen=True)
class StoreStats:
    due_by_kind: dict[str, int] = field(default_factory=dict)
    """Jobs that are ready, due and not leased: waiting for a worker."""
    leased_by_kind: dict[str, int] = field(default_factory=dict)
    """Jobs a worker holds a live lease on: running now."""
    expired_leases: int = 0
    """Jobs whose lease ran out without being released (their worker died or hangs)."""
    parked: int = 0
    oldest_due_age_seconds: float = 0.0
    incidents_open_by_kind: dict[str, int] = field(default_factory=dict)


def store_stats(session: Session) -> StoreStats:
    now = clock.now()
    ready_due = [Job.status == JobStatus.READY, Job.due_at <= now]
    free = or_(Job.locked_until.is_(None), Job.locked_until < now)
    due = dict(session.execute(select(Job.kind, func.count()).where(*ready_due, free)
                               .group_by(Job.kind)).tuples().all())
    leased = dict(session.execute(select(Job.kind, func.count()).where(
        Job.status == JobStatus.READY, Job.locked_until >= now).group_by(Job.kind)).tuples().all())
    expired = session.scalar(select(func.count()).select_from(Job).where(
        Job.status == JobStatus.READY, Job.locked_by.is_not(None), Job.locked_until < now)) or 0
    parked = session.scalar(select(func.count()).select_from(Job)
                            .where(Job.status == JobStatus.PARKED)) or 0
    oldest: datetime | None = as_utc(session.scalar(select(func.min(Job.due_at)).where(*ready_due, free)))
    incidents = dict(session.execute(select(Incident.kind, func.count())
                                     .where(Incident.resolved_at.is_(None))
                                     .group_by(Incident.kind)).tuples().all())
    return StoreStats(due_by_kind=due, leased_by_kind=leased, expired_leases=expired, parked=parked,
                      oldest_due_age_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
                      incidents_open_by_kind=incidents)
