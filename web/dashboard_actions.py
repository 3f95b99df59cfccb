"""The Secretariat's actions on a case: POST forms with CSRF, a reason each, history written.

The rights checks are the engine's (engine.access.policy, PermissionDenied -> 403), done before
anything else, so a participant who types an action URL changes nothing. A
missing or invalid input (no reason, a value of the wrong type) is flashed on the case page
and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.access.policy import require_staff
from engine.errors import InvalidInput, NotFound
from engine.i18n import N_, msg
from engine.runtime import case_admin, case_status
from web.dashboard import back_to, bp
from web.db import get_db, transaction


def _act(case_id: int, action: Callable[[], Any], done: str) -> Response:
    require_staff(current_user.actor, msg(N_("change a case")))
    session = get_db()
    try:
        action()
    except (InvalidInput, NotFound) as exc:
        if isinstance(exc, NotFound) and "username" not in exc.context:
            raise
        session.rollback()
        flash(_("Nothing was changed: %(why)s", why=exc.message), "error")
        return back_to(case_id)
    flash(done, "success")
    return back_to(case_id)


def _reason() -> str:
    return request.form.get("reason", "")


@bp.route("/<int:case_id>/suspend", methods=["POST"])
@transaction
def suspend(case_id: int) -> Response:
    return _act(case_id, lambda: case_status.suspend_case(get_db(), case_id, user=current_user.actor,
                                                    reason=_reason()),
                _("The case is suspended: its tasks cannot be worked on until it is resumed."))


@bp.route("/<int:case_id>/resume", methods=["POST"])
@transaction
def resume(case_id: int) -> Response:
    return _act(case_id, lambda: case_status.resume_case(get_db(), case_id, user=current_user.actor,
                                                   reason=_reason()),
                _("The case is running again."))


@bp.route("/<int:case_id>/cancel", methods=["POST"])
@transaction
def cancel(case_id: int) -> Response:
    return _act(case_id, lambda: case_status.cancel_case(get_db(), case_id, user=current_user.actor,
                                                   reason=_reason()),
                _("The case is cancelled."))


@bp.route("/<int:case_id>/incidents/<int:incident_id>/retry", methods=["POST"])
@transaction
def retry(case_id: int, incident_id: int) -> Response:
    return _act(case_id, lambda: case_admin.retry(get_db(), case_id, incident_id,
                                                  user=current_user.actor, reason=_reason()),
                _("The failed step is being retried."))


@bp.route("/<int:case_id>/tasks/<int:task_id>/reassign", methods=["POST"])
@transaction
def reassign(case_id: int, task_id: int) -> Response:
    assignee = request.form.get("assignee", "")
    return _act(case_id, lambda: case_admin.reassign(get_db(), case_id, task_id,
                                                     user=current_user.actor, assignee=assignee,
                                                     reason=_reason()),
                _("The task now belongs to %(user)s.", user=assignee.strip()))


@bp.route("/<int:case_id>/data", methods=["POST"])
@transaction
def correct(case_id: int) -> Response:
    field = request.form.get("field", "")
    return _act(case_id, lambda: case_admin.correct_case_data(
        get_db(), case_id, user=current_user.actor, field=field,
        value=request.form.get("value", ""), reason=_reason()),
        _("“%(field)s” was corrected.", field=field))
