"""The 2018 Annual Work Plan: committees submit, the Secretariat reviews, the Project Board decides.

The Secretariat opens the call for 2018 with a deadline; every specialized committee, established
or preparatory (read from the registry when the call opens), is invited in parallel; each
committee submits any number of activities in one submission; the Secretariat reviews the
submission (accept, or return for clarification) and the Project Board decides each activity on
its own (approve, partly approve with an amount, reject). A committee that misses the deadline
for its FIRST submission is marked late; a clarification asked later never makes it late. After
the last committee the approved activities become the year's Annual Work Plan, whose budget is
the seed funding approved. A second call for the same year is refused unless it amends the first.

Demo data are the framework's 2018 highlights. All committee focal points see every committee's
submission task (no committee-to-user mapping yet): the trade focal point files for the Business
Council and Investment and Trade, the sports focal point for the others.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from processes.demo_board import BOARD_CHAIR
from processes.demo_review import DEMO_YEAR
from processes.registry import (
    ESTABLISHED_COMMITTEES,
    PREPARATORY_COMMITTEES,
    RegistryWorkPlan,
    RegistryWorkPlanActivity,
)
from tests.processes.scenario_helpers import World, handler_registry, world

__all__ = ["handler_registry", "world"]

BUSINESS_COUNCIL = "Business Council"
EDUCATION = "Education, Science and Culture"
SPORTS = "Sports and Outdoor Activities"
SMART_CITIES = "Smart Cities and Emerging Industries"
TRADE = "Investment and Trade"
TOURISM = "Tourism"
ALL_COMMITTEES = sorted(name for name, _ in (*ESTABLISHED_COMMITTEES, *PREPARATORY_COMMITTEES))
DEADLINE = "2018-03-31T00:00:00+00:00"

BRAND_EXPO: dict[str, Any] = {
    "activity_title": "Take part in preparing the 4th China Quanzhou Maritime Silk Road International "
                      "Brand Expo and hold the 3rd Chairman meeting",
    "activity_description": "The Business Council co-organises the Expo and its Chairman meeting.",
    "requested_seed_funding": 50000, "co_funding_mobilized": 150000,
    "expected_results": "300 exhibitors from 20 Maritime Silk Road cities.",
    "activity_partner_cities": ["quanzhou"],
}
SPORTS_ACADEMY: dict[str, Any] = {
    "activity_title": "Establish the Silk Road Sports Academy",
    "activity_description": "A network academy for coaches of the member cities.",
    "requested_seed_funding": 80000, "co_funding_mobilized": 20000,
    "expected_results": "An academy with a first cohort of coaches.",
    "activity_partner_cities": ["quanzhou", "jakarta"],
}
YOUTH_EXCHANGES: dict[str, Any] = {
    "activity_title": "Youth sports exchanges",
    "activity_description": "Exchanges of young athletes between the member cities.",
    "requested_seed_funding": 30000, "co_funding_mobilized": 5000,
    "expected_results": "Four exchanges of 20 athletes.", "activity_partner_cities": ["hanoi"],
}
PROJECT_DATABASE: dict[str, Any] = {
    "activity_title": "Set up a project database",
    "activity_description": "A shared database of investment projects of the member cities.",
    "requested_seed_funding": 40000, "co_funding_mobilized": 100000,
    "expected_results": "200 projects listed.", "activity_partner_cities": ["quanzhou", "chongqing"],
}
EXPORT_ZONE: dict[str, Any] = {
    "activity_title": "Set up a cross-border e-commerce export industrial zone",
    "activity_description": "An export zone for cross-border e-commerce in Quanzhou.",
    "requested_seed_funding": 80000, "co_funding_mobilized": 300000,
    "expected_results": "The zone's first 30 exporters.", "activity_partner_cities": ["quanzhou", "hanoi"],
}
HERITAGE: dict[str, Any] = {
    "activity_title": "Maritime Silk Road Cultural Heritage project",
    "activity_description": "A joint inventory of heritage sites of the member cities.",
    "requested_seed_funding": 60000, "co_funding_mobilized": 10000,
    "expected_results": "An inventory of 50 sites.", "activity_partner_cities": ["quanzhou", "dhaka"],
}
HERITAGE_ROUTES: dict[str, Any] = {
    "activity_title": "Maritime Silk Road heritage tourism routes",
    "activity_description": "Tourism routes linking the heritage sites of the member cities.",
    "requested_seed_funding": 25000, "co_funding_mobilized": 25000,
    "expected_results": "Three routes published.", "activity_partner_cities": ["quanzhou"],
}


def open_the_call(world: World, year: int = 2018, deadline: str = DEADLINE, **more: Any) -> int:
    case = world.start("sec_wang", "annual_work_plan",
                       {"year": year, "deadline": deadline, "call_notes": "Seed funding for 2018.", **more})
    return case.id


def invited(world: World, case_id: int) -> list[str]:
    return sorted(world.task_data(t.id)["committee"] for t in world.open_tasks(case_id, "submit_activity"))


def submit(world: World, case_id: int, focal_point: str, committee: str, *activities: dict[str, Any],
           element: str = "submit_activity") -> None:
    world.complete(focal_point, case_id, element, {"activities": list(activities)},
                   where={"committee": committee})


def secretariat(world: World, case_id: int, committee: str, decision: str, comment: str = "") -> None:
    world.complete("sec_silva", case_id, "review_submission",
                   {"review_decision": decision, "last_review_comment": comment},
                   where={"committee": committee})


def board_tasks(world: World, case_id: int, committee: str) -> dict[str, int]:
    """The Board's open decisions for `committee`, by activity title."""
    found = {}
    for task in world.open_tasks(case_id, "board_decision"):
        data = world.task_data(task.id)
        if data["committee"] == committee:
            found[data["activity"]["activity_title"]] = task.id
    return found


