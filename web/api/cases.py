"""Process instances (cases): list, read, history, suspend, resume, cancel."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from engine.runtime.cases import cancel_case, get_case, resume_case, suspend_case
from engine.runtime.history import case_history
from engine.runtime.views import CaseView
from web.api import schemas as s
from web.api.blueprints import api_blueprint
from web.api.queries import Page, case_page, require_case_reader
from web.api.security import SECRETARIAT, me, require_groups
from web.db import get_db

bp = api_blueprint("process-instances", "Cases: find, read, history; suspend, resume and cancel "
                                        "(Secretariat, admins).")


@bp.route("/process-instances")
class Cases(MethodView):
    @bp.arguments(s.CaseQuery, location="query")
    @bp.response(200, s.CasePageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """Cases you may read (all of them for the Secretariat), newest first, with a total."""
        return case_page(get_db(), me(), process=args["process"], status=args["status"],
                         started_by=args["started_by"], search=args["search"], page=args["page"],
                         per_page=args["per_page"])


@bp.route("/process-instances/<int:case_id>")
class OneCase(MethodView):
    @bp.response(200, s.CaseSchema)
    def get(self, case_id: int) -> CaseView:
        """A case: status, open tasks, variables."""
        session = get_db()
        require_case_reader(session, me(), case_id)
        return get_case(session, case_id)


@bp.route("/process-instances/<int:case_id>/history")
class History(MethodView):
    @bp.response(200, s.HistorySchema)
    def get(self, case_id: int) -> dict[str, Any]:
        """What happened to the case, who did it and when, oldest first."""
        session = get_db()
        require_case_reader(session, me(), case_id)
        return {"items": case_history(session, case_id)}


@bp.route("/process-instances/<int:case_id>/suspend")
class Suspend(MethodView):
    @bp.arguments(s.ReasonArgs)
    @bp.response(200, s.CaseSchema)
    def post(self, args: dict[str, Any], case_id: int) -> CaseView:
        """Suspend a running case: its tasks cannot be worked on until it is resumed."""
        user = require_groups(SECRETARIAT, "suspend cases")
        return suspend_case(get_db(), case_id, user=user, reason=args.get("reason"))


@bp.route("/process-instances/<int:case_id>/resume")
class Resume(MethodView):
    @bp.arguments(s.ReasonArgs)
    @bp.response(200, s.CaseSchema)
    def post(self, args: dict[str, Any], case_id: int) -> CaseView:
        """Resume a suspended case."""
        user = require_groups(SECRETARIAT, "resume cases")
        return resume_case(get_db(), case_id, user=user, reason=args.get("reason"))


@bp.route("/process-instances/<int:case_id>/cancel")
class Cancel(MethodView):
    @bp.arguments(s.CancelArgs)
    @bp.response(200, s.CaseSchema)
    def post(self, args: dict[str, Any], case_id: int) -> CaseView:
        """Cancel a case, with a reason; it cannot be resumed."""
        user = require_groups(SECRETARIAT, "cancel cases")
        return cancel_case(get_db(), case_id, user=user, reason=args["reason"])
