"""Membership of the Alliance and withdrawal from it, every path.

Hanoi People's Committee (`hanoi_pc`, group `applicant`) applies; the Secretariat (`sec_wang`)
checks; the Director General (`dg_chen`) decides. Quanzhou (`quanzhou`), a member with a seat
on the Investment and Trade committee, gives notice of withdrawal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine.access.bodies import people_of
from engine.access.start_rights import may_start
from engine.errors import PermissionDenied
from processes.registry_membership import RegistryAllianceMember, RegistryCommitteeSeat
from tests.processes.scenario_helpers import World, handler_registry, world

__all__ = ["handler_registry", "world"]

HANOI: dict[str, Any] = {
    "member_name": "Hanoi People's Committee", "member_kind": "city", "country": "Viet Nam",
    "representative": "Chairman of the People's Committee",
    "contact_email": "international@hanoi.example.vn",
    "motivation": "Hanoi wants to share smart-city and tourism experience with the Maritime Silk Road "
                  "cities.",
}


def hanoi_member(world: World) -> RegistryAllianceMember | None:
    rows = world.all(RegistryAllianceMember, name="Hanoi People's Committee")
    return rows[0] if rows else None


def apply(world: World) -> int:
    case = world.start("hanoi_pc", "alliance_membership", HANOI)
    assert world.open_elements(case.id) == ["check_application"]
    assert [t.element_id for t in world.inbox("sec_wang", case.id)] == ["check_application"]
    return case.id


def test_only_applicants_apply_and_only_members_give_notice(world: World) -> None:
    assert may_start(world.session, world.as_user("hanoi_pc"), "alliance_membership")
    assert not may_start(world.session, world.as_user("hanoi_pc"), "alliance_withdrawal")
    assert not may_start(world.session, world.as_user("hanoi_pc"), "committee_membership")
    assert may_start(world.session, world.as_user("quanzhou"), "alliance_withdrawal")
    assert not may_start(world.session, world.as_user("sec_wang"), "alliance_membership")
    with pytest.raises(PermissionDenied):
        world.start("sec_wang", "alliance_withdrawal", {"withdrawal_reason": "not ours to give",
                                                        "signed_by": "Wang Li"})


def test_a_city_is_admitted_and_may_then_ask_for_committee_seats(world: World) -> None:
    case_id = apply(world)
    world.complete("sec_wang", case_id, "check_application",
                   {"application_check": "complete", "application_check_comment": "Recommended."})
    assert world.inbox("sec_wang", case_id) == []
    world.complete("dg_chen", case_id, "decide_membership", {"membership_decision": "admit"})

    view = world.case(case_id)
    assert view.status == "completed"
    assert view.data["member_code"] == "hanoi_people_s_committee"
    assert view.data["member_since"] == "2018-01-08"
    row = hanoi_member(world)
    assert row is not None and row.status == "member" and row.kind == "city" and row.case_id == case_id
    assert row.country == "Viet Nam" and row.since == date(2018, 1, 8)
    hanoi = world.as_user("hanoi_pc")
    assert hanoi.organisations == {"hanoi_people_s_committee"} and "alliance_member" in hanoi.groups
    assert may_start(world.session, hanoi, "committee_membership")
    assert world.completed_by(case_id) == [("check_application", "sec_wang"),
                                           ("decide_membership", "dg_chen")]


def test_the_director_general_refuses(world: World) -> None:
    case_id = apply(world)
    world.complete("sec_wang", case_id, "check_application", {"application_check": "complete"})
    world.complete("dg_chen", case_id, "decide_membership",
                   {"membership_decision": "refuse", "membership_decision_comment": "Not this year."})
    assert world.case(case_id).status == "completed"
    assert hanoi_member(world) is None
    assert "alliance_member" not in world.as_user("hanoi_pc").groups


def test_the_secretariat_asks_for_clarification_then_the_city_is_admitted(world: World) -> None:
    case_id = apply(world)
    world.complete("sec_wang", case_id, "check_application",
                   {"application_check": "clarify",
                    "application_check_comment": "Please name the mayor who signs."})
    [task] = world.inbox("hanoi_pc", case_id)
    assert task.element_id == "clarify_application" and task.assignee == "hanoi_pc"
    world.complete("hanoi_pc", case_id, "clarify_application",
                   {**HANOI, "representative": "Nguyen Van A, Chairman of the People's Committee"})
    world.complete("sec_wang", case_id, "check_application", {"application_check": "complete"})
    world.complete("dg_chen", case_id, "decide_membership", {"membership_decision": "admit"})
    row = hanoi_member(world)
    assert row is not None and row.representative == "Nguyen Van A, Chairman of the People's Committee"


def test_an_unanswered_clarification_lapses_after_60_days(world: World) -> None:
    case_id = apply(world)
    world.complete("sec_wang", case_id, "check_application",
                   {"application_check": "clarify", "application_check_comment": "Which country?"})
    world.advance(days=59)
    assert world.open_elements(case_id) == ["clarify_application"]
    world.advance(days=2)
    view = world.case(case_id)
    assert view.status == "completed" and view.open_tasks == []
    assert hanoi_member(world) is None


def notice(world: World) -> int:
    case = world.start("quanzhou", "alliance_withdrawal",
                       {"withdrawal_reason": "The city council decided to leave the Alliance.",
                        "signed_by": "Mayor of Quanzhou"})
    assert world.open_elements(case.id) == ["review_withdrawal"]
    data = world.data(case.id)
    assert data["member_name"] == "Quanzhou Municipal Government"
    assert data["member_committees"] == "Investment and Trade" and data["requester_not_member"] is False
    return case.id


def test_a_member_withdraws_and_its_seats_and_committee_tasks_end(world: World) -> None:
    assert "quanzhou" in people_of(world.session, "committee.investment_trade")
    case_id = notice(world)
    world.complete("sec_wang", case_id, "review_withdrawal", {"withdrawal_check": "confirm"})

    assert world.case(case_id).status == "completed"
    [row] = world.all(RegistryAllianceMember, name="Quanzhou Municipal Government")
    assert row.status == "withdrawn" and row.until == date(2018, 1, 8) and row.withdrawal_case_id == case_id
    [seat] = world.all(RegistryCommitteeSeat, member_id=row.id)
    assert seat.status == "ended" and seat.ended_by_case_id == case_id
    assert "quanzhou" not in people_of(world.session, "committee.investment_trade")
    assert "iran_chamber" in people_of(world.session, "committee.investment_trade")
    quanzhou = world.as_user("quanzhou")
    assert "alliance_member" not in quanzhou.groups and "committee.investment_trade" not in quanzhou.bodies


def test_the_member_revokes_its_notice_after_a_clarification(world: World) -> None:
    case_id = notice(world)
    world.complete("sec_wang", case_id, "review_withdrawal",
                   {"withdrawal_check": "clarify",
                    "withdrawal_review_comment": "The notice must come from the mayor's office."})
    world.complete("quanzhou", case_id, "revise_notice",
                   {"notice_action": "revoke", "withdrawal_reason": "The council changed its mind.",
                    "signed_by": "Mayor of Quanzhou"})
    assert world.case(case_id).status == "completed"
    [row] = world.all(RegistryAllianceMember, name="Quanzhou Municipal Government")
    assert row.status == "member" and row.until is None
    assert "quanzhou" in people_of(world.session, "committee.investment_trade")


def test_the_member_maintains_its_notice_after_a_clarification(world: World) -> None:
    case_id = notice(world)
    world.complete("sec_wang", case_id, "review_withdrawal", {"withdrawal_check": "clarify"})
    world.complete("quanzhou", case_id, "revise_notice",
                   {"notice_action": "resubmit", "withdrawal_reason": "Decision 12/2018 of the city council.",
                    "signed_by": "Office of the Mayor of Quanzhou"})
    world.complete("sec_wang", case_id, "review_withdrawal", {"withdrawal_check": "confirm"})
    [row] = world.all(RegistryAllianceMember, name="Quanzhou Municipal Government")
    assert row.status == "withdrawn" and row.withdrawal_reason == "Decision 12/2018 of the city council."
