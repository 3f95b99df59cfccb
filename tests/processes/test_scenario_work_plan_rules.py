"""The Annual Work Plan's rules, one scenario each: amounts, lateness, a second call, the review
reminder, who is invited, what a submission must hold (the 2018 story and its helpers:
test_scenario_work_plan.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.errors import FormInvalid
from engine.notify.bell import my_notifications
from engine.read.task_context import task_context
from engine.store.models import HumanTask
from processes.registry import RegistryCommittee, RegistryWorkPlan
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_work_plan import (
    ALL_COMMITTEES,
    EXPORT_ZONE,
    PROJECT_DATABASE,
    SPORTS,
    SPORTS_ACADEMY,
    TOURISM,
    TRADE,
    activity,
    board,
    board_tasks,
    invited,
    open_the_call,
    secretariat,
    submit,
)

__all__ = ["handler_registry", "world"]


def test_a_partial_approval_without_an_amount_is_refused(world: World) -> None:
    case_id = open_the_call(world)
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    secretariat(world, case_id, SPORTS, "accept")
    with pytest.raises(FormInvalid) as refused:
        board(world, case_id, SPORTS, SPORTS_ACADEMY["activity_title"], "partly_approve")
    assert set(refused.value.errors) == {"approved_seed_funding"}
    world.session.rollback()
    assert activity(world, SPORTS).status == "submitted"
    assert len(board_tasks(world, case_id, SPORTS)) == 1
    # A full approval needs no amount; a partial one with its amount goes through.
    board(world, case_id, SPORTS, SPORTS_ACADEMY["activity_title"], "partly_approve",
          approved=30000)
    assert activity(world, SPORTS).approved_seed_funding == Decimal("30000.00")


def test_a_partly_approved_amount_never_exceeds_the_request(world: World) -> None:
    case_id = open_the_call(world)
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    secretariat(world, case_id, SPORTS, "accept")
    board(world, case_id, SPORTS, SPORTS_ACADEMY["activity_title"], "partly_approve",
          approved=95000)
    assert activity(world, SPORTS).approved_seed_funding == Decimal("80000.00")


def test_a_clarification_asked_after_the_deadline_keeps_the_submission_on_time(world: World) -> None:
    case_id = open_the_call(world, deadline="2018-02-01T00:00:00+00:00")
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    submitted_at = activity(world, SPORTS).submitted_at
    assert submitted_at is not None
    world.advance(days=25)  # 2 February: past the deadline
    assert activity(world, SPORTS).status == "submitted"
    secretariat(world, case_id, SPORTS, "clarify", "Add a budget breakdown.")
    world.advance(hours=1)
    assert [world.task_data(t.id)["committee"] for t in world.open_tasks(case_id, "revise_submission")] == [
        SPORTS]
    row = activity(world, SPORTS)
    assert row.status == "submitted" and row.title == SPORTS_ACADEMY["activity_title"]
    submit(world, case_id, "committee_sports", SPORTS,
           {**SPORTS_ACADEMY, "activity_description": "The academy, with its budget breakdown."},
           element="revise_submission")
    row = activity(world, SPORTS)
    assert row.status == "submitted" and row.submitted_at == submitted_at  # the FIRST submission's time
    secretariat(world, case_id, SPORTS, "accept")
    board(world, case_id, SPORTS, SPORTS_ACADEMY["activity_title"], "approve")
    assert activity(world, SPORTS).status == "approved"
    assert world.case(case_id).status == "completed"
    assert world.one(RegistryWorkPlan, year=2018).approved_budget == Decimal("80000.00")


def test_a_second_call_for_the_same_year_is_refused_unless_it_amends_the_first(world: World) -> None:
    first = open_the_call(world, deadline="2018-02-01T00:00:00+00:00")
    submit(world, first, "committee_trade", TRADE, PROJECT_DATABASE)
    secretariat(world, first, TRADE, "accept")
    board(world, first, TRADE, PROJECT_DATABASE["activity_title"], "approve")
    world.advance(days=25)
    assert world.case(first).status == "completed"
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.approved_budget == Decimal("40000.00")

    second = open_the_call(world, deadline="2018-06-01T00:00:00+00:00")
    view = world.case(second)
    assert view.status == "completed" and view.open_tasks == []
    assert view.data["call_refused"] is True and str(first) in view.data["refusal_reason"]
    assert view.outcome == "refused"  # the end reached: end_refused ("Call refused: ...")
    assert invited(world, second) == []
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.case_id == first and plan.status == "approved" and plan.amended_by_case_id is None

    amending = open_the_call(world, deadline="2018-06-01T00:00:00+00:00", amends_work_plan=True)
    assert invited(world, amending) == ALL_COMMITTEES
    assert world.one(RegistryWorkPlan, year=2018).status == "amending"
    submit(world, amending, "committee_trade", TRADE, EXPORT_ZONE)
    secretariat(world, amending, TRADE, "accept")
    board(world, amending, TRADE, EXPORT_ZONE["activity_title"], "approve")
    world.clock.set(world.clock.now().replace(month=6, day=1, hour=0, minute=0, second=1))
    world.run_worker()
    assert world.case(amending).status == "completed"
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.status == "approved" and plan.case_id == first and plan.amended_by_case_id == amending
    assert plan.amended_at is not None
    assert plan.approved_budget == Decimal("120000.00")  # the first plan's activity is kept
    assert world.data(amending)["approved_activities"] == 2


def test_the_review_reminder_reaches_the_secretariat_after_30_days(world: World) -> None:
    case_id = open_the_call(world)
    submit(world, case_id, "committee_sports", SPORTS, SPORTS_ACADEMY)
    world.advance(days=29)
    assert not [n for n in my_notifications(world.session, world.as_user("sec_wang"))
                if n.case_id == case_id and SPORTS in n.subject]
    world.advance(days=2)
    world.run_worker()
    for secretary in ("sec_wang", "sec_silva"):
        reminders = [n for n in my_notifications(world.session, world.as_user(secretary))
                     if n.case_id == case_id and SPORTS in n.subject]
        assert len(reminders) == 1, secretary
    assert not [n for n in my_notifications(world.session, world.as_user("committee_sports"))
                if n.case_id == case_id and "review" in n.subject]
    # The review stays open.
    assert [world.task_data(t.id)["committee"] for t in world.open_tasks(case_id, "review_submission")] == [
        SPORTS]


def test_every_committee_late_gives_an_empty_plan(world: World) -> None:
    case_id = open_the_call(world, deadline="2018-02-01T00:00:00+00:00")
    world.advance(days=23)
    assert len(world.open_tasks(case_id, "submit_activity")) == 14
    world.advance(days=1)  # 1 February 09:00: past the deadline
    view = world.case(case_id)
    assert view.status == "completed"
    plan = world.one(RegistryWorkPlan, year=2018)
    assert plan.approved_budget == Decimal("0.00") and view.data["approved_activities"] == 0
    assert sorted(a.status for a in plan.activities) == ["late"] * 14
    # Marked late, the tasks left the committees' inboxes.
    assert world.inbox("committee_trade", case_id) == []
    world.session.expire_all()
    states = {t.state for t in world.session.query(HumanTask).filter_by(case_id=case_id)}
    assert states == {"cancelled"}


def test_preparatory_and_established_committees_are_invited_a_dissolved_one_is_not(
        world: World) -> None:
    tourism = world.committee(TOURISM)
    assert tourism is not None and tourism.status == "preparatory"
    markets = world.committee("Financial Markets")
    assert markets is not None
    markets.status = "dissolved"
    world.session.commit()
    case_id = open_the_call(world)
    assert TOURISM in invited(world, case_id)
    assert "Financial Markets" not in invited(world, case_id)
    assert world.one(RegistryCommittee, name=TOURISM).status == "preparatory"


def test_each_submission_task_shows_its_own_committee(world: World) -> None:
    case_id = open_the_call(world)
    user = world.as_user("committee_trade")
    shown = [task_context(world.session, t.id, user).data.get("committee")
             for t in world.open_tasks(case_id, "submit_activity")]
    assert sorted(str(c) for c in shown) == ALL_COMMITTEES


def test_a_submission_without_activities_is_refused(world: World) -> None:
    case_id = open_the_call(world)
    with pytest.raises(FormInvalid):
        submit(world, case_id, "committee_sports", SPORTS, {"activity_title": ""})
    world.session.rollback()
    assert SPORTS in invited(world, case_id)
