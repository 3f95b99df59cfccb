"""Background work: jobs, incidents, message subscriptions and the outbox.

All four are projections or queues written in the same transaction as the
case they belong to; the worker reads them, never the state blobs.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base


class JobKind(StrEnum):
    TIMER = "timer"                # fire the due timers of one case
    SERVICE = "service"            # run the handler of one READY service task
    MESSAGE = "message"            # deliver one outbox message
    START_TIMER = "start_timer"    # start a case of a process whose start event is a timer
    ARCHIVE = "archive"            # archive the history of long-finished cases, then run again later
    UPKEEP = "upkeep"              # forget expired idempotency keys, then run again later
    NOTIFY = "notify"              # fan a notification event out to the people it concerns
    MAIL = "mail"                  # send one outgoing e-mail (engine.notify.delivery)
    DEADLINE = "deadline"          # tell a task's people it is due tomorrow, then that it is overdue
    DIGEST = "digest"              # send the daily digests, then run again the next day


class JobStatus(StrEnum):
    READY = "ready"        # claimable once due
    PARKED = "parked"      # its case is suspended or failed: kept, not claimed
    FAILED = "failed"      # attempts ran out: an open incident holds it
    DONE = "done"          # a one-off start timer that has fired (kept so it is not re-created)


class Job(Base):
    """A durable unit of background work with a due time, attempts and a lease.

    `key` makes the projection idempotent: one timer job per case
    (`timer:<case>`), one job per service task (`service:<case>:<task>`), one per
    outbox message (`message:<id>`), one per timer-started process (`start:<pid>`),
    one per notification event (`notify:<event key>`), e-mail (`mail:<id>`) and task with a due
    date (`deadline:<task>`), and one `digest`. Notification jobs carry no case id: they
    are not the case's work, and a case's save never removes or parks them.
    """

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.READY)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"))
    element_id: Mapped[str | None] = mapped_column(String(255))
    spiff_task_id: Mapped[str | None] = mapped_column(String(36))
    handler: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


Index("ix_job_claim", Job.status, Job.due_at)
Index("ix_job_case", Job.case_id)
# The worker claims timers and the other kinds separately (engine.background.jobs.claim), in due
# order: each from its own partial index, so that claiming a mail does not step over 10,000 due
# timers (bench/bench_worker.py) and claiming timers does not step over a mail backlog.
_READY_TIMERS = "kind = 'timer' AND status = 'ready'"
_READY_OTHERS = "kind <> 'timer' AND status = 'ready'"
Index("ix_job_claim_timers", Job.due_at, Job.id, postgresql_where=text(_READY_TIMERS),
      sqlite_where=text(_READY_TIMERS))
Index("ix_job_claim_others", Job.due_at, Job.id, postgresql_where=text(_READY_OTHERS),
      sqlite_where=text(_READY_OTHERS))


class IncidentKind(StrEnum):
    JOB = "job"      # a job ran out of attempts (service handler, undeliverable message)
    STEP = "step"    # an engine step failed (script or expression error): the case is failed


class Incident(Base):
    """Something the Secretariat must look at; `alliance retry` resolves it."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    element_id: Mapped[str | None] = mapped_column(String(255))
    handler: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolution: Mapped[str | None] = mapped_column(String(40))


Index("ix_incident_open", Incident.resolved_at, Incident.id)
Index("ix_incident_case", Incident.case_id, Incident.resolved_at)


class MessageSubscription(Base):
    """A case waiting for a message: name plus canonical correlation values.

    `correlation` is the canonical JSON of the correlation values (`{"initiative_id": "7"}`),
    or '' when the waiting event does not correlate (any message of that name).
    """

    __tablename__ = "message_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"))
    message_name: Mapped[str] = mapped_column(String(255))
    correlation: Mapped[str] = mapped_column(String(1000), default="")
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]


Index("ix_subscription_lookup", MessageSubscription.message_name, MessageSubscription.correlation)
Index("ix_subscription_case", MessageSubscription.case_id)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"


class OutboxMessage(Base):
    """A message thrown by a case (or sent from outside), written in the thrower's transaction."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    correlation: Mapped[str] = mapped_column(String(1000), default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_instance.id", ondelete="SET NULL"))
    source_element_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING)
    delivered_to: Mapped[list[int] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


Index("ix_outbox_status", OutboxMessage.status, OutboxMessage.id)
