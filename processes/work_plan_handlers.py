"""Service-task handlers of the annual work plan (`annual_work_plan.bpmn`).

A committee submits any number of activities in one submission (the form's dynamic list
`activities`); each becomes one row of `registry_work_plan_activities`, keyed by (plan, case,
committee, position), and the Project Board decides each on its own. The time of the FIRST
submission is kept (`first_submitted_at`, the rows' `submitted_at`): a revision asked for by the
Secretariat, even after the deadline, neither makes the submission late nor erases it.

A second call for a year that already has a plan is refused (`call_refused`) unless it says it
amends that plan (`amends_work_plan`); an amending call adds its activities to the same plan.
Like every handler, each is an upsert on its natural key: running it twice leaves one row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.runtime.handlers import Handler, ServiceCall
from processes import call_data
from processes.call_data import HandlerError
from processes.registry import RegistryCommittee, RegistryWorkPlan, RegistryWorkPlanActivity

INVITED_STATUSES = ("established", "preparatory")
"""Preparatory committees have activities too (the framework's 2018 highlights)."""

_BOARD_STATUS = {"approve": "approved", "partly_approve": "partly_approved", "reject": "rejected"}


def _year(data: dict[str, Any]) -> int:
    try:
        return int(data["year"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"bad work-plan year {data.get('year')!r}") from exc


def _plan(session: Session, year: int) -> RegistryWorkPlan | None:
    return session.scalar(select(RegistryWorkPlan).where(RegistryWorkPlan.year == year))


def _require_plan(session: Session, data: dict[str, Any]) -> RegistryWorkPlan:
    year = _year(data)
    plan = _plan(session, year)
    if plan is None:
        raise HandlerError(f"no work plan for {year}: the call was not opened")
    return plan


def open_work_plan_call(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Open the year's plan (or amend it) and list the committees invited to submit.

    Refused (`call_refused`, with `refusal_reason`) when the year already has a plan opened by
    another case and this call does not amend it."""
    year = _year(call.data)
    plan = _plan(session, year)
    if plan is None:
        plan = RegistryWorkPlan(year=year, status="open", approved_budget=Decimal("0"), case_id=call.case_id)
        session.add(plan)
        session.flush()
    elif call.case_id not in (plan.case_id, plan.amended_by_case_id):
        if not call.data.get("amends_work_plan"):
            return {"call_refused": True, "work_plan_id": plan.id,
                    "refusal_reason": f"The {year} work plan was opened by case {plan.case_id}; "
                                      "a second call must amend it."}
        plan.status, plan.amended_by_case_id = "amending", call.case_id
        session.flush()
    names = session.scalars(select(RegistryCommittee.name)
                            .where(RegistryCommittee.status.in_(INVITED_STATUSES))
                            .order_by(RegistryCommittee.name)).all()
    return {"call_refused": False, "refusal_reason": None, "work_plan_id": plan.id,
            "committees": list(names)}


def _entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries = data.get("activities")
    if not isinstance(entries, list) or not entries:
        raise HandlerError("a submission lists at least one activity ('activities' is empty)")
    if not all(isinstance(e, dict) for e in entries):
        raise HandlerError("'activities' must be a list of activities")
    return entries


def _activity_view(row: RegistryWorkPlanActivity) -> dict[str, Any]:
    """What the Project Board reads about one activity (the inner loop's item `activity`)."""
    return {"activity_id": row.id, "position": row.position, "activity_title": row.title,
            "activity_description": row.description,
            "requested_seed_funding": float(row.requested_seed_funding),
            "co_funding_mobilized": float(row.co_funding_mobilized),
            "expected_results": row.expected_results, "activity_partner_cities": list(row.partner_cities)}


def record_submission(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Store a committee's submission, one row per activity; a revision replaces the list but
    keeps the first submission's time. Clears the Secretariat's last decision and comment so
    the next review starts empty."""
    d = call.data
    committee = call_data.required(d, "committee")
    plan = _require_plan(session, d)
    entries = _entries(d)
    rows = {r.position: r for r in session.scalars(select(RegistryWorkPlanActivity).where(
        RegistryWorkPlanActivity.work_plan_id == plan.id, RegistryWorkPlanActivity.case_id == call.case_id,
        RegistryWorkPlanActivity.committee_name == committee))}
    earlier = [r.submitted_at for r in rows.values() if r.submitted_at is not None]
    first = d.get("first_submitted_at") or (min(earlier) if earlier else call_data.now()).isoformat()
    kept: list[RegistryWorkPlanActivity] = []
    for position, entry in enumerate(entries):
        row = rows.pop(position, None)
        if row is None:
            row = RegistryWorkPlanActivity(work_plan_id=plan.id, case_id=call.case_id,
                                           committee_name=committee, position=position, partner_cities=[])
            session.add(row)
        row.title = call_data.required(entry, "activity_title")[:200]
        row.description = call_data.text(entry, "activity_description")
        row.requested_seed_funding = call_data.money(entry, "requested_seed_funding")
        row.co_funding_mobilized = call_data.money(entry, "co_funding_mobilized")
        row.expected_results = call_data.text(entry, "expected_results")
        row.partner_cities = call_data.names(entry.get("activity_partner_cities"))
        row.status = "submitted"
        row.submitted_at = row.submitted_at or call_data.parse_time(first)
        kept.append(row)
    for row in rows.values():  # dropped from the list in a revision
        session.delete(row)
    session.flush()
    return {"submitted_activities": [_activity_view(r) for r in kept], "first_submitted_at": first,
            "activity_count": len(kept), "review_decision": None, "last_review_comment": None}


def _activity_row(session: Session, data: dict[str, Any]) -> RegistryWorkPlanActivity:
    item = data.get("activity")
    raw = item.get("activity_id") if isinstance(item, dict) else None
    row = session.get(RegistryWorkPlanActivity, raw) if isinstance(raw, int) else None
    if row is None:
        raise HandlerError(f"unknown work-plan activity {raw!r} (field 'activity.activity_id')")
    return row


def record_activity(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Store the Project Board's decision on ONE activity. A partial approval names its amount
    (never more than requested)."""
    d = call.data
    status = _BOARD_STATUS.get(str(d.get("board_decision")))
    if status is None:
        raise HandlerError(f"unknown board decision {d.get('board_decision')!r}")
    row = _activity_row(session, d)
    row.status = status
    row.board_comment = call_data.text(d, "board_comment")
    if status == "approved":
        row.approved_seed_funding = row.requested_seed_funding
    elif status == "partly_approved":
        if d.get("approved_seed_funding") in (None, ""):
            raise HandlerError("a partial approval needs its amount (field 'approved_seed_funding')")
        amount = call_data.money(d, "approved_seed_funding")
        row.approved_seed_funding = min(amount, row.requested_seed_funding)
    else:
        row.approved_seed_funding = Decimal("0")
    session.flush()
    return {"activity_outcome": {"committee": row.committee_name, "activity_id": row.id, "title": row.title,
                                 "status": status, "approved_seed_funding": float(row.approved_seed_funding)}}


def mark_submission_late(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The deadline passed before the committee's FIRST submission: one 'late' row."""
    committee = call_data.required(call.data, "committee")
    plan = _require_plan(session, call.data)
    row = session.scalar(select(RegistryWorkPlanActivity).where(
        RegistryWorkPlanActivity.work_plan_id == plan.id, RegistryWorkPlanActivity.case_id == call.case_id,
        RegistryWorkPlanActivity.committee_name == committee, RegistryWorkPlanActivity.position == 0))
    if row is None:
        row = RegistryWorkPlanActivity(work_plan_id=plan.id, case_id=call.case_id, committee_name=committee,
                                       position=0, partner_cities=[])
        session.add(row)
    if row.submitted_at is not None:  # never erase a submission made in time
        raise HandlerError(f"{committee!r} submitted at {row.submitted_at.isoformat()}: not late")
    row.status = "late"
    row.approved_seed_funding = Decimal("0")
    session.flush()
    return {"committee_outcome": [{"committee": committee, "activity_id": row.id, "title": None,
                                   "status": "late", "approved_seed_funding": 0.0}]}


def record_work_plan(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Approve (or re-approve, after an amendment) the year's Annual Work Plan."""
    plan = _require_plan(session, call.data)
    approved = [a for a in plan.activities if a.status in ("approved", "partly_approved")]
    plan.approved_budget = sum((a.approved_seed_funding for a in approved), Decimal("0"))
    plan.status = "approved"
    plan.approved_at = plan.approved_at or call_data.now()
    if plan.amended_by_case_id == call.case_id:
        plan.amended_at = call_data.now()
    session.flush()
    return {"work_plan_id": plan.id, "approved_budget": float(plan.approved_budget),
            "approved_activities": len(approved)}


HANDLERS: dict[str, Handler] = {f.__name__: f for f in (
    open_work_plan_call, record_submission, record_activity, mark_submission_late, record_work_plan)}

__all__ = ["HANDLERS", "INVITED_STATUSES"]
