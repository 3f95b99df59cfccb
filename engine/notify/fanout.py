"""The `notify:<event key>` job: from an event to what each person is told.

The job carries the event; its run writes the `notification_event` row first
(engine.notify.events.recorded_event), which the notifications then reference.

For each active person who answers to the event's recipients (engine.access.audience),
except whoever caused it: the access policy must let them see the task (task kinds) or the
case (the others; incidents: staff only); a task that is no longer open tells nobody. The
person's preference for the kind (engine.notify.preferences) then decides: a notification
in the app, an e-mail at once (an `outgoing_mail` and its `mail:<id>` job), one in the
daily digest, or nothing. A task offered to or given to the person who started its case is
told as `case_needs_you`. Everything is written in the job's transaction, keyed by
(event, person): running the job again adds nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.access import policy
from engine.access.audience import people_answering
from engine.access.preferences import reading_language
from engine.access.users import actor_of
from engine.definitions.translations import ProcessTexts, latest_translations
from engine.i18n import catalog_gettext
from engine.notify.delivery import MAIL_ATTEMPTS
from engine.notify.events import recorded_event
from engine.notify.kinds import TASK_KINDS, Kind
from engine.notify.mail import Item, MailSettings, compose
from engine.notify.preferences import Preference, default, preferences_of
from engine.notify.texts import Translate, render
from engine.runtime.context import runtime_of
from engine.store.models import (
    Case,
    HumanTask,
    Job,
    JobKind,
    JobStatus,
    Notification,
    NotificationEvent,
    OutgoingMail,
    TaskState,
    User,
)


def _may_see(session: Session, event: NotificationEvent, user: User, task: HumanTask | None) -> bool:
    who = actor_of(session, user)
    if event.kind == Kind.INCIDENT:
        return policy.is_staff(who)
    if task is not None:
        return policy.may_view_task(session, task, who)
    if event.case_id is not None:
        return policy.may_view_case(session, who, event.case_id)
    return True


def _in_language(event: NotificationEvent, task: HumanTask | None, case: Case | None, user: User,
                 texts: dict[tuple[str, str], ProcessTexts]) -> dict[str, Any]:
    """The event's parameters with the process's and the task's names in the person's
    language, when the process has a translation file for it."""
    params = dict(event.params or {})
    found = texts.get((case.process_id, reading_language(user) or "")) if case is not None else None
    if found is None:
        return params
    if found.name and params.get("process"):
        params["process"] = found.name
    if task is not None and params.get("task"):
        params["task"] = found.element(task.element_id, params["task"])
    return params


def _kind_for(event: NotificationEvent, username: str, case: Case | None) -> str:
    if (event.kind in (Kind.TASK_OFFERED, Kind.TASK_ASSIGNED) and case is not None
            and case.started_by == username):
        return Kind.CASE_NEEDS_YOU
    return event.kind


def _email_status(preference: Preference, user: User, settings: MailSettings | None) -> str:
    if preference.email == "never":
        return "never"
    if settings is None:
        return "off"
    if not user.email:
        return "no_address"
    return preference.email


def speaks(session: Session, user: User) -> Translate:
    """The gettext of the person's language: chosen, else their browser's at their last sign-in."""
    return catalog_gettext(runtime_of(session).catalogs, reading_language(user))


def mail_for(session: Session, user: User, *, message_id: str, items: list[Item],
             settings: MailSettings, digest: bool = False) -> OutgoingMail:
    """An outgoing mail and its job, in the caller's transaction, in the person's language."""
    composed = compose(user.display_name or user.username, items, settings, digest=digest,
                       translate=speaks(session, user))
    now = clock.now()
    mail = OutgoingMail(message_id=message_id, user_id=user.id, to_address=user.email or "",
                        subject=composed.subject, text_body=composed.text, html_body=composed.html,
                        status="pending", attempts=0, created_at=now)
    session.add(mail)
    session.flush()
    session.add(Job(key=f"mail:{mail.id}", kind=JobKind.MAIL, status=JobStatus.READY, due_at=now,
                    attempts=0, max_attempts=MAIL_ATTEMPTS, created_at=now, payload={"mail_id": mail.id}))
    return mail


def fan_out_job(session: Session, payload: dict[str, Any], settings: MailSettings | None) -> int:
    """Run a `notify` job: record the event it carries, then tell its people."""
    event_id = recorded_event(session, payload)
    return 0 if event_id is None else fan_out(session, event_id, settings)


def fan_out(session: Session, event_id: int, settings: MailSettings | None) -> int:
    """Tell the event's people; returns how many notifications were written."""
    event = session.get(NotificationEvent, event_id)
    if event is None or event.processed_at is not None:
        return 0
    now = clock.now()
    event.processed_at = now
    task = session.get(HumanTask, event.task_id) if event.task_id is not None else None
    if event.kind in TASK_KINDS and (task is None or task.state != TaskState.OPEN):
        return 0
    case = session.get(Case, event.case_id) if event.case_id is not None else None
    names = [n for n in people_answering(session, event.recipients) if n != event.actor]
    users = list(session.scalars(select(User).where(User.username.in_(names))).all()) if names else []
    told = set(session.scalars(select(Notification.user_id).where(Notification.event_id == event.id)).all())
    stored = preferences_of(session, [u.id for u in users])
    texts = latest_translations(session, [case.process_id]) if case is not None else {}
    written = 0
    for user in sorted(users, key=lambda u: u.username):
        if user.id in told or not _may_see(session, event, user, task):
            continue
        kind = _kind_for(event, user.username, case)
        preference = stored[user.id].get(kind) or default(kind)
        email = _email_status(preference, user, settings)
        if not preference.in_app and email not in ("immediately", "daily"):
            continue
        text = render(kind, _in_language(event, task, case, user, texts), timezone=user.timezone,
                      translate=speaks(session, user), language=reading_language(user))
        row = Notification(event_id=event.id, user_id=user.id, kind=kind, case_id=event.case_id,
                           subject=text.subject, body=text.body, link=text.link,
                           in_app=preference.in_app, email=email, created_at=now)
        session.add(row)
        if email == "immediately" and settings is not None:
            message_id = f"<notification-{event.id}-{user.id}@{settings.domain}>"
            mail = mail_for(session, user, message_id=message_id, settings=settings,
                            items=[Item(text.subject, text.body, text.link)])
            row.mail_id = mail.id
        written += 1
    return written


__all__ = ["fan_out", "fan_out_job", "mail_for", "speaks"]
