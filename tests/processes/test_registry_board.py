"""The Project Board's registry and handlers, on a fresh database: terms, rotation, each handler twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from engine import clock
from engine.access import bodies
from engine.store.models import User
from processes.registry import RegistryWorkPlanActivity
from processes.registry_board import (
    BOARD_BODY,
    RegistryBoardDecision,
    name_nominees,
    quorum,
    rotation,
    sitting,
    term_end,
)
from tests.processes.test_registry_handlers import count, registry, run_twice

__all__ = ["registry"]

START = datetime(2018, 1, 1, tzinfo=UTC)


def test_terms_last_a_year_and_the_quorum_is_a_majority_of_at_least_two() -> None:
    assert term_end(START) == datetime(2019, 1, 1, tzinfo=UTC)
    assert term_end(datetime(2018, 1, 31, tzinfo=UTC), 1) == datetime(2018, 2, 28, tzinfo=UTC)
    assert [quorum(n) for n in (2, 3, 4)] == [2, 2, 3]


@pytest.fixture
def board(registry: Session) -> Iterator[Session]:
    fake = clock.FakeClock()
    previous = clock.set_clock(fake)
    fake.set(START)
    for name in ("rep_a", "rep_b", "rep_c", "chair"):
        registry.add(User(username=name, display_name=name.replace("_", " "), created_at=START))
    bodies.ensure_body(registry, BOARD_BODY, "Project Board", "project_board")
    bodies.add_member(registry, BOARD_BODY, "user:chair", role="chair", valid_from=START)
    for committee, user in (("Business Council", "rep_a"), ("Tourism", "rep_b"),
                            ("Investment and Trade", "rep_c")):
        name_nominees(registry, committee, [user], None, at=START)
    registry.flush()
    yield registry
    clock.set_clock(previous)


def test_two_seats_fill_and_the_third_committee_waits_with_two_nominees_each(board: Session) -> None:
    assert sorted(t.username for t in sitting(board)) == ["rep_a", "rep_b", "rep_c"]
    assert rotation(board) == []
    assert len(sitting(board, datetime(2019, 1, 2, tzinfo=UTC))) == 3  # the next terms are planned


def test_convene_and_record_a_board_decision_twice_leave_one_record(board: Session) -> None:
    registry = board
    convened = run_twice(registry, "convene_board", {}, case_id=7)
    assert sorted(m["value"] for m in convened["board_members"]) == ["rep_a", "rep_b", "rep_c"]
    opened = run_twice(registry, "open_work_plan_call", {"year": 2018}, case_id=7)
    assert opened["call_refused"] is False
    submitted = run_twice(registry, "record_submission", {
        "year": 2018, "committee": "Tourism", "activities": [{"activity_title": "Heritage routes",
                                                              "requested_seed_funding": 25000}]}, case_id=7)
    [item] = submitted["submitted_activities"]
    short = run_twice(registry, "record_board_decision", {"activity": item, "board_decision": "approve",
                                                      "board_members_present": ["rep_a"]}, case_id=7)
    assert short["board_quorum_missing"] is True and count(board, RegistryBoardDecision) == 0
    stranger = run_twice(registry, "record_board_decision", {
        "activity": item, "board_decision": "approve", "board_members_present": ["rep_a", "rep_b", "chair"]},
        case_id=7)
    assert stranger["board_quorum_missing"] is True and "chair" in stranger["board_quorum_message"]
    done = run_twice(registry, "record_board_decision", {"activity": item, "board_decision": "approve",
                                                     "board_members_present": ["rep_a", "rep_b"]}, case_id=7)
    assert done["board_quorum_missing"] is False and done["activity_outcome"]["status"] == "approved"
    assert count(board, RegistryBoardDecision) == 1
    row = board.get(RegistryWorkPlanActivity, item["activity_id"])
    assert row is not None and row.status == "approved"
