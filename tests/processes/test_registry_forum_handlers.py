"""Handlers of action plans and the Cities Forum (processes.handlers_action_plans,
processes.handlers_forum): each run twice leaves one row; bad data is refused with the field named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from processes.handlers import HandlerError
from processes.registry import RegistryInitiative
from processes.registry_forum import (
    RegistryActionPlan,
    RegistryActionPlanInitiative,
    RegistryForumAgreement,
    RegistryForumEdition,
    RegistryForumParticipant,
)
from tests.processes.test_registry_handlers import count, registry, run_twice

__all__ = ["registry"]

PLAN = {"plan_title": "Green ports", "plan_kind": "cross_sector", "lead_committee": "Investment and Trade",
        "contributing_committees": ["Investment and Trade", "Tourism", "Tourism"],
        "plan_objectives": "Greener ports.", "planned_activities": "Shore power.",
        "requested_seed_funding": "12000"}


def test_action_plan_lifecycle(registry: Session) -> None:
    result = run_twice(registry, "register_action_plan", PLAN, case_id=7)
    assert result["contributing_committees"] == ["Tourism"]  # the lead and duplicates dropped
    assert count(registry, RegistryActionPlan) == 1
    run_twice(registry, "approve_action_plan", {"approved_seed_funding": 15000}, case_id=7)
    plan = registry.get(RegistryActionPlan, result["action_plan_id"])
    assert plan is not None and plan.status == "approved"
    assert plan.approved_seed_funding == Decimal("12000.00")
    run_twice(registry, "register_action_plan", {**PLAN, "plan_title": "Other"}, case_id=8)
    run_twice(registry, "reject_action_plan", {}, case_id=8)
    run_twice(registry, "register_action_plan", {**PLAN, "plan_title": "Third"}, case_id=9)
    run_twice(registry, "lapse_action_plan", {}, case_id=9)
    assert sorted(p.status for p in registry.query(RegistryActionPlan)) == ["approved", "lapsed", "rejected"]

    registry.add(RegistryInitiative(title="Shore power pilot", case_id=20, partner_cities=[]))
    registry.flush()
    initiative = registry.query(RegistryInitiative).filter_by(case_id=20).one()
    run_twice(registry, "link_initiative_to_action_plan",
              {"initiative_id": initiative.id, "action_plan_id": plan.id}, case_id=20)
    assert count(registry, RegistryActionPlanInitiative) == 1


@pytest.mark.parametrize(("data", "field"), [
    ({**PLAN, "lead_committee": "Space Travel"}, "lead_committee"),
    ({**PLAN, "contributing_committees": ["Investment and Trade"]}, "contributing_committees"),
    ({**PLAN, "plan_kind": "global"}, "plan_kind"),
])
def test_a_bad_plan_is_refused_naming_the_field(registry: Session, data: dict[str, object],
                                                 field: str) -> None:
    with pytest.raises(HandlerError, match=field):
        run_twice(registry, "register_action_plan", data, case_id=3)


EDITION = {"year": 2019, "forum_theme": "Green ports", "host_city": "quanzhou",
           "forum_start": "2019-06-10T01:00:00+00:00", "forum_end": "2019-06-12T10:00:00+00:00"}


def test_forum_lifecycle(registry: Session) -> None:
    forum_id = run_twice(registry, "register_forum_edition", EDITION, case_id=5)["forum_id"]
    data = {**EDITION, "forum_id": forum_id, "forum_venue": "Harbour hall"}
    run_twice(registry, "confirm_forum_host", data, case_id=5)
    agenda = {**data, "forum_agenda": "Opening", "guidance_to_committees": "One agreement each",
              "invited_cities": ["quanzhou", "chongqing"]}
    assert run_twice(registry, "publish_forum_agenda", agenda, case_id=5)["notification_group"] == "committee"
    run_twice(registry, "record_forum_registration", {**data, "city": "quanzhou", "attendance": "attend",
                                                      "delegates": "A\nB"}, case_id=5)
    run_twice(registry, "record_missed_registration", {**data, "city": "chongqing"}, case_id=5)
    assert count(registry, RegistryForumParticipant) == 2
    agreement = {**data, "agreement_title": "Port pact", "agreement_kind": "trade",
                 "agreement_signatories": "Quanzhou", "follow_up_committee": "Investment and Trade"}
    run_twice(registry, "register_forum_agreement", agreement, case_id=5)
    listed = run_twice(registry, "list_forum_agreements", data, case_id=5)["agreements"]
    assert [a["title"] for a in listed] == ["Port pact"] and count(registry, RegistryForumAgreement) == 1
    run_twice(registry, "record_agreement_follow_up",
              {"agreement": listed[0], "follow_up_status": "completed"}, case_id=5)
    result = run_twice(registry, "publish_forum_report", {**data, "report_summary": "Done"}, case_id=5)
    assert result == {"forum_status": "reported", "cities_attending": 1, "agreements_signed": 1}
    forum = registry.get(RegistryForumEdition, forum_id)
    assert forum is not None and forum.venue == "Harbour hall"
    assert forum.agreements[0].follow_up_status == "completed"
    with pytest.raises(HandlerError, match="year"):
        run_twice(registry, "register_forum_edition", EDITION, case_id=6)  # one Forum a year
    with pytest.raises(HandlerError, match="forum_end"):
        run_twice(registry, "register_forum_edition",
                  {**EDITION, "year": 2020, "forum_end": "2019-01-01T00:00:00"}, case_id=6)
