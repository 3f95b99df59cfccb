"""Start a case: the processes this user may start, and their start forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.access.start_rights import StartForm, require_start, startable_processes
from engine.errors import FormInvalid, InvalidInput
from engine.runtime import values as value_rules
from engine.runtime.cases import MAX_BUSINESS_KEY, start_case
from engine.runtime.tasks import next_task_for
from web.db import get_db, transaction
from web.forms import (
    FormResult,
    errors_by_component,
    labelled_errors,
    labelled_values,
    translated_errors,
    unreadable_message,
)
from web.process_texts import words
from web.viewmodels import group_label

bp = Blueprint("start", __name__, url_prefix="/start")
BUSINESS_KEY_MAX = MAX_BUSINESS_KEY


@dataclass(frozen=True)
class StartLine:
    title: str
    process_id: str
    version: int
    who: str
    url: str
    has_form: bool
    documentation: str


@bp.route("/")
def index() -> str:
    lines = [StartLine(words().process(p.process_id, p.title), p.process_id, p.version,
                       ", ".join(group_label(x) for x in p.groups) if p.groups else _("Everyone"),
                       url_for("start.form", process_id=p.process_id), p.start_form_id is not None,
                       p.documentation or "")
             for p in startable_processes(get_db(), current_user.actor)]
    return render_template("start/index.html", processes=lines)


def _render(start: StartForm, *, business_key: str = "", values: dict[str, Any] | None = None,
            result: FormResult | None = None, key_error: str | None = None,
            status: int = 200) -> tuple[str, int]:
    errors = result.errors if result else {}
    texts = words()
    form = texts.form(start.process.process_id, start.form, start.process.start_form_id)
    return render_template(
        "start/form.html", process=start.process,
        title=texts.process(start.process.process_id, start.process.title), form_schema=form,
        form_data=values or {}, form_errors=errors_by_component(form, errors),
        error_summary=labelled_errors(form, errors), business_key=business_key,
        key_error=key_error,
        upload_url=url_for("collab.upload_start_document", process_id=start.process.process_id)), status


@bp.route("/<process_id>")
def form(process_id: str) -> tuple[str, int]:
    return _render(require_start(get_db(), current_user.actor, process_id))


@bp.route("/<process_id>", methods=["POST"])
@transaction
def submit(process_id: str) -> Any:
    session = get_db()
    user = current_user.actor
    start = require_start(session, user, process_id)
    business_key = (request.form.get("business_key") or "").strip()
    raw = request.form.get("data") or "{}"
    try:
        submitted: Any = value_rules.loads(raw)
    except value_rules.ValueRefused:
        submitted = None
    values = submitted if isinstance(submitted, dict) else {}
    g.submitted = labelled_values(start.form, values)
    if submitted is None:
        return _render(start, business_key=business_key, values=values, status=422,
                       result=FormResult({}, {"_form": [unreadable_message()]}))
    try:
        case = start_case(session, process_id, user=user, business_key=business_key or None,
                          data=submitted)
    except FormInvalid as exc:
        session.rollback()
        return _render(start, business_key=business_key, values=values,
                       result=FormResult({}, translated_errors(exc)), status=422)
    except InvalidInput as exc:
        if exc.context.get("field") != "business_key":
            raise
        session.rollback()
        return _render(start, business_key=business_key, values=values,
                       key_error=_("Enter at most %(n)d characters.", n=BUSINESS_KEY_MAX), status=422)
    following = next_task_for(session, user, case.id)
    if following is not None:
        flash(_("The case has started. Your first task: “%(name)s”.", name=following.name),
              "success")
        return redirect(url_for("tasks.show", task_id=following.id))
    flash(_("The case has started. You will find it under “Cases I started”."), "success")
    return redirect(url_for("inbox.index", tab="started"))
