"""Committee establishment: nothing the partners and the Secretariat write is lost.

The Bavaria forum asks for changes with a reason: Quanzhou, redrafting, sees who asked and why;
the Secretariat, reviewing, sees every partner's answer by name (not `["endorse", "endorse"]`)
and the changes asked for in earlier rounds;
a second review opens with no decision and no comment; forms show the sector's label and the
partners' names, not `tourism` and `iran_chamber`.
"""

from __future__ import annotations

import pytest

from engine.errors import FormInvalid
from engine.read.task_context import task_context
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_committee import propose, secretariat_reviews, tor

__all__ = ["handler_registry", "world"]

REASON = "Add smart-city heritage digitisation to the scope."


def seen_by(world: World, username: str, case_id: int, element_id: str) -> dict[str, object]:
    """The data the user's open task form is filled from (what they see)."""
    [task] = [t for t in world.inbox(username, case_id) if t.element_id == element_id]
    return task_context(world.session, task.id, world.as_user(username)).data


def test_a_partner_s_reason_reaches_the_drafter_and_every_answer_the_secretariat(world: World) -> None:
    case_id = propose(world, tor(partners=["iran_chamber", "bavaria_forum"]))
    world.complete("iran_chamber", case_id, "endorse_tor",
                   {"endorsement_decision": "endorse", "endorsement_comment": "Fully agree."})
    world.complete("bavaria_forum", case_id, "endorse_tor",
                   {"endorsement_decision": "request_changes", "endorsement_comment": REASON})

    drafter = seen_by(world, "quanzhou", case_id, "draft_tor")
    assert drafter["endorsement_notes"] == [
        {"name": "Iran Chamber of Commerce", "username": "iran_chamber", "code": "endorse",
         "decision": "Endorse", "comment": "Fully agree."},
        {"name": "Bavaria-Chongqing Smart City Cooperation Forum", "username": "bavaria_forum",
         "code": "request_changes", "decision": "Request changes", "comment": REASON}]

    world.complete("quanzhou", case_id, "draft_tor", tor(scope="Heritage sites and their digitisation."))
    # A fresh round: each partner's form opens empty, not with the previous answer.
    for partner in ("iran_chamber", "bavaria_forum"):
        seen = seen_by(world, partner, case_id, "endorse_tor")
        assert "endorsement_decision" not in seen and "endorsement_comment" not in seen
    world.complete("iran_chamber", case_id, "endorse_tor", {"endorsement_decision": "endorse"})
    world.complete("bavaria_forum", case_id, "endorse_tor",
                   {"endorsement_decision": "endorse", "endorsement_comment": "Thank you, endorsed."})

    review = seen_by(world, "sec_wang", case_id, "review_tor")
    assert [(n["name"], n["decision"], n["comment"]) for n in review["endorsement_notes"]] == [  # type: ignore[attr-defined]
        ("Iran Chamber of Commerce", "Endorse", ""),
        ("Bavaria-Chongqing Smart City Cooperation Forum", "Endorse", "Thank you, endorsed.")]
    # And what was asked for in the earlier round, by whom.
    assert [(n["name"], n["decision"], n["comment"]) for n in review["earlier_change_requests"]] == [  # type: ignore[attr-defined]
        ("Bavaria-Chongqing Smart City Cooperation Forum", "Request changes", REASON)]
    # Labels and names, not codes and usernames.
    assert review["sector_label"] == "Education, science and culture"
    assert review["partner_names"] == ("Iran Chamber of Commerce, "
                                       "Bavaria-Chongqing Smart City Cooperation Forum")
    # The history keeps every answer with who gave it (the first round's reason too).
    answers = [(h.user, (h.data or {}).get("endorsement_comment")) for h in world.history(case_id)
               if h.element_id == "endorse_tor" and h.kind == "task_completed"]
    assert ("bavaria_forum", REASON) in answers and len(answers) == 4


def test_a_second_review_opens_with_no_decision_and_no_comment(world: World) -> None:
    case_id = propose(world, tor(partners=["iran_chamber"]))
    world.complete("iran_chamber", case_id, "endorse_tor", {"endorsement_decision": "endorse"})
    first = seen_by(world, "sec_silva", case_id, "review_tor")
    assert first.get("review_decision") is None and not first.get("last_review_comment")
    secretariat_reviews(world, case_id, "revise", "Add a budget table.", reviewer="sec_silva")

    assert seen_by(world, "quanzhou", case_id, "draft_tor")["last_review_comment"] == "Add a budget table."
    world.complete("quanzhou", case_id, "draft_tor", tor(partners=["iran_chamber"]))
    world.complete("iran_chamber", case_id, "endorse_tor", {"endorsement_decision": "endorse"})

    second = seen_by(world, "sec_wang", case_id, "review_tor")
    assert second.get("review_decision") is None
    assert second.get("last_review_comment") is None
    # Sending it as it opened is refused: a decision is required in every round.
    with pytest.raises(FormInvalid) as refused:
        world.complete("sec_wang", case_id, "review_tor", {})
    assert "review_decision" in refused.value.errors
    world.session.rollback()
    reviews = [(h.user, (h.data or {}).get("review_decision"), (h.data or {}).get("last_review_comment"))
               for h in world.history(case_id) if h.element_id == "review_tor" and h.kind == "task_completed"]
    assert reviews == [("sec_silva", "revise", "Add a budget table.")]
