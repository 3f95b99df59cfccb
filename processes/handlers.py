"""Service-task handlers of the Alliance's processes.

Each handler is `handler(session, call) -> dict`: it reads `call.data` (a copy of the case
data), writes the registry through `session` without committing, and returns the variables to
merge into the case data. The engine's worker may run a handler more than once for the same
step (a retry after a crash, a lease taken over), so every handler is an upsert on a natural
key (committee name, member name, year + committee, the case id) or on `call.idempotency_key`:
running it twice leaves one row. Bad input raises `HandlerError` (the job becomes an incident
the Secretariat can retry after fixing the data).

`HANDLERS` maps the BPMN names (`<zeebe:taskDefinition type="..."/>`) to the functions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.notify.handler import notify_handler, remind
from engine.runtime.handlers import Handler, ServiceCall, guarded
from processes import call_data
from processes.call_data import HandlerError
from processes.committee_handlers import (
    collect_endorsements,
    list_committee_choices,
    register_committee,
    set_board_representatives,
)
from processes.registry import (
    INITIATIVE_STATUSES,
    RegistryBusinessCouncilMember,
    RegistryCommittee,
    RegistryInitiative,
    RegistryNotification,
    RegistryTaskForce,
    RegistryTaskForceReport,
    RegistryWorkPlan,
    RegistryWorkPlanActivity,
)


def _committee(session: Session, name: str) -> RegistryCommittee | None:
    return session.scalar(select(RegistryCommittee).where(RegistryCommittee.name == name))


def _initiative(session: Session, data: dict[str, Any]) -> RegistryInitiative:
    raw = data.get("initiative_id")
    if raw is None and isinstance(data.get("initiative"), dict):
        raw = data["initiative"].get("initiative_id")
    try:
        initiative = session.get(RegistryInitiative, int(raw)) if raw is not None else None
    except (TypeError, ValueError) as exc:
        raise HandlerError(f"bad initiative_id {raw!r}") from exc
    if initiative is None:
        raise HandlerError(f"unknown initiative {raw!r}")
    return initiative


def list_established_committees(session: Session, call: ServiceCall) -> dict[str, Any]:
    names = session.scalars(select(RegistryCommittee.name)
                            .where(RegistryCommittee.status == "established")
                            .order_by(RegistryCommittee.name)).all()
    return {"committees": list(names)}


def notify(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Write one notice (e.g. "review open for 30 days") per idempotency key.

    With `notify_to`, it is the engine's own `notify` (engine.notify.handler)."""
    if call.data.get("notify_to"):
        return notify_handler(session, call)
    existing = session.scalar(select(RegistryNotification)
                              .where(RegistryNotification.idempotency_key == call.idempotency_key))
    if existing is None:
        subject = call_data.text(call.data, "notification_subject") or (
            f"Reminder: {call_data.text(call.data, 'committee_name') or 'a case'} is waiting for your review")
        group = call_data.text(call.data, "notification_group") or "secretariat"
        existing = RegistryNotification(idempotency_key=call.idempotency_key, case_id=call.case_id,
                                        recipient_group=group, subject=subject[:300])
        session.add(existing)
        session.flush()
        # Deliver it: the group's people get it in the app and by e-mail (engine.notify).
        remind(session, call.case_id, key=call.idempotency_key, to=f"group:{group}", subject=subject)
    return {"last_notification_id": existing.id}


def _member(session: Session, name: str) -> RegistryBusinessCouncilMember | None:
    return session.scalar(select(RegistryBusinessCouncilMember)
                          .where(RegistryBusinessCouncilMember.name == name))


