"""Human tasks: list, read (with the form), claim, unclaim, assign, complete."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from engine.read.api_lists import Page, task_list
from engine.read.task_context import task_context
from engine.runtime.tasks import assign_task, claim_task, complete_task, unclaim_task
from engine.runtime.views import TaskView
from web.api import schemas as s
from web.api.blueprints import api_blueprint
from web.api.security import IDEMPOTENCY_PARAMETER, idempotent, me
from web.db import get_db, transaction

bp = api_blueprint("tasks", "Human tasks: your inbox, claim, complete (the task's form "
                            "validates the variables exactly as the task page does).")


@bp.route("/tasks")
class Tasks(MethodView):
    @bp.arguments(s.TaskQuery, location="query")
    @bp.response(200, s.TaskPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """Tasks assigned to you or claimable by you (`assigned=me`, `candidate=me` narrow it)."""
        return task_list(get_db(), me(), assigned=args["assigned"] == "me",
                         candidate=args["candidate"] == "me", process=args["process"],
                         state=args["state"], overdue=args["overdue"], page=args["page"],
                         per_page=args["per_page"])


@bp.route("/tasks/<int:task_id>")
class OneTask(MethodView):
    @bp.response(200, s.TaskDetailSchema)
    def get(self, task_id: int) -> dict[str, Any]:
        """A task with its form-js schema, the case's variables and what you may do with it."""
        context = task_context(get_db(), task_id, me())
        return {**context.task.to_dict(), "process_name": context.process_name,
                "documentation": context.documentation, "form": context.form,
                "variables": context.data, "may_complete": context.may_act,
                "may_claim": context.may_claim, "may_unclaim": context.may_unclaim,
                "created_at": context.task.created_at, "due_at": context.task.due_at,
                "completed_at": context.task.completed_at}


@bp.route("/tasks/<int:task_id>/claim")
class Claim(MethodView):
    @bp.response(200, s.TaskSchema)
    @transaction
    def post(self, task_id: int) -> TaskView:
        """Take a task offered to you (your groups, bodies or organisation)."""
        return claim_task(get_db(), task_id, user=me())


@bp.route("/tasks/<int:task_id>/unclaim")
class Unclaim(MethodView):
    @bp.response(200, s.TaskSchema)
    @transaction
    def post(self, task_id: int) -> TaskView:
        """Give back a task you took (not one the process gave to you personally)."""
        return unclaim_task(get_db(), task_id, user=me())


@bp.route("/tasks/<int:task_id>/assign")
class Assign(MethodView):
    @bp.arguments(s.AssignArgs)
    @bp.response(200, s.TaskSchema)
    @transaction
    def post(self, args: dict[str, Any], task_id: int) -> TaskView:
        """Give a task to someone, with a reason (Secretariat, admins)."""
        return assign_task(get_db(), task_id, user=me(), assignee=args["assignee"],
                           reason=args["reason"])


@bp.route("/tasks/<int:task_id>/complete")
class Complete(MethodView):
    @bp.arguments(s.CompleteArgs)
    @bp.response(200, s.CaseSchema)
    @bp.doc(parameters=[IDEMPOTENCY_PARAMETER])
    @transaction
    def post(self, args: dict[str, Any], task_id: int) -> Any:
        """Complete a task with the variables of its form; returns the case as it is now."""

        def work() -> Any:
            return complete_task(get_db(), task_id, user=me(), data=args["variables"])

        return idempotent(200, s.CaseSchema(), args, work)
