"""What the registry pages and commands read: the registry's rows, grouped, read only.

The doors (web/registry_*pages.py) only format these; every query over the registry's tables
is here or beside its tables (`processes.registry_membership.alliance_members`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.handlers_follow_up import FOLLOWED_STATUSES
from processes.registry import (
    RegistryBusinessCouncilMember,
    RegistryCommittee,
    RegistryInitiative,
    RegistryTaskForce,
    RegistryWorkPlan,
    RegistryWorkPlanActivity,
)
from processes.registry_forum import RegistryActionPlan, RegistryActionPlanInitiative, RegistryForumEdition
from processes.registry_review import (
    RegistryActivityFollowUp,
    RegistryActivityReport,
    RegistryCommitteeReview,
)


def committees_with_cases(session: Session) -> list[tuple[RegistryCommittee, list[int]]]:
    """Established committees first, by name; each with the cases that changed it or filed its
    work-plan activities."""
    committee_cases: dict[str, set[int]] = {}
    for name, case_id in session.execute(select(RegistryWorkPlanActivity.committee_name,
                                                RegistryWorkPlanActivity.case_id)):
        if case_id is not None:
            committee_cases.setdefault(name, set()).add(case_id)
    out = []
    for c in session.scalars(select(RegistryCommittee).order_by(RegistryCommittee.status.desc(),
                                                                 RegistryCommittee.name)):
        ids = {*committee_cases.get(c.name, set()), *([c.updated_by_case_id] if c.updated_by_case_id else [])}
        out.append((c, sorted(ids)))
    return out


def council_members(session: Session) -> list[RegistryBusinessCouncilMember]:
    return list(session.scalars(select(RegistryBusinessCouncilMember).order_by(
        RegistryBusinessCouncilMember.kind, RegistryBusinessCouncilMember.name)))


def initiatives_with_task_forces(session: Session
                                 ) -> list[tuple[RegistryInitiative, list[RegistryTaskForce]]]:
    forces: dict[int, list[RegistryTaskForce]] = {}
    for force in session.scalars(select(RegistryTaskForce).order_by(RegistryTaskForce.id)):
        forces.setdefault(force.initiative_id, []).append(force)
    return [(i, forces.get(i.id, []))
            for i in session.scalars(select(RegistryInitiative).order_by(RegistryInitiative.id))]


def work_plans(session: Session) -> list[RegistryWorkPlan]:
    """Newest year first (each with its `activities`)."""
    return list(session.scalars(select(RegistryWorkPlan).order_by(RegistryWorkPlan.year.desc())))


def action_plans_with_initiatives(session: Session
                                  ) -> list[tuple[RegistryActionPlan, list[RegistryInitiative]]]:
    """Newest first; each with the initiatives started from it."""
    started: dict[int, list[RegistryInitiative]] = {}
    for link, initiative in session.execute(
            select(RegistryActionPlanInitiative, RegistryInitiative)
            .join(RegistryInitiative, RegistryInitiative.id == RegistryActionPlanInitiative.initiative_id)):
        started.setdefault(link.action_plan_id, []).append(initiative)
    return [(plan, started.get(plan.id, []))
            for plan in session.scalars(select(RegistryActionPlan).order_by(RegistryActionPlan.id.desc()))]


def forum_editions(session: Session) -> list[RegistryForumEdition]:
    """Newest year first (each with its `participants` and `agreements`)."""
    return list(session.scalars(select(RegistryForumEdition).order_by(RegistryForumEdition.year.desc())))


def followed_activities(session: Session) -> list[tuple[RegistryWorkPlanActivity,
                                                         RegistryActivityFollowUp | None,
                                                         list[RegistryActivityReport]]]:
    """Approved work-plan activities, newest first, with their follow-up and its reports."""
    follow_ups = {f.activity_id: f for f in session.scalars(select(RegistryActivityFollowUp))}
    reports: dict[int, list[RegistryActivityReport]] = {}
    for report in session.scalars(select(RegistryActivityReport).order_by(RegistryActivityReport.id)):
        reports.setdefault(report.follow_up_id, []).append(report)
    out = []
    for activity in session.scalars(select(RegistryWorkPlanActivity)
                                    .where(RegistryWorkPlanActivity.status.in_(FOLLOWED_STATUSES))
                                    .order_by(RegistryWorkPlanActivity.id.desc())):
        follow_up = follow_ups.get(activity.id)
        out.append((activity, follow_up, reports.get(follow_up.id, []) if follow_up else []))
    return out


def committee_reviews(session: Session) -> list[RegistryCommitteeReview]:
    return list(session.scalars(select(RegistryCommitteeReview).order_by(
        RegistryCommitteeReview.year.desc(), RegistryCommitteeReview.committee_name)))


__all__ = ["action_plans_with_initiatives", "committee_reviews", "committees_with_cases",
           "council_members", "followed_activities", "forum_editions", "initiatives_with_task_forces",
           "work_plans"]
