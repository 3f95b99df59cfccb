"""Committee establishment, every path, as the Alliance's people work it.

Quanzhou proposes a specialized committee and drafts its terms of reference (ToR) with its
main partner institutions (the Iran Chamber of Commerce, the Bavaria-Chongqing Smart City
Cooperation Forum, the China-Mongolia-Russia Logistics Information Centre); the Secretariat
approves, asks for a revision or rejects; approval establishes the committee (or promotes a
preparatory one) and Quanzhou names its 2-3 rotating Project Board representatives.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.errors import FormInvalid
from processes.registry import RegistryCommittee, RegistryNotification
from tests.processes.scenario_helpers import PROCESSES, World, handler_registry, world

__all__ = ["handler_registry", "world"]

NEW_COMMITTEE = "Maritime Heritage and Ocean Economy"
PARTNERS = ["iran_chamber", "bavaria_forum"]


def tor(name: str = NEW_COMMITTEE, *, partners: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    """What the proposing entity types into the `tor_draft` form (a new committee)."""
    return {
        "establishment_kind": "new",
        "committee_name": name,
        "sector": "tourism" if name == "Tourism" else "education_science_culture",
        "objectives": "Promote the Maritime Silk Road's shared heritage and the blue economy.",
        "scope": "Cultural heritage sites, maritime museums, sustainable coastal tourism.",
        "membership": "Member cities of the Alliance and their partner institutions.",
        "resource_mobilization_plan": "Co-funding by the proposing city; seed funding requested.",
        "partner_institutions": list(partners if partners is not None else PARTNERS),
        **changes,
    }


def promote(world: World, name: str, *, partners: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    """The `tor_draft` form for a preparatory committee chosen from the registry's list."""
    committee = world.one(RegistryCommittee, name=name)
    draft = tor(name, partners=partners, **changes)
    del draft["committee_name"], draft["sector"]
    return {**draft, "establishment_kind": "preparatory", "preparatory_committee": str(committee.id)}


def committee_count(world: World) -> int:
    world.session.expire_all()
    return world.session.scalar(select(func.count()).select_from(RegistryCommittee)) or 0


def propose(world: World, draft: dict[str, Any]) -> int:
    """Quanzhou starts the case and submits its first draft; returns the case id."""
    case = world.start("quanzhou", "committee_establishment")
    assert world.open_elements(case.id) == ["draft_tor"]
    [task] = world.inbox("quanzhou", case.id)
    assert task.assignee == "quanzhou" and task.form_id == "tor_draft"
    world.complete("quanzhou", case.id, "draft_tor", draft)
    return case.id


def all_partners_endorse(world: World, case_id: int, partners: list[str] = PARTNERS) -> None:
    assert sorted(str(t.assignee) for t in world.open_tasks(case_id, "endorse_tor")) == sorted(partners)
    for partner in partners:
        world.complete(partner, case_id, "endorse_tor",
                       {"endorsement_decision": "endorse", "endorsement_comment": f"{partner} endorses."})
    assert world.open_elements(case_id) == ["review_tor"]


def secretariat_reviews(world: World, case_id: int, decision: str, comment: str = "",
                        reviewer: str = "sec_wang") -> None:
    world.complete(reviewer, case_id, "review_tor",
                   {"review_decision": decision, "last_review_comment": comment})


def name_representatives(world: World, case_id: int, *names: str) -> None:
    fields = {f"representative_{i}": name for i, name in enumerate(names, start=1)}
    world.complete("quanzhou", case_id, "name_representatives", fields)


# -- approval -------------------------------------------------------------------------------


