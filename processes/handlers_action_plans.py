"""Handlers of `action_plan` (and the link an initiative keeps to the plan it came from).

Same contract as `processes.handlers`: `handler(session, call) -> dict`, no commit, an upsert on
a natural key (the plan's case id; the initiative's id for a link), `HandlerError` on bad data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.runtime.handlers import Handler, ServiceCall
from processes import call_data
from processes.call_data import HandlerError
from processes.registry import RegistryCommittee, RegistryInitiative
from processes.registry_forum import ACTION_PLAN_KINDS, RegistryActionPlan, RegistryActionPlanInitiative


def _plan_of_case(session: Session, case_id: int) -> RegistryActionPlan | None:
    return session.scalar(select(RegistryActionPlan).where(RegistryActionPlan.case_id == case_id))


def _existing_plan(session: Session, call: ServiceCall) -> RegistryActionPlan:
    plan = _plan_of_case(session, call.case_id)
    if plan is None:
        raise HandlerError(f"case {call.case_id} has no registered action plan")
    return plan


def _committee(session: Session, name: str, field: str) -> RegistryCommittee:
    committee = session.scalar(select(RegistryCommittee).where(RegistryCommittee.name == name))
    if committee is None or committee.status == "dissolved":
        raise HandlerError(f"{field}: {name!r} is not a committee of the Alliance")
    return committee


def register_action_plan(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Create or update (after a revision) the plan of this case; it goes (back) to review.

    A cross-sector plan names at least one committee besides the lead; a sectoral plan's
    other committees are ignored."""
    d = call.data
    kind = call_data.text(d, "plan_kind") or "sectoral"
    if kind not in ACTION_PLAN_KINDS:
        raise HandlerError(f"plan_kind: unknown kind {kind!r}")
    lead = _committee(session, call_data.required(d, "lead_committee"), "lead_committee")
    others = [n for n in call_data.names(d.get("contributing_committees")) if n != lead.name]
    for name in others:
        _committee(session, name, "contributing_committees")
    if kind == "cross_sector" and not others:
        raise HandlerError("contributing_committees: a cross-sector plan names at least one other committee")
    plan = _plan_of_case(session, call.case_id)
    if plan is None:
        plan = RegistryActionPlan(case_id=call.case_id, title=call_data.required(d, "plan_title"),
                                  lead_committee=lead.name)
        session.add(plan)
    plan.title = call_data.required(d, "plan_title")
    plan.kind = kind
    plan.lead_committee_id, plan.lead_committee = lead.id, lead.name
    plan.contributing_committees = others if kind == "cross_sector" else []
    plan.period = call_data.text(d, "plan_period")
    plan.objectives = call_data.text(d, "plan_objectives")
    plan.planned_activities = call_data.text(d, "planned_activities")
    plan.resource_mobilization = call_data.text(d, "resource_mobilization")
    plan.requested_seed_funding = call_data.money(d, "requested_seed_funding")
    plan.status = "under_review"
    session.flush()
    # The case's title (the dashboard's committee filter reads it): the plan and its committees.
    title = f"{plan.title} ({', '.join([lead.name, *plan.contributing_committees])})"
    return {"action_plan_id": plan.id, "action_plan_status": plan.status,
            "contributing_committees": plan.contributing_committees, "case_title": title}


def approve_action_plan(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Approve the plan with its seed funding: the amount granted, never more than requested."""
    plan = _existing_plan(session, call)
    granted = call_data.money(call.data, "approved_seed_funding")
    plan.approved_seed_funding = min(granted, plan.requested_seed_funding)
    plan.status = "approved"
    plan.decided_on = plan.decided_on or call_data.now().date()
    return {"action_plan_status": "approved", "approved_seed_funding": float(plan.approved_seed_funding)}


def _status_setter(name: str, status: str) -> Handler:
    def handler(session: Session, call: ServiceCall) -> dict[str, Any]:
        plan = _existing_plan(session, call)
        plan.status = status
        plan.approved_seed_funding = Decimal("0")
        plan.decided_on = plan.decided_on or call_data.now().date()
        return {"action_plan_status": status}

    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = f"Set this case's action plan to {status!r} (no seed funding)."
    return handler


reject_action_plan = _status_setter("reject_action_plan", "rejected")
lapse_action_plan = _status_setter("lapse_action_plan", "lapsed")


def link_initiative_to_action_plan(session: Session, call: ServiceCall) -> dict[str, Any]:
    """For `initiative_incubation`: record the approved plan an initiative comes from.

    Reads the OPTIONAL case variable `action_plan_id` (without it: nothing to do) and the
    `initiative_id` that `register_initiative` returned. One link per initiative (upsert)."""
    d = call.data
    raw = d.get("action_plan_id")
    if raw in (None, ""):
        return {}
    try:
        plan = session.get(RegistryActionPlan, int(raw))
    except (TypeError, ValueError) as exc:
        raise HandlerError(f"action_plan_id: bad value {raw!r}") from exc
    if plan is None or plan.status != "approved":
        raise HandlerError(f"action_plan_id: {raw!r} is not an approved action plan")
    try:
        initiative = session.get(RegistryInitiative, int(d["initiative_id"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"initiative_id: bad value {d.get('initiative_id')!r}") from exc
    if initiative is None:
        raise HandlerError(f"initiative_id: unknown initiative {d.get('initiative_id')!r}")
    link = session.scalar(select(RegistryActionPlanInitiative)
                          .where(RegistryActionPlanInitiative.initiative_id == initiative.id))
    if link is None:
        link = RegistryActionPlanInitiative(initiative_id=initiative.id, action_plan_id=plan.id)
        session.add(link)
    link.action_plan_id, link.case_id = plan.id, call.case_id
    session.flush()
    return {"action_plan_id": plan.id, "action_plan_title": plan.title}


ACTION_PLAN_HANDLERS: dict[str, Handler] = {
    f.__name__: f for f in (register_action_plan, approve_action_plan, reject_action_plan, lapse_action_plan)}
"""Guarded for `action_plan`."""
INITIATIVE_LINK_HANDLERS: dict[str, Handler] = {
    link_initiative_to_action_plan.__name__: link_initiative_to_action_plan}
"""Guarded for `initiative_incubation` (wired in by a service task after `register_initiative`)."""

__all__ = ["ACTION_PLAN_HANDLERS", "INITIATIVE_LINK_HANDLERS"]
