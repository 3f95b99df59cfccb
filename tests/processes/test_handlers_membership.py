"""The membership handlers run again as retried jobs (after the process ran them): same result,
no second row. Covers every handler of processes/handlers_membership.py."""

from __future__ import annotations

from sqlalchemy import func, select

from processes.registry_membership import RegistryAllianceMember, RegistryCommitteeSeat
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_registry_handlers import run_twice
from tests.processes.test_scenario_alliance_membership import HANOI
from tests.processes.test_scenario_committee_membership import SPORTS

__all__ = ["handler_registry", "world"]


def rows(world: World) -> tuple[int, int]:
    members = world.session.scalar(select(func.count()).select_from(RegistryAllianceMember)) or 0
    seats = world.session.scalar(select(func.count()).select_from(RegistryCommitteeSeat)) or 0
    return members, seats


def test_each_membership_handler_is_safe_to_run_again(world: World) -> None:
    admission = world.start("hanoi_pc", "alliance_membership", HANOI).id
    world.complete("sec_wang", admission, "check_application", {"application_check": "complete"})
    world.complete("dg_chen", admission, "decide_membership", {"membership_decision": "admit"})
    before = rows(world)
    again = run_twice(world.session, "register_alliance_member", world.data(admission), case_id=admission)
    assert again["member_code"] == "hanoi_people_s_committee" and rows(world) == before

    join = world.start("hanoi_pc", "committee_membership", SPORTS).id
    assert run_twice(world.session, "look_up_committee_request", world.data(join), case_id=join)[
        "committee_body"] == "committee.sports_outdoor"
    world.complete("sec_wang", join, "check_request", {"join_check": "forward"})
    world.complete("committee_sports", join, "focal_point_decision", {"join_decision": "agree"})
    before = rows(world)
    assert run_twice(world.session, "join_committee", world.data(join), case_id=join)["seat_id"]
    assert rows(world) == before

    notice = world.start("hanoi_pc", "alliance_withdrawal",
                         {"withdrawal_reason": "Hanoi leaves the network.", "signed_by": "Chairman"}).id
    assert run_twice(world.session, "identify_member", world.data(notice), case_id=notice)[
        "member_committees"] == "Sports and Outdoor Activities"
    world.complete("sec_wang", notice, "review_withdrawal", {"withdrawal_check": "confirm"})
    assert run_twice(world.session, "record_alliance_withdrawal", world.data(notice),
                     case_id=notice)["withdrawn_on"] == "2018-01-08"