def register_observer(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Register an approved applicant as observer; eligible for membership one year later."""
    d = call.data
    name = call_data.required(d, "applicant_name")
    member = _member(session, name)
    if member is not None and member.kind != "observer":
        raise HandlerError(f"{name!r} is already a {member.kind}")
    if member is None or member.case_id != call.case_id:
        since = call_data.now().date()
        if member is None:
            member = RegistryBusinessCouncilMember(name=name, kind="observer", since=since)
            session.add(member)
        member.since, member.case_id = since, call.case_id
    member.eligible_from = call_data.one_year_later(member.since)
    member.organisation_type = call_data.text(d, "applicant_kind")
    member.sector = call_data.text(d, "sector")
    member.contact_email = call_data.text(d, "contact_email")
    session.flush()
    return {"observer_since": member.since.isoformat(), "eligible_from": member.eligible_from.isoformat()}


def register_member(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Admit a nominated observer as group or individual member (upsert by name)."""
    d = call.data
    name = call_data.required(d, "applicant_name")
    kind = call_data.text(d, "membership_kind", required=True)
    if kind not in ("group_member", "individual_member"):
        raise HandlerError(f"unknown membership kind {kind!r}")
    member = _member(session, name)
    if member is None:
        member = RegistryBusinessCouncilMember(name=name, kind=kind, since=call_data.now().date())
        session.add(member)
    elif member.kind != kind:
        member.kind, member.since = kind, call_data.now().date()
    member.organisation_type = call_data.text(d, "organisation_type") or member.organisation_type
    member.nominee_name = call_data.text(d, "nominee_name")
    member.case_id = call.case_id
    session.flush()
    return {"member_kind": kind, "member_since": member.since.isoformat()}


def _year(data: dict[str, Any]) -> int:
    try:
        return int(data["year"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"bad work-plan year {data.get('year')!r}") from exc


def _work_plan(session: Session, year: int, case_id: int) -> RegistryWorkPlan:
    plan = session.scalar(select(RegistryWorkPlan).where(RegistryWorkPlan.year == year))
    if plan is None:
        plan = RegistryWorkPlan(year=year, status="open", approved_budget=Decimal("0"), case_id=case_id)
        session.add(plan)
        session.flush()
    return plan


def _activity(session: Session, call: ServiceCall) -> RegistryWorkPlanActivity:
    committee = call_data.required(call.data, "committee")
    plan = _work_plan(session, _year(call.data), call.case_id)
    row = session.scalar(select(RegistryWorkPlanActivity).where(
        RegistryWorkPlanActivity.work_plan_id == plan.id,
        RegistryWorkPlanActivity.committee_name == committee))
    if row is None:
        row = RegistryWorkPlanActivity(work_plan_id=plan.id, committee_name=committee, partner_cities=[])
        session.add(row)
    row.case_id = call.case_id
    return row


_BOARD_STATUS = {"approve": "approved", "partly_approve": "partly_approved", "reject": "rejected"}


def record_activity(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Store one committee's activity with the Project Board's decision."""
    d = call.data
    status = _BOARD_STATUS.get(str(d.get("board_decision")))
    if status is None:
        raise HandlerError(f"unknown board decision {d.get('board_decision')!r}")
    row = _activity(session, call)
    row.title = call_data.text(d, "activity_title")
    row.description = call_data.text(d, "activity_description")
    row.requested_seed_funding = call_data.money(d, "requested_seed_funding")
    row.co_funding_mobilized = call_data.money(d, "co_funding_mobilized")
    row.expected_results = call_data.text(d, "expected_results")
    row.partner_cities = call_data.names(d.get("activity_partner_cities"))
    row.status = status
    if status == "approved":
        row.approved_seed_funding = row.requested_seed_funding
    elif status == "partly_approved":
        row.approved_seed_funding = min(call_data.money(d, "approved_seed_funding"),
                                        row.requested_seed_funding)
    else:
        row.approved_seed_funding = Decimal("0")
    session.flush()
    return {"activity_outcome": {"committee": row.committee_name, "title": row.title, "status": status,
                                 "approved_seed_funding": float(row.approved_seed_funding)}}


def mark_submission_late(session: Session, call: ServiceCall) -> dict[str, Any]:
    row = _activity(session, call)
    row.status = "late"
    row.approved_seed_funding = Decimal("0")
    session.flush()
    return {"activity_outcome": {"committee": row.committee_name, "title": None, "status": "late",
                                 "approved_seed_funding": 0.0}}


def record_work_plan(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Approve the year's Annual Work Plan: the approved activities and their seed funding."""
    plan = _work_plan(session, _year(call.data), call.case_id)
    approved = [a for a in plan.activities if a.status in ("approved", "partly_approved")]
    plan.approved_budget = sum((a.approved_seed_funding for a in approved), Decimal("0"))
    plan.status = "approved"
    plan.approved_at = plan.approved_at or call_data.now()
    plan.case_id = call.case_id
    session.flush()
    return {"work_plan_id": plan.id, "approved_budget": float(plan.approved_budget),
            "approved_activities": len(approved)}


def register_initiative(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Create the proposed initiative (one per case) and return its id for correlation."""
    d = call.data
    initiative = session.scalar(select(RegistryInitiative).where(RegistryInitiative.case_id == call.case_id))
    if initiative is None:
        initiative = RegistryInitiative(case_id=call.case_id, status="proposed",
                                        title=call_data.required(d, "initiative_title"))
        session.add(initiative)
    committee = _committee(session, call_data.text(d, "committee_name") or "")
    initiative.committee_id = committee.id if committee else None
    initiative.description = call_data.text(d, "initiative_description")
    initiative.partner_cities = call_data.names(d.get("partner_cities"))
    session.flush()
    return {"initiative_id": initiative.id}


def _set_status(session: Session, call: ServiceCall, status: str) -> dict[str, Any]:
    initiative = _initiative(session, call.data)
    initiative.status = status
    return {"initiative_status": status}


def set_initiative_status(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Generic form: the target status is the case variable `initiative_status`."""
    status = call_data.text(call.data, "initiative_status", required=True)
    if status not in INITIATIVE_STATUSES:
        raise HandlerError(f"unknown initiative status {status!r}")
    return _set_status(session, call, status)


def _status_setter(status: str) -> Handler:
    def handler(session: Session, call: ServiceCall) -> dict[str, Any]:
        return _set_status(session, call, status)

    handler.__name__ = handler.__qualname__ = f"set_initiative_status_{status}"
    handler.__doc__ = f"Set the initiative (by `initiative_id`) to {status!r}."
    return handler


incubate_initiative = _status_setter("incubated")
reject_initiative = _status_setter("rejected")
start_initiative_implementation = _status_setter("implementing")
close_initiative = _status_setter("closed")


def record_cooperation_agreement(session: Session, call: ServiceCall) -> dict[str, Any]:
    d = call.data
    initiative = _initiative(session, d)
    initiative.agreement = {
        "title": call_data.text(d, "agreement_title", required=True),
        "signed_on": call_data.text(d, "agreement_signed_on"),
        "signed_at_cities_forum": bool(d.get("signed_at_cities_forum")),
        "signatories": call_data.names(d.get("agreement_signatories")),
    }
    return {"agreement_recorded": True}


def register_task_force(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Create the task force of this case (one per case), linked to its initiative."""
    d = call.data
    initiative = _initiative(session, d)
    lead = call_data.required(d, "task_force_lead")
    task_force = session.scalar(select(RegistryTaskForce).where(RegistryTaskForce.case_id == call.case_id))
    if task_force is None:
        task_force = RegistryTaskForce(case_id=call.case_id, initiative_id=initiative.id, lead=lead)
        session.add(task_force)
    task_force.lead = lead
    task_force.members = call_data.names(d.get("task_force_members"))
    task_force.mandate = call_data.text(d, "task_force_mandate")
    task_force.status = "active"
    session.flush()
    return {"task_force_id": task_force.id, "initiative_id": initiative.id}


def _task_force(session: Session, call: ServiceCall) -> RegistryTaskForce:
    task_force = session.scalar(select(RegistryTaskForce).where(RegistryTaskForce.case_id == call.case_id))
    if task_force is None:
        raise HandlerError(f"case {call.case_id} has no registered task force")
    return task_force


def record_progress_report(session: Session, call: ServiceCall) -> dict[str, Any]:
    d = call.data
    task_force = _task_force(session, call)
    quarter = call_data.required(d, "report_quarter")
    report = session.scalar(select(RegistryTaskForceReport).where(
        RegistryTaskForceReport.task_force_id == task_force.id, RegistryTaskForceReport.quarter == quarter))
    if report is None:
        report = RegistryTaskForceReport(task_force_id=task_force.id, quarter=quarter)
        session.add(report)
    report.progress = call_data.text(d, "progress_summary")
    report.issues = call_data.text(d, "issues")
    report.next_steps = call_data.text(d, "next_steps")
    return {"last_report_quarter": quarter}


def close_task_force(session: Session, call: ServiceCall) -> dict[str, Any]:
    task_force = _task_force(session, call)
    task_force.status = "closed"
    task_force.closure_summary = call_data.text(call.data, "closure_summary")
    return {"task_force_status": "closed"}


_UNGUARDED: dict[str, Handler] = {f.__name__: f for f in (
    list_established_committees, notify, list_committee_choices, collect_endorsements)}
_GUARDED: dict[str, dict[str, Handler]] = {
    "committee_establishment": {
        f.__name__: f for f in (register_committee, set_board_representatives)},
    "business_council_membership": {
        f.__name__: f for f in (register_observer, register_member)},
    "annual_work_plan": {
        f.__name__: f for f in (record_activity, mark_submission_late, record_work_plan)},
    "initiative_incubation": {
        **{f.__name__: f for f in (register_initiative, set_initiative_status,
                                   record_cooperation_agreement)},
        "incubate_initiative": incubate_initiative, "reject_initiative": reject_initiative,
        "start_initiative_implementation": start_initiative_implementation,
        "close_initiative": close_initiative},
    "task_force": {
        f.__name__: f for f in (register_task_force, record_progress_report, close_task_force)},
}
"""Handlers that change the registry, by the one process allowed to call them: the engine
refuses to deploy another process that calls one, and asks an admin to approve any new
version of these processes that an analyst deploys (engine.runtime.handlers.guarded)."""

HANDLERS: dict[str, Handler] = {
    **_UNGUARDED,
    **{name: guarded(process_id)(handler)
       for process_id, handlers in _GUARDED.items() for name, handler in handlers.items()},
}

__all__ = ["HANDLERS", "Handler", "HandlerError", "ServiceCall"]
