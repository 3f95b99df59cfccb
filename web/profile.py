"""The user's profile page: their API tokens (create, shown once; revoke)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.access.tokens import NAME_MAX, create_token, list_tokens, revoke_token
from web.db import get_db, transaction
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


@bp.route("/")
def index() -> str:
    return render_template("profile/tokens.html", tokens=_lines(), secret=None, name_max=NAME_MAX)


@bp.route("/tokens", methods=["POST"])
@transaction
def create() -> tuple[str, int]:
    """Create a token and show it once (in the page, never in the session's flash)."""
    name = (request.form.get("name") or "").strip()[:NAME_MAX]
    new = create_token(get_db(), current_user.username, name=name or None)
    return render_template("profile/tokens.html", tokens=_lines(), secret=new.secret,
                           secret_name=new.token.name, name_max=NAME_MAX), 201


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@transaction
def revoke(token_id: int) -> Response:
    token = revoke_token(get_db(), token_id, username=current_user.username)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "info")
    return redirect(url_for("profile.index"))
