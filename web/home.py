"""The home page: the deployed processes and where the user's work is."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.access.start_rights import allowed, latest_definitions, rights_of
from engine.read.inbox import inbox_counts
from web.db import get_db
from web.viewmodels import group_label

bp = Blueprint("main", __name__)


@dataclass(frozen=True)
class ProcessCard:
    title: str
    process_id: str
    version: int
    who_starts: str
    start_url: str | None


@bp.route("/")
def home() -> str:
    session = get_db()
    user = current_user.actor
    cards: list[ProcessCard] = []
    for definition in latest_definitions(session):
        rights = rights_of(get_db(), definition)
        if rights is None:
            who, url = _("Started by the engine (a message or a timer)"), None
        else:
            who = (", ".join(group_label(g) for g in rights.groups) if rights.groups
                   else _("Everyone"))
            url = url_for("start.form", process_id=rights.process_id) if allowed(rights, user) else None
        cards.append(ProcessCard(definition.name or definition.process_id, definition.process_id,
                                 definition.version, who, url))
    return render_template("main/home.html", cards=cards, counts=inbox_counts(session, user))
