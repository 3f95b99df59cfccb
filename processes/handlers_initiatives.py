"""Handlers of `initiative_incubation` and `task_force`.

Same contract as `processes.handlers`: `handler(session, call) -> dict`, no commit, an upsert
on a natural key (the case id; the initiative's id), `HandlerError` on bad data.

- The initiative: registered at start (`register_initiative`), its partner cities' answers
  gathered with who gave them (`collect_commitments`), incubated or rejected, its cooperation
  agreement recorded (`record_cooperation_agreement`) or, past its due date or when the
  Secretariat says so, recorded as not reached (`record_no_agreement`), implemented, closed with
  its outcome (`close_initiative`: completed or discontinued; tells whether its task force is
  still at work, so that the process closes it with the initiative).
- The task force: registered when appointed, a progress report per quarter, closed by its own
  closure report (`close_task_force`) or with its initiative (`close_task_force_with_initiative`:
  the outcome is the initiative's, and every quarterly report still open is listed as cancelled
  with the reason).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.runtime.handlers import Handler, ServiceCall
from engine.store.models import HumanTask, TaskState
from processes import call_data
from processes.answers import gather_answers
from processes.call_data import HandlerError
from processes.registry import (
    INITIATIVE_OUTCOMES,
    INITIATIVE_STATUSES,
    RegistryCommittee,
    RegistryInitiative,
    RegistryTaskForce,
    RegistryTaskForceReport,
)

NO_AGREEMENT_BY_DUE_DATE = "No cooperation agreement was recorded by its due date."


def initiative_key(initiative_id: int) -> str:
    """The initiative's key as people quote it (INI-7)."""
    return f"INI-{initiative_id}"


def _initiative(session: Session, data: dict[str, Any]) -> RegistryInitiative:
    raw = data.get("initiative_id")
    if raw is None and isinstance(data.get("initiative"), dict):
        raw = data["initiative"].get("initiative_id")
    return call_data.row_by_id(session, RegistryInitiative, raw, "initiative_id", "initiative")


