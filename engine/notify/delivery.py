"""Sending an e-mail once: a two-phase state machine around the SMTP dialogue.

    pending --hand over all but the end-of-data mark--> (commit) handed_over
            --end-of-data mark, server answers 250-->  sent   (committed with the job's removal)

- The mail's row and its `mail:<id>` job are written with the notification, in one
  transaction; the job is claimed with a lease like any other (engine.background.jobs).
- Before sending the end-of-data mark the worker commits `handed_over`. A server keeps
  nothing of a message whose end-of-data mark never came, so a worker that dies before that
  commit (connecting, MAIL, RCPT, DATA, while sending the body) leaves a `pending` mail that
  the next worker sends again, once.
- A worker that dies after that commit leaves `handed_over`: the server has the whole
  message and, in all likelihood, took it. The next worker does not send it again; it marks
  it `sent` and notes that the server's answer was not seen. The window where this can be
  wrong is the one round trip of the end-of-data mark; the in-app notification exists in
  any case. An explicit refusal of the end-of-data mark (an SMTP error reply) puts it back
  to `pending` (4xx, tried again) or `failed` (5xx).
- Each mail carries its own `Message-ID` (`<notification-E-U@domain>`, `<digest-U-DATE@domain>`):
  what makes one mail one mail for the receiving side as well.
"""

from __future__ import annotations

import smtplib
from enum import StrEnum

from sqlalchemy.orm import Session

from engine import clock
from engine.errors import EngineError
from engine.notify.mail import MailSettings, message
from engine.notify.smtp import SmtpConnection, address_of
from engine.store.models import Job, OutgoingMail

MAIL_ATTEMPTS = 8
UNCONFIRMED = ("the worker stopped after handing the whole message to the server; its answer was "
               "not seen, so the mail is taken as sent (not sent again)")


class MailStatus(StrEnum):
    PENDING = "pending"
    HANDED_OVER = "handed_over"
    SENT = "sent"
    FAILED = "failed"


class MailNotConfigured(EngineError):
    """A mail job reached a worker without SMTP_URL."""


def _refused(mail: OutgoingMail, code: int, reply: object) -> bool:
    """Record an SMTP refusal; True when it is permanent (5xx)."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    mail.last_error = f"{code} {text}"[:4000]
    permanent = 500 <= code < 600
    mail.status = MailStatus.FAILED if permanent else MailStatus.PENDING
    return permanent


def deliver_mail(session: Session, job: Job, settings: MailSettings | None) -> str:
    """Run one `mail:<id>` job (commits once in the middle: see the module's doc)."""
    mail = session.get(OutgoingMail, int((job.payload or {})["mail_id"]))
    if mail is None or mail.status in (MailStatus.SENT, MailStatus.FAILED):
        session.delete(job)
        return "done already"
    if mail.status == MailStatus.HANDED_OVER:
        mail.status, mail.sent_at, mail.last_error = MailStatus.SENT, clock.now(), UNCONFIRMED
        session.delete(job)
        return "sent (unconfirmed)"
    if settings is None:
        raise MailNotConfigured("this worker has no SMTP_URL: it cannot send e-mail")
    mail.attempts += 1
    msg = message(sender=settings.sender, to=mail.to_address, subject=mail.subject,
                  text=mail.text_body, html_body=mail.html_body, message_id=mail.message_id)
    try:
        with SmtpConnection(settings.smtp_url, timeout=settings.timeout) as connection:
            connection.hand_over(address_of(settings.sender), mail.to_address, msg)
            mail.status, mail.handed_over_at = MailStatus.HANDED_OVER, clock.now()
            session.commit()  # phase one: durable before the end-of-data mark
            connection.commit()
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        if _refused(mail, code, reply):
            session.delete(job)
            return "refused"
        raise
    except smtplib.SMTPResponseException as exc:
        if _refused(mail, exc.smtp_code, exc.smtp_error):
            session.delete(job)
            return "refused"
        session.commit()  # back to pending, kept through the worker's rollback
        raise
    mail.status, mail.sent_at, mail.last_error = MailStatus.SENT, clock.now(), None
    session.delete(job)
    return "sent"


__all__ = ["MAIL_ATTEMPTS", "UNCONFIRMED", "MailNotConfigured", "MailStatus", "deliver_mail"]
