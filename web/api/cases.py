"""Process instances (cases): list, read, history, suspend, resume, cancel."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from engine.access.policy import require_case_view
from engine.read.api_lists import Page, case_list
from engine.read.dashboard import CaseFilters
from engine.runtime import case_status
from engine.runtime.cases import get_case
from engine.runtime.history import case_history
from engine.runtime.views import CaseView
from web.api import schemas as s
from web.api.blueprints import api_blueprint
from web.api.security import me
from web.db import get_db, transaction

bp = api_blueprint("process-instances", "Cases: find, read, history; suspend, resume and cancel "
                                        "(Secretariat, admins).")


@bp.route("/process-instances")
class Cases(MethodView):
    @bp.arguments(s.CaseQuery, location="query")
    @bp.response(200, s.CasePageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """Cases you may read (all of them for the Secretariat), newest first, with a total."""
        filters = CaseFilters(process_id=args["process"], status=args["status"], outcome=args["outcome"],
                              started_by=args["started_by"], search=args["search"])
        return case_list(get_db(), me(), filters, page=args["page"], per_page=args["per_page"])


@bp.route("/process-instances/<int:case_id>")
class OneCase(MethodView):
    @bp.response(200, s.CaseSchema)
    def get(self, case_id: int) -> CaseView:
        """A case: status, open tasks, variables."""
        return get_case(get_db(), case_id, user=me())


@bp.route("/process-instances/<int:case_id>/history")
class History(MethodView):
    @bp.response(200, s.HistorySchema)
    def get(self, case_id: int) -> dict[str, Any]:
        """What happened to the case, who did it and when, oldest first."""
        session = get_db()
        require_case_view(session, me(), case_id)
        return {"items": case_history(session, case_id)}


@bp.route("/process-instances/<int:case_id>/suspend")
class Suspend(MethodView):
    @bp.arguments(s.ReasonArgs)
    @bp.response(200, s.CaseSchema)
    @transaction
    def post(self, args: dict[str, Any], case_id: int) -> CaseView:
        """Suspend a running case, with a reason: its tasks cannot be worked on until it resumes."""
        return case_status.suspend_case(get_db(), case_id, user=me(), reason=args["reason"])


@bp.route("/process-instances/<int:case_id>/resume")
class Resume(MethodView):
    @bp.arguments(s.ReasonArgs)
    @bp.response(200, s.CaseSchema)
    @transaction
    def post(self, args: dict[str, Any], case_id: int) -> CaseView:
        """Resume a suspended case, with a reason."""
        return case_status.resume_case(get_db(), case_id, user=me(), reason=args["reason"])


@bp.route("/process-instances/<int:case_id>/cancel")
class Cancel(MethodView):
    @bp.arguments(s.ReasonArgs)
    @bp.response(200, s.CaseSchema)
    @transaction
    def post(self, args: dict[str, Any], case_id: int) -> CaseView:
        """Cancel a case, with a reason; it cannot be resumed."""
        return case_status.cancel_case(get_db(), case_id, user=me(), reason=args["reason"])
