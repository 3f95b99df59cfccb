"""The analysts' modeler: the library of processes, the BPMN and form editor, validate, deploy.

Pages and downloads need a signed-in user; the editor and its JSON endpoints
(validate, diff, deploy) need the `analysts` or `admins` group. The JSON
endpoints are POSTs protected by CSRF (the page's meta token, sent as X-CSRFToken).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.definitions.deployment import approve_definition
from engine.definitions.translations import translation_status
from engine.errors import DeploymentRefused, EngineError, InvalidInput
from engine.read.process_library import process_library
from web import modeler_service as service
from web.db import get_db, transaction
from web.errors import status_for
from web.i18n import LANGUAGE_NAMES, languages
from web.process_texts import SOURCE_LANGUAGE
from web.viewmodels import show_time

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
ANALYST_ENDPOINTS = {"modeler.edit", "modeler.new", "modeler.validate", "modeler.diff",
                     "modeler.deploy_diagram", "modeler.import_draft"}
MAX_IMPORT_BYTES = 5 * 1024 * 1024
PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,120}$")
MAX_JSON_BYTES = 5 * 1024 * 1024


@bp.app_context_processor
def _nav() -> dict[str, Any]:
    user = current_user if current_user.is_authenticated else None
    return {"can_model": bool(user and service.may_model(user.actor))}


@bp.before_request
def _rights() -> None:
    if not current_user.is_authenticated:
        abort(401)  # not reached: web.auth redirects to the login page first
    if request.endpoint in ANALYST_ENDPOINTS and not service.may_model(current_user.actor):
        abort(403)
    if request.method == "POST" and (request.content_length or 0) > MAX_JSON_BYTES:
        abort(413)


@bp.route("/")
def library() -> str:
    entries = process_library(get_db())
    return render_template("modeler/library.html", entries=entries, show_time=show_time,
                           may_edit=service.may_model(current_user.actor))


@bp.route("/<process_id>/v<int:version>.bpmn")
def download(process_id: str, version: int) -> Response:
    _definition, xml = service.version_xml(get_db(), process_id, version)
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{service.safe_name(process_id)}-v{version}.bpmn"')
    return response


@bp.route("/<process_id>/v<int:version>/")
def view(process_id: str, version: int) -> str:
    session = get_db()
    definition, _xml = service.version_xml(session, process_id, version)
    previous, diff = service.diff_versions(session, process_id, version)
    return render_template(
        "modeler/view.html", definition=definition, previous=previous, diff=diff,
        deployed_at=show_time(definition.created_at),
        xml_url=url_for("modeler.download", process_id=process_id, version=version),
        svg_name=f"{service.safe_name(process_id)}-v{version}.svg", labels=status_labels(),
        may_edit=service.may_model(current_user.actor), may_approve=current_user.is_admin,
        translations=translation_status(session, definition,
                                        [code for code in languages() if code != SOURCE_LANGUAGE]),
        language_names=LANGUAGE_NAMES)


@bp.route("/<process_id>/v<int:version>/approve", methods=["POST"])
@transaction
def approve(process_id: str, version: int) -> Any:
    """An admin lets a version that calls guarded service handlers run."""
    approve_definition(get_db(), process_id, version, user=current_user.actor)
    flash(_("Version %(n)d may now run; new cases start on it.", n=version), "success")
    return redirect(url_for("modeler.view", process_id=process_id, version=version))


@bp.route("/edit/<process_id>")
def edit(process_id: str) -> str:
    session = get_db()
    version = request.args.get("version", type=int)
    definition, xml = service.version_xml(session, process_id, version)
    return _editor(xml, f"{process_id}.bpmn",
                   _("%(name)s, version %(version)d", name=definition.name or process_id,
                     version=definition.version),
                   service.editor_forms(session, definition), service.editor_decisions(session))


@bp.route("/new")
def new() -> str:
    process_id = (request.args.get("process_id") or "").strip()
    name = (request.args.get("name") or "").strip()[:200]
    if not PROCESS_ID.match(process_id):
        return render_template("modeler/new.html", process_id=process_id, name=name,
                               error=_("A process id starts with a letter and has only letters, "
                                       "digits and _ . - (at most 120)." ) if process_id else None)
    xml = service.new_diagram(process_id, name or process_id)
    session = get_db()
    return _editor(xml, f"{process_id}.bpmn", _("New process %(id)s", id=process_id),
                   service.editor_forms(session, None), service.editor_decisions(session))


@bp.route("/import", methods=["POST"])
def import_draft() -> Any:
    """Open any well-formed BPMN 2.0 file in the editor as a draft: view, edit, export, and
    deploy once it can run. Nothing is stored until it is deployed."""
    upload = request.files.get("file")
    content = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    if not upload or not content or len(content) > MAX_IMPORT_BYTES:
        return render_template("modeler/library.html", entries=process_library(get_db()),
                               show_time=show_time, may_edit=True,
                               import_error=_("Choose a .bpmn file of at most 5 MB.")), 422
    session = get_db()
    try:
        draft = service.read_draft(session, upload.filename or "diagram.bpmn", content)
    except DeploymentRefused as exc:
        return render_template("modeler/library.html", entries=process_library(session),
                               show_time=show_time, may_edit=True,
                               import_error=_("This file is not BPMN 2.0: %(why)s",
                                             why=str(exc.problems[0]))), 422
    notes = {
        "deployable": _("Draft opened from %(name)s: it passes the engine's checks and can be "
                        "deployed.", name=draft.name),
        "descriptive": _("Draft opened from %(name)s: a descriptive model (no process is "
                         "executable). View, edit and download it; to run it, mark a process "
                         "executable and complete it.", name=draft.name),
        "problems": _("Draft opened from %(name)s: the engine cannot run it yet; the problems "
                      "are listed below.", name=draft.name),
    }
    return _editor(draft.xml, draft.name, _("Draft: %(name)s", name=draft.name),
                   service.editor_forms(session, None), service.editor_decisions(session),
                   note=notes[draft.note])


def _editor(xml: str, file_name: str, title: str, forms: dict[str, Any],
            decisions: dict[str, str], note: str | None = None) -> str:
    return render_template(
        "modeler/editor.html", title=title, note=note,
        setup={"xml": xml, "fileName": file_name, "forms": forms, "decisions": decisions,
               "liveValidation": True,
               "urls": {"validate": url_for("modeler.validate"), "diff": url_for("modeler.diff"),
                        "deploy": url_for("modeler.deploy_diagram"),
                        "library": url_for("modeler.library")},
               "messages": editor_messages()})


def status_labels() -> dict[str, str]:
    return {"added": _("added"), "removed": _("removed"), "changed": _("changed")}


def editor_messages() -> dict[str, str]:
    """Every text the editor's script shows, translated here."""
    return {
        "unsaved": _("You have changes that are not deployed. Leave anyway?"),
        "noProblems": _("No problems found. The diagram can be deployed."),
        "problemsFound": _("Problems found: fix them before deploying."),
        "lintTitle": _("Modelling hints (bpmnlint)"),
        "serverTitle": _("Checks the engine runs at deployment"),
        "validating": _("Checking…"),
        "deploying": _("Deploying…"),
        "deployed": _("Deployed: %(what)s", what="{what}"),
        "unchanged": _("Nothing changed: this content is already deployed as %(what)s.",
                       what="{what}"),
        "newProcess": _("A new process: there is no earlier version."),
        "noChanges": _("No element changed (only the layout, or nothing)."),
        "added": _("added"), "removed": _("removed"), "changed": _("changed"),
        "againstVersion": _("Changes against version %(version)s", version="{version}"),
        "importFailed": _("This file could not be opened as BPMN: %(error)s", error="{error}"),
        "requestFailed": _("The server did not answer as expected (%(status)s).",
                           status="{status}"),
        "noFormTask": _("Select a user task to edit its form."),
        "formFor": _("Form %(id)s of task %(task)s", id="{id}", task="{task}"),
        "formId": _("Form id"),
        "formSaved": _("Form kept in this editor; it is deployed with the diagram."),
        "commentRequired": _("Say in a few words what this version changes."),
        "wholeFile": _("the whole file"),
        "noDecisionTask": _("Select a business rule task to edit its decision table."),
        "noDecision": _("No deployed decision table '%(id)s': deploy its .dmn file first.",
                        id="{id}"),
        "decisionFor": _("Decision %(id)s of task %(task)s", id="{id}", task="{task}"),
        "decisionSaved": _("Decision kept in this editor; it is deployed with the diagram."),
    }