def test_a_new_committee_is_approved_established_and_names_three_representatives(world: World) -> None:
    before = committee_count(world)
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)

    # The review is a Secretariat group task: both officers see it, Wang Li takes it.
    assert [t.element_id for t in world.inbox("sec_silva", case_id)] == ["review_tor"]
    assert world.inbox("dg_chen", case_id) == []
    secretariat_reviews(world, case_id, "approve", "Well prepared.")

    # The worker registered the committee; Quanzhou names the representatives.
    assert world.open_elements(case_id) == ["name_representatives"]
    committee = world.committee(NEW_COMMITTEE)
    assert committee is not None and committee.status == "established"
    assert committee.board_representatives == []
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Hassan Karimi (Iran Chamber)",
                         "Anna Huber (Bavaria)")

    view = world.case(case_id)
    assert view.status == "completed" and view.open_tasks == []
    assert view.data["committee_status"] == "established"
    assert view.data["board_representatives"] == ["Li Wei (Quanzhou)", "Hassan Karimi (Iran Chamber)",
                                                  "Anna Huber (Bavaria)"]
    committee = world.one(RegistryCommittee, name=NEW_COMMITTEE)
    assert committee.id == view.data["committee_id"]
    assert committee.status == "established" and committee.established_on == date(2018, 1, 8)
    assert committee.partner_institutions == PARTNERS
    assert committee.proposing_entity == "quanzhou"  # who started the case
    assert committee.board_representatives == view.data["board_representatives"]
    assert committee.terms_of_reference is not None
    assert committee.terms_of_reference["scope"].startswith("Cultural heritage")
    assert committee.updated_by_case_id == case_id
    assert committee_count(world) == before + 1
    assert world.completed_by(case_id) == [
        ("draft_tor", "quanzhou"), ("endorse_tor", "iran_chamber"), ("endorse_tor", "bavaria_forum"),
        ("review_tor", "sec_wang"), ("name_representatives", "quanzhou")]
    assert [h.kind for h in world.history(case_id)][-1] == "case_completed"


def test_tourism_preparatory_committee_is_promoted_not_duplicated(world: World) -> None:
    tourism = world.one(RegistryCommittee, name="Tourism")
    assert tourism.status == "preparatory" and tourism.established_on is None
    before = committee_count(world)

    case_id = propose(world, promote(world, "Tourism", partners=["mongolia_logistics"]))
    all_partners_endorse(world, case_id, ["mongolia_logistics"])
    secretariat_reviews(world, case_id, "approve")
    name_representatives(world, case_id, "Zhang Min (Quanzhou)", "Bat-Erdene (Ulaanbaatar)")

    assert world.case(case_id).status == "completed"
    promoted = world.one(RegistryCommittee, name="Tourism")
    assert promoted.id == tourism.id  # the same row, promoted
    assert promoted.status == "established" and promoted.established_on == date(2018, 1, 8)
    assert promoted.sector == "tourism" and promoted.proposing_entity == "quanzhou"
    assert promoted.board_representatives == ["Zhang Min (Quanzhou)", "Bat-Erdene (Ulaanbaatar)"]
    assert committee_count(world) == before
    assert len(world.all(RegistryCommittee, status="established")) == 6


# -- revision loops ---------------------------------------------------------------------------


def test_two_revision_rounds_show_the_latest_comment_and_keep_both_in_history(world: World) -> None:
    case_id = propose(world, tor())
    comments = ["Add a resource mobilization plan with figures.",
                "Name the partner cities that will host heritage activities."]
    for round_number, comment in enumerate(comments, start=1):
        all_partners_endorse(world, case_id)
        secretariat_reviews(world, case_id, "revise", comment,
                            reviewer="sec_silva" if round_number == 1 else "sec_wang")
        # Back to Quanzhou, whose draft form shows the Secretariat's latest comment.
        [draft] = world.inbox("quanzhou", case_id)
        assert draft.element_id == "draft_tor" and draft.form_id == "tor_draft"
        data = world.data(case_id)
        assert data["last_review_comment"] == comment
        world.complete("quanzhou", case_id, "draft_tor", tor(
            resource_mobilization_plan=f"Revision {round_number}: 200,000 USD co-funding by Quanzhou."))

    all_partners_endorse(world, case_id)
    secretariat_reviews(world, case_id, "approve", "Thank you for the revisions.")
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")

    view = world.case(case_id)
    assert view.status == "completed"
    # The case data holds only the last comment and a bounded endorsement list, no growing list.
    assert view.data["last_review_comment"] == "Thank you for the revisions."
    assert view.data["endorsements"] == ["endorse", "endorse"]
    assert not [key for key, value in view.data.items()  # the registry's choices are no history
                if isinstance(value, list) and len(value) > 3 and key != "preparatory_committees"], view.data
    assert "Revision 2" in view.data["resource_mobilization_plan"]
    # The history keeps every review comment, with who wrote it.
    reviews = [(h.user, (h.data or {}).get("last_review_comment"), (h.data or {}).get("review_decision"))
               for h in world.history(case_id) if h.element_id == "review_tor" and h.kind == "task_completed"]
    assert reviews == [("sec_silva", comments[0], "revise"), ("sec_wang", comments[1], "revise"),
                       ("sec_wang", "Thank you for the revisions.", "approve")]
    assert [e for e, _ in world.completed_by(case_id)].count("draft_tor") == 3
    committee = world.one(RegistryCommittee, name=NEW_COMMITTEE)
    assert committee.terms_of_reference is not None
    assert committee.terms_of_reference["resource_mobilization_plan"].startswith("Revision 2")


