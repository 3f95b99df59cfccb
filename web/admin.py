"""User administration for the `admins` group: list, create, set groups, deactivate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from engine import clock
from engine.access.users import create_user, get_user, list_users, set_groups, set_password
from engine.errors import InvalidInput
from web.db import get_db, transaction
from web.forms import EMAIL_PATTERN
from web.viewmodels import show_time

bp = Blueprint("admin", __name__, url_prefix="/admin")
GROUP_LIST = r"^[a-z0-9_]+(\s*,\s*[a-z0-9_]+)*\s*$"


@bp.before_request
def _admins_only() -> None:
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(403)


def _timezone(_form: Any, field: Any) -> None:
    try:
        ZoneInfo(field.data or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone (use a name like Asia/Shanghai).")) from None


class UserEditForm(FlaskForm):  # type: ignore[misc]
    display_name = StringField("display_name", validators=[Optional(), Length(max=255)])
    email = EmailField("email", validators=[Optional(), Regexp(EMAIL_PATTERN.pattern), Length(max=255)])
    groups = StringField("groups", validators=[Optional(), Regexp(GROUP_LIST), Length(max=2000)])
    timezone = StringField("timezone", default="UTC", validators=[Optional(), _timezone])
    password = PasswordField("password", validators=[Optional(), Length(min=10, max=500)])
    active = BooleanField("active", default=True)


class UserCreateForm(UserEditForm):
    username = StringField("username", validators=[Length(min=2, max=120),
                                                   Regexp(r"^[A-Za-z0-9_.@-]+$")])


def _group_list(text: str | None) -> list[str]:
    return sorted({g.strip() for g in (text or "").split(",") if g.strip()})


@dataclass(frozen=True)
class UserLine:
    username: str
    display_name: str
    groups: str
    active: bool
    locked: bool
    timezone: str
    created: str
    edit_url: str


@bp.route("/users")
def users() -> str:
    now = clock.now()
    lines = [UserLine(u.username, u.display_name or "", ", ".join(sorted(u.group_names)), u.active,
                      bool(u.locked_until and u.locked_until > now), u.timezone,
                      show_time(u.created_at), url_for("admin.edit_user", username=u.username))
             for u in list_users(get_db())]
    return render_template("admin/users.html", users=lines, form=UserCreateForm())


@bp.route("/users", methods=["POST"])
@transaction
def create() -> Any:
    form = UserCreateForm()
    if not form.validate_on_submit():
        return render_template("admin/user_form.html", form=form, username=None), 422
    session = get_db()
    user = create_user(session, form.username.data, groups=_group_list(form.groups.data),
                       password=form.password.data or None,
                       display_name=form.display_name.data or None, email=form.email.data or None)
    user.timezone = form.timezone.data or "UTC"
    user.active = bool(form.active.data)
    flash(_("User %(name)s created.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>", methods=["GET", "POST"])
@transaction
def edit_user(username: str) -> Any:
    session = get_db()
    user = get_user(session, username)
    form = UserEditForm(obj=None if _posted() else _initial(user))
    if form.validate_on_submit():
        if user.username == current_user.username and not form.active.data:
            raise InvalidInput("you cannot deactivate your own account")
        set_groups(session, username, _group_list(form.groups.data))
        if form.password.data:
            set_password(session, username, form.password.data)
        user.display_name = form.display_name.data or None
        user.email = form.email.data or None
        user.timezone = form.timezone.data or "UTC"
        user.active = bool(form.active.data)
        user.failed_logins = 0
        user.locked_until = None
        flash(_("User %(name)s saved.", name=username), "success")
        return redirect(url_for("admin.users"))
    status = 422 if _posted() else 200
    return render_template("admin/user_form.html", form=form, username=username), status


def _posted() -> bool:
    return request.method == "POST"


@dataclass
class _Initial:
    display_name: str
    email: str
    groups: str
    timezone: str
    password: str
    active: bool


def _initial(user: Any) -> _Initial:
    return _Initial(user.display_name or "", user.email or "", ", ".join(sorted(user.group_names)),
                    user.timezone or "UTC", "", bool(user.active))
