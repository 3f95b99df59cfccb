"""The yearly committee review: facts from the registry, proposal, answer, decision.

The Secretariat reviews 2017 for three committees (the demo 2017 work plan gave Sports and
Investment and Trade one approved activity each, Financial Markets nothing): Sports is kept
without being asked; Investment and Trade is warned, contests, and is kept; Financial Markets does
not answer within 30 days and is dissolved. A committee is reviewed once a year.
"""

from __future__ import annotations

from typing import Any

from engine.access.start_rights import may_start
from engine.runtime import tasks
from engine.runtime.views import TaskView
from processes.registry import RegistryCommittee
from processes.registry_review import RegistryCommitteeReview
from tests.processes.scenario_helpers import ScenarioError, World, handler_registry, world

__all__ = ["handler_registry", "world"]

SPORTS, TRADE, FINANCE = "Sports and Outdoor Activities", "Investment and Trade", "Financial Markets"


def review(world: World, *committees: str, year: int = 2017) -> int:
    return world.start("sec_wang", "committee_review", {"year": year, "committees": "\n".join(committees)}).id


def task_for(world: World, username: str, case_id: int, element_id: str, committee: str) -> TaskView:
    for task in world.inbox(username, case_id):
        if task.element_id == element_id and world.task_data(task.id)["review"]["committee"] == committee:
            return task
    raise ScenarioError(f"{username} has no {element_id} task for {committee} in case {case_id}")


def act(world: World, username: str, case_id: int, element_id: str, committee: str,
        data: dict[str, Any]) -> None:
    task = task_for(world, username, case_id, element_id, committee)
    user = world.as_user(username)
    if task.assignee is None:
        tasks.claim_task(world.session, task.id, user=user)
    tasks.complete_task(world.session, task.id, user=user, data=data)
    world.run_worker()


def test_keep_warn_and_dissolve(world: World) -> None:
    case = review(world, SPORTS, TRADE, FINANCE)
    assert world.case(case).title == "Committee review 2017"
    facts = {r["committee"]: (r["submitted"], r["approved"], r["reported"])
             for r in world.data(case)["reviews"]}
    assert facts == {SPORTS: (1, 1, 0), TRADE: (1, 1, 0), FINANCE: (0, 0, 0)}
    assert len(world.open_tasks(case, "propose_review")) == 3

    act(world, "sec_wang", case, "propose_review", SPORTS, {"proposal": "keep", "proposal_reason": "Active."})
    act(world, "sec_wang", case, "propose_review", TRADE, {
        "proposal": "warn", "proposal_reason": "One activity, partly approved, no report yet."})
    act(world, "sec_silva", case, "propose_review", FINANCE, {
        "proposal": "dissolve", "proposal_reason": "No activity submitted in 2017."})
    assert sorted(t.element_id for t in world.open_tasks(case)) == ["answer_review", "answer_review"]
    assert world.one(RegistryCommitteeReview, committee_name=SPORTS).decision == "keep"

    act(world, "committee_trade", case, "answer_review", TRADE, {
        "committee_answer": "contest", "answer_text": "The seminar is held in March; the report follows."})
    act(world, "sec_wang", case, "decide_review", TRADE,
        {"final_decision": "keep", "decision_comment": "Agreed."})
    world.advance(days=31)  # Financial Markets does not answer
    assert world.open_elements(case) == ["decide_review"]
    act(world, "sec_wang", case, "decide_review", FINANCE, {"final_decision": "dissolve"})

    assert world.case(case).status == "completed"
    data = world.data(case)
    assert (data["committees_kept"], data["committees_warned"], data["committees_dissolved"]) == (2, 0, 1)
    rows = {r.committee_name: r for r in world.all(RegistryCommitteeReview, case_id=case)}
    trade = rows[TRADE]
    assert (trade.proposal, trade.committee_answer, trade.decision) == ("warn", "contest", "keep")
    assert (rows[FINANCE].committee_answer, rows[FINANCE].decision) == ("no_answer", "dissolve")
    assert rows[SPORTS].committee_answer is None  # a committee kept is not asked
    committee = world.committee(FINANCE)
    assert committee is not None and committee.status == "dissolved" and committee.updated_by_case_id == case
    assert world.committee(TRADE).status == "established"  # type: ignore[union-attr]


def test_a_warning_the_committee_accepts(world: World) -> None:
    case = review(world, TRADE)
    act(world, "sec_wang", case, "propose_review", TRADE,
        {"proposal": "warn", "proposal_reason": "Few results."})
    act(world, "committee_sports", case, "answer_review", TRADE, {"committee_answer": "accept"})
    act(world, "sec_wang", case, "decide_review", TRADE, {"final_decision": "warn"})
    assert world.case(case).status == "completed"
    row = world.one(RegistryCommitteeReview, case_id=case)
    assert (row.proposal, row.committee_answer, row.decision) == ("warn", "accept", "warn")
    assert row.activities_approved == 1
    assert world.data(case)["committees_warned"] == 1


def test_a_committee_is_reviewed_once_a_year(world: World) -> None:
    first = review(world, SPORTS)
    second = review(world, SPORTS)
    assert world.case(second).status == "completed" and world.open_tasks(second) == []
    assert world.data(second)["review_refused"] is True and world.data(second)["already_reviewed"] == [SPORTS]
    both = review(world, SPORTS, TRADE)  # only Investment and Trade is left to review
    assert [r["committee"] for r in world.data(both)["reviews"]] == [TRADE]
    assert world.one(RegistryCommitteeReview, committee_name=SPORTS).case_id == first
    assert len(world.open_tasks(review(world, SPORTS, year=2018), "propose_review")) == 1  # another year


def test_without_a_list_every_committee_not_dissolved_is_reviewed(world: World) -> None:
    world.committee(FINANCE).status = "dissolved"  # type: ignore[union-attr]
    world.session.commit()
    case = review(world)
    living = world.all(RegistryCommittee)
    reviewed = [r["committee"] for r in world.data(case)["reviews"]]
    assert len(reviewed) == len(living) - 1 == 13 and FINANCE not in reviewed
    assert len(world.open_tasks(case, "propose_review")) == 13


def test_an_unknown_committee_is_an_incident(world: World) -> None:
    case = review(world, "Space Exploration")
    world.drain_retries()
    [incident] = world.incidents(case)
    assert "committees: not committees of the Alliance (or dissolved): Space Exploration" in incident.error


def test_who_may_start_a_review(world: World) -> None:
    assert may_start(world.session, world.as_user("sec_wang"), "committee_review")
    assert not may_start(world.session, world.as_user("committee_trade"), "committee_review")