def _json_error(exc: EngineError) -> tuple[Response, int]:
    code = status_for(exc)
    body: dict[str, Any] = {"error": type(exc).__name__, "message": exc.message}
    if isinstance(exc, DeploymentRefused):
        body["problems"] = [p.to_dict() for p in exc.problems]
    return jsonify(body), code


def _payload() -> Any:
    payload = request.get_json(silent=True)
    if payload is None:
        raise InvalidInput("expected a JSON body")
    return payload


@bp.route("/api/validate", methods=["POST"])
def validate() -> Any:
    try:
        submission = service.read_submission(_payload())
        problems = service.problems_of(get_db(), submission)
    except EngineError as exc:
        return _json_error(exc)
    return jsonify({"ok": not problems, "problems": [p.to_dict() for p in problems]})


@bp.route("/api/diff", methods=["POST"])
def diff() -> Any:
    try:
        submission = service.read_submission(_payload())
        diffs = service.diff_against_latest(get_db(), submission.xml)
    except EngineError as exc:
        return _json_error(exc)
    return jsonify({"changes": [service.diff_to_json(*d) for d in diffs]})


@bp.route("/api/deploy", methods=["POST"])
@transaction
def deploy_diagram() -> Any:
    try:
        submission = service.read_submission(_payload(), with_comment=True)
        if not submission.comment:
            raise InvalidInput(_("Say in a few words what this version changes."))
        result = service.deploy_submission(get_db(), submission, current_user.actor)
    except EngineError as exc:
        get_db().rollback()
        return _json_error(exc)
    for item in result["deployed"]:
        item["url"] = url_for("modeler.view", process_id=item["process_id"], version=item["version"])
    return jsonify({"ok": True, **result})
