"""Follow-up of approved work-plan activities: quarterly progress, a final report, funds spent.

The Secretariat follows up the demo 2017 activity of Sports and Outdoor Activities (approved with
12,000 USD): the committee reports each quarter and submits a final report with the funds spent;
late reports are reminded and mark the activity behind; the Secretariat accepts the final report
or asks for clarification. An activity the Board did not approve, or one already followed up, is
refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.access.start_rights import may_start
from engine.read.dashboard import CaseFilters, case_page
from engine.store.models import Notification
from processes.demo_review import DEMO_ACTIVITIES, demo_activity_id
from processes.handlers_review import committee_facts
from processes.registry import RegistryWorkPlanActivity
from processes.registry_review import RegistryActivityFollowUp, RegistryActivityReport
from tests.processes.scenario_helpers import World, handler_registry, world

__all__ = ["handler_registry", "world"]

FOOTBALL = DEMO_ACTIVITIES[0][1]  # Sports and Outdoor Activities, 12,000 USD approved


def follow(world: World, title: str = FOOTBALL, due: str = "2018-12-31T09:00:00.000Z") -> int:
    activity_id = demo_activity_id(world.session, title)
    case = world.start("sec_wang", "activity_follow_up",
                       {"activity_id": activity_id, "final_report_due": due})
    return case.id


def progress(world: World, case_id: int, period: str, spent: float, user: str = "committee_sports") -> None:
    world.complete(user, case_id, "submit_progress_report", {
        "report_period": period, "progress_summary": f"{period}: two exchanges held.", "funds_spent": spent})


def final(world: World, case_id: int, spent: float, **extra: Any) -> None:
    world.complete("committee_sports", case_id, "submit_final_report", {
        "final_summary": "120 young players from 6 cities took part.", "funds_spent": spent, **extra})


def test_an_activity_reports_each_quarter_and_closes_with_its_final_report(world: World) -> None:
    case = follow(world)
    view = world.case(case)
    assert view.title == f"Follow-up: {FOOTBALL} (Sports and Outdoor Activities)"
    assert world.open_elements(case) == ["submit_final_report"]
    row = world.one(RegistryActivityFollowUp, case_id=case)
    assert row.status == "reporting" and row.approved_seed_funding == Decimal("12000.00")

    world.advance(days=92)  # a quarter
    assert world.open_elements(case) == ["submit_final_report", "submit_progress_report"]
    progress(world, case, "2018-Q1", 4000)
    assert world.open_elements(case) == ["submit_final_report"]
    [report] = world.all(RegistryActivityReport, follow_up_id=row.id)
    assert (report.kind, report.period, report.funds_spent) == ("progress", "2018-Q1", Decimal("4000.00"))
    assert committee_facts(world.session, 2017, "Sports and Outdoor Activities") == {
        "submitted": 1, "approved": 1, "reported": 1}

    final(world, case, 11500)
    assert world.open_elements(case) == ["review_final_report"]
    assert world.data(case)["funds_balance"] == 500.0 and world.data(case)["overspent"] is False
    world.complete("sec_silva", case, "review_final_report", {"final_report_decision": "accept"})
    view = world.case(case)
    assert view.status == "completed" and view.open_tasks == []
    row = world.one(RegistryActivityFollowUp, case_id=case)
    assert row.status == "closed" and row.funds_spent == Decimal("11500.00") and row.closed_on is not None
    assert [r.period for r in world.all(RegistryActivityReport, follow_up_id=row.id)] == ["2018-Q1", "final"]
    assert world.completed_by(case) == [("submit_progress_report", "committee_sports"),
                                        ("submit_final_report", "committee_sports"),
                                        ("review_final_report", "sec_silva")]


def test_a_late_progress_report_is_reminded_and_the_activity_is_behind(world: World) -> None:
    case = follow(world)
    world.advance(days=92)
    world.advance(days=29)
    assert world.one(RegistryActivityFollowUp, case_id=case).status == "reporting"
    world.advance(days=2)  # 30 days without the quarter's report
    row = world.one(RegistryActivityFollowUp, case_id=case)
    assert row.status == "behind" and row.behind_since is not None
    assert behind(world) == [case]
    assert world.open_elements(case) == ["submit_final_report", "submit_progress_report"]  # still expected
    assert any("progress report of" in n.subject for n in world.all(Notification, case_id=case))
    progress(world, case, "2018-Q1", 3000)
    assert world.one(RegistryActivityFollowUp, case_id=case).status == "reporting"


def behind(world: World) -> list[int]:
    """What the Secretariat's dashboard lists as overdue follow-ups of Sports and Outdoor Activities."""
    filters = CaseFilters(process_id="activity_follow_up", overdue=True, concerned="Sports and Outdoor")
    return [r.case_id for r in case_page(world.session, world.as_user("sec_wang"), filters).rows]


