"""Comments, documents and drafts in the pages: what people add to a case besides the process.

- POST /cases/<id>/comments            a comment (form post; back to the page it came from)
- POST /tasks/<id>/documents           upload for a task's file picker (multipart; JSON answer)
- POST /start/<process>/documents      upload for a start form's file picker (JSON answer)
- GET  /documents/<id>                 download (whoever may see the case; drafts: uploader)
- POST /tasks/<id>/draft               keep the form's unsent input (JSON in and out)
The rules are the engine's (engine.collab, engine.documents); errors answer in JSON to
scripts (web.errors).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from engine.collab.comments import add_comment
from engine.collab.drafts import save_draft
from engine.documents.service import document_content, upload_for_start, upload_for_task
from engine.documents.views import DocumentView
from engine.errors import InvalidInput
from engine.runtime.context import runtime_of
from web.auth import safe_next
from web.db import get_db, transaction

bp = Blueprint("collab", __name__)
UPLOAD_OVERHEAD = 64 * 1024
"""Room for the multipart envelope around a file of the largest size allowed."""


@bp.route("/cases/<int:case_id>/comments", methods=["POST"])
@transaction
def comment(case_id: int) -> BaseResponse:
    task_id = request.form.get("task_id", type=int)
    add_comment(get_db(), current_user.actor, case_id, request.form.get("body", ""), task_id=task_id)
    flash(_("Your comment is added."), "success")
    back = safe_next(request.form.get("next")) or url_for("dashboard.case", case_id=case_id)
    return redirect(back + "#comments")


def _upload() -> tuple[str, bytes, str | None]:
    """The posted file's name and bytes, within the store's size limit."""
    limit = runtime_of(get_db()).documents.max_bytes
    request.max_content_length = limit + UPLOAD_OVERHEAD
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("choose a file to upload", field="file")
    data = upload.read(limit + 1)
    return upload.filename, data, request.form.get("field")


def _answer(view: DocumentView) -> tuple[Response, int]:
    return jsonify({"document": view.reference(),
                    "url": url_for("collab.download", document_id=view.id)}), 201


@bp.route("/tasks/<int:task_id>/documents", methods=["POST"])
@transaction
def upload_task_document(task_id: int) -> tuple[Response, int]:
    name, data, field = _upload()
    return _answer(upload_for_task(get_db(), current_user.actor, task_id, name=name, data=data,
                                   field=field))


@bp.route("/start/<process_id>/documents", methods=["POST"])
@transaction
def upload_start_document(process_id: str) -> tuple[Response, int]:
    name, data, field = _upload()
    return _answer(upload_for_start(get_db(), current_user.actor, process_id, name=name, data=data,
                                    field=field))


@bp.route("/documents/<int:document_id>")
def download(document_id: int) -> Response:
    view, data = document_content(get_db(), current_user.actor, document_id)
    return document_response(view, data)


def document_response(view: DocumentView, data: bytes) -> Response:
    """The bytes as an attachment, typed as sniffed at upload (never rendered in our origin)."""
    ascii_name = view.name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    response = Response(data, mimetype=view.content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(view.name)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["ETag"] = f'"{view.sha256}"'
    return response


@bp.route("/tasks/<int:task_id>/draft", methods=["POST"])
@transaction
def draft(task_id: int) -> Any:
    payload = request.get_json(silent=True)
    data = payload.get("data") if isinstance(payload, dict) else None
    saved = save_draft(get_db(), current_user.actor, task_id, data)
    return jsonify({"saved_at": saved.isoformat()})
