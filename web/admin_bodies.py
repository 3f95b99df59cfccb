"""Organisations, bodies and memberships, for admins (the engine's use cases: engine.access.bodies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.access import bodies
from engine.errors import InvalidInput, NotFound
from web.db import get_db, transaction
from web.viewmodels import show_time

bp = Blueprint("admin_bodies", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(403)


@dataclass(frozen=True)
class MemberLine:
    id: int
    member: str
    name: str
    role: str
    since: str
    until: str
    current: bool


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Write dates as YYYY-MM-DD."), field="date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _refused(exc: InvalidInput | NotFound, target: str) -> Response:
    get_db().rollback()
    flash(_("Nothing was changed: %(why)s", why=exc.message), "error")
    return redirect(target)


@bp.route("/bodies")
def body_list() -> str:
    return render_template("admin/bodies.html", bodies=bodies.list_bodies(get_db()),
                           kinds=bodies.BODY_KINDS)


@bp.route("/bodies", methods=["POST"])
@transaction
def body_add() -> Response:
    form = request.form
    try:
        row = bodies.ensure_body(get_db(), form.get("code", ""), form.get("name", ""), form.get("kind", ""))
    except InvalidInput as exc:
        return _refused(exc, url_for("admin_bodies.body_list"))
    flash(_("Body %(name)s saved.", name=row.name), "success")
    return redirect(url_for("admin_bodies.body", code=row.code))


@bp.route("/bodies/<code>")
def body(code: str) -> str:
    session = get_db()
    row = bodies.get_body(session, code)
    lines = [MemberLine(m.id, m.member, m.member_name, m.role, show_time(m.valid_from),
                        show_time(m.valid_until), m.valid_until is None or m.valid_until > datetime.now(UTC))
             for m in bodies.members(session, code, include_past=True)]
    return render_template("admin/body.html", body=row, members=lines, roles=bodies.ROLES)


@bp.route("/bodies/<code>/members", methods=["POST"])
@transaction
def member_add(code: str) -> Response:
    form = request.form
    back = url_for("admin_bodies.body", code=code)
    try:
        bodies.add_member(get_db(), code, form.get("member", "").strip(), role=form.get("role", "member"),
                          valid_from=_moment(form.get("valid_from")),
                          valid_until=_moment(form.get("valid_until")))
    except (InvalidInput, NotFound) as exc:
        return _refused(exc, back)
    flash(_("Member added."), "success")
    return redirect(back)


@bp.route("/bodies/<code>/members/<int:membership_id>/end", methods=["POST"])
@transaction
def member_end(code: str, membership_id: int) -> Response:
    bodies.end_membership(get_db(), membership_id)
    flash(_("Membership ended."), "success")
    return redirect(url_for("admin_bodies.body", code=code))


@bp.route("/organisations")
def organisation_list() -> str:
    return render_template("admin/organisations.html",
                           organisations=bodies.list_organisations(get_db()),
                           kinds=bodies.ORGANISATION_KINDS)


@bp.route("/organisations", methods=["POST"])
@transaction
def organisation_add() -> Response:
    form = request.form
    back = url_for("admin_bodies.organisation_list")
    try:
        row = bodies.ensure_organisation(get_db(), form.get("code", ""), form.get("name", ""),
                                         form.get("kind", ""), form.get("country") or None)
    except InvalidInput as exc:
        return _refused(exc, back)
    flash(_("Organisation %(name)s saved.", name=row.name), "success")
    return redirect(back)


@bp.route("/organisations/people", methods=["POST"])
@transaction
def organisation_person() -> Any:
    form = request.form
    back = url_for("admin_bodies.organisation_list")
    try:
        bodies.set_organisation(get_db(), form.get("username", "").strip(),
                                form.get("organisation", "").strip() or None)
    except (InvalidInput, NotFound) as exc:
        return _refused(exc, back)
    flash(_("Saved."), "success")
    return redirect(back)
