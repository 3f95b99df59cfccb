"""The 2018 Annual Work Plan: committees submit, the Secretariat reviews, the Project Board decides.

The Secretariat opens the call for 2018 with a deadline; every established committee (read from
the registry when the call opens) is invited in parallel; each submission goes to the Secretariat
(accept, or return for clarification) and then to the Project Board (approve, partly approve,
reject). A committee that misses the deadline is marked late. After the last committee the
approved activities become the year's Annual Work Plan, whose budget is the seed funding approved.

Demo data are the framework's 2018 highlights. All committee focal points see every committee's
submission task (no committee-to-user mapping yet): the trade focal point files for the Business
Council and Investment and Trade, the sports focal point for the others.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.read.task_context import task_context
from engine.store.models import HumanTask
from processes.registry import (
    ESTABLISHED_COMMITTEES,
    RegistryCommittee,
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
TRADE_PROJECTS: dict[str, Any] = {
    "activity_title": "Set up a project database and a cross-border e-commerce export industrial zone",
    "activity_description": "A shared database of investment projects, and an export zone for "
                            "cross-border e-commerce.",
    "requested_seed_funding": 120000, "co_funding_mobilized": 400000,
    "expected_results": "200 projects listed; the zone's first 30 exporters.",
    "activity_partner_cities": ["quanzhou", "chongqing", "hanoi"],
}
HERITAGE: dict[str, Any] = {
    "activity_title": "Maritime Silk Road Cultural Heritage project",
    "activity_description": "A joint inventory of heritage sites of the member cities.",
    "requested_seed_funding": 60000, "co_funding_mobilized": 10000,
    "expected_results": "An inventory of 50 sites.", "activity_partner_cities": ["quanzhou", "dhaka"],
}


def open_the_call(world: World, year: int = 2018, deadline: str = DEADLINE) -> int:
    case = world.start("sec_wang", "annual_work_plan",
                       {"year": year, "deadline": deadline, "call_notes": "Seed funding for 2018."})
    return case.id


def invited(world: World, case_id: int) -> list[str]:
    return sorted(world.task_data(t.id)["committee"] for t in world.open_tasks(case_id, "submit_activity"))


def submit(world: World, case_id: int, focal_point: str, committee: str, activity: dict[str, Any]) -> None:
    world.complete(focal_point, case_id, "submit_activity", activity, where={"committee": committee})


def secretariat(world: World, case_id: int, committee: str, decision: str, comment: str = "") -> None:
    world.complete("sec_silva", case_id, "review_submission",
                   {"review_decision": decision, "last_review_comment": comment},
                   where={"committee": committee})


def board(world: World, case_id: int, member: str, committee: str, decision: str,
          approved: float | None = None, comment: str = "") -> None:
    data: dict[str, Any] = {"board_decision": decision, "board_comment": comment}
    if approved is not None:
        data["approved_seed_funding"] = approved
    world.complete(member, case_id, "board_decision", data, where={"committee": committee})


def activity(world: World, committee: str) -> RegistryWorkPlanActivity:
    return world.one(RegistryWorkPlanActivity, committee_name=committee)


def test_the_2018_annual_work_plan_from_call_to_approved_budget(world: World) -> None:
    case_id = open_the_call(world)

    # Every established committee is invited, and only those (the call reads the registry).
    assert invited(world, case_id) == sorted(name for name, _ in ESTABLISHED_COMMITTEES)
    assert world.data(case_id)["committees"] == sorted(name for name, _ in ESTABLISHED_COMMITTEES)
    assert len([t for t in world.inbox("committee_trade", case_id) if t.element_id == "submit_activity"]) == 5
    assert world.inbox("board_munich", case_id) == []

    # Business Council: the Brand Expo, accepted and approved in full.
    submit(world, case_id, "committee_trade", BUSINESS_COUNCIL, BRAND_EXPO)
    secretariat(world, case_id, BUSINESS_COUNCIL, "accept")
    board(world, case_id, "board_munich", BUSINESS_COUNCIL, "approve", comment="A flagship event.")

    # Sports: returned for clarification once, then partly approved.
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    secretariat(world, case_id, SPORTS, "clarify", "Add the youth sports exchanges and a budget breakdown.")
    [back] = [t for t in world.open_tasks(case_id, "submit_activity")
              if world.task_data(t.id)["committee"] == SPORTS]
    assert world.task_data(back.id)["last_review_comment"].startswith("Add the youth sports exchanges")
    submit(world, case_id, "committee_sports", SPORTS, {
        **SPORTS_ACADEMY, "activity_description": "A network academy for coaches, with youth sports "
                                                  "exchanges between member cities (budget attached)."})
    secretariat(world, case_id, SPORTS, "accept")
    board(world, case_id, "board_jakarta", SPORTS, "partly_approve", approved=40000,
          comment="The academy first; the exchanges next year.")

    # Investment and Trade: the project database and the e-commerce export zone, approved.
    submit(world, case_id, "committee_trade", TRADE, TRADE_PROJECTS)
    secretariat(world, case_id, TRADE, "accept")
    board(world, case_id, "board_tehran", TRADE, "approve")

    # Education, Science and Culture: the heritage project is rejected by the Board.
    submit(world, case_id, "committee_sports", EDUCATION, HERITAGE)
    secretariat(world, case_id, EDUCATION, "accept")
    board(world, case_id, "board_munich", EDUCATION, "reject", comment="Wait for the Tourism committee.")

    # Smart Cities files nothing before the deadline.
    assert invited(world, case_id) == [SMART_CITIES]
    assert world.case(case_id).status == "running"
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.status == "open"  # activities are recorded as decided, the plan at the end

    world.clock.set(world.clock.now().replace(month=3, day=31, hour=0, minute=0, second=1))
    world.run_worker()

    view = world.case(case_id)
    assert view.status == "completed" and view.open_tasks == []
    assert activity(world, SMART_CITIES).status == "late"
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.status == "approved" and plan.case_id == case_id
    assert plan.approved_budget == Decimal("210000.00")  # 50,000 + 40,000 (partly) + 120,000
    assert {a.committee_name: (a.status, a.approved_seed_funding) for a in plan.activities} == {
        BUSINESS_COUNCIL: ("approved", Decimal("50000.00")),
        SPORTS: ("partly_approved", Decimal("40000.00")),
        TRADE: ("approved", Decimal("120000.00")),
        EDUCATION: ("rejected", Decimal("0.00")),
        SMART_CITIES: ("late", Decimal("0.00")),
    }
    expo = activity(world, BUSINESS_COUNCIL)
    assert expo.title is not None and "4th China Quanzhou Maritime Silk Road" in expo.title
    assert expo.partner_cities == ["quanzhou"] and expo.co_funding_mobilized == Decimal("150000.00")
    assert "youth sports exchanges" in (activity(world, SPORTS).description or "")
    assert view.data["work_plan_id"] == plan.id
    assert view.data["approved_budget"] == 210000.0 and view.data["approved_activities"] == 3
    outcomes = {o["committee"]: o["status"] for o in view.data["activity_outcomes"]}
    assert outcomes == {BUSINESS_COUNCIL: "approved", SPORTS: "partly_approved", TRADE: "approved",
                        EDUCATION: "rejected", SMART_CITIES: "late"}
    assert [h.kind for h in world.history(case_id)][-1] == "case_completed"


def test_a_partly_approved_amount_never_exceeds_the_request(world: World) -> None:
    case_id = open_the_call(world)
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    secretariat(world, case_id, SPORTS, "accept")
    board(world, case_id, "board_munich", SPORTS, "partly_approve", approved=95000)
    assert activity(world, SPORTS).approved_seed_funding == Decimal("80000.00")


def test_every_committee_late_gives_an_empty_plan(world: World) -> None:
    case_id = open_the_call(world, deadline="2018-02-01T00:00:00+00:00")
    world.advance(days=23)
    assert len(world.open_tasks(case_id, "submit_activity")) == 5
    world.advance(days=1)  # 1 February 09:00: past the deadline
    view = world.case(case_id)
    assert view.status == "completed"
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.approved_budget == Decimal("0.00") and view.data["approved_activities"] == 0
    assert sorted(a.status for a in plan.activities) == ["late"] * 5
    # Marked late, the tasks left the committees' inboxes.
    assert world.inbox("committee_trade", case_id) == []
    world.session.expire_all()
    states = {t.state for t in world.session.query(HumanTask).filter_by(case_id=case_id)}
    assert states == {"cancelled"}


def test_a_committee_established_before_the_call_is_invited_a_preparatory_one_is_not(
        world: World) -> None:
    tourism = world.committee("Tourism")
    assert tourism is not None and tourism.status == "preparatory"
    # Quanzhou has Tourism established (the committee_establishment process, shortened).
    committee_case = world.start("quanzhou", "committee_establishment")
    world.complete("quanzhou", committee_case.id, "draft_tor", {
        "establishment_kind": "preparatory", "preparatory_committee": str(tourism.id),
        "objectives": "Maritime Silk Road tourism.",
        "scope": "Routes, heritage tourism.", "membership": "Member cities.",
        "resource_mobilization_plan": "Co-funding.", "partner_institutions": ["iran_chamber"]})
    world.complete("iran_chamber", committee_case.id, "endorse_tor", {"endorsement_decision": "endorse"})
    world.complete("sec_wang", committee_case.id, "review_tor", {"review_decision": "approve"})
    assert world.one(RegistryCommittee, name="Tourism").status == "established"

    case_id = open_the_call(world)
    assert invited(world, case_id) == sorted([*(name for name, _ in ESTABLISHED_COMMITTEES), "Tourism"])
    assert "Financial Markets" not in invited(world, case_id)


def test_each_submission_task_shows_its_own_committee(world: World) -> None:
    case_id = open_the_call(world)
    user = world.as_user("committee_trade")
    shown = [task_context(world.session, t.id, user).data.get("committee")
             for t in world.open_tasks(case_id, "submit_activity")]
    assert sorted(str(c) for c in shown) == sorted(name for name, _ in ESTABLISHED_COMMITTEES)
