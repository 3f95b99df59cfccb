"""E-mail settings and composition: HTML and text parts, in the person's time zone, with a
direct link into the app and a stable Message-ID (the mail's idempotency key).

Settings are environment variables (documented with the others in web/config.py):
`SMTP_URL` (smtp://host:25, smtp://host:587?starttls=true, smtps://user:password@host:465;
no URL: no e-mail is written, the app's bell still works), `MAIL_FROM`, `BASE_URL` (what
links in mails start with), `DIGEST_HOUR` (hour of the day of the daily digest, in each
reader's own time zone).
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import urlsplit

from engine import clock
from engine.errors import InvalidInput
from engine.notify.texts import N_, Translate

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str
    sender: str
    base_url: str = DEFAULT_BASE_URL
    digest_hour: int = 7
    timeout: float = 30.0

    @property
    def domain(self) -> str:
        """The right-hand side of Message-IDs: the sender's domain."""
        address = self.sender.rpartition("<")[2].rstrip(">")
        return address.rpartition("@")[2] or "alliance.invalid"

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


def check_smtp_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise InvalidInput(f"SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or url!r}://")
    if not parts.hostname:
        raise InvalidInput("SMTP_URL names no host (smtps://user:password@host:465)")


def settings_from_env(environ: Mapping[str, str] | None = None) -> MailSettings | None:
    """The worker's mail settings, or None when `SMTP_URL` is not set."""
    env = os.environ if environ is None else environ
    url = env.get("SMTP_URL")
    if not url:
        return None
    check_smtp_url(url)
    base = env.get("BASE_URL") or DEFAULT_BASE_URL
    host = urlsplit(base).hostname or "localhost"
    sender = env.get("MAIL_FROM") or formataddr(("Alliance Workflow", f"noreply@{host}"))
    try:
        hour = int(env.get("DIGEST_HOUR") or 7)
    except ValueError:
        raise InvalidInput(f"DIGEST_HOUR must be an hour 0-23, not {env.get('DIGEST_HOUR')!r}") from None
    if not 0 <= hour <= 23:
        raise InvalidInput(f"DIGEST_HOUR must be an hour 0-23, not {hour}")
    return MailSettings(smtp_url=url, sender=sender, base_url=base, digest_hour=hour)


GREETING = N_("Hello %(name)s,")
OPEN = N_("Open it in Alliance Workflow")
FOOTER = N_("You receive this because of your notification settings. Change them: %(url)s")
DIGEST_SUBJECT = N_("Alliance Workflow: %(count)d notification(s) of the day")
DIGEST_INTRO = N_("What happened for you since the last digest:")
PREFERENCES_PATH = "/notifications/preferences"


@dataclass(frozen=True)
class Item:
    subject: str
    body: str
    link: str


def _text(name: str, items: list[Item], intro: str | None, settings: MailSettings,
          translate: Translate) -> str:
    lines = [translate(GREETING) % {"name": name}, ""]
    if intro:
        lines += [intro, ""]
    for item in items:
        if intro:
            lines.append(f"- {item.subject}")
            lines.append(f"  {settings.url(item.link)}")
        else:
            lines += [item.body, "", f"{translate(OPEN)}: {settings.url(item.link)}"]
    lines += ["", "-- ", translate(FOOTER) % {"url": settings.url(PREFERENCES_PATH)}]
    return "\n".join(lines) + "\n"


def _html(name: str, items: list[Item], intro: str | None, settings: MailSettings,
          translate: Translate) -> str:
    esc = html.escape
    parts = ['<!doctype html><html><body style="font-family:Arial,sans-serif;color:#1f2933;'
             'max-width:36em">', f"<p>{esc(translate(GREETING) % {'name': name})}</p>"]
    if intro:
        parts.append(f"<p>{esc(intro)}</p><ul>")
        parts += [f'<li><a href="{esc(settings.url(i.link))}">{esc(i.subject)}</a></li>' for i in items]
        parts.append("</ul>")
    else:
        for item in items:
            parts.append(f"<p>{esc(item.body)}</p>")
            parts.append(f'<p><a href="{esc(settings.url(item.link))}" style="display:inline-block;'
                         'padding:.5em 1em;background:#1864ab;color:#fff;border-radius:4px;'
                         f'text-decoration:none">{esc(translate(OPEN))}</a></p>')
    footer = translate(FOOTER) % {"url": settings.url(PREFERENCES_PATH)}
    parts.append(f'<p style="color:#6b7280;font-size:12px">{esc(footer)}</p></body></html>')
    return "".join(parts)


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def compose(name: str, items: list[Item], settings: MailSettings, *, digest: bool = False,
            translate: Translate = N_) -> Composed:
    """One notification (its subject), or a digest of several."""
    if digest:
        intro = translate(DIGEST_INTRO)
        subject = translate(DIGEST_SUBJECT) % {"count": len(items)}
    else:
        intro, subject = None, items[0].subject
    return Composed(subject, _text(name, items, intro, settings, translate),
                    _html(name, items, intro, settings, translate))


def message(*, sender: str, to: str, subject: str, text: str, html_body: str,
            message_id: str) -> EmailMessage:
    """The MIME message: text/plain, with a text/html alternative."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(clock.now())
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html_body, subtype="html")
    return msg


__all__ = ["DEFAULT_BASE_URL", "Composed", "Item", "MailSettings", "check_smtp_url", "compose",
           "message", "settings_from_env"]
