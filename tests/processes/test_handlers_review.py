"""Handlers of activity follow-up and committee review (processes.handlers_follow_up,
processes.handlers_review): each run twice leaves one row; bad data is refused with the field named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from processes.handlers import HandlerError
from processes.registry import RegistryCommittee, RegistryWorkPlan, RegistryWorkPlanActivity
from processes.registry_review import (
    RegistryActivityFollowUp,
    RegistryActivityReport,
    RegistryCommitteeReview,
)
from tests.processes.test_registry_handlers import count, registry, run_twice

__all__ = ["registry"]

DUE = "2018-12-31T09:00:00+00:00"


def _activity(session: Session, status: str = "approved") -> int:
    plan = RegistryWorkPlan(year=2017, status="approved")
    session.add(plan)
    session.flush()
    activity = RegistryWorkPlanActivity(work_plan_id=plan.id, committee_name="Tourism", title="Cruise routes",
                                        approved_seed_funding=Decimal("8000"), status=status,
                                        partner_cities=[])
    session.add(activity)
    session.flush()
    return activity.id


def test_a_follow_up_from_opening_to_closure(registry: Session) -> None:
    activity_id = _activity(registry)
    opened = run_twice(registry, "open_activity_follow_up",
                       {"activity_id": activity_id, "final_report_due": DUE}, case_id=5)
    assert opened["follow_up_refused"] is False and opened["approved_seed_funding"] == 8000.0
    run_twice(registry, "record_activity_progress",
              {"report_period": "2018-Q1", "progress_summary": "Routes drafted.", "funds_spent": "2000"},
              case_id=5)
    late = run_twice(registry, "remind_late_report", {}, case_id=5)
    assert late["follow_up_status"] == "behind"
    run_twice(registry, "record_activity_progress", {"report_period": "2018-Q2", "funds_spent": 5000},
              case_id=5)
    final = run_twice(registry, "record_activity_final_report",
                      {"final_summary": "Two routes open.", "funds_spent": 9000}, case_id=5)
    assert final["overspent"] is True and final["funds_balance"] == -1000.0
    run_twice(registry, "close_activity_follow_up", {}, case_id=5)
    assert count(registry, RegistryActivityFollowUp) == 1 and count(registry, RegistryActivityReport) == 3
    row = registry.query(RegistryActivityFollowUp).one()
    assert row.status == "closed" and row.funds_spent == Decimal("9000.00")


@pytest.mark.parametrize(("data", "field"), [
    ({"activity_id": "x", "final_report_due": "2018-12-31T09:00:00+00:00"}, "activity_id"),
    ({"activity_id": 999, "final_report_due": "2018-12-31T09:00:00+00:00"}, "activity_id"),
    ({"report_period": "final"}, "report_period"),
])
def test_bad_follow_up_data_is_refused_naming_the_field(registry: Session, data: dict[str, object],
                                                        field: str) -> None:
    activity_id = _activity(registry)
    run_twice(registry, "open_activity_follow_up",
              {"activity_id": activity_id, "final_report_due": "2018-12-31T09:00:00+00:00"}, case_id=5)
    handler = "record_activity_progress" if "report_period" in data else "open_activity_follow_up"
    with pytest.raises(HandlerError, match=field):
        run_twice(registry, handler, data, case_id=6 if handler == "open_activity_follow_up" else 5)


def test_a_committee_review_recorded_and_counted(registry: Session) -> None:
    gathered = run_twice(registry, "gather_committee_facts",
                         {"year": 2017, "committees": "Tourism\nFinancial Markets"}, case_id=9)
    assert [r["committee"] for r in gathered["reviews"]] == ["Financial Markets", "Tourism"]
    review = gathered["reviews"][0]
    run_twice(registry, "record_committee_review", {"year": 2017, "review": review, "proposal": "dissolve",
                                                    "final_decision": "dissolve"}, case_id=9)
    run_twice(registry, "record_committee_review",
              {"year": 2017, "review": gathered["reviews"][1], "proposal": "keep"}, case_id=9)
    counts = run_twice(registry, "close_committee_review", {}, case_id=9)
    assert (counts["committees_kept"], counts["committees_dissolved"]) == (1, 1)
    assert count(registry, RegistryCommitteeReview) == 2
    finance = registry.query(RegistryCommittee).filter_by(name="Financial Markets").one()
    assert finance.status == "dissolved"


@pytest.mark.parametrize(("data", "field"), [
    ({"year": "soon"}, "year"),
    ({"year": 2017, "committees": ["Space Travel"]}, "committees"),
])
def test_bad_review_data_is_refused_naming_the_field(registry: Session, data: dict[str, object],
                                                     field: str) -> None:
    with pytest.raises(HandlerError, match=field):
        run_twice(registry, "gather_committee_facts", data, case_id=4)


def test_an_unknown_decision_is_refused(registry: Session) -> None:
    gathered = run_twice(registry, "gather_committee_facts", {"year": 2017, "committees": ["Tourism"]},
                         case_id=4)
    with pytest.raises(HandlerError, match="proposal"):
        run_twice(registry, "record_committee_review",
                  {"year": 2017, "review": gathered["reviews"][0], "proposal": "merge"}, case_id=4)