def test_a_late_final_report_is_reminded(world: World) -> None:
    case = follow(world, due="2018-02-01T09:00:00.000Z")
    world.advance(days=23)
    assert world.one(RegistryActivityFollowUp, case_id=case).status == "reporting"
    assert behind(world) == []
    world.advance(days=2)
    assert world.one(RegistryActivityFollowUp, case_id=case).status == "behind"
    assert behind(world) == [case]  # the dashboard's overdue filter, unchanged
    assert world.open_elements(case) == ["submit_final_report"]
    assert any("final report of" in n.subject for n in world.all(Notification, case_id=case))
    final(world, case, 12000)
    assert world.one(RegistryActivityFollowUp, case_id=case).status == "final_reported"


def test_the_secretariat_asks_to_clarify_the_final_report(world: World) -> None:
    case = follow(world)
    final(world, case, 13000)
    assert world.data(case)["overspent"] is True
    world.complete("sec_wang", case, "review_final_report", {
        "final_report_decision": "clarify",
        "last_review_comment": "The budget was 12,000: explain the 1,000 more."})
    assert world.open_elements(case) == ["submit_final_report"]
    final(world, case, 12000, issues="Travel costs were booked twice; corrected.")
    world.complete("sec_wang", case, "review_final_report", {"final_report_decision": "accept"})
    assert world.case(case).status == "completed"
    row = world.one(RegistryActivityFollowUp, case_id=case)
    assert row.status == "closed" and row.funds_spent == Decimal("12000.00")
    [final_report] = world.all(RegistryActivityReport, follow_up_id=row.id, kind="final")
    assert final_report.issues == "Travel costs were booked twice; corrected."


def test_an_activity_not_approved_or_already_followed_up_is_refused(world: World) -> None:
    first = follow(world)
    second = follow(world)
    assert world.case(second).status == "completed" and world.open_tasks(second) == []
    assert "already followed up" in world.data(second)["refusal_reason"]
    assert world.one(RegistryActivityFollowUp).case_id == first

    activity = world.one(RegistryWorkPlanActivity, title=DEMO_ACTIVITIES[2][1])
    activity.status = "rejected"
    world.session.commit()
    refused = follow(world, DEMO_ACTIVITIES[2][1])
    assert world.data(refused)["follow_up_refused"] is True
    assert "rejected, not approved" in world.data(refused)["refusal_reason"]
    assert world.all(RegistryActivityFollowUp, case_id=refused) == []


def test_an_unknown_activity_is_an_incident(world: World) -> None:
    case = world.start("sec_wang", "activity_follow_up",
                       {"activity_id": 99999, "final_report_due": "2018-12-31T09:00:00.000Z"}).id
    world.drain_retries()
    [incident] = world.incidents(case)
    assert "activity_id: unknown work-plan activity 99999" in incident.error


def test_who_may_start_a_follow_up(world: World) -> None:
    assert may_start(world.session, world.as_user("sec_wang"), "activity_follow_up")
    assert not may_start(world.session, world.as_user("committee_sports"), "activity_follow_up")


def test_the_final_report_takes_the_place_of_an_open_quarter_report(world: World) -> None:
    case = follow(world)
    world.advance(days=92)
    assert world.open_elements(case) == ["submit_final_report", "submit_progress_report"]
    final(world, case, 12000)
    assert world.open_elements(case) == ["review_final_report"]  # the quarter's report is withdrawn
    world.complete("sec_wang", case, "review_final_report", {"final_report_decision": "accept"})
    assert world.case(case).status == "completed"
    row = world.one(RegistryActivityFollowUp, case_id=case)
    assert row.status == "closed"
    assert [r.kind for r in world.all(RegistryActivityReport, follow_up_id=row.id)] == ["final"]
