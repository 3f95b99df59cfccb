"""Development only: the mails the local SMTP sink received (`make run` starts it), so that a
newcomer sees what people are sent. Refused (404) unless ALLIANCE_ENV=development.

The sink (aiosmtpd's Mailbox handler) writes a Maildir at `DEV_MAILDIR` (instance/mail).
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
LIST_LIMIT = 200


@dataclass(frozen=True)
class Received:
    key: str
    subject: str
    to: str
    date: str
    text: str
    html: str


def _folder() -> Path:
    if current_app.config["ALLIANCE_ENV"] != "development":
        abort(404)
    return Path(current_app.config["DEV_MAILDIR"] or Path(current_app.instance_path) / "mail")


def _read(box: mailbox.Maildir, key: str) -> Received:
    message = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return Received(key, str(message["Subject"] or ""), str(message["To"] or ""),
                    str(message["Date"] or ""), text.get_content() if text is not None else "",
                    html.get_content() if html is not None else "")


def _messages() -> tuple[mailbox.Maildir | None, list[str]]:
    folder = _folder()
    if not (folder / "cur").exists() and not (folder / "new").exists():
        return None, []
    box = mailbox.Maildir(folder, create=False)
    keys = sorted(box.keys())  # Maildir keys start with the time of delivery
    return box, keys[-LIST_LIMIT:][::-1]


@bp.route("/")
def index() -> str:
    box, keys = _messages()
    mails = [_read(box, k) for k in keys] if box is not None else []
    return render_template("dev/mail.html", mails=mails, folder=str(_folder()), shown=None)


@bp.route("/<key>")
def show(key: str) -> str:
    box, keys = _messages()
    if box is None or key not in keys:
        abort(404)
    return render_template("dev/mail.html", mails=[_read(box, k) for k in keys], folder=str(_folder()),
                           shown=_read(box, key))