# -- rejection ----------------------------------------------------------------------------------


def test_rejected_terms_of_reference_leave_the_registry_unchanged(world: World) -> None:
    world.session.expire_all()
    snapshot = sorted((c.name, c.status, c.established_on) for c in world.all(RegistryCommittee))
    case_id = propose(world, promote(world, "Tourism"))
    all_partners_endorse(world, case_id)
    secretariat_reviews(world, case_id, "reject", "Tourism must first finish its preparatory phase.")

    view = world.case(case_id)
    assert view.status == "completed" and view.open_tasks == []
    assert "committee_id" not in view.data and "committee_status" not in view.data
    assert sorted((c.name, c.status, c.established_on) for c in world.all(RegistryCommittee)) == snapshot
    assert world.one(RegistryCommittee, name="Tourism").status == "preparatory"
    assert world.jobs(case_id) == []
    assert [h.kind for h in world.history(case_id)][-1] == "case_completed"


# -- a partner asks for changes -----------------------------------------------------------------


def test_a_partner_asking_for_changes_sends_the_draft_back_then_all_endorse(world: World) -> None:
    partners = ["iran_chamber", "bavaria_forum", "mongolia_logistics"]
    case_id = propose(world, tor(partners=partners))
    world.complete("iran_chamber", case_id, "endorse_tor", {"endorsement_decision": "endorse"})
    world.complete("bavaria_forum", case_id, "endorse_tor",
                   {"endorsement_decision": "request_changes",
                    "endorsement_comment": "Add smart-city heritage digitisation to the scope."})
    # Still one partner to answer: the round waits for everyone.
    assert world.open_elements(case_id) == ["endorse_tor"]
    assert world.inbox("quanzhou", case_id) == []
    world.complete("mongolia_logistics", case_id, "endorse_tor", {"endorsement_decision": "endorse"})

    # Back to drafting (no Secretariat review yet).
    assert world.open_elements(case_id) == ["draft_tor"]
    assert world.inbox("sec_wang", case_id) == []
    assert sorted(world.data(case_id)["endorsements"]) == ["endorse", "endorse", "request_changes"]
    world.complete("quanzhou", case_id, "draft_tor",
                   tor(partners=partners, scope="Heritage sites, their digitisation, coastal tourism."))

    # A fresh round: three new tasks, the previous answers are forgotten.
    assert len(world.open_tasks(case_id, "endorse_tor")) == 3
    all_partners_endorse(world, case_id, partners)
    assert world.data(case_id)["endorsements"] == ["endorse", "endorse", "endorse"]
    secretariat_reviews(world, case_id, "approve")
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")
    assert world.case(case_id).status == "completed"
    assert world.one(RegistryCommittee, name=NEW_COMMITTEE).terms_of_reference["scope"].startswith(  # type: ignore[index]
        "Heritage sites, their digitisation")


# -- the 30-day reminder ----------------------------------------------------------------------


def test_review_open_for_30_days_reminds_the_secretariat_and_stays_open(world: World) -> None:
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)
    [review] = world.open_tasks(case_id, "review_tor")
    assert review.due_at is not None and review.due_at.date() == date(2018, 2, 7)

    world.advance(days=29)
    assert world.all(RegistryNotification, case_id=case_id) == []

    world.advance(days=2)  # 31 days after the review opened: the boundary timer fires
    [notice] = world.all(RegistryNotification, case_id=case_id)
    assert notice.recipient_group == "secretariat"
    assert NEW_COMMITTEE in notice.subject
    view = world.case(case_id)
    assert view.status == "running"
    assert [t.element_id for t in view.open_tasks] == ["review_tor"]  # non-interrupting
    assert world.open_tasks(case_id, "review_tor")[0].id == review.id
    assert world.incidents(case_id) == []

    # Another month: no second reminder (the timer is a duration, not a cycle).
    world.advance(days=31)
    assert len(world.all(RegistryNotification, case_id=case_id)) == 1

    # The Secretariat finally reviews; the case goes on as usual.
    secretariat_reviews(world, case_id, "approve")
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")
    assert world.case(case_id).status == "completed"
    assert world.jobs(case_id) == []


