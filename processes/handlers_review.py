"""Handlers of `committee_review`: the yearly review of the specialized committees.

Same contract as `processes.handlers`: `handler(session, call) -> dict`, no commit, an upsert on
the natural key (year + committee), `HandlerError` on bad data naming the field.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.runtime.handlers import Handler, ServiceCall
from processes import call_data
from processes.call_data import HandlerError
from processes.handlers_follow_up import FOLLOWED_STATUSES
from processes.registry import RegistryCommittee, RegistryWorkPlan, RegistryWorkPlanActivity
from processes.registry_review import (
    REVIEW_DECISIONS,
    RegistryActivityFollowUp,
    RegistryActivityReport,
    RegistryCommitteeReview,
)


def _year(data: dict[str, Any]) -> int:
    try:
        year = int(data.get("year"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise HandlerError(f"year: bad value {data.get('year')!r}") from exc
    if not 2015 <= year <= 2100:
        raise HandlerError(f"year: {year} is out of range")
    return year


def committee_facts(session: Session, year: int, committee: str) -> dict[str, int]:
    """What the registry knows of a committee's year: activities submitted to the year's work
    plan (late ones too), approved (in full or in part), and approved ones with a report."""
    base = (select(func.count(RegistryWorkPlanActivity.id))
            .join(RegistryWorkPlan, RegistryWorkPlan.id == RegistryWorkPlanActivity.work_plan_id)
            .where(RegistryWorkPlan.year == year, RegistryWorkPlanActivity.committee_name == committee))
    submitted = session.scalar(base) or 0
    approved = session.scalar(base.where(RegistryWorkPlanActivity.status.in_(FOLLOWED_STATUSES))) or 0
    reported = session.scalar(
        select(func.count(func.distinct(RegistryActivityFollowUp.id)))
        .join(RegistryActivityReport, RegistryActivityReport.follow_up_id == RegistryActivityFollowUp.id)
        .join(RegistryWorkPlanActivity, RegistryWorkPlanActivity.id == RegistryActivityFollowUp.activity_id)
        .join(RegistryWorkPlan, RegistryWorkPlan.id == RegistryWorkPlanActivity.work_plan_id)
        .where(RegistryWorkPlan.year == year, RegistryWorkPlanActivity.committee_name == committee)) or 0
    return {"submitted": submitted, "approved": approved, "reported": reported}


def gather_committee_facts(session: Session, call: ServiceCall) -> dict[str, Any]:
    """List the committees to review this year with their facts; one review row each.

    `committees` (optional) narrows the review; without it every committee that is not
    dissolved is reviewed. A committee already reviewed for the year by another case is left
    out; when none is left the review is refused (`review_refused`)."""
    d = call.data
    year = _year(d)
    named = call_data.names(d.get("committees"))
    query = select(RegistryCommittee).where(RegistryCommittee.status != "dissolved")
    if named:
        query = query.where(RegistryCommittee.name.in_(named))
    committees = session.scalars(query.order_by(RegistryCommittee.name)).all()
    unknown = sorted(set(named) - {c.name for c in committees})
    if unknown:
        raise HandlerError(f"committees: not committees of the Alliance (or dissolved): {', '.join(unknown)}")
    reviews: list[dict[str, Any]] = []
    skipped: list[str] = []
    for committee in committees:
        row = session.scalar(select(RegistryCommitteeReview).where(
            RegistryCommitteeReview.year == year, RegistryCommitteeReview.committee_id == committee.id))
        if row is not None and row.case_id != call.case_id:
            skipped.append(committee.name)
            continue
        facts = committee_facts(session, year, committee.name)
        if row is None:
            row = RegistryCommitteeReview(year=year, committee_id=committee.id, committee_name=committee.name,
                                          case_id=call.case_id)
            session.add(row)
        row.committee_status = committee.status
        row.activities_submitted = facts["submitted"]
        row.activities_approved = facts["approved"]
        row.activities_reported = facts["reported"]
        reviews.append({"committee": committee.name, "committee_status": committee.status, **facts})
    session.flush()
    return {"reviews": reviews, "review_refused": not reviews, "already_reviewed": skipped,
            "case_title": f"Committee review {year}"}


def _review_row(session: Session, call: ServiceCall) -> RegistryCommitteeReview:
    d = call.data
    review = d.get("review")
    name = review.get("committee") if isinstance(review, dict) else None
    if not name:
        raise HandlerError("review: the committee under review is missing")
    row = session.scalar(select(RegistryCommitteeReview).where(
        RegistryCommitteeReview.year == _year(d), RegistryCommitteeReview.committee_name == name,
        RegistryCommitteeReview.case_id == call.case_id))
    if row is None:
        raise HandlerError(f"review: {name!r} is not under review in case {call.case_id}")
    return row


def record_committee_review(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Record the proposal, the committee's answer and the decision; dissolve the committee if
    so decided. A proposal to keep is the decision (the committee is not asked)."""
    d = call.data
    row = _review_row(session, call)
    proposal = call_data.required(d, "proposal")
    decision = (call_data.text(d, "final_decision") or proposal) if proposal != "keep" else "keep"
    for field, value in (("proposal", proposal), ("final_decision", decision)):
        if value not in REVIEW_DECISIONS:
            raise HandlerError(f"{field}: unknown decision {value!r}")
    row.proposal = proposal
    row.proposal_reason = call_data.text(d, "proposal_reason")
    if proposal != "keep":
        row.committee_answer = call_data.text(d, "committee_answer") or "no_answer"
        row.answer_text = call_data.text(d, "answer_text")
    row.decision = decision
    row.decision_comment = call_data.text(d, "decision_comment")
    row.decided_on = row.decided_on or call_data.now().date()
    committee = session.get(RegistryCommittee, row.committee_id)
    if committee is not None and decision == "dissolve":
        committee.status = "dissolved"
        committee.updated_by_case_id = call.case_id
    session.flush()
    return {"review_outcome": {"committee": row.committee_name, "decision": decision}}


def close_committee_review(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Count the decisions of this case's review (read from the registry)."""
    rows = session.scalars(select(RegistryCommitteeReview).where(
        RegistryCommitteeReview.case_id == call.case_id)).all()
    counts = {decision: sum(1 for r in rows if r.decision == decision) for decision in REVIEW_DECISIONS}
    return {"committees_kept": counts["keep"], "committees_warned": counts["warn"],
            "committees_dissolved": counts["dissolve"]}


REVIEW_HANDLERS: dict[str, Handler] = {f.__name__: f for f in (
    gather_committee_facts, record_committee_review, close_committee_review)}
"""Guarded for `committee_review`."""

__all__ = ["REVIEW_HANDLERS", "committee_facts"]