def board(world: World, case_id: int, committee: str, title: str, decision: str,
          approved: float | None = None, comment: str = "") -> None:
    """The Board decides: its chair records the decision with every sitting member present."""
    task_id = board_tasks(world, case_id, committee)[title]
    present = [m["value"] for m in world.task_data(task_id)["board_members"]]
    data: dict[str, Any] = {"board_decision": decision, "board_comment": comment,
                            "board_members_present": present}
    if approved is not None:
        data["approved_seed_funding"] = approved
    mine = [t for t in world.inbox(BOARD_CHAIR, case_id) if t.id == task_id]
    assert mine, f"the Board's chair cannot record {title!r}"
    from engine.runtime import tasks

    user = world.as_user(BOARD_CHAIR)
    tasks.claim_task(world.session, task_id, user=user)
    tasks.complete_task(world.session, task_id, user=user, data=data)
    world.run_worker()


def activity(world: World, committee: str, title: str | None = None) -> RegistryWorkPlanActivity:
    where: dict[str, Any] = {"committee_name": committee}
    if title is not None:
        where["title"] = title
    # Not the demo 2017 plan's activities (processes/demo_review.py, for the follow-up).
    rows = [a for a in world.all(RegistryWorkPlanActivity, **where) if a.work_plan.year != DEMO_YEAR]
    assert len(rows) == 1, f"expected one activity with {where}, found {len(rows)}"
    return rows[0]


