"""Messages from outside, and incidents (Secretariat, admins)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from engine.background.incidents import IncidentView, incidents_for, retry_incident
from engine.background.messages import send_message
from web.api import schemas as s
from web.api.blueprints import api_blueprint
from web.api.security import IDEMPOTENCY_PARAMETER, idempotent, me
from web.db import get_db, transaction

bp = api_blueprint("messages", "Send a message to waiting cases (or start the processes that "
                               "begin with it).")
incidents = api_blueprint("incidents", "Failed steps and jobs; retry after fixing the cause "
                                       "(Secretariat, admins).")


@bp.route("/messages")
class Messages(MethodView):
    @bp.arguments(s.MessageArgs)
    @bp.response(200, s.DeliverySchema)
    @bp.doc(parameters=[IDEMPOTENCY_PARAMETER])
    @transaction
    def post(self, args: dict[str, Any]) -> Any:
        """Deliver a message now: 404 when no case waits for it and no process starts with it."""
        return idempotent(200, s.DeliverySchema(), args, lambda: send_message(
            get_db(), args["name"], correlation=args["correlation"], data=args["variables"],
            user=me()))


@incidents.route("/incidents")
class Incidents(MethodView):
    @incidents.arguments(s.IncidentQuery, location="query")
    @incidents.response(200, s.IncidentListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open incidents (and resolved ones with `include_resolved=true`), newest first."""
        return {"items": incidents_for(get_db(), me(), case_id=args["case_id"],
                                       include_resolved=args["include_resolved"],
                                       limit=args["limit"])}


@incidents.route("/incidents/<int:incident_id>/retry")
class Retry(MethodView):
    @incidents.arguments(s.RetryArgs)
    @incidents.response(200, s.IncidentSchema)
    @transaction
    def post(self, args: dict[str, Any], incident_id: int) -> IncidentView:
        """Retry an incident, after merging corrected variables into the step concerned."""
        return retry_incident(get_db(), incident_id, user=me(), reason=args["reason"],
                              data=args["variables"] or None)
