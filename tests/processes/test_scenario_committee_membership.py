"""Joining a specialized committee, every path.

Colombo Municipal Council (`colombo`), a member without seats, asks for a seat on the Sports
and Outdoor Activities committee; the Secretariat (`sec_wang`) checks; the committee's focal
point (`committee_sports`, focal point of `committee.sports_outdoor`) agrees. Once seated, the
council's people are offered the committee's tasks (`body:committee.sports_outdoor`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.access.bodies import people_of
from processes.registry_membership import RegistryAllianceMember, RegistryCommitteeSeat
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_alliance_membership import HANOI

__all__ = ["handler_registry", "world"]

SPORTS: dict[str, Any] = {
    "committee": "sports_outdoor",
    "contribution": "Colombo hosts the South Asian beach games and offers its venues for youth exchanges.",
    "contact_person": "Director of Sports, Colombo Municipal Council",
}


def request(world: World, username: str = "colombo", data: dict[str, Any] | None = None) -> int:
    case = world.start(username, "committee_membership", data or SPORTS)
    assert world.open_elements(case.id) == ["check_request"]
    return case.id


def seats(world: World, member: str) -> list[RegistryCommitteeSeat]:
    [row] = world.all(RegistryAllianceMember, name=member)
    return world.all(RegistryCommitteeSeat, member_id=row.id)


def test_the_focal_point_agrees_and_the_members_people_get_the_committees_tasks(world: World) -> None:
    assert "colombo" not in people_of(world.session, "committee.sports_outdoor")
    case_id = request(world)
    data = world.data(case_id)
    assert data["committee_name"] == "Sports and Outdoor Activities"
    assert data["committee_body"] == "committee.sports_outdoor"
    assert data["member_name"] == "Colombo Municipal Council"
    assert not (data["requester_not_member"] or data["committee_not_established"] or data["already_seated"])
    world.complete("sec_wang", case_id, "check_request", {"join_check": "forward"})

    [task] = world.inbox("committee_sports", case_id)
    assert task.element_id == "focal_point_decision"
    assert world.inbox("committee_trade", case_id) == []  # another committee's focal point
    world.complete("committee_sports", case_id, "focal_point_decision",
                   {"join_decision": "agree", "join_decision_comment": "Welcome!"})

    assert world.case(case_id).status == "completed"
    [seat] = seats(world, "Colombo Municipal Council")
    assert seat.status == "active" and seat.case_id == case_id and seat.since == date(2018, 1, 8)
    assert seat.contact_person == "Director of Sports, Colombo Municipal Council"
    assert "colombo" in people_of(world.session, "committee.sports_outdoor")
    assert "committee.sports_outdoor" in world.as_user("colombo").bodies
    assert world.completed_by(case_id) == [("check_request", "sec_wang"),
                                           ("focal_point_decision", "committee_sports")]


def test_the_focal_point_declines(world: World) -> None:
    case_id = request(world)
    world.complete("sec_wang", case_id, "check_request", {"join_check": "forward"})
    world.complete("committee_sports", case_id, "focal_point_decision",
                   {"join_decision": "decline", "join_decision_comment": "The committee is full this year."})
    assert world.case(case_id).status == "completed"
    assert seats(world, "Colombo Municipal Council") == []
    assert "colombo" not in people_of(world.session, "committee.sports_outdoor")


def test_the_secretariat_refuses_a_seat_on_a_preparatory_committee(world: World) -> None:
    case_id = request(world, data={**SPORTS, "committee": "tourism"})
    assert world.data(case_id)["committee_not_established"] is True
    world.complete("sec_wang", case_id, "check_request",
                   {"join_check": "refuse", "join_check_comment": "Tourism is still preparatory."})
    assert world.case(case_id).status == "completed" and seats(world, "Colombo Municipal Council") == []


def test_the_secretariat_asks_for_clarification_then_forwards(world: World) -> None:
    case_id = request(world)
    world.complete("sec_wang", case_id, "check_request",
                   {"join_check": "clarify", "join_check_comment": "Which youth programmes?"})
    [task] = world.inbox("colombo", case_id)
    assert task.element_id == "revise_request" and task.assignee == "colombo"
    world.complete("colombo", case_id, "revise_request",
                   {**SPORTS,
                    "contribution": "Colombo runs a youth sailing programme open to partner cities."})
    assert world.open_elements(case_id) == ["check_request"]
    world.complete("sec_wang", case_id, "check_request", {"join_check": "forward"})
    world.complete("committee_sports", case_id, "focal_point_decision", {"join_decision": "agree"})
    [seat] = seats(world, "Colombo Municipal Council")
    assert seat.contribution == "Colombo runs a youth sailing programme open to partner cities."


def test_the_secretariat_decides_when_the_focal_point_is_silent_for_30_days(world: World) -> None:
    case_id = request(world)
    world.complete("sec_wang", case_id, "check_request", {"join_check": "forward"})
    world.advance(days=29)
    assert world.open_elements(case_id) == ["focal_point_decision"]
    world.advance(days=2)
    assert world.open_elements(case_id) == ["decide_for_committee"]
    assert world.inbox("committee_sports", case_id) == []
    world.complete("sec_silva", case_id, "decide_for_committee", {"join_decision": "agree"})
    [seat] = seats(world, "Colombo Municipal Council")
    assert seat.status == "active" and seat.since == date(2018, 2, 8)


def test_a_newly_admitted_city_takes_a_seat_and_leaves_it_when_it_withdraws(world: World) -> None:
    admission = world.start("hanoi_pc", "alliance_membership", HANOI)
    world.complete("sec_wang", admission.id, "check_application", {"application_check": "complete"})
    world.complete("dg_chen", admission.id, "decide_membership", {"membership_decision": "admit"})

    case_id = request(world, "hanoi_pc", {**SPORTS, "contact_person": "Hanoi Department of Sports"})
    world.complete("sec_wang", case_id, "check_request", {"join_check": "forward"})
    world.complete("committee_sports", case_id, "focal_point_decision", {"join_decision": "agree"})
    assert "hanoi_pc" in people_of(world.session, "committee.sports_outdoor")

    again = request(world, "hanoi_pc", {**SPORTS, "contact_person": "Hanoi Department of Sports"})
    assert world.data(again)["already_seated"] is True
    world.complete("sec_wang", again, "check_request", {"join_check": "refuse"})

    withdrawal = world.start("hanoi_pc", "alliance_withdrawal",
                             {"withdrawal_reason": "Hanoi joins another network instead.",
                              "signed_by": "Chairman of the People's Committee"})
    world.complete("sec_wang", withdrawal.id, "review_withdrawal", {"withdrawal_check": "confirm"})
    [seat] = seats(world, "Hanoi People's Committee")
    assert seat.status == "ended" and seat.ended_by_case_id == withdrawal.id
    assert "hanoi_pc" not in people_of(world.session, "committee.sports_outdoor")
