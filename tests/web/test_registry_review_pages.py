"""/registry shows approved activities with their follow-up and reports, and committee reviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from processes.demo_review import DEMO_ACTIVITIES
from processes.registry import RegistryCommittee, RegistryWorkPlanActivity
from processes.registry_review import (
    RegistryActivityFollowUp,
    RegistryActivityReport,
    RegistryCommitteeReview,
)


def test_registry_lists_activity_reports_and_committee_reviews(
        app: Flask, seeded: sessionmaker[Any], login_as: Callable[[str], FlaskClient]) -> None:
    with seeded() as session:
        activity = session.scalar(select(RegistryWorkPlanActivity)
                                  .where(RegistryWorkPlanActivity.title == DEMO_ACTIVITIES[0][1]))
        assert activity is not None
        follow_up = RegistryActivityFollowUp(activity_id=activity.id, committee_name=activity.committee_name,
                                             title=activity.title, status="behind", case_id=52,
                                             funds_spent=Decimal("4000"),
                                             behind_since=datetime(2018, 5, 1, tzinfo=UTC))
        session.add(follow_up)
        session.flush()
        session.add(RegistryActivityReport(follow_up_id=follow_up.id, kind="progress", period="2018-Q1",
                                           summary="Two exchanges held", funds_spent=Decimal("4000")))
        committee = session.scalar(select(RegistryCommittee)
                                   .where(RegistryCommittee.name == "Financial Markets"))
        assert committee is not None
        session.add(RegistryCommitteeReview(
            year=2017, committee_id=committee.id, committee_name=committee.name, proposal="dissolve",
            committee_answer="no_answer", decision="dissolve", decided_on=date(2018, 3, 1), case_id=53))
        session.commit()
        activity_id = activity.id
    page = login_as("sec_wang").get("/registry/").get_data(as_text=True)
    assert 'id="activity-reports"' in page and DEMO_ACTIVITIES[1][1] in page
    assert str(activity_id) in page and "2018-Q1: Two exchanges held (4,000.00)" in page
    assert 'href="/cases/52"' in page and "behind" in page
    assert 'id="committee-reviews"' in page and "Financial Markets, 2017" in page
    assert 'href="/cases/53"' in page
