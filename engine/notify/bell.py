"""The bell: a person's notifications in the app, unread first counted, read and unread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine import clock
from engine.access.users import Actor
from engine.errors import NotFound
from engine.store.models import Notification, User

MAX_LIST = 200


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    subject: str
    body: str
    link: str
    case_id: int | None
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @classmethod
    def of(cls, row: Notification) -> NotificationView:
        return cls(row.id, row.kind, row.subject, row.body, row.link, row.case_id, row.created_at,
                   row.read_at)


def _user_id(session: Session, user: Actor) -> int:
    found = session.scalar(select(User.id).where(User.username == user.username))
    if found is None:
        raise NotFound(f"unknown user '{user.username}'", username=user.username)
    return found


def unread_count(session: Session, user: Actor) -> int:
    return session.scalar(select(func.count(Notification.id)).join(User, User.id == Notification.user_id)
                          .where(User.username == user.username, Notification.in_app.is_(True),
                                 Notification.read_at.is_(None))) or 0


def my_notifications(session: Session, user: Actor, *, unread_only: bool = False,
                     limit: int = 50) -> list[NotificationView]:
    query = select(Notification).where(Notification.user_id == _user_id(session, user),
                                       Notification.in_app.is_(True))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, MAX_LIST))))
    return [NotificationView.of(r) for r in rows.all()]


def _mine(session: Session, user: Actor, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != _user_id(session, user) or not row.in_app:
        raise NotFound(f"unknown notification {notification_id}", notification_id=notification_id)
    return row


def open_notification(session: Session, user: Actor, notification_id: int) -> NotificationView:
    """Mark it read and return it (its link is where to go)."""
    row = _mine(session, user, notification_id)
    if row.read_at is None:
        row.read_at = clock.now()
    return NotificationView.of(row)


def mark(session: Session, user: Actor, notification_id: int, *, read: bool) -> NotificationView:
    row = _mine(session, user, notification_id)
    row.read_at = (row.read_at or clock.now()) if read else None
    return NotificationView.of(row)


def mark_all_read(session: Session, user: Actor) -> int:
    result = session.execute(update(Notification).where(
        Notification.user_id == _user_id(session, user), Notification.read_at.is_(None))
        .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


__all__ = ["NotificationView", "mark", "mark_all_read", "my_notifications", "open_notification",
           "unread_count"]
