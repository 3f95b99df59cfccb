"""The annual Cities Forum, from its host city to its report and the agreements' follow-up.

The Secretariat opens the 2018 edition with Quanzhou as proposed host; the host confirms (and
bears the hosting costs) or declines, or stays silent for 30 days, and the Secretariat asks
another city; the agenda and the guidance to the committees are published (the committees are
told); Quanzhou and Chongqing register their delegations until the deadline; when the Forum has
closed the Secretariat records each agreement signed there, each agreement's follow-up goes to
the committees, and the report is published.
"""

from __future__ import annotations

from typing import Any

from engine.access.start_rights import may_start
from processes.registry import RegistryNotification
from processes.registry_forum import RegistryForumAgreement, RegistryForumEdition, RegistryForumParticipant
from tests.processes.scenario_helpers import World, handler_registry, world

__all__ = ["handler_registry", "world"]

EDITION: dict[str, Any] = {
    "year": 2018, "forum_theme": "Cities connecting the Maritime Silk Road", "host_city": "quanzhou",
    "forum_start": "2018-06-10T01:00:00+00:00", "forum_end": "2018-06-12T10:00:00+00:00",
}
AGENDA: dict[str, Any] = {
    "forum_agenda": "Opening by the mayors; Business Council session; committee sessions; signing ceremony.",
    "guidance_to_committees": "Bring one cooperation agreement per committee; report on 2018 activities.",
    "invited_cities": ["quanzhou", "chongqing"], "registration_deadline": "2018-05-31T00:00:00+00:00",
}
BRAND_EXPO = {"agreement_title": "Quanzhou Maritime Silk Road Brand Expo partnership",
              "agreement_kind": "trade", "agreement_signatories": "Quanzhou\nIran Chamber of Commerce",
              "agreement_summary": "Joint pavilion at the 4th Brand Expo.",
              "follow_up_committee": "Business Council"}
HERITAGE = {"agreement_title": "Maritime Silk Road Cultural Heritage exchange",
            "agreement_kind": "cultural_exchange", "agreement_signatories": "Quanzhou\nChongqing",
            "follow_up_committee": "Education, Science and Culture"}


def open_edition(world: World, edition: dict[str, Any] | None = None) -> int:
    case = world.start("sec_wang", "cities_forum", edition or EDITION)
    forum = world.one(RegistryForumEdition, case_id=case.id)
    assert forum.status == "planning" and world.data(case.id)["forum_id"] == forum.id
    assert world.case(case.id).title == f"Cities Forum {forum.year}"
    return case.id


def host_confirms(world: World, case_id: int, city: str = "quanzhou") -> None:
    venue = f"{city.title()} International Convention Centre"
    world.complete(city, case_id, "confirm_hosting", {"hosting_decision": "confirm", "forum_venue": venue})


def forum(world: World, case_id: int) -> RegistryForumEdition:
    return world.one(RegistryForumEdition, case_id=case_id)


