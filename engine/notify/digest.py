"""The daily digest: one e-mail per person gathering what they chose to hear about daily.

One `digest` job (scheduled by the workers that have SMTP settings) runs at the top of every
hour. A person's digest goes out once a day, at the first run at or after `DIGEST_HOUR` in their
own time zone (7 means 07:00 in Beijing for the Secretariat and 07:00 in Lisbon for a
Portuguese member): it is one `outgoing_mail` (Message-ID `<digest-USER-LOCALDATE@domain>`, so
a run repeated after a crash writes nothing twice) carrying those notifications, written in
the job's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.notify.fanout import mail_for
from engine.notify.mail import Item, MailSettings
from engine.store.models import Job, JobKind, JobStatus, Notification, OutgoingMail, User

DIGEST_KEY = "digest"
DIGEST_LIMIT = 200
"""Items listed in one digest (the oldest first; the rest wait for the next one)."""


def next_run(now: datetime) -> datetime:
    """The next top of the hour."""
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _local(now: datetime, zone: str | None) -> datetime:
    try:
        return now.astimezone(ZoneInfo(zone or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return now.astimezone(ZoneInfo("UTC"))


def schedule_digest(session: Session, settings: MailSettings | None) -> Job | None:
    """Make sure the digest job exists (when this worker can send mail)."""
    if settings is None:
        return None
    job = session.scalar(select(Job).where(Job.key == DIGEST_KEY))
    if job is None:
        now = clock.now()
        job = Job(key=DIGEST_KEY, kind=JobKind.DIGEST, status=JobStatus.READY,
                  due_at=next_run(now), attempts=0, max_attempts=3,
                  created_at=now, payload={"hour": settings.digest_hour})
        session.add(job)
    return job


def send_digests(session: Session, settings: MailSettings) -> int:
    """Write the digest of everyone whose digest hour has come today in their zone; how many."""
    now = clock.now()
    rows = session.scalars(select(Notification).where(
        Notification.email == "daily", Notification.mail_id.is_(None), Notification.created_at <= now)
        .order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    written = 0
    for user_id, notifications in by_user.items():
        user = session.get(User, user_id)
        if user is None or not user.email or not user.active:
            continue
        local = _local(now, user.timezone)
        if local.hour < settings.digest_hour:
            continue  # their digest hour has not come yet today
        message_id = f"<digest-{user_id}-{local.date().isoformat()}@{settings.domain}>"
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
    job.due_at = next_run(clock.now())
    if settings is None:
        return "no SMTP settings"
    return f"{send_digests(session, settings)} digest(s)"


__all__ = ["DIGEST_KEY", "next_run", "run_digest_job", "schedule_digest", "send_digests"]
