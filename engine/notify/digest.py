"""The daily digest: one e-mail per person gathering what they chose to hear about daily.

One `digest` job (scheduled by the workers that have SMTP settings) runs every day at
`DIGEST_HOUR` (UTC): for each person with undigested notifications it writes one
`outgoing_mail` (Message-ID `<digest-USER-DATE@domain>`) and marks those notifications as
carried by it, in the job's transaction; then it is due again the next day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.notify.fanout import mail_for
from engine.notify.mail import Item, MailSettings
from engine.store.models import Job, JobKind, JobStatus, Notification, OutgoingMail, User

DIGEST_KEY = "digest"
DIGEST_LIMIT = 200
"""Items listed in one digest (the oldest first; the rest wait for the next one)."""


def next_run(now: datetime, hour: int) -> datetime:
    moment = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


def schedule_digest(session: Session, settings: MailSettings | None) -> Job | None:
    """Make sure the digest job exists (when this worker can send mail)."""
    if settings is None:
        return None
    job = session.scalar(select(Job).where(Job.key == DIGEST_KEY))
    if job is None:
        now = clock.now()
        job = Job(key=DIGEST_KEY, kind=JobKind.DIGEST, status=JobStatus.READY,
                  due_at=next_run(now, settings.digest_hour), attempts=0, max_attempts=3,
                  created_at=now, payload={"hour": settings.digest_hour})
        session.add(job)
    return job


def send_digests(session: Session, settings: MailSettings) -> int:
    """Write today's digest mails; returns how many."""
    now = clock.now()
    rows = session.scalars(select(Notification).where(
        Notification.email == "daily", Notification.mail_id.is_(None), Notification.created_at <= now)
        .order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    written = 0
    day = now.date().isoformat()
    for user_id, notifications in by_user.items():
        user = session.get(User, user_id)
        if user is None or not user.email or not user.active:
            continue
        message_id = f"<digest-{user_id}-{day}@{settings.domain}>"
        if session.scalar(select(OutgoingMail.id).where(OutgoingMail.message_id == message_id)):
            continue  # today's is written already
        chosen = notifications[:DIGEST_LIMIT]
        mail = mail_for(session, user, message_id=message_id, settings=settings, digest=True,
                        items=[Item(n.subject, n.body, n.link) for n in chosen])
        for notification in chosen:
            notification.mail_id = mail.id
        written += 1
    return written


def run_digest_job(session: Session, job: Job, settings: MailSettings | None) -> str:
    job.locked_by = job.locked_until = None
    job.attempts = 0
    hour = settings.digest_hour if settings is not None else int((job.payload or {}).get("hour", 7))
    job.due_at = next_run(clock.now(), hour)
    if settings is None:
        return "no SMTP settings"
    return f"{send_digests(session, settings)} digest(s)"


__all__ = ["DIGEST_KEY", "next_run", "run_digest_job", "schedule_digest", "send_digests"]
