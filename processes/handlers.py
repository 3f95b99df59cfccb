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

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.notify.handler import notify_handler, remind
from engine.runtime.handlers import Handler, ServiceCall, guarded
from processes import call_data, membership_handlers, work_plan_handlers
from processes.call_data import HandlerError
from processes.handlers_action_plans import ACTION_PLAN_HANDLERS, INITIATIVE_LINK_HANDLERS
from processes.handlers_follow_up import FOLLOW_UP_HANDLERS
from processes.handlers_forum import FORUM_HANDLERS
from processes.handlers_membership import GUARDED as MEMBERSHIP_GUARDED
from processes.handlers_membership import UNGUARDED as MEMBERSHIP_UNGUARDED
from processes.handlers_review import REVIEW_HANDLERS
from processes.registry import (
    INITIATIVE_STATUSES,
    RegistryCommittee,
    RegistryInitiative,
    RegistryNotification,
    RegistryTaskForce,
    RegistryTaskForceReport,
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


def register_committee(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Create the committee as established, or promote a preparatory one (by name)."""
    d = call.data
    name = call_data.required(d, "committee_name")
    committee = _committee(session, name)
    if committee is None:
        committee = RegistryCommittee(name=name, board_representatives=[])
        session.add(committee)
    if committee.status != "established" or committee.established_on is None:
        committee.established_on = call_data.now().date()
    committee.status = "established"
    committee.sector = call_data.text(d, "sector") or committee.sector
    committee.proposing_entity = (call_data.text(d, "proposing_entity")
                                  or call_data.text(d, "initiator")
                                  or call_data.case_starter(session, call.case_id)
                                  or committee.proposing_entity)
    committee.partner_institutions = call_data.names(d.get("partner_institutions"))
    committee.terms_of_reference = {key: d.get(key) for key in (
        "objectives", "scope", "membership", "resource_mobilization_plan")}
    committee.updated_by_case_id = call.case_id
    session.flush()
    return {"committee_id": committee.id, "committee_status": "established"}


def set_board_representatives(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Record the committee's 2-3 rotating Project Board representatives (replaces the list)."""
    d = call.data
    names = call_data.names([d.get("representative_1"), d.get("representative_2"), d.get("representative_3")])
    if not 2 <= len(names) <= 3:
        raise HandlerError(f"a committee names 2 to 3 Project Board representatives, got {len(names)}")
    name = call_data.required(d, "committee_name")
    committee = _committee(session, name)
    if committee is None:
        raise HandlerError(f"unknown committee {name!r}")
    committee.board_representatives = names
    committee.updated_by_case_id = call.case_id
    return {"board_representatives": names}


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
        about = call_data.text(call.data, "committee_name") or call_data.text(call.data, "committee")
        subject = call_data.text(call.data, "notification_subject") or (
            f"Reminder: {about or 'a case'} is waiting for your review")
        group = call_data.text(call.data, "notification_group") or "secretariat"
        existing = RegistryNotification(idempotency_key=call.idempotency_key, case_id=call.case_id,
                                        recipient_group=group, subject=subject[:300])
        session.add(existing)
        session.flush()
        # Deliver it: the group's people get it in the app and by e-mail (engine.notify).
        remind(session, call.case_id, key=call.idempotency_key, to=f"group:{group}", subject=subject)
    return {"last_notification_id": existing.id}


def initiative_key(initiative_id: int) -> str:
    """The initiative's key as people quote it (INI-7)."""
    return f"INI-{initiative_id}"


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
    # The case is titled with the initiative (not its committee), and carries its key.
    return {"initiative_id": initiative.id, "initiative_key": initiative_key(initiative.id),
            "case_title": initiative.title}


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
    # The task-force case carries its initiative's key, title and case (the link back).
    return {"task_force_id": task_force.id, "initiative_id": initiative.id,
            "initiative_key": initiative_key(initiative.id), "initiative_case_id": initiative.case_id,
            "case_title": f"Task force: {initiative.title}"}


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


_UNGUARDED: dict[str, Handler] = {f.__name__: f for f in (list_established_committees, notify)}
_UNGUARDED.update(MEMBERSHIP_UNGUARDED)
_GUARDED: dict[str, dict[str, Handler]] = {
    "committee_establishment": {
        f.__name__: f for f in (register_committee, set_board_representatives)},
    "business_council_membership": membership_handlers.HANDLERS,
    "annual_work_plan": work_plan_handlers.HANDLERS,
    "initiative_incubation": {
        **{f.__name__: f for f in (register_initiative, set_initiative_status,
                                   record_cooperation_agreement)},
        "incubate_initiative": incubate_initiative, "reject_initiative": reject_initiative,
        "start_initiative_implementation": start_initiative_implementation,
        "close_initiative": close_initiative, **INITIATIVE_LINK_HANDLERS},
    "task_force": {
        f.__name__: f for f in (register_task_force, record_progress_report, close_task_force)},
    **MEMBERSHIP_GUARDED,
    "action_plan": ACTION_PLAN_HANDLERS, "cities_forum": FORUM_HANDLERS,
    "activity_follow_up": FOLLOW_UP_HANDLERS, "committee_review": REVIEW_HANDLERS,
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