# -- Project Board representatives: 2 to 3 ----------------------------------------------------


@pytest.mark.parametrize("names", [
    ["Li Wei (Quanzhou)", "Anna Huber (Bavaria)"],
    ["Li Wei (Quanzhou)", "Anna Huber (Bavaria)", "Hassan Karimi (Iran Chamber)"],
], ids=["two", "three"])
def test_two_or_three_representatives_are_accepted(world: World, names: list[str]) -> None:
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)
    secretariat_reviews(world, case_id, "approve")
    name_representatives(world, case_id, *names)
    assert world.case(case_id).status == "completed"
    assert world.one(RegistryCommittee, name=NEW_COMMITTEE).board_representatives == names
    assert world.incidents(case_id) == []


def board_form() -> dict[str, Any]:
    form: dict[str, Any] = json.loads((PROCESSES / "forms" / "board_representatives.form").read_text())
    return form


def test_the_form_refuses_one_representative_and_has_no_room_for_a_fourth() -> None:
    from web.forms import validate_submission

    one = validate_submission(board_form(), {"representative_1": "Li Wei (Quanzhou)"})
    assert not one.ok and set(one.errors) == {"representative_2"}
    four = validate_submission(board_form(), {
        "representative_1": "Li Wei", "representative_2": "Anna Huber", "representative_3": "Hassan Karimi",
        "representative_4": "A fourth person"})
    assert not four.ok and set(four.errors) == {"representative_4"}  # refused by name


def test_one_representative_is_refused_and_nothing_is_saved(world: World) -> None:
    """The engine checks the form whatever the door: a blank second representative is refused with
    the field named, the task stays open, no job runs; two names then go through."""
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)
    secretariat_reviews(world, case_id, "approve")
    with pytest.raises(FormInvalid) as refused:
        name_representatives(world, case_id, "Li Wei (Quanzhou)", "  ", "Li Wei (Quanzhou)")
    assert set(refused.value.errors) == {"representative_2"}
    world.session.rollback()
    assert world.open_elements(case_id) == ["name_representatives"]
    assert world.incidents(case_id) == [] and world.jobs(case_id) == []
    assert world.one(RegistryCommittee, name=NEW_COMMITTEE).board_representatives == []
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")
    assert world.case(case_id).status == "completed"
    assert world.one(RegistryCommittee, name=NEW_COMMITTEE).board_representatives == [
        "Li Wei (Quanzhou)", "Anna Huber (Bavaria)"]


def test_more_than_three_names_in_the_data_are_not_possible(world: World) -> None:
    """The form has three fields: a fourth value is refused by name, never stored."""
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)
    secretariat_reviews(world, case_id, "approve")
    three = {"representative_1": "Li Wei", "representative_2": "Anna Huber",
             "representative_3": "Hassan Karimi"}
    with pytest.raises(FormInvalid) as refused:
        world.complete("quanzhou", case_id, "name_representatives",
                       {**three, "representative_4": "A fourth person"})
    assert set(refused.value.errors) == {"representative_4"}
    world.session.rollback()
    world.complete("quanzhou", case_id, "name_representatives", three)
    assert world.case(case_id).status == "completed"
    assert world.one(RegistryCommittee, name=NEW_COMMITTEE).board_representatives == [
        "Li Wei", "Anna Huber", "Hassan Karimi"]


def test_the_review_timer_is_cancelled_by_a_timely_review(world: World) -> None:
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)
    world.advance(timedelta(days=10))
    secretariat_reviews(world, case_id, "reject", "Out of the Alliance's scope.")
    world.advance(days=30)
    assert world.all(RegistryNotification, case_id=case_id) == []
    assert world.case(case_id).status == "completed"


def test_the_history_shows_what_the_worker_did(world: World) -> None:
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)
    world.advance(days=31)
    secretariat_reviews(world, case_id, "approve")
    elements = {h.element_id for h in world.history(case_id)}
    assert {"review_overdue", "remind_secretariat", "register_committee"} <= elements