def test_the_forum_from_its_host_to_its_report_and_follow_up(world: World) -> None:
    case = open_edition(world)
    [hosting] = world.open_tasks(case, "confirm_hosting")
    assert hosting.assignee == "quanzhou"
    host_confirms(world, case)
    assert forum(world, case).status == "host_confirmed" and forum(world, case).host_confirmed_on is not None

    world.complete("sec_silva", case, "prepare_agenda", AGENDA)
    edition = forum(world, case)
    assert edition.status == "agenda_published" and edition.guidance_to_committees
    [notice] = world.all(RegistryNotification, case_id=case)
    assert notice.recipient_group == "committee" and "Cities Forum 2018" in notice.subject
    registrations = world.open_tasks(case, "register_delegation")
    assert sorted(str(t.assignee) for t in registrations) == ["chongqing", "quanzhou"]
    world.complete("quanzhou", case, "register_delegation", {
        "attendance": "attend", "delegation_head": "Mayor of Quanzhou",
        "delegates": "Trade bureau\nCulture bureau"})
    world.complete("chongqing", case, "register_delegation", {"attendance": "not_attend"})
    assert world.open_elements(case) == []  # the Forum takes place

    world.advance(days=160)  # 17 June: the Forum has closed
    assert world.open_elements(case) == ["record_agreement"]
    world.complete("sec_wang", case, "record_agreement", {**BRAND_EXPO, "another_agreement": "yes"})
    world.complete("sec_wang", case, "record_agreement", {**HERITAGE, "agreement_summary": "",
                                                          "another_agreement": "no"})
    assert world.open_elements(case) == ["follow_up_agreement", "follow_up_agreement", "write_report"]
    assert world.data(case)["agreements"][0]["title"] == BRAND_EXPO["agreement_title"]

    world.complete("sec_wang", case, "write_report",
                   {"report_summary": "Twelve mayors; two agreements signed."})
    assert forum(world, case).status == "reported"
    assert world.data(case)["cities_attending"] == 1 and world.data(case)["agreements_signed"] == 2
    world.complete("committee_trade", case, "follow_up_agreement",
                   {"follow_up_status": "initiative_proposed", "follow_up_note": "Export zone initiative."},
                   where={"agreement": world.data(case)["agreements"][0]})
    assert world.case(case).status == "running"
    world.complete("committee_sports", case, "follow_up_agreement", {"follow_up_status": "activity_planned"})

    view = world.case(case)
    assert view.status == "completed" and view.open_tasks == []
    participants = {p.city: p for p in world.all(RegistryForumParticipant, forum_id=edition.id)}
    assert participants["quanzhou"].attendance == "attend"
    assert participants["quanzhou"].delegates == ["Trade bureau", "Culture bureau"]
    assert participants["chongqing"].attendance == "not_attend"
    agreements = world.all(RegistryForumAgreement, forum_id=edition.id)
    assert [(a.title, a.follow_up_status) for a in agreements] == [
        (BRAND_EXPO["agreement_title"], "initiative_proposed"),
        (HERITAGE["agreement_title"], "activity_planned")]
    assert agreements[0].signatories == ["Quanzhou", "Iran Chamber of Commerce"]
    assert forum(world, case).host_city == "quanzhou" and forum(world, case).report


def test_a_host_that_declines_and_one_that_stays_silent(world: World) -> None:
    case = open_edition(world)
    world.complete("quanzhou", case, "confirm_hosting", {
        "hosting_decision": "decline", "hosting_comment": "Our budget is committed to the Expo."})
    world.complete("sec_wang", case, "choose_host", {"host_city": "chongqing"})
    [hosting] = world.open_tasks(case, "confirm_hosting")
    assert hosting.assignee == "chongqing"
    world.advance(days=29)
    assert world.open_elements(case) == ["confirm_hosting"]
    world.advance(days=2)  # 30 days without an answer: the Secretariat asks again
    assert world.open_elements(case) == ["choose_host"]
    world.complete("sec_wang", case, "choose_host", {"host_city": "quanzhou"})
    host_confirms(world, case)
    assert world.open_elements(case) == ["prepare_agenda"]
    edition = forum(world, case)
    assert edition.host_city == "quanzhou" and edition.status == "host_confirmed"
    assert edition.venue == "Quanzhou International Convention Centre"


def test_a_city_that_does_not_register_before_the_deadline(world: World) -> None:
    case = open_edition(world)
    host_confirms(world, case)
    world.complete("sec_silva", case, "prepare_agenda", AGENDA)
    world.complete("quanzhou", case, "register_delegation", {"attendance": "attend",
                                                              "delegation_head": "Mayor of Quanzhou"})
    world.advance(days=150)  # 7 June: registration closed on 31 May
    assert world.open_elements(case) == []
    rows = world.all(RegistryForumParticipant, forum_id=forum(world, case).id)
    participants = {p.city: p.attendance for p in rows}
    assert participants == {"quanzhou": "attend", "chongqing": "no_reply"}
    assert sorted(world.data(case)["registrations"]) == ["attend", "no_reply"]
    world.advance(days=10)
    assert world.open_elements(case) == ["record_agreement"]


def test_one_forum_a_year(world: World) -> None:
    open_edition(world)
    second = world.start("sec_silva", "cities_forum", {**EDITION, "host_city": "chongqing"}).id
    world.drain_retries()
    [incident] = world.incidents(second)
    assert "the 2018 Cities Forum is prepared by case" in incident.error


def test_who_may_open_a_forum(world: World) -> None:
    assert may_start(world.session, world.as_user("sec_wang"), "cities_forum")
    assert not may_start(world.session, world.as_user("quanzhou"), "cities_forum")
    assert not may_start(world.session, world.as_user("committee_trade"), "cities_forum")
