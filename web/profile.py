"""The user's profile page: their language and time zone; their API tokens (create, shown once; revoke)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.access.preferences import set_preferences, time_zones
from engine.access.tokens import NAME_MAX, create_token, list_tokens, revoke_token
from engine.access.users import get_user
from engine.errors import InvalidInput
from web.db import get_db, transaction
from web.i18n import LANGUAGE_NAMES, error_text, languages
from web.viewmodels import show_time

bp = Blueprint("profile", __name__, url_prefix="/profile")


@dataclass(frozen=True)
class TokenLine:
    id: int
    name: str
    created: str
    last_used: str
    revoked: str


def _lines() -> list[TokenLine]:
    return [TokenLine(t.id, t.name, show_time(t.created_at), show_time(t.last_used_at) or _("never"),
                      show_time(t.revoked_at))
            for t in list_tokens(get_db(), current_user.username)]


def _page(status: int = 200, **extra: object) -> tuple[str, int]:
    user = get_user(get_db(), current_user.username)
    values = {"secret": None, "language": user.language or "", "timezone": user.timezone,
              "timezone_chosen": user.timezone_chosen, "error": None, **extra}
    return render_template("profile/tokens.html", tokens=_lines(), name_max=NAME_MAX,
                           language_choices=[(c, LANGUAGE_NAMES.get(c, c)) for c in languages()],
                           zones=time_zones(), **values), status


@bp.route("/")
def index() -> tuple[str, int]:
    return _page()


@bp.route("/preferences", methods=["POST"])
@transaction
def preferences() -> Response | tuple[str, int]:
    """The user's language (empty: the browser's) and time zone; refused choices change nothing."""
    language = request.form.get("language") or None
    zone = request.form.get("timezone") or ""
    try:
        set_preferences(get_db(), current_user.username, languages=languages(), language=language,
                        timezone=zone)
    except InvalidInput as exc:
        get_db().rollback()
        return _page(422, error=error_text(exc), language=language or "", timezone=zone)
    session["lang"] = language
    flash(_("Your language and time zone are saved."), "success")
    return redirect(url_for("profile.index"))


@bp.route("/tokens", methods=["POST"])
@transaction
def create() -> tuple[str, int]:
    """Create a token and show it once (in the page, never in the session's flash)."""
    name = (request.form.get("name") or "").strip()[:NAME_MAX]
    new = create_token(get_db(), current_user.username, name=name or None)
    return _page(201, secret=new.secret, secret_name=new.token.name)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@transaction
def revoke(token_id: int) -> Response:
    token = revoke_token(get_db(), token_id, username=current_user.username)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "info")
    return redirect(url_for("profile.index"))
