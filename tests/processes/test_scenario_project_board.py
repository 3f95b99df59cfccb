"""The Project Board: rotating seats held by the committees' representatives, chaired by UNOSSC.

"Dois a três representantes dos comitês especializados servirão como membros rotativos do
Conselho do Projeto." The demo Board (processes/demo_board.py) sits from 1 January 2018: the
Business Council (board_quanzhou), Investment and Trade (board_tehran) and Smart Cities
(board_munich); Sports and Outdoor Activities (board_jakarta) is next. The chair (unossc_ny)
records each Board decision on a work-plan activity with the sitting members present: not
whoever claims the task first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from engine.access import bodies
from engine.access.policy import may_view_case
from engine.errors import PermissionDenied
from engine.runtime import tasks
from processes.demo_board import BOARD_CHAIR
from processes.registry import RegistryWorkPlanActivity
from processes.registry_board import (
    BOARD_BODY,
    RegistryBoardDecision,
    RegistryBoardNominee,
    name_nominees,
    rotate,
    rotation,
    sitting,
)
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_work_plan import (
    SPORTS,
    SPORTS_ACADEMY,
    board_tasks,
    open_the_call,
    secretariat,
    submit,
)

__all__ = ["handler_registry", "world"]

FIRST_BOARD = ["board_munich", "board_quanzhou", "board_tehran"]


def representatives(world: World) -> list[str]:
    """Who the engine's body `project_board` counts as representatives now."""
    world.session.expire_all()
    return bodies.people_of(world.session, BOARD_BODY, role="representative")


def seated(world: World) -> dict[str, str]:
    world.session.expire_all()
    return {t.committee_name: t.username for t in sitting(world.session)}


def to_the_board(world: World) -> tuple[int, int]:
    """A work-plan call whose Sports academy reaches the Board: (case id, decision task id)."""
    case_id = open_the_call(world)
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    secretariat(world, case_id, SPORTS, "accept")
    [task_id] = board_tasks(world, case_id, SPORTS).values()
    return case_id, task_id


def test_three_committees_sit_and_when_their_terms_end_the_next_in_rotation_sits(world: World) -> None:
    assert seated(world) == {"Business Council": "board_quanzhou", "Investment and Trade": "board_tehran",
                             "Smart Cities and Emerging Industries": "board_munich"}
    assert representatives(world) == FIRST_BOARD
    assert bodies.people_of(world.session, BOARD_BODY, role="chair") == [BOARD_CHAIR]
    assert [n.username for n in rotation(world.session)] == ["board_jakarta"]  # who is next
    terms = {t.username: t for t in sitting(world.session)}
    assert {(t.term_from, t.term_until) for t in terms.values()} == {
        (datetime(2018, 1, 1, tzinfo=UTC), datetime(2019, 1, 1, tzinfo=UTC))}
    assert rotate(world.session) == []  # nothing vacant, the next terms are already planned

    # The terms end on 1 January 2019: Sports, which has not sat yet, comes in; Smart Cities,
    # last in the order of the committees that sat, waits. Nothing has to run at that moment.
    world.clock.set(datetime(2019, 1, 1, 0, 0, 1, tzinfo=UTC))
    assert representatives(world) == ["board_jakarta", "board_quanzhou", "board_tehran"]
    assert seated(world)["Sports and Outdoor Activities"] == "board_jakarta"
    assert "board_munich" not in bodies.people_of(world.session, BOARD_BODY)
    world.session.commit()
    rotate(world.session)
    world.session.commit()
    assert [n.username for n in rotation(world.session)] == ["board_munich"]
    world.clock.set(datetime(2020, 1, 1, 0, 0, 1, tzinfo=UTC))
    assert "board_munich" in representatives(world)


