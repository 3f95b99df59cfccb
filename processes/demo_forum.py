"""Demo data for `action_plan` and `cities_forum`: what a newcomer needs to walk them.

The demo users already hold every role these processes name (committee focal points draft plans,
the Secretariat reviews and runs the Forum, Quanzhou and Chongqing host and register). This adds
one approved sectoral action plan, from the framework's 2018 highlights of the Sports and Outdoor
Activities committee, so that an initiative can name an approved plan as its origin at once.
`WALKTHROUGH` holds example start data for both processes (also used in processes/README.md).
Idempotent (matched by title); does not commit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.registry import RegistryCommittee
from processes.registry_forum import RegistryActionPlan

DEMO_ACTION_PLAN: dict[str, Any] = {
    "title": "Silk Road sports action plan 2018", "kind": "sectoral",
    "lead_committee": "Sports and Outdoor Activities", "period": "2018",
    "objectives": "Sports exchanges between member cities, for young people first.",
    "planned_activities": "Establish the Silk Road Sports Academy; youth sports exchanges.",
    "requested_seed_funding": Decimal("20000"), "approved_seed_funding": Decimal("15000"),
    "decided_on": date(2018, 1, 5),
}

WALKTHROUGH: dict[str, dict[str, Any]] = {
    "action_plan": {  # started by committee_trade
        "plan_title": "Digital trade corridors", "plan_kind": "cross_sector",
        "lead_committee": "Investment and Trade",
        "contributing_committees": ["Smart Cities and Emerging Industries", "Logistics and Infrastructure"],
        "plan_objectives": "Cross-border e-commerce and smart logistics between member cities.",
        "planned_activities": "A cross-border e-commerce export industrial zone; a project database.",
        "requested_seed_funding": 50000,
    },
    "cities_forum": {  # started by sec_wang; quanzhou confirms hosting
        "year": 2018, "forum_theme": "Cities connecting the Maritime Silk Road", "host_city": "quanzhou",
        "forum_start": "2018-06-10T01:00:00.000Z", "forum_end": "2018-06-12T10:00:00.000Z",
    },
}


def seed_forum_demo(session: Session) -> int:
    """Add the demo action plan unless it is there; returns the number of rows added."""
    plan = DEMO_ACTION_PLAN
    if session.scalar(select(RegistryActionPlan.id).where(RegistryActionPlan.title == plan["title"])):
        return 0
    committee = session.scalar(select(RegistryCommittee)
                               .where(RegistryCommittee.name == plan["lead_committee"]))
    session.add(RegistryActionPlan(
        title=plan["title"], kind=plan["kind"], lead_committee=plan["lead_committee"],
        lead_committee_id=committee.id if committee is not None else None, contributing_committees=[],
        period=plan["period"], objectives=plan["objectives"],
        planned_activities=plan["planned_activities"],
        requested_seed_funding=plan["requested_seed_funding"],
        approved_seed_funding=plan["approved_seed_funding"], status="approved",
        decided_on=plan["decided_on"]))
    session.flush()
    return 1


__all__ = ["DEMO_ACTION_PLAN", "WALKTHROUGH", "seed_forum_demo"]
