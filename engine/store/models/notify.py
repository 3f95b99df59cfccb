"""Notifications: the outbox of events that tell people something, what each person was
told, their preferences, and the e-mails to send.

- A `notify:<event key>` job carrying the event is written in the transaction that causes
  it (a case's save, a use case); the job writes the `notification_event` row when it runs,
  whose `key` (with the job's) makes producing it idempotent.
- The job fans it out (engine.notify.fanout): one `notification` per person who answers to
  its recipients and may see what it is about (`event_id, user_id` unique), and an
  `outgoing_mail` (with a `mail:<id>` job) for those who want an e-mail at once.
- `outgoing_mail.message_id` is the mail's idempotency key (its Message-ID header); its
  `status` is the two-phase state machine of engine.notify.delivery.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base


class NotificationEvent(Base):
    """Something happened that people must be told about: who, what, about which case."""

    __tablename__ = "notification_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(Integer)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    """Principal refs (`user:ana`, `group:secretariat`, `body:committee.tourism#chair` ...)."""
    actor: Mapped[str | None] = mapped_column(String(120))
    """Who caused it: not told about what they did themselves."""
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class Notification(Base):
    """What one person was told (the bell lists those with `in_app`)."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_notification_event_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("notification_event.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_instance.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    """A path inside the app (`/tasks/12`); mails make it absolute with the base URL."""
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str] = mapped_column(String(12))
    """immediately | daily | never | no_address (the person has none) | off (no SMTP)."""
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


Index("ix_notification_bell", Notification.user_id, Notification.in_app, Notification.read_at,
      Notification.id)
Index("ix_notification_digest", Notification.email, Notification.mail_id, Notification.user_id)


class NotificationPreference(Base):
    """How a person wants to hear about one kind of notification (absent: the kind's default)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str] = mapped_column(String(12))
    """immediately | daily | never."""


class OutgoingMail(Base):
    """One e-mail to send (a notification at once, or a daily digest)."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    """pending | handed_over | sent | failed (engine.notify.delivery)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    handed_over_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


Index("ix_outgoing_mail_status", OutgoingMail.status, OutgoingMail.id)