def test_a_committee_names_its_representatives_by_user_and_a_withdrawn_one_hands_on_the_seat(
        world: World) -> None:
    world.clock.set(datetime(2018, 6, 1, tzinfo=UTC))
    session = world.session
    # Investment and Trade replaces board_tehran by Quanzhou's person and a name with no user.
    name_nominees(session, "Investment and Trade", ["quanzhou", "Someone Unknown"], case_id=None)
    session.commit()
    nominees = {n.name: n.username for n in world.all(RegistryBoardNominee,
                                                      committee_name="Investment and Trade")
                if n.withdrawn_at is None}
    assert nominees == {"quanzhou": "quanzhou", "Someone Unknown": None}
    # board_tehran leaves the Board now; the seat goes to the committee that waited longest
    # (Sports), not back to Investment and Trade.
    assert "board_tehran" not in representatives(world)
    assert representatives(world) == ["board_jakarta", "board_munich", "board_quanzhou"]
    assert [n.username for n in rotation(session)] == ["quanzhou"]
    # A display name links too.
    name_nominees(session, "Smart Cities and Emerging Industries", ["Project Board member (Munich)"], None)
    session.commit()
    assert representatives(world) == ["board_jakarta", "board_munich", "board_quanzhou"]


def test_the_boards_decision_is_recorded_by_its_chair_not_claimed_by_a_member(world: World) -> None:
    case_id, task_id = to_the_board(world)
    data = world.task_data(task_id)
    assert sorted(m["value"] for m in data["board_members"]) == FIRST_BOARD
    assert data["board_quorum"] == 2
    # The decision is offered to the chair only; a sitting member sees the case, not the task,
    # and cannot take it; a representative not sitting (board_jakarta, next in 2019) sees neither.
    assert [t.id for t in world.inbox(BOARD_CHAIR, case_id)] == [task_id]
    for member in FIRST_BOARD:
        assert world.inbox(member, case_id) == []
        assert may_view_case(world.session, world.as_user(member), case_id)
        with pytest.raises(PermissionDenied):
            tasks.claim_task(world.session, task_id, user=world.as_user(member))
        world.session.rollback()
    assert not may_view_case(world.session, world.as_user("board_jakarta"), case_id)

    user = world.as_user(BOARD_CHAIR)
    tasks.claim_task(world.session, task_id, user=user)
    tasks.complete_task(world.session, task_id, user=user, data={
        "board_decision": "partly_approve", "approved_seed_funding": 40000,
        "board_comment": "The academy first.", "board_members_present": ["board_munich", "board_tehran"]})
    world.run_worker()
    decision = world.one(RegistryBoardDecision)
    assert decision.chair == [BOARD_CHAIR] and decision.decision == "partly_approve"
    assert decision.members_present == ["board_munich", "board_tehran"]
    assert decision.members_sitting == FIRST_BOARD
    row = world.one(RegistryWorkPlanActivity, committee_name=SPORTS, case_id=case_id)
    assert decision.activity_id == row.id and row.status == "partly_approved"
    assert row.approved_seed_funding == Decimal("40000.00")


def test_without_a_quorum_of_sitting_members_nothing_is_decided_and_the_chair_records_again(
        world: World) -> None:
    case_id, task_id = to_the_board(world)
    user = world.as_user(BOARD_CHAIR)
    tasks.claim_task(world.session, task_id, user=user)
    tasks.complete_task(world.session, task_id, user=user, data={
        "board_decision": "approve", "board_comment": "", "board_members_present": ["board_munich"]})
    world.run_worker()
    assert world.all(RegistryBoardDecision) == []
    [again] = world.open_tasks(case_id, "board_decision")
    data = world.task_data(again.id)
    assert data["board_quorum_missing"] is True
    assert "1 of the 3 sitting representatives present, 2 needed" in data["board_quorum_message"]
    assert world.one(RegistryWorkPlanActivity, committee_name=SPORTS, case_id=case_id).status == "submitted"

    if again.assignee is None:
        tasks.claim_task(world.session, again.id, user=user)
    tasks.complete_task(world.session, again.id, user=user, data={
        "board_decision": "approve", "board_comment": "Quorate now.",
        "board_members_present": ["board_munich", "board_quanzhou", "board_tehran"]})
    world.run_worker()
    row = world.one(RegistryWorkPlanActivity, committee_name=SPORTS, case_id=case_id)
    assert row.approved_seed_funding == Decimal("80000.00")
    assert world.one(RegistryBoardDecision).members_present == FIRST_BOARD
