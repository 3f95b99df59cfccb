"""Comments and documents of a case, and the caller's notifications."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from engine.collab.comments import CommentView, add_comment, case_comments
from engine.documents.service import case_documents, document_content, readable_document
from engine.documents.views import DocumentView
from engine.notify.bell import NotificationView, mark, my_notifications, unread_count
from web.api import schemas as s
from web.api.blueprints import api_blueprint
from web.api.security import me
from web.collab import document_response
from web.db import get_db, transaction

bp = api_blueprint("collab", "Comments and documents of cases (whoever may see the case), and "
                             "your notifications.")


@bp.route("/process-instances/<int:case_id>/comments")
class Comments(MethodView):
    @bp.response(200, s.CommentListSchema)
    def get(self, case_id: int) -> dict[str, Any]:
        """The case's comments, oldest first."""
        return {"items": case_comments(get_db(), me(), case_id)}

    @bp.arguments(s.CommentArgs)
    @bp.response(201, s.CommentSchema)
    @transaction
    def post(self, args: dict[str, Any], case_id: int) -> CommentView:
        """Comment on the case (or one of its tasks); @username tells that person."""
        return add_comment(get_db(), me(), case_id, args["body"], task_id=args["task_id"])


@bp.route("/process-instances/<int:case_id>/documents")
class Documents(MethodView):
    @bp.response(200, s.DocumentListSchema)
    def get(self, case_id: int) -> dict[str, Any]:
        """The documents attached to the case, by form field and version."""
        return {"items": case_documents(get_db(), me(), case_id)}


@bp.route("/documents/<int:document_id>")
class OneDocument(MethodView):
    @bp.response(200, s.DocumentSchema)
    def get(self, document_id: int) -> DocumentView:
        """A document's metadata."""
        return readable_document(get_db(), me(), document_id)


@bp.route("/documents/<int:document_id>/content")
class DocumentContent(MethodView):
    @bp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream",
                 description="the file, with the type read from its bytes at upload")
    def get(self, document_id: int) -> Response:
        """Download a document."""
        view, data = document_content(get_db(), me(), document_id)
        return document_response(view, data)


@bp.route("/notifications")
class Notifications(MethodView):
    @bp.arguments(s.NotificationQuery, location="query")
    @bp.response(200, s.NotificationListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Your notifications, newest first, and how many are unread."""
        session = get_db()
        return {"items": my_notifications(session, me(), unread_only=args["unread"], limit=args["limit"]),
                "unread": unread_count(session, me())}


@bp.route("/notifications/<int:notification_id>/read")
class ReadNotification(MethodView):
    @bp.response(200, s.NotificationSchema)
    @transaction
    def post(self, notification_id: int) -> NotificationView:
        """Mark one of your notifications as read."""
        return mark(get_db(), me(), notification_id, read=True)
