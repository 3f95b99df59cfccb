"""Sending one message over SMTP (the standard library's smtplib) in two steps.

`hand_over` runs the dialogue up to the last byte of the message but holds back the
end-of-data mark (the lone "." line); `commit` sends it and reads the server's answer. A
server keeps nothing of a message whose end-of-data mark never came, so whatever happens
before `commit` is safe to try again; engine.notify.delivery records, between the two, that
the message was handed over (see there for why).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

_LEADING_DOT = re.compile(rb"(?m)^\.")


class SmtpConnection:
    """One SMTP session to the server named by an `smtp://` or `smtps://` URL."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        self.secure = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.secure else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.starttls = (query.get("starttls") or ["false"])[0].lower() in ("1", "true", "yes")
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        context = ssl.create_default_context()
        if self.secure:
            self._smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            self._smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        self._smtp.ehlo()
        if self.starttls:
            self._smtp.starttls(context=context)
            self._smtp.ehlo()
        if self.username:
            self._smtp.login(self.username, self.password or "")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    @property
    def smtp(self) -> smtplib.SMTP:
        assert self._smtp is not None, "use SmtpConnection as a context manager"
        return self._smtp

    def hand_over(self, sender: str, recipient: str, msg: EmailMessage) -> None:
        """MAIL FROM, RCPT TO, DATA and the message, all but its end-of-data mark."""
        smtp = self.smtp
        code, reply = smtp.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        data = _LEADING_DOT.sub(b"..", msg.as_bytes(policy=SMTP_POLICY))
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(data)

    def commit(self) -> None:
        """The end-of-data mark; the server's 250 means it took the message."""
        smtp = self.smtp
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)


def address_of(sender: str) -> str:
    """The bare address of `Name <address>`."""
    return sender.rpartition("<")[2].rstrip(">").strip() if "<" in sender else sender.strip()


__all__ = ["SmtpConnection", "address_of"]
