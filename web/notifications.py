"""The bell: a person's notifications (read and unread) and what they want to be told, how."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.access.users import get_user, set_email
from engine.notify.bell import mark, mark_all_read, my_notifications, open_notification
from engine.notify.kinds import Kind
from engine.notify.preferences import my_preferences, set_preferences
from web.auth import safe_next
from web.db import get_db, transaction
from web.viewmodels import show_time

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def kind_labels() -> dict[str, str]:
    return {
        Kind.TASK_OFFERED: _("A task is offered to me, my group, body or organisation"),
        Kind.TASK_ASSIGNED: _("A task is given to me"),
        Kind.CASE_NEEDS_YOU: _("A case I started needs me"),
        Kind.TASK_DUE_SOON: _("A task of mine is due tomorrow"),
        Kind.TASK_OVERDUE: _("A task of mine is overdue"),
        Kind.CASE_FINISHED: _("A case I started is completed or cancelled"),
        Kind.MENTION: _("Someone mentions me in a comment"),
        Kind.INCIDENT: _("A case needs the Secretariat (staff)"),
        Kind.REMINDER: _("A process reminds me"),
    }


def email_labels() -> dict[str, str]:
    return {"immediately": _("at once"), "daily": _("in the daily digest"), "never": _("never")}


@dataclass(frozen=True)
class Line:
    id: int
    subject: str
    body: str
    when: str
    unread: bool
    open_url: str


@bp.route("/")
def index() -> str:
    unread_only = request.args.get("unread") == "1"
    rows = my_notifications(get_db(), current_user.actor, unread_only=unread_only, limit=100)
    lines = [Line(n.id, n.subject, n.body, show_time(n.created_at), n.unread,
                  url_for("notifications.open_one", notification_id=n.id)) for n in rows]
    return render_template("notifications/index.html", lines=lines, unread_only=unread_only)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@transaction
def open_one(notification_id: int) -> Response:
    """Mark it read and go where it points (a path inside the app)."""
    view = open_notification(get_db(), current_user.actor, notification_id)
    return redirect(safe_next(view.link) or url_for("inbox.index"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@transaction
def toggle(notification_id: int) -> Response:
    read = request.form.get("read", "1") == "1"
    mark(get_db(), current_user.actor, notification_id, read=read)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@transaction
def read_all() -> Response:
    count = mark_all_read(get_db(), current_user.actor)
    flash(_("%(count)d notification(s) marked as read.", count=count), "info")
    return redirect(url_for("notifications.index"))


@dataclass(frozen=True)
class PreferenceLine:
    kind: str
    label: str
    in_app: bool
    email: str


@bp.route("/preferences")
def preferences() -> str:
    session = get_db()
    labels = kind_labels()
    lines = [PreferenceLine(p.kind, labels.get(p.kind, p.kind), p.in_app, p.email)
             for p in my_preferences(session, current_user.actor)]
    return render_template("notifications/preferences.html", lines=lines, choices=email_labels(),
                           email=get_user(session, current_user.username).email or "")


@bp.route("/preferences", methods=["POST"])
@transaction
def save_preferences() -> Response:
    session = get_db()
    choices = {kind.value: (request.form.get(f"in_app-{kind.value}") == "on",
                            request.form.get(f"email-{kind.value}", "never"))
               for kind in Kind if f"email-{kind.value}" in request.form}
    set_preferences(session, current_user.actor, choices)
    if "address" in request.form:
        set_email(session, current_user.username, request.form.get("address") or None)
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for("notifications.preferences"))
