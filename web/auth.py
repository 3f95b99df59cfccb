"""Login and logout; every other page requires a signed-in user."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from engine.access.preferences import adopt_browser_language, adopt_browser_timezone
from web.accounts import CurrentUser, authenticate, load_user, sign_out_everywhere
from web.db import get_db, transaction
from web.i18n import current_language, languages
from web.input_guard import safe_next

bp = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = {"auth.login", "i18n.switch", "static", "assets.vendor", "ops.healthz", "ops.readyz",
                    "ops.metrics"}
"""/healthz and /readyz are for load balancers; /metrics checks its own bearer token (web.ops)."""
PUBLIC_PREFIXES = ("/api/v1/",)
"""The REST API checks its own bearer tokens and never redirects to the login page."""


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField("username", validators=[DataRequired(), Length(max=120)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=500)])


@bp.route("/login", methods=["GET", "POST"])
@transaction
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(get_db(), form.username.data or "",
                            form.password.data or "",
                            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        if user is not None:
            language = session.get("lang")
            session.clear()  # a fresh session: no fixation
            session["lang"] = language
            adopt_browser_language(get_db(), user.username, current_language(), languages())
            if adopt_browser_timezone(get_db(), user.username, request.form.get("tz")):
                user = load_user(get_db(), user.username) or user
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.label), "info")
            return redirect(safe_next(request.args.get("next")) or url_for("inbox.index"))
        error = _("Wrong username or password, or the account is locked. After %(n)d failed "
                  "attempts an account is locked for %(m)d minutes.",
                  n=current_app.config["LOGIN_MAX_FAILURES"],
                  m=current_app.config["LOGIN_LOCK_MINUTES"])
    elif request.method == "POST":
        error = _("Enter your username and your password.")
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@transaction
def logout() -> Response:
    """Signs out this browser and every other sign-in of the user (copied cookies too)."""
    if current_user.is_authenticated:
        sign_out_everywhere(get_db(), current_user.username)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _require_login() -> Response | None:
    if (request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(PUBLIC_PREFIXES)
            or current_user.is_authenticated):
        return None
    if request.endpoint is None:  # unknown URL: the 404 page, still without data
        return redirect(url_for("auth.login"))
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.session_protection = "basic"

    @manager.user_loader
    def _load(user_id: str) -> CurrentUser | None:
        return load_user(get_db(), user_id)

    manager.init_app(app)
    app.before_request(_require_login)
    app.register_blueprint(bp)
