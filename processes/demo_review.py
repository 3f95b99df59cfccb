"""Demo data for `activity_follow_up` and `committee_review`: what a newcomer needs to walk them.

An approved 2017 Annual Work Plan with three approved activities (committees of the framework,
activities in the spirit of its highlights), so that the Secretariat can follow one up at once
(`WALKTHROUGH["activity_follow_up"]` names the first by its title; its registry number is shown on
the registry page) and review the committees' year 2017 (`WALKTHROUGH["committee_review"]`). The
year 2017 leaves 2018 free for the work-plan walkthrough. Idempotent (matched by year and title);
does not commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.registry import RegistryWorkPlan, RegistryWorkPlanActivity

DEMO_YEAR = 2017
# (committee, title, requested, approved, status)
DEMO_ACTIVITIES: tuple[tuple[str, str, int, int, str], ...] = (
    ("Sports and Outdoor Activities", "Silk Road youth football exchange", 12000, 12000, "approved"),
    ("Investment and Trade", "Maritime Silk Road investment promotion seminar", 20000, 15000,
     "partly_approved"),
    ("Education, Science and Culture", "Maritime Silk Road youth cultural exchanges", 10000, 10000,
     "approved"),
)

WALKTHROUGH: dict[str, dict[str, Any]] = {
    "activity_follow_up": {  # started by sec_wang; committee_sports reports
        "activity_title": DEMO_ACTIVITIES[0][1], "final_report_due": "2018-12-31T09:00:00.000Z",
    },
    "committee_review": {  # started by sec_wang; committee_trade answers for Investment and Trade
        "year": DEMO_YEAR,
        "committees": "Sports and Outdoor Activities\nInvestment and Trade\nFinancial Markets",
    },
}


def seed_review_demo(session: Session) -> int:
    """Add the approved 2017 work plan and its activities unless there; returns rows added."""
    plan = session.scalar(select(RegistryWorkPlan).where(RegistryWorkPlan.year == DEMO_YEAR))
    added = 0
    if plan is None:
        plan = RegistryWorkPlan(year=DEMO_YEAR, status="approved",
                                approved_budget=Decimal(sum(a[3] for a in DEMO_ACTIVITIES)),
                                approved_at=datetime(DEMO_YEAR, 3, 1, tzinfo=UTC))
        session.add(plan)
        session.flush()
        added += 1
    titles = set(session.scalars(select(RegistryWorkPlanActivity.title)
                                 .where(RegistryWorkPlanActivity.work_plan_id == plan.id)))
    for position, (committee, title, requested, approved, status) in enumerate(DEMO_ACTIVITIES):
        if title in titles:
            continue
        session.add(RegistryWorkPlanActivity(
            work_plan_id=plan.id, committee_name=committee, title=title, position=position,
            requested_seed_funding=Decimal(requested), approved_seed_funding=Decimal(approved),
            status=status, partner_cities=[], submitted_at=datetime(DEMO_YEAR, 1, 20, tzinfo=UTC)))
        added += 1
    session.flush()
    return added


def demo_activity_id(session: Session, title: str) -> int | None:
    """The registry number of a demo activity (what the follow-up's start form asks for)."""
    return session.scalar(select(RegistryWorkPlanActivity.id).where(RegistryWorkPlanActivity.title == title))


__all__ = ["DEMO_ACTIVITIES", "DEMO_YEAR", "WALKTHROUGH", "demo_activity_id", "seed_review_demo"]
