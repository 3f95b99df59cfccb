"""The task page: the case's context, the form (form-js), the task's place in the diagram."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import clock
from engine.collab.comments import case_comments
from engine.collab.drafts import load_draft
from engine.documents.service import case_documents
from engine.errors import FormInvalid
from engine.read.task_context import TaskContext, task_context
from engine.runtime import values as value_rules
from engine.runtime.tasks import claim_task, complete_task, next_task_for, unclaim_task
from engine.runtime.views import CaseView, TaskView
from web.auth import safe_next
from web.dashboard_history import timeline
from web.dashboard_views import document_lines
from web.db import get_db, transaction
from web.forms import (
    FormResult,
    errors_by_component,
    labelled_errors,
    labelled_values,
    translated_errors,
    unreadable_message,
)
from web.inbox import case_label
from web.process_texts import code_labels, shown_value, words
from web.viewmodels import show_time

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
KEY_DATA_LIMIT = 10


@dataclass(frozen=True)
class TaskPage:
    task_id: int
    name: str
    element_id: str
    process: str
    case_label: str
    case_status: str
    started_by: str
    started_at: str
    role: str
    assignee: str
    created: str
    due: str
    overdue: bool
    documentation: str
    is_open: bool
    closed_note: str
    may_act: bool
    may_claim: bool
    may_unclaim: bool
    wait_note: str
    """Why the form is not offered, when it is not."""
    has_form: bool
    key_data: list[tuple[str, str]]


def humanize(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def key_data(case: CaseView, form: dict[str, Any] | None = None,
             others: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """A few short, readable values from the case data (what the case is about); a code of the
    task's form, or of the case's other forms, shows as its option label in the reader's language."""
    labels = {**code_labels(others or {}), **code_labels({"form": form})}
    out: list[tuple[str, str]] = []
    for key, value in case.data.items():
        if isinstance(value, bool) or value is None or isinstance(value, dict):
            continue
        if isinstance(value, list) and not all(isinstance(v, (str, int, float)) for v in value):
            continue
        label, options = labels.get(key, (humanize(key), {}))
        text = shown_value(value, options)
        if not text or len(text) > 160:
            continue
        out.append((label, text))
        if len(out) >= KEY_DATA_LIMIT:
            break
    return out


def _status_text(status: str) -> str:
    return {"running": _("Running"), "completed": _("Completed"), "cancelled": _("Cancelled"),
            "suspended": _("Suspended"), "failed": _("Needs attention")}.get(status, status)


def _closed_note(task: TaskView) -> str:
    if task.state == "open":
        return ""
    if task.state == "completed":
        return _("%(who)s completed this task on %(when)s.", who=task.completed_by or _("Someone"),
                 when=show_time(task.completed_at))
    return _("This task was withdrawn: the process moved on without it.")


def _wait_note(context: TaskContext) -> str:
    task, case = context.task, context.case
    if context.may_act or not context.is_open:
        return ""
    if case.status == "suspended":
        return _("This case is suspended, so its tasks cannot be worked on until the Secretariat "
                 "resumes it.")
    if case.status != "running":
        return _("This case is not active, so its tasks cannot be worked on.")
    if task.assignee:
        return _("%(who)s is working on this task.", who=task.assignee)
    if context.may_claim:
        return _("Take the task to work on it.")
    return _("This task is for %(whom)s; you can see it but not work on it.",
             whom=task.subject or task.lane or _("other people"))


def page_model(context: TaskContext) -> TaskPage:
    task, case = context.task, context.case
    texts = words()
    form = texts.form(task.process_id, context.form, task.form_id)
    return TaskPage(
        task_id=task.id, name=texts.element(task.process_id, task.element_id, task.name),
        element_id=task.element_id, process=texts.process(task.process_id, context.process_name),
        case_label=case_label(case.business_key, case.title, case.id),
        case_status=_status_text(case.status),
        started_by=context.people.get(case.started_by, case.started_by) if case.started_by else "",
        started_at=show_time(case.started_at), role=task.subject or texts.lane(task.process_id, task.lane),
        assignee=task.assignee or _("Not yet taken"), created=show_time(task.created_at),
        due=show_time(task.due_at), overdue=bool(task.due_at and task.state == "open"
                                                 and task.due_at < clock.now()),
        documentation=context.documentation or "", is_open=context.is_open,
        closed_note=_closed_note(task), may_act=context.may_act, may_claim=context.may_claim,
        may_unclaim=context.may_unclaim, wait_note=_wait_note(context),
        has_form=context.form is not None,
        key_data=key_data(case, form, {fid: texts.form(task.process_id, f, fid)
                                       for fid, f in context.forms.items() if fid != task.form_id}))