def register_initiative(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Create the proposed initiative (one per case) and return its id for correlation."""
    d = call.data
    initiative = session.scalar(select(RegistryInitiative).where(RegistryInitiative.case_id == call.case_id))
    if initiative is None:
        initiative = RegistryInitiative(case_id=call.case_id, status="proposed",
                                        title=call_data.required(d, "initiative_title"))
        session.add(initiative)
    committee = session.scalar(select(RegistryCommittee).where(
        RegistryCommittee.name == (call_data.text(d, "committee_name") or "")))
    initiative.committee_id = committee.id if committee else None
    initiative.description = call_data.text(d, "initiative_description")
    initiative.partner_cities = call_data.names(d.get("partner_cities"))
    session.flush()
    # The case is titled with the initiative (not its committee), and carries its key.
    return {"initiative_id": initiative.id, "initiative_key": initiative_key(initiative.id),
            "case_title": initiative.title}


def collect_commitments(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Every partner city's answer with who gave it, for the Secretariat and the agreement.

    `commitment_notes`: one per answer (name, decision, contribution); `commitment_summary`:
    the same as readable lines ("Quanzhou: Commit. Staff, venue")."""
    notes = gather_answers(session, call.case_id, "commit_partner_city", after_element=None,
                           form_id="city_commitment", decision_key="commitment_decision",
                           fields=("commitment_contribution",))
    for note in notes:
        note["contribution"] = str(note.pop("commitment_contribution") or "")
    lines = [f"{n['name']}: {n['decision']}" + (f". {n['contribution']}" if n["contribution"] else "")
             for n in notes]
    return {"commitment_notes": notes, "commitment_summary": "\n".join(lines)}


def _set_status(session: Session, call: ServiceCall, status: str) -> dict[str, Any]:
    initiative = _initiative(session, call.data)
    initiative.status = status
    return {"initiative_status": status}


def set_initiative_status(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Generic form: the target status is the case variable `initiative_status`."""
    status = call_data.text(call.data, "initiative_status", required=True)
    if status not in INITIATIVE_STATUSES:
        raise HandlerError(f"initiative_status: unknown status {status!r}")
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


def record_no_agreement(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The incubated initiative ends without a cooperation agreement (said or overdue).

    The reason is the Secretariat's (`no_agreement_reason`) or, when the agreement's due date
    passed with nothing recorded, `NO_AGREEMENT_BY_DUE_DATE`."""
    d = call.data
    initiative = _initiative(session, d)
    said = call_data.text(d, "agreement_status") == "no_agreement"
    reason = (call_data.text(d, "no_agreement_reason") if said else None) or NO_AGREEMENT_BY_DUE_DATE
    initiative.status = "no_agreement"
    initiative.agreement = None
    initiative.outcome, initiative.outcome_summary = "no_agreement", reason
    return {"initiative_status": "no_agreement", "no_agreement_reason": reason}


def close_initiative(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Close the initiative with its outcome (completed or discontinued) and summary.

    `task_force_active` tells the process whether a task force of the initiative is still at
    work (it is then closed with the initiative, message `initiative_closed`); a task force that
    closed first has handed its closure over: `task_force_closure` carries it."""
    d = call.data
    initiative = _initiative(session, d)
    outcome = call_data.text(d, "implementation_outcome", required=True)
    if outcome not in INITIATIVE_OUTCOMES:
        raise HandlerError(f"implementation_outcome: unknown outcome {outcome!r}")
    initiative.status = "closed"
    initiative.outcome, initiative.outcome_summary = outcome, call_data.text(d, "outcome_summary")
    task_forces = session.scalars(select(RegistryTaskForce).where(
        RegistryTaskForce.initiative_id == initiative.id).order_by(RegistryTaskForce.id)).all()
    active = [tf for tf in task_forces if tf.status == "active"]
    closed = [tf for tf in task_forces if tf.status == "closed"]
    out: dict[str, Any] = {"initiative_status": "closed", "initiative_outcome": outcome,
                           "task_force_active": bool(active)}
    if closed and not active:
        last = closed[-1]
        out["task_force_closure"] = {"task_force_id": last.id, "outcome": last.outcome or "",
                                     "closure_summary": last.closure_summary or ""}
    return out


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
    """The task force closes by its own closure report (outcome `completed` unless it says)."""
    d = call.data
    task_force = _task_force(session, call)
    outcome = call_data.text(d, "task_force_outcome") or "completed"
    if outcome not in INITIATIVE_OUTCOMES:
        raise HandlerError(f"task_force_outcome: unknown outcome {outcome!r}")
    task_force.status, task_force.outcome = "closed", outcome
    task_force.closure_summary = call_data.text(d, "closure_summary")
    return {"task_force_status": "closed", "task_force_outcome": outcome}


def close_task_force_with_initiative(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The initiative closed while its task force was at work: close it with the initiative's
    outcome, and list the quarterly reports that were still open (cancelled by the closure)
    with the reason, so that no report disappears without one."""
    d = call.data
    closure = d.get("initiative_closure")
    if not isinstance(closure, dict):
        raise HandlerError("initiative_closure: the initiative's closure message is missing")
    outcome = call_data.text(closure, "initiative_outcome")
    if outcome not in INITIATIVE_OUTCOMES:
        raise HandlerError(f"initiative_closure.initiative_outcome: unknown outcome {outcome!r}")
    task_force = _task_force(session, call)
    key = initiative_key(task_force.initiative_id)
    reason = f"Initiative {key} closed ({outcome}); the task force closed with it."
    cancelled = session.scalars(select(HumanTask).where(
        HumanTask.case_id == call.case_id, HumanTask.element_id == "quarterly_report",
        HumanTask.state == TaskState.CANCELLED).order_by(HumanTask.id)).all()
    reports = [{"task_id": t.id, "requested_on": t.created_at.date().isoformat(),
                "due_on": t.due_at.date().isoformat() if t.due_at else "", "reason": reason}
               for t in cancelled]
    task_force.status, task_force.outcome = "closed", outcome
    task_force.closure_reason = reason
    task_force.closure_summary = call_data.text(closure, "outcome_summary")
    task_force.cancelled_reports = reports
    return {"task_force_status": "closed", "task_force_outcome": outcome, "closure_reason": reason,
            "cancelled_reports": reports}


INITIATIVE_HANDLERS: dict[str, Handler] = {
    **{f.__name__: f for f in (register_initiative, set_initiative_status, record_cooperation_agreement,
                               record_no_agreement, close_initiative)},
    "incubate_initiative": incubate_initiative, "reject_initiative": reject_initiative,
    "start_initiative_implementation": start_initiative_implementation}
"""Guarded for `initiative_incubation`."""
TASK_FORCE_HANDLERS: dict[str, Handler] = {f.__name__: f for f in (
    register_task_force, record_progress_report, close_task_force, close_task_force_with_initiative)}
"""Guarded for `task_force`."""
READ_ONLY_HANDLERS: dict[str, Handler] = {collect_commitments.__name__: collect_commitments}
"""Read the case's history only: any process may call them."""

__all__ = ["INITIATIVE_HANDLERS", "READ_ONLY_HANDLERS", "TASK_FORCE_HANDLERS", "initiative_key"]
