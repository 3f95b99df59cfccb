"""The dashboard queries (engine.read.dashboard) over the projections, on the Alliance's processes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from engine import clock
from engine.access.policy import may_view_case as may_see_case
from engine.access.users import Actor, actor
from engine.read.dashboard import CaseFilters, case_csv_rows, case_page
from engine.read.process_stats import overview_counts, process_versions, waiting_counts_by_element
from engine.runtime import case_status
from engine.store.models import Case, HumanTask, Incident, TaskState
from tests.web.flows import start_committee, to_review


@pytest.fixture
def alliance(seeded: sessionmaker[Any]) -> sessionmaker[Any]:
    return seeded


def who(session: Session, name: str) -> Actor:
    return actor(session, name)


@pytest.fixture
def three_cases(alliance: sessionmaker[Any]) -> dict[str, int]:
    """TOR-1 at review (overdue), TOR-2 drafting, TOR-3 cancelled."""
    review_case, _ = to_review(alliance, "TOR-1")
    drafting, _ = start_committee(alliance, "TOR-2")
    cancelled, _ = start_committee(alliance, "TOR-3")
    with alliance() as session:
        case_status.cancel_case(session, cancelled, user=who(session, "sec_wang"), reason="duplicate")
        session.execute(update(HumanTask).where(HumanTask.case_id == review_case,
                                                HumanTask.state == TaskState.OPEN)
                        .values(due_at=clock.now() - timedelta(days=1)))
        session.add(Incident(kind="job", case_id=drafting, element_id="draft_tor", error="boom",
                             attempts=3, created_at=clock.now()))
        session.commit()
    return {"review": review_case, "drafting": drafting, "cancelled": cancelled}


def ids(rows: Any) -> list[int]:
    return [r.case_id for r in rows]


def test_overview_counts(three_cases: dict[str, int], alliance: sessionmaker[Any]) -> None:
    with alliance() as session:
        overview = overview_counts(session)
    committee = next(p for p in overview.processes if p.process_id == "committee_establishment")
    assert committee.by_status == {"running": 2, "cancelled": 1}
    assert committee.total == 3
    assert committee.overdue == 1
    assert committee.incidents == 1
    assert dict(committee.waiting) == {"Secretariat": 1, "Proposing Entity": 1}
    assert [t.case_id for t in overview.oldest_tasks] == [three_cases["review"], three_cases["drafting"]]
    assert overview.open_incidents == 1 and overview.incidents[0].case_id == three_cases["drafting"]
    assert any(p.process_id == "task_force" and p.total == 0 for p in overview.processes)


def test_filters(three_cases: dict[str, int], alliance: sessionmaker[Any]) -> None:
    with alliance() as session:
        sec = who(session, "sec_wang")

        def found(**kw: Any) -> list[int]:
            page = case_page(session, sec, CaseFilters(**kw), sort="started")
            assert page.total == len(page.rows)
            return ids(page.rows)

        everything = [three_cases["review"], three_cases["drafting"], three_cases["cancelled"]]
        assert found() == everything
        assert found(process_id="committee_establishment", version=1) == everything
        assert found(process_id="committee_establishment", version=2) == []
        assert found(process_id="task_force") == []
        assert found(status="cancelled") == [three_cases["cancelled"]]
        assert found(status="bogus") == everything
        assert found(search="tor-2") == [three_cases["drafting"]]
        assert found(concerned="TOR-1") == [three_cases["review"]]
        assert found(started_by="quanzhou") == everything
        assert found(started_by="nobody") == []
        assert found(lane="Secretariat") == [three_cases["review"]]
        assert found(overdue=True) == [three_cases["review"]]
        assert found(incident=True) == [three_cases["drafting"]]
        today = clock.now().date()
        assert found(started_from=today, started_to=today) == everything
        assert found(started_from=today + timedelta(days=1)) == []
        assert found(ended_from=today) == [three_cases["cancelled"]]
        assert found(ended_to=today - timedelta(days=1)) == []
        rows = case_page(session, sec, CaseFilters(), sort="-started").rows
        assert ids(rows) == list(reversed(everything))
        review = next(r for r in rows if r.case_id == three_cases["review"])
        assert review.overdue and review.open_tasks == ["Review terms of reference"]
        assert review.waiting_on == ["Secretariat"]


def test_pagination_and_csv(three_cases: dict[str, int], alliance: sessionmaker[Any]) -> None:
    with alliance() as session:
        sec = who(session, "sec_wang")
        first = case_page(session, sec, CaseFilters(), sort="started", page=1, per_page=2)
        second = case_page(session, sec, CaseFilters(), sort="started", page=2, per_page=2)
        assert first.total == second.total == 3 and first.pages == 2
        assert ids(first.rows) + ids(second.rows) == sorted(three_cases.values())
        filters = CaseFilters(status="running")
        exported = ids(case_csv_rows(session, sec, filters, sort="started"))
        listed = ids(case_page(session, sec, filters, sort="started", per_page=200).rows)
        assert exported == listed == [three_cases["review"], three_cases["drafting"]]


def test_participants_see_only_their_cases(three_cases: dict[str, int],
                                           alliance: sessionmaker[Any]) -> None:
    with alliance() as session:
        quanzhou = who(session, "quanzhou")        # started all three
        partner = who(session, "iran_chamber")     # endorsed TOR-1 only
        stranger = who(session, "silkroad_trading")
        assert case_page(session, quanzhou, CaseFilters()).total == 3
        assert ids(case_page(session, partner, CaseFilters()).rows) == [three_cases["review"]]
        # the unfiltered total is counted on the participant rows: each case once, however many
        # of the user's principals take part in it, as the count through the cases says
        assert case_page(session, partner, CaseFilters()).total == 1
        assert case_page(session, quanzhou, CaseFilters(search="TOR")).total == 3
        assert case_page(session, stranger, CaseFilters()).total == 0
        assert ids(case_csv_rows(session, stranger, CaseFilters())) == []
        assert may_see_case(session, partner, three_cases["review"])
        assert not may_see_case(session, partner, three_cases["drafting"])
        assert may_see_case(session, who(session, "admin"), three_cases["drafting"])
        # a Secretariat candidate-group task also makes a non-staff member of that group a participant
        session.execute(update(Case).where(Case.id == three_cases["drafting"]).values(started_by="x"))
        mine = ids(case_page(session, quanzhou, CaseFilters()).rows)
        assert mine == sorted(three_cases.values(), reverse=True)  # still holds the drafting task
        session.rollback()


def test_waiting_counts_and_versions(three_cases: dict[str, int], alliance: sessionmaker[Any]) -> None:
    with alliance() as session:
        counts = waiting_counts_by_element(session, "committee_establishment", 1)
        assert counts["review_tor"]["tasks"] == 1
        assert counts["draft_tor"] == {"tasks": 1, "incidents": 1}
        assert waiting_counts_by_element(session, "committee_establishment", 2) == {}
        versions = {(v.process_id, v.version): v for v in process_versions(session)}
        committee = versions[("committee_establishment", 1)]
        assert (committee.running, committee.total) == (2, 3)
        assert versions[("task_force", 1)].total == 0