def test_the_2018_annual_work_plan_from_call_to_approved_budget(world: World) -> None:
    case_id = open_the_call(world)

    # Every specialized committee is invited, preparatory ones too (the call reads the registry).
    assert invited(world, case_id) == ALL_COMMITTEES
    assert world.data(case_id)["committees"] == ALL_COMMITTEES
    offered = [t for t in world.inbox("committee_trade", case_id) if t.element_id == "submit_activity"]
    assert len(offered) == 14
    assert world.inbox("board_munich", case_id) == []

    # Business Council: the Brand Expo, accepted and approved in full.
    submit(world, case_id, "committee_trade", BUSINESS_COUNCIL, BRAND_EXPO)
    secretariat(world, case_id, BUSINESS_COUNCIL, "accept")
    board(world, case_id, BUSINESS_COUNCIL, BRAND_EXPO["activity_title"], "approve",
          comment="A flagship event.")

    # Sports: two activities in one submission, returned for clarification once; the Board then
    # approves the academy in part and rejects the exchanges, each on its own.
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    secretariat(world, case_id, SPORTS, "clarify", "Add the youth sports exchanges and a budget breakdown.")
    [back] = [t for t in world.open_tasks(case_id, "revise_submission")
              if world.task_data(t.id)["committee"] == SPORTS]
    assert world.task_data(back.id)["last_review_comment"].startswith("Add the youth sports exchanges")
    submit(world, case_id, "committee_sports", SPORTS, {
        **SPORTS_ACADEMY, "activity_description": "A network academy for coaches (budget attached)."},
        YOUTH_EXCHANGES, element="revise_submission")
    [review] = [t for t in world.open_tasks(case_id, "review_submission")
                if world.task_data(t.id)["committee"] == SPORTS]
    again = world.task_data(review.id)
    assert again["review_decision"] is None and again["last_review_comment"] is None  # starts empty
    assert [a["activity_title"] for a in again["submitted_activities"]] == [
        SPORTS_ACADEMY["activity_title"], YOUTH_EXCHANGES["activity_title"]]
    secretariat(world, case_id, SPORTS, "accept")
    assert sorted(board_tasks(world, case_id, SPORTS)) == sorted(
        [SPORTS_ACADEMY["activity_title"], YOUTH_EXCHANGES["activity_title"]])
    board(world, case_id, SPORTS, SPORTS_ACADEMY["activity_title"], "partly_approve",
          approved=40000, comment="The academy first.")
    board(world, case_id, SPORTS, YOUTH_EXCHANGES["activity_title"], "reject",
          comment="Next year.")

    # Investment and Trade: the project database and the e-commerce export zone, both approved.
    submit(world, case_id, "committee_trade", TRADE, PROJECT_DATABASE, EXPORT_ZONE)
    secretariat(world, case_id, TRADE, "accept")
    board(world, case_id, TRADE, PROJECT_DATABASE["activity_title"], "approve")
    board(world, case_id, TRADE, EXPORT_ZONE["activity_title"], "approve")

    # Education, Science and Culture: the heritage project is rejected by the Board.
    submit(world, case_id, "committee_sports", EDUCATION, HERITAGE)
    secretariat(world, case_id, EDUCATION, "accept")
    board(world, case_id, EDUCATION, HERITAGE["activity_title"], "reject",
          comment="Wait for the Tourism committee.")

    # Tourism, still preparatory, has an activity too: approved.
    submit(world, case_id, "committee_sports", TOURISM, HERITAGE_ROUTES)
    secretariat(world, case_id, TOURISM, "accept")
    board(world, case_id, TOURISM, HERITAGE_ROUTES["activity_title"], "approve")

    # The other committees file nothing before the deadline.
    assert SMART_CITIES in invited(world, case_id) and len(invited(world, case_id)) == 9
    assert world.case(case_id).status == "running"
    assert world.one(RegistryWorkPlan, year=2018).status == "open"

    world.clock.set(world.clock.now().replace(month=3, day=31, hour=0, minute=0, second=1))
    world.run_worker()

    view = world.case(case_id)
    assert view.status == "completed" and view.open_tasks == []
    assert activity(world, SMART_CITIES).status == "late"
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.status == "approved" and plan.case_id == case_id
    # 50,000 + 40,000 (partly) + 40,000 + 80,000 + 25,000
    assert plan.approved_budget == Decimal("235000.00")
    decided = {(a.committee_name, a.title): (a.status, a.approved_seed_funding)
               for a in plan.activities if a.status != "late"}
    assert decided == {
        (BUSINESS_COUNCIL, BRAND_EXPO["activity_title"]): ("approved", Decimal("50000.00")),
        (SPORTS, SPORTS_ACADEMY["activity_title"]): ("partly_approved", Decimal("40000.00")),
        (SPORTS, YOUTH_EXCHANGES["activity_title"]): ("rejected", Decimal("0.00")),
        (TRADE, PROJECT_DATABASE["activity_title"]): ("approved", Decimal("40000.00")),
        (TRADE, EXPORT_ZONE["activity_title"]): ("approved", Decimal("80000.00")),
        (EDUCATION, HERITAGE["activity_title"]): ("rejected", Decimal("0.00")),
        (TOURISM, HERITAGE_ROUTES["activity_title"]): ("approved", Decimal("25000.00")),
    }
    assert sorted(a.committee_name for a in plan.activities if a.status == "late") == sorted(
        set(ALL_COMMITTEES) - {BUSINESS_COUNCIL, SPORTS, TRADE, EDUCATION, TOURISM})
    expo = activity(world, BUSINESS_COUNCIL)
    assert expo.title is not None and "4th China Quanzhou Maritime Silk Road" in expo.title
    assert expo.partner_cities == ["quanzhou"] and expo.co_funding_mobilized == Decimal("150000.00")
    assert expo.board_comment == "A flagship event."
    assert "budget attached" in (activity(world, SPORTS, SPORTS_ACADEMY["activity_title"]).description or "")
    assert view.data["work_plan_id"] == plan.id
    assert view.data["approved_budget"] == 235000.0 and view.data["approved_activities"] == 5
    outcomes = {(o["committee"], o["title"]): o["status"]
                for per_committee in view.data["committee_outcomes"] for o in per_committee}
    assert outcomes[(TRADE, EXPORT_ZONE["activity_title"])] == "approved"
    assert outcomes[(SMART_CITIES, None)] == "late"
    assert len(outcomes) == 7 + 9
    assert [h.kind for h in world.history(case_id)][-1] == "case_completed"
