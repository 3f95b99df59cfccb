"""Business Council membership, every path: from observer to member (or not).

An organisation, company or individual asks to observe the Business Council; the Secretariat
checks the application, the Business Council chair decides; after one year as observer an
organisation or company may apply for membership, by nomination of the Director General.

Silk Road Trading Co. (`silkroad_trading`) is the demo applicant. Two more applicants join it
here, created like every user (`engine.access.users.create_user`, group `applicant`): the Fujian
Cross-border E-commerce Association, an industry group, and Nguyen An, an entrepreneur from Hanoi.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from engine.access.users import create_user
from engine.errors import FormInvalid
from processes.registry import RegistryBusinessCouncilMember
from tests.processes.scenario_helpers import World, handler_registry, world

__all__ = ["handler_registry", "world"]

ONE_YEAR_AND_A_DAY = timedelta(days=366)


@pytest.fixture
def applicants(world: World) -> World:
    create_user(world.session, "fujian_ecommerce", groups=["applicant"], password="demo-applicant-2",
                display_name="Fujian Cross-border E-commerce Association")
    create_user(world.session, "nguyen_an", groups=["applicant"], password="demo-applicant-3",
                display_name="Nguyen An, entrepreneur (Hanoi)")
    world.session.commit()
    return world


SILK_ROAD_TRADING: dict[str, Any] = {
    "applicant_name": "Silk Road Trading Co.", "applicant_kind": "company", "sector": "investment_trade",
    "contact_email": "office@silkroad-trading.example", "motivation": "Trade along the Maritime Silk Road.",
}
FUJIAN_ASSOCIATION: dict[str, Any] = {
    "applicant_name": "Fujian Cross-border E-commerce Association", "applicant_kind": "organisation",
    "sector": "investment_trade", "contact_email": "secretariat@fujian-ecommerce.example",
    "motivation": "Our 120 member companies export through the cross-border e-commerce zone.",
}
NGUYEN_AN: dict[str, Any] = {
    "applicant_name": "Nguyen An", "applicant_kind": "individual",
    "sector": "smart_cities_emerging_industries",
    "contact_email": "an.nguyen@example.vn", "motivation": "I run a smart-city start-up in Hanoi.",
}


def member(world: World, name: str) -> RegistryBusinessCouncilMember | None:
    rows = world.all(RegistryBusinessCouncilMember, name=name)
    return rows[0] if rows else None


def apply_and_get_approved(world: World, applicant: str, application: dict[str, Any]) -> int:
    """The applicant applies; the Secretariat finds it complete; the chair approves."""
    case = world.start(applicant, "business_council_membership", application)
    assert world.open_elements(case.id) == ["check_completeness"]
    world.complete("sec_wang", case.id, "check_completeness", {"completeness": "complete"})
    assert [t.element_id for t in world.inbox("bc_chair", case.id)] == ["chair_decision"]
    world.complete("bc_chair", case.id, "chair_decision",
                   {"chair_decision": "approve", "chair_comment": "Welcome as observer."})
    return case.id


def a_year_passes(world: World, case_id: int) -> None:
    world.advance(days=364)
    assert world.open_tasks(case_id) == [], "the observation year is not over yet"
    world.advance(ONE_YEAR_AND_A_DAY - timedelta(days=364))


# -- observer, then member -----------------------------------------------------------------


def test_an_organisation_observes_for_a_year_then_becomes_a_group_member(applicants: World) -> None:
    world = applicants
    case_id = apply_and_get_approved(world, "fujian_ecommerce", FUJIAN_ASSOCIATION)

    observer = member(world, "Fujian Cross-border E-commerce Association")
    assert observer is not None and observer.kind == "observer"
    assert observer.since == date(2018, 1, 8) and observer.eligible_from == date(2019, 1, 8)
    assert observer.organisation_type == "organisation" and observer.case_id == case_id
    view = world.case(case_id)
    assert view.status == "running" and view.open_tasks == []  # the observation year runs
    assert view.data["eligible_from"] == "2019-01-08"

    a_year_passes(world, case_id)
    [application] = world.inbox("fujian_ecommerce", case_id)
    assert application.element_id == "apply_membership" and application.assignee == "fujian_ecommerce"
    assert application.due_at is None  # no window closes after the year of observation
    world.complete("fujian_ecommerce", case_id, "apply_membership", {
        "membership_kind": "group_member", "organisation_type": "industry_association",
        "membership_statement": "We bring 120 exporting companies to the Business Council."})

    assert [t.element_id for t in world.inbox("dg_chen", case_id)] == ["dg_nomination"]
    assert world.inbox("bc_chair", case_id) == []
    world.complete("dg_chen", case_id, "dg_nomination",
                   {"dg_decision": "nominate", "dg_comment": "Nominated as group member."})

    view = world.case(case_id)
    assert view.status == "completed"
    assert view.data["member_kind"] == "group_member" and view.data["member_since"] == "2019-01-09"
    rows = world.all(RegistryBusinessCouncilMember, name="Fujian Cross-border E-commerce Association")
    assert len(rows) == 1  # the observer row became the member row
    assert rows[0].kind == "group_member" and rows[0].since == date(2019, 1, 9)
    assert rows[0].organisation_type == "industry_association"
    assert world.completed_by(case_id) == [
        ("check_completeness", "sec_wang"), ("chair_decision", "bc_chair"),
        ("apply_membership", "fujian_ecommerce"), ("dg_nomination", "dg_chen")]


def test_a_company_puts_forward_its_executive_as_individual_member(world: World) -> None:
    case_id = apply_and_get_approved(world, "silkroad_trading", SILK_ROAD_TRADING)
    a_year_passes(world, case_id)
    world.complete("silkroad_trading", case_id, "apply_membership", {
        "membership_kind": "individual_member", "organisation_type": "company",
        "nominee_name": "Lin Hai, chief executive",
        "membership_statement": "Our CEO chairs the export forum."})
    world.complete("dg_chen", case_id, "dg_nomination", {"dg_decision": "nominate"})
    row = member(world, "Silk Road Trading Co.")
    assert row is not None and row.kind == "individual_member"
    assert row.nominee_name == "Lin Hai, chief executive" and row.organisation_type == "company"
    assert world.case(case_id).status == "completed"


def test_the_director_general_declines_and_the_company_stays_an_observer(world: World) -> None:
    case_id = apply_and_get_approved(world, "silkroad_trading", SILK_ROAD_TRADING)
    a_year_passes(world, case_id)
    world.complete("silkroad_trading", case_id, "apply_membership", {
        "membership_kind": "individual_member", "nominee_name": "Lin Hai, chief executive",
        "membership_statement": "We would like our CEO to join."})
    world.complete("dg_chen", case_id, "dg_nomination",
                   {"dg_decision": "decline", "dg_comment": "Not this year."})
    view = world.case(case_id)
    assert view.status == "completed" and "member_kind" not in view.data
    row = member(world, "Silk Road Trading Co.")
    assert row is not None and row.kind == "observer" and row.since == date(2018, 1, 8)


def test_no_window_closes_the_right_to_apply_after_the_year(world: World) -> None:
    """The framework sets no window after the year of observation ("may apply"): months later the
    application is still there, with no due date, and goes through."""
    case_id = apply_and_get_approved(world, "silkroad_trading", SILK_ROAD_TRADING)
    a_year_passes(world, case_id)
    [application] = world.open_tasks(case_id, "apply_membership")
    assert application.due_at is None
    world.advance(days=200)
    assert world.open_elements(case_id) == ["apply_membership"]
    assert world.case(case_id).status == "running"
    row = member(world, "Silk Road Trading Co.")
    assert row is not None and row.kind == "observer" and row.since == date(2018, 1, 8)
    world.complete("silkroad_trading", case_id, "apply_membership", {
        "membership_kind": "individual_member", "nominee_name": "Lin Hai, chief executive",
        "membership_statement": "Our CEO chairs the export forum."})
    world.complete("dg_chen", case_id, "dg_nomination", {"dg_decision": "nominate"})
    row = member(world, "Silk Road Trading Co.")
    assert row is not None and row.kind == "individual_member"


TIANHONG: dict[str, Any] = {
    "applicant_name": "Tianhong Industrial Zone Co.", "applicant_kind": "company",
    "sector": "investment_trade", "contact_email": "office@tianhong.example",
    "motivation": "Observer since 2017; we now apply for membership.",
}


def test_a_registered_observer_applies_for_membership_directly_and_keeps_its_year(world: World) -> None:
    seeded = member(world, "Tianhong Industrial Zone Co.")
    assert seeded is not None and seeded.kind == "observer" and seeded.since == date(2017, 11, 1)
    case = world.start("silkroad_trading", "business_council_membership", TIANHONG)
    world.complete("sec_wang", case.id, "check_completeness", {"completeness": "complete"})

    # No second observer decision, no reset: it waits for the end of ITS year (1 November 2018).
    assert world.inbox("bc_chair", case.id) == [] and world.open_tasks(case.id) == []
    data = world.data(case.id)
    assert data["registry_kind"] == "observer" and data["eligible_from"] == "2018-11-01"
    row = member(world, "Tianhong Industrial Zone Co.")
    assert row is not None and row.since == date(2017, 11, 1) and row.case_id is None
    world.advance(days=296)  # 31 October 2018
    assert world.open_tasks(case.id) == []
    world.advance(days=2)
    [application] = world.inbox("silkroad_trading", case.id)
    assert application.element_id == "apply_membership"

    # A single company is not a group: the form refuses it as a group member.
    with pytest.raises(FormInvalid) as refused:
        world.complete("silkroad_trading", case.id, "apply_membership", {
            "membership_kind": "group_member", "organisation_type": "company",
            "membership_statement": "We would like to join as a group member."})
    assert set(refused.value.errors) == {"organisation_type"}
    world.session.rollback()
    world.complete("silkroad_trading", case.id, "apply_membership", {
        "membership_kind": "individual_member", "nominee_name": "Zhang Min, general manager",
        "membership_statement": "Our general manager runs the industrial zone's export programme."})
    world.complete("dg_chen", case.id, "dg_nomination", {"dg_decision": "nominate"})
    rows = world.all(RegistryBusinessCouncilMember, name="Tianhong Industrial Zone Co.")
    assert len(rows) == 1 and rows[0].kind == "individual_member"
    assert rows[0].nominee_name == "Zhang Min, general manager"
    assert world.case(case.id).status == "completed"
    assert [e for e, _ in world.completed_by(case.id)] == [
        "check_completeness", "apply_membership", "dg_nomination"]


def test_a_member_applying_again_is_told_it_is_already_a_member(world: World) -> None:
    case = world.start("silkroad_trading", "business_council_membership", {
        **TIANHONG, "applicant_name": "Iran Chamber of Commerce", "applicant_kind": "organisation"})
    world.complete("sec_wang", case.id, "check_completeness", {"completeness": "complete"})
    view = world.case(case.id)
    assert view.status == "completed" and view.data["registry_kind"] == "member"
    assert view.outcome == "already_member"  # the end reached: end_already_member
    row = member(world, "Iran Chamber of Commerce")
    assert row is not None and row.kind == "group_member" and row.since == date(2016, 5, 1)


def test_a_group_member_is_a_group_and_an_individual_member_a_named_person(applicants: World) -> None:
    world = applicants
    case_id = apply_and_get_approved(world, "fujian_ecommerce", FUJIAN_ASSOCIATION)
    a_year_passes(world, case_id)
    with pytest.raises(FormInvalid) as refused:
        world.complete("fujian_ecommerce", case_id, "apply_membership", {
            "membership_kind": "individual_member", "nominee_name": "",
            "membership_statement": "We put forward our chair as individual member."})
    assert set(refused.value.errors) == {"nominee_name"}
    world.session.rollback()
    with pytest.raises(FormInvalid) as refused:
        world.complete("fujian_ecommerce", case_id, "apply_membership", {
            "membership_kind": "group_member", "organisation_type": "company",
            "membership_statement": "We bring 120 exporting companies to the Business Council."})
    assert set(refused.value.errors) == {"organisation_type"}
    world.session.rollback()
    assert world.open_elements(case_id) == ["apply_membership"] and world.jobs(case_id) == []
    world.complete("fujian_ecommerce", case_id, "apply_membership", {
        "membership_kind": "group_member", "organisation_type": "industry_association",
        "membership_statement": "We bring 120 exporting companies to the Business Council."})
    world.complete("dg_chen", case_id, "dg_nomination", {"dg_decision": "nominate"})
    row = member(world, "Fujian Cross-border E-commerce Association")
    assert row is not None and row.kind == "group_member" and row.nominee_name is None


# -- an individual observer ------------------------------------------------------------------


def test_an_individual_observer_is_told_what_applies_to_them_and_remains_an_observer(
        applicants: World) -> None:
    world = applicants
    case_id = apply_and_get_approved(world, "nguyen_an", NGUYEN_AN)
    row = member(world, "Nguyen An")
    assert row is not None and row.kind == "observer" and row.organisation_type == "individual"

    a_year_passes(world, case_id)
    [info] = world.inbox("nguyen_an", case_id)
    assert info.element_id == "individual_information" and info.form_id == "individual_membership_info"
    assert world.open_tasks(case_id, "apply_membership") == []
    world.complete("nguyen_an", case_id, "individual_information", {"acknowledged": True})

    view = world.case(case_id)
    assert view.status == "completed" and "member_kind" not in view.data
    row = member(world, "Nguyen An")
    assert row is not None and row.kind == "observer"


# -- the Secretariat's completeness check, the chair's decision ---------------------------------


def test_an_incomplete_application_goes_back_to_the_applicant(world: World) -> None:
    case = world.start("silkroad_trading", "business_council_membership",
                       {**SILK_ROAD_TRADING, "motivation": "We would like to trade."})
    world.complete("sec_silva", case.id, "check_completeness", {
        "completeness": "incomplete",
        "completeness_comment": "Describe your activities along the Maritime Silk Road."})

    [fix] = world.inbox("silkroad_trading", case.id)
    assert fix.element_id == "complete_application" and fix.form_id == "observer_application"
    assert world.data(case.id)["completeness_comment"].startswith("Describe your activities")
    assert world.inbox("bc_chair", case.id) == []
    world.complete("silkroad_trading", case.id, "complete_application", {
        **SILK_ROAD_TRADING, "motivation": "Ceramics and tea exports from Quanzhou to 14 ports."})

    world.complete("sec_wang", case.id, "check_completeness",
                   {"completeness": "complete", "completeness_comment": ""})
    world.complete("bc_chair", case.id, "chair_decision", {"chair_decision": "approve"})
    row = member(world, "Silk Road Trading Co.")
    assert row is not None and row.kind == "observer"
    assert world.data(case.id)["motivation"].startswith("Ceramics")
    assert [e for e, _ in world.completed_by(case.id)] == [
        "check_completeness", "complete_application", "check_completeness", "chair_decision"]


def test_the_chair_declines_and_nothing_is_registered(world: World) -> None:
    before = len(world.all(RegistryBusinessCouncilMember))
    case = world.start("silkroad_trading", "business_council_membership", SILK_ROAD_TRADING)
    world.complete("sec_wang", case.id, "check_completeness", {"completeness": "complete"})
    world.complete("bc_chair", case.id, "chair_decision",
                   {"chair_decision": "decline", "chair_comment": "Not a Maritime Silk Road business."})
    view = world.case(case.id)
    assert view.status == "completed" and view.open_tasks == [] and world.jobs(case.id) == []
    assert member(world, "Silk Road Trading Co.") is None
    assert len(world.all(RegistryBusinessCouncilMember)) == before
    assert [h.kind for h in world.history(case.id)][-1] == "case_completed"


def test_only_applicants_start_an_application_and_only_the_chair_decides(world: World) -> None:
    from engine.access.start_rights import may_start

    assert may_start(world.session, world.as_user("silkroad_trading"), "business_council_membership")
    assert not may_start(world.session, world.as_user("quanzhou"), "business_council_membership")
    case = world.start("silkroad_trading", "business_council_membership", SILK_ROAD_TRADING)
    world.complete("sec_wang", case.id, "check_completeness", {"completeness": "complete"})
    assert world.inbox("dg_chen", case.id) == [] and world.inbox("sec_wang", case.id) == []
    assert world.inbox("silkroad_trading", case.id) == []