def render_task(context: TaskContext, *, values: dict[str, Any] | None = None,
                result: FormResult | None = None, status: int = 200) -> tuple[str, int]:
    session = get_db()
    user = current_user.actor
    task_id = context.task.id
    data = dict(context.data)
    restored = ""
    if context.may_act and values is None:
        draft = load_draft(session, user, task_id)
        if draft is not None:
            data.update(draft[0])
            restored = show_time(draft[1])
    if values:
        data.update(values)
    errors = result.errors if result else {}
    form = words().form(context.task.process_id, context.form, context.task.form_id)
    comments = case_comments(session, user, context.case.id)
    return render_template(
        "tasks/task.html", page=page_model(context), form_schema=form, form_data=data,
        form_errors=errors_by_component(form, errors),
        error_summary=labelled_errors(form, errors), bpmn_xml=context.bpmn_xml,
        timeline=timeline(context.history, comments, context.task.process_id, context.people),
        documents=document_lines(case_documents(session, user, context.case.id)),
        upload_url=url_for("collab.upload_task_document", task_id=task_id) if context.may_act else None,
        draft_url=url_for("collab.draft", task_id=task_id) if context.may_act else None,
        draft_restored=restored, comment_case_id=context.case.id, comment_task_id=task_id,
        comment_next=url_for("tasks.show", task_id=task_id)), status


@bp.route("/<int:task_id>")
def show(task_id: int) -> tuple[str, int]:
    return render_task(task_context(get_db(), task_id, current_user.actor))


def read_submission(raw: str | None) -> Any:
    if not raw:
        return {}
    try:
        return value_rules.loads(raw)
    except value_rules.ValueRefused:
        return None


@bp.route("/<int:task_id>", methods=["POST"])
@transaction
def submit(task_id: int) -> Any:
    """The engine checks the data against the task's form and runs the steps it triggers."""
    session = get_db()
    user = current_user.actor
    context = task_context(session, task_id, user)
    submitted = read_submission(request.form.get("data"))
    values = submitted if isinstance(submitted, dict) else {}
    g.submitted = labelled_values(context.form, values)
    if submitted is None:
        return render_task(context, values=values, status=422,
                           result=FormResult({}, {"_form": [unreadable_message()]}))
    try:
        case = complete_task(session, task_id, user=user, data=submitted)
    except FormInvalid as exc:
        session.rollback()
        return render_task(context, values=values, result=FormResult({}, translated_errors(exc)),
                           status=422)
    following = next_task_for(session, user, case.id)
    if following is not None:
        flash(_("“%(done)s” is done. Next for you: “%(next)s”.", done=context.task.name,
                next=following.name), "success")
        return redirect(url_for("tasks.show", task_id=following.id))
    flash(_("“%(done)s” is done. Thank you.", done=context.task.name), "success")
    return redirect(url_for("inbox.index"))


def _back(task_id: int) -> str:
    return safe_next(request.args.get("next")) or url_for("tasks.show", task_id=task_id)


@bp.route("/<int:task_id>/claim", methods=["POST"])
@transaction
def claim(task_id: int) -> Response:
    task = claim_task(get_db(), task_id, user=current_user.actor)
    flash(_("You took “%(name)s”. It is now in “My tasks”.", name=task.name), "success")
    return redirect(_back(task_id))


@bp.route("/<int:task_id>/unclaim", methods=["POST"])
@transaction
def unclaim(task_id: int) -> Response:
    task = unclaim_task(get_db(), task_id, user=current_user.actor)
    flash(_("You gave back “%(name)s”. Your group can take it again.", name=task.name), "info")
    return redirect(_back(task_id))
