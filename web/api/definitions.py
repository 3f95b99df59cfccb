"""Process definitions and deployments."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import PurePath
from typing import Any

from flask import request
from flask.views import MethodView

from engine.access.policy import require_deploy
from engine.access.start_rights import allowed, latest_definitions, require_start, rights_of
from engine.definitions.deployment import approve_definition, deploy, find_definition, list_definitions
from engine.definitions.validation import UploadedFile
from engine.runtime.cases import start_case
from web.api import schemas as s
from web.api.blueprints import api_blueprint
from web.api.problems import FieldErrors
from web.api.security import IDEMPOTENCY_PARAMETER, idempotent, me
from web.db import get_db, transaction

bp = api_blueprint("process-definitions", "Process definitions: list, read, start a case.")
deployments = api_blueprint("deployments", "Deploy BPMN and form files (analysts, admins).")


def _summary(definition: Any) -> dict[str, Any]:
    rights = rights_of(get_db(), definition)
    return {"process_id": definition.process_id, "name": definition.name,
            "version": definition.version, "definition_id": definition.id,
            "deployed_at": definition.created_at,
            "startable": rights is not None and allowed(rights, me())}


@bp.route("/process-definitions")
class Definitions(MethodView):
    @bp.response(200, s.DefinitionListSchema)
    def get(self) -> dict[str, Any]:
        """The latest version of every deployed process."""
        return {"items": [_summary(d) for d in latest_definitions(get_db())]}


@bp.route("/process-definitions/<string:key>")
class Definition(MethodView):
    @bp.response(200, s.DefinitionDetailSchema)
    def get(self, key: str) -> dict[str, Any]:
        """The latest version of a process, with its start rule, start form and all versions."""
        session = get_db()
        definition = find_definition(session, key)
        rights = rights_of(get_db(), definition)
        form = None
        if rights is not None and rights.start_form_id:
            form = json.loads(definition.forms_json).get(rights.start_form_id)
        versions = [{"version": v.version, "definition_id": v.definition_id,
                     "deployed_at": datetime.fromisoformat(v.deployed_at),
                     "deployed_by": v.deployed_by,
                     "content_hash": v.content_hash}
                    for v in list_definitions(session) if v.process_id == key]
        return {**_summary(definition), "start_groups": rights.groups if rights else [],
                "start_form": form, "documentation": rights.documentation if rights else None,
                "versions": versions}


@bp.route("/process-definitions/<string:key>/xml")
class DefinitionXml(MethodView):
    @bp.arguments(s.XmlQuery, location="query")
    @bp.response(200, s.DefinitionXmlSchema)
    def get(self, args: dict[str, Any], key: str) -> dict[str, Any]:
        """The BPMN XML of the latest (or the given) version."""
        definition = find_definition(get_db(), key, args.get("version"))
        return {"key": key, "version": definition.version,
                "bpmn_xml": definition.bpmn_file.content}


@bp.route("/process-definitions/<string:key>/start")
class Start(MethodView):
    @bp.arguments(s.StartArgs)
    @bp.response(201, s.CaseSchema)
    @bp.doc(parameters=[IDEMPOTENCY_PARAMETER])
    @transaction
    def post(self, args: dict[str, Any], key: str) -> Any:
        """Start a case (start rights as on the start page; the start form validates the variables)."""
        session = get_db()
        user = me()
        require_start(session, user, key)

        def work() -> Any:
            return start_case(session, key, user=user, business_key=args.get("business_key") or None,
                              data=args["variables"])

        return idempotent(201, s.CaseSchema(), args, work,
                          lambda body: {"Location": f"/api/v1/process-instances/{body.get('id')}"})


def _uploads(files: list[Any]) -> list[UploadedFile]:
    out: list[UploadedFile] = []
    for upload in files:
        name = PurePath(str(getattr(upload, "filename", "") or "")).name
        if not name or not hasattr(upload, "read"):
            raise FieldErrors({"files": ["every file needs a name ending in .bpmn or .form"]})
        out.append(UploadedFile(name, upload.read()))
    if not out:
        raise FieldErrors({"files": ["no files given"]})
    return out


DEPLOY_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "BPMN (.bpmn) and form-js (.form) files"},
        "comment": {"type": "string", "maxLength": 2000}}}}}}


@deployments.route("/deployments")
class Deployments(MethodView):
    @deployments.response(201, s.DeploymentSchema)
    @deployments.alt_response(200, schema=s.DeploymentSchema,
                              description="identical content was deployed already")
    @deployments.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @deployments.doc(requestBody=DEPLOY_BODY)
    @transaction
    def post(self) -> Any:
        """Deploy BPMN and form files: every process gets a new version (identical content: none)."""
        require_deploy(me())
        comment = request.form.get("comment") or None
        if comment is not None and len(comment) > 2000:
            raise FieldErrors({"comment": ["at most 2000 characters"]})
        uploads = _uploads(request.files.getlist("files"))
        deployed = deploy(get_db(), uploads, user=me(), comment=comment)
        status = 201 if any(d.created for d in deployed) else 200
        return {"processes": deployed}, status


@bp.route("/process-definitions/<string:key>/versions/<int:version>/approve")
class Approve(MethodView):
    @bp.response(200, s.DeployedSchema)
    @transaction
    def post(self, key: str, version: int) -> Any:
        """Let a version that calls guarded service handlers run (admins)."""
        return approve_definition(get_db(), key, version, user=me())
