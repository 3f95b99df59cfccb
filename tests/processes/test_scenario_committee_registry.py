"""Committee establishment keeps the registry right.

A second case for a committee already in the registry never overwrites it silently: the
Secretariat sees what the registry holds and chooses to amend it (the change is recorded with
what it was before) or to refuse the case. A preparatory committee is chosen from the
registry's list (its identity), not typed; a new theme needs the sector "other" and a name.
"""

from __future__ import annotations

import pytest

from engine.errors import FormInvalid
from processes.registry import RegistryCommittee, RegistryCommitteeChange
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_committee import (
    NEW_COMMITTEE,
    all_partners_endorse,
    committee_count,
    name_representatives,
    promote,
    propose,
    tor,
)

__all__ = ["handler_registry", "world"]


def establish(world: World) -> int:
    case_id = propose(world, tor())
    all_partners_endorse(world, case_id)
    world.complete("sec_wang", case_id, "review_tor", {"review_decision": "approve"})
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")
    assert world.case(case_id).status == "completed"
    return case_id


def test_a_second_case_for_an_existing_committee_can_be_refused(world: World) -> None:
    first = establish(world)
    before = world.one(RegistryCommittee, name=NEW_COMMITTEE)
    snapshot = (before.partner_institutions, before.terms_of_reference, before.updated_by_case_id)
    count = committee_count(world)

    second = propose(world, tor(NEW_COMMITTEE.upper(), partners=["mongolia_logistics"],
                                scope="Something else entirely."))
    all_partners_endorse(world, second, ["mongolia_logistics"])
    [review] = world.open_tasks(second, "review_tor")
    existing = world.data(second)["existing_committee"]
    assert existing["name"] == NEW_COMMITTEE and existing["status"] == "established"
    # Approving without choosing is refused: the form asks what to do with the existing one.
    with pytest.raises(FormInvalid) as refused:
        world.complete("sec_wang", second, "review_tor", {"review_decision": "approve"})
    assert set(refused.value.errors) == {"existing_committee_action"}
    world.session.rollback()

    world.complete("sec_wang", second, "review_tor",
                   {"review_decision": "reject", "existing_committee_action": "refuse"})
    assert world.case(second).status == "completed"
    assert "end_refused" in [h.element_id for h in world.history(second)] or world.data(second)[
        "existing_committee_action"] == "refuse"
    assert world.case(second).open_tasks == [] and world.incidents(second) == []
    after = world.one(RegistryCommittee, name=NEW_COMMITTEE)
    assert (after.partner_institutions, after.terms_of_reference, after.updated_by_case_id) == snapshot
    assert after.updated_by_case_id == first and committee_count(world) == count
    assert [c.kind for c in world.all(RegistryCommitteeChange, committee_id=after.id)] == ["created"]
    assert review.id


def test_a_second_case_amends_the_committee_with_a_recorded_change(world: World) -> None:
    establish(world)
    second = propose(world, tor(partners=["mongolia_logistics"], scope="Ports and logistics heritage."))
    all_partners_endorse(world, second, ["mongolia_logistics"])
    world.complete("sec_silva", second, "review_tor",
                   {"review_decision": "approve", "existing_committee_action": "amend"})
    name_representatives(world, second, "Bat-Erdene (Ulaanbaatar)", "Li Wei (Quanzhou)")
    assert world.case(second).status == "completed" and world.incidents(second) == []
    committee = world.one(RegistryCommittee, name=NEW_COMMITTEE)
    assert committee.partner_institutions == ["mongolia_logistics"]
    changes = world.all(RegistryCommitteeChange, committee_id=committee.id)
    assert [(c.kind, c.changed_by) for c in changes] == [("created", "sec_wang"), ("amended", "sec_silva")]
    amended = changes[-1]
    assert amended.case_id == second and amended.before is not None and amended.after is not None
    assert amended.before["partner_institutions"] == ["iran_chamber", "bavaria_forum"]
    assert amended.after["terms_of_reference"]["scope"] == "Ports and logistics heritage."


def test_a_preparatory_committee_is_chosen_from_the_registry_s_list(world: World) -> None:
    case_id = world.start("quanzhou", "committee_establishment").id
    choices = world.data(case_id)["preparatory_committees"]
    finance = world.one(RegistryCommittee, name="Financial Markets")
    assert {"label": "Financial Markets", "value": str(finance.id)} in choices
    assert len(choices) == len(world.all(RegistryCommittee, status="preparatory"))
    # Chosen by identity: no name typed; the case and the forms get the registry's name.
    world.complete("quanzhou", case_id, "draft_tor", promote(world, "Financial Markets"))
    all_partners_endorse(world, case_id)
    assert world.data(case_id)["committee_name"] == "Financial Markets"
    assert world.case(case_id).title == "Financial Markets"
    assert world.data(case_id)["existing_committee"] is None  # a promotion, not a conflict
    assert world.data(case_id)["sector_label"] == "Financial markets"
    world.complete("sec_wang", case_id, "review_tor", {"review_decision": "approve"})
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")
    promoted = world.one(RegistryCommittee, id=finance.id)
    assert promoted.status == "established" and promoted.name == "Financial Markets"
    assert [c.kind for c in world.all(RegistryCommitteeChange, committee_id=finance.id)] == ["promoted"]


def test_a_new_theme_needs_the_sector_other_and_its_name(world: World) -> None:
    case_id = world.start("quanzhou", "committee_establishment").id
    with pytest.raises(FormInvalid) as refused:
        world.complete("quanzhou", case_id, "draft_tor", tor("Ocean Science", sector="other"))
    assert set(refused.value.errors) == {"sector_other"}
    world.session.rollback()
    world.complete("quanzhou", case_id, "draft_tor",
                   tor("Ocean Science", sector="other", sector_other="Ocean science and research"))
    all_partners_endorse(world, case_id)
    assert world.data(case_id)["sector_label"] == "Ocean science and research"
    world.complete("sec_wang", case_id, "review_tor", {"review_decision": "approve"})
    name_representatives(world, case_id, "Li Wei (Quanzhou)", "Anna Huber (Bavaria)")
    assert world.one(RegistryCommittee, name="Ocean Science").sector == "Ocean science and research"
