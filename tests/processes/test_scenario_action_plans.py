"""Sectoral and cross-sector action plans, approved with their seed funding.

The Sports committee drafts a sectoral plan; Investment and Trade a cross-sector plan with Smart
Cities and Tourism, who endorse it (or ask for changes) before the Secretariat reviews it. The
Secretariat approves with seed funding (never more than requested), asks for a revision or
rejects; a revision left for 60 days lapses. An initiative started from an approved plan is
linked to it (`link_initiative_to_action_plan`, the optional `action_plan_id`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.access.start_rights import may_start
from engine.runtime.handlers import ServiceCall
from processes.handlers import HANDLERS, HandlerError
from processes.registry import RegistryInitiative
from processes.registry_forum import RegistryActionPlan, RegistryActionPlanInitiative
from tests.processes.scenario_helpers import World, handler_registry, world

__all__ = ["handler_registry", "world"]

SPORTS_PLAN: dict[str, Any] = {
    "plan_title": "Silk Road youth sports action plan 2018-2019", "plan_kind": "sectoral",
    "lead_committee": "Sports and Outdoor Activities", "plan_period": "2018-2019",
    "plan_objectives": "Youth sports exchanges between member cities.",
    "planned_activities": "Establish the Silk Road Sports Academy; two youth tournaments a year.",
    "resource_mobilization": "Host cities provide venues; sponsors for travel.",
    "requested_seed_funding": 20000,
}
TRADE_PLAN: dict[str, Any] = {
    "plan_title": "Digital trade corridors", "plan_kind": "cross_sector",
    "lead_committee": "Investment and Trade",
    "contributing_committees": ["Smart Cities and Emerging Industries", "Tourism"],
    "plan_objectives": "Cross-border e-commerce and smart logistics between member cities.",
    "planned_activities": "A cross-border e-commerce export zone; a project database.",
    "requested_seed_funding": 50000,
}


def draft(world: World, focal_point: str, plan: dict[str, Any]) -> int:
    case = world.start(focal_point, "action_plan", plan)
    row = world.one(RegistryActionPlan, case_id=case.id)
    assert row.status == "under_review" and world.data(case.id)["action_plan_id"] == row.id
    return case.id


def endorse(world: World, case_id: int, decisions: dict[str, str]) -> None:
    for committee, decision in decisions.items():
        world.complete("committee_sports", case_id, "contribute_plan",
                       {"contribution_decision": decision, "contribution_comment": f"{committee}: ok"},
                       where={"contributing_committee": committee})


def test_a_sectoral_plan_is_approved_with_its_seed_funding(world: World) -> None:
    case = draft(world, "committee_sports", SPORTS_PLAN)
    assert world.open_elements(case) == ["review_plan"]  # no other committee to hear
    world.complete("sec_wang", case, "review_plan", {
        "review_decision": "approve", "approved_seed_funding": 35000, "last_review_comment": "Good plan."})

    view = world.case(case)
    assert view.status == "completed" and view.open_tasks == []
    plan = world.one(RegistryActionPlan, case_id=case)
    assert plan.status == "approved" and plan.kind == "sectoral"
    assert plan.approved_seed_funding == Decimal("20000.00")  # never more than requested
    assert plan.lead_committee == "Sports and Outdoor Activities" and plan.contributing_committees == []
    assert plan.decided_on is not None
    assert world.completed_by(case) == [("review_plan", "sec_wang")]


def test_a_cross_sector_plan_goes_back_for_changes_then_is_approved(world: World) -> None:
    case = draft(world, "committee_trade", TRADE_PLAN)
    tasks = world.open_tasks(case, "contribute_plan")
    assert len(tasks) == 2 and all("committee" in t.candidate_groups for t in tasks)
    endorse(world, case, {"Smart Cities and Emerging Industries": "endorse", "Tourism": "request_changes"})
    assert world.open_elements(case) == ["revise_plan"]
    [revise] = world.open_tasks(case, "revise_plan")
    assert revise.assignee == "committee_trade"  # the drafting focal point

    revised = {**TRADE_PLAN, "planned_activities": TRADE_PLAN["planned_activities"] + " Tourism e-visas."}
    world.complete("committee_trade", case, "revise_plan", revised)
    assert len(world.open_tasks(case, "contribute_plan")) == 2  # a new round
    endorse(world, case, {"Smart Cities and Emerging Industries": "endorse", "Tourism": "endorse"})
    assert world.data(case)["contributions"] == ["endorse", "endorse"]

    world.complete("sec_silva", case, "review_plan", {
        "review_decision": "revise", "last_review_comment": "Split the seed funding by committee."})
    assert world.open_elements(case) == ["revise_plan"]
    world.complete("committee_trade", case, "revise_plan", {**revised, "requested_seed_funding": 45000})
    endorse(world, case, {"Smart Cities and Emerging Industries": "endorse", "Tourism": "endorse"})
    world.complete("sec_silva", case, "review_plan",
                   {"review_decision": "approve", "approved_seed_funding": 30000})

    assert world.case(case).status == "completed"
    plan = world.one(RegistryActionPlan, case_id=case)
    assert plan.status == "approved" and plan.kind == "cross_sector"
    assert plan.contributing_committees == ["Smart Cities and Emerging Industries", "Tourism"]
    assert world.case(case).title == ("Digital trade corridors (Investment and Trade, "
                                      "Smart Cities and Emerging Industries, Tourism)")
    assert plan.requested_seed_funding == Decimal("45000.00")
    assert plan.approved_seed_funding == Decimal("30000.00")
    assert "Tourism e-visas." in (plan.planned_activities or "")


def test_a_rejected_plan_gets_no_seed_funding(world: World) -> None:
    case = draft(world, "committee_sports", SPORTS_PLAN)
    world.complete("sec_wang", case, "review_plan", {
        "review_decision": "reject", "last_review_comment": "Already covered by the work plan."})
    assert world.case(case).status == "completed"
    plan = world.one(RegistryActionPlan, case_id=case)
    assert plan.status == "rejected" and plan.approved_seed_funding == Decimal("0")


def test_a_revision_left_for_60_days_lapses(world: World) -> None:
    case = draft(world, "committee_sports", SPORTS_PLAN)
    world.complete("sec_wang", case, "review_plan", {"review_decision": "revise",
                                                     "last_review_comment": "Add a budget."})
    world.advance(days=59)
    assert world.open_elements(case) == ["revise_plan"]
    world.advance(days=2)
    view = world.case(case)
    assert view.status == "completed" and view.open_tasks == []
    assert world.one(RegistryActionPlan, case_id=case).status == "lapsed"


def test_a_cross_sector_plan_without_another_committee_is_an_incident(world: World) -> None:
    case = world.start("committee_trade", "action_plan", {**TRADE_PLAN, "contributing_committees": []}).id
    world.drain_retries()
    [incident] = world.incidents(case)
    assert "cross-sector plan names at least one other committee" in incident.error
    assert world.all(RegistryActionPlan, case_id=case) == []


def test_who_may_start_plans(world: World) -> None:
    assert may_start(world.session, world.as_user("committee_trade"), "action_plan")
    assert not may_start(world.session, world.as_user("quanzhou"), "action_plan")


def _link(world: World, case_id: int, data: dict[str, Any], key: str = "link-1") -> dict[str, Any]:
    call = ServiceCall(case_id=case_id, element_id="link_action_plan",
                       handler="link_initiative_to_action_plan", data=data,
                       idempotency_key=key, attempt=1, process_id="initiative_incubation")
    result = HANDLERS["link_initiative_to_action_plan"](world.session, call)
    world.session.flush()
    return result or {}


def test_an_initiative_started_from_an_approved_plan_names_it_as_origin(world: World) -> None:
    plan_case = draft(world, "committee_trade", {**TRADE_PLAN, "plan_kind": "sectoral"})
    world.complete("sec_wang", plan_case, "review_plan", {"review_decision": "approve",
                                                          "approved_seed_funding": 50000})
    plan = world.one(RegistryActionPlan, case_id=plan_case)
    initiative_case = world.start("committee_trade", "initiative_incubation", {
        "initiative_title": "Cross-border e-commerce export industrial zone",
        "committee_name": "Investment and Trade",
        "initiative_description": "An export zone where member-city companies sell abroad online.",
        "partner_cities": ["quanzhou"]}).id
    initiative_id = world.data(initiative_case)["initiative_id"]

    # Without the optional action_plan_id the handler does nothing (a free-text origin).
    assert _link(world, initiative_case, {"initiative_id": initiative_id}) == {}
    data = {"initiative_id": initiative_id, "action_plan_id": plan.id}
    assert _link(world, initiative_case, data) == {"action_plan_id": plan.id, "action_plan_title": plan.title}
    assert _link(world, initiative_case, data, key="link-2")["action_plan_id"] == plan.id  # run twice
    [link] = world.all(RegistryActionPlanInitiative)
    assert (link.action_plan_id, link.initiative_id) == (plan.id, initiative_id)
    assert link.case_id == initiative_case
    assert world.one(RegistryInitiative, id=initiative_id).title.startswith("Cross-border")

    pending = draft(world, "committee_sports", SPORTS_PLAN)  # under review: not an origin yet
    with pytest.raises(HandlerError, match="not an approved action plan"):
        _link(world, initiative_case, {"initiative_id": initiative_id,
                                       "action_plan_id": world.data(pending)["action_plan_id"]})


def test_the_demo_plan_is_an_approved_origin(world: World) -> None:
    from processes.demo_forum import DEMO_ACTION_PLAN, seed_forum_demo

    demo = world.one(RegistryActionPlan, title=DEMO_ACTION_PLAN["title"])
    assert demo.status == "approved" and demo.case_id is None
    assert seed_forum_demo(world.session) == 0  # idempotent
