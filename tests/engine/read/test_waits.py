"""Where a case stands: what it waits for besides people, the tab where a user's work is, and a
process's documentation (engine.read.waits, engine.read.inbox.landing_tab, start rights)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.access.start_rights import startable_processes
from engine.read.case_page import case_detail
from engine.read.dashboard import CaseFilters, case_page
from engine.read.inbox import inbox_page, landing_tab
from engine.store.models import Job, JobKind
from tests.engine.notify.conftest import Paper, paper, smtp_server

__all__ = ["paper", "smtp_server"]


def test_a_case_waiting_on_a_timer_says_until_when(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    detail = case_detail(paper.session, case_id, paper.who("rui"))
    [timer] = [w for w in detail.waits if w.kind == "timer"]
    assert (timer.element_id, timer.element_name) == ("review_late", "Open for 5 days")
    assert timer.until == paper.clock.now() + timedelta(days=5)
    assert "review_late" in detail.waiting_elements
    job = paper.session.scalar(select(Job).where(Job.kind == JobKind.TIMER, Job.case_id == case_id))
    assert job is not None and job.element_id == "review_late"  # the dashboards count it there
    [row] = case_page(paper.session, paper.who("sec"), CaseFilters()).rows
    assert row.timer_at == timer.until + timedelta(microseconds=1) and row.messages == []


def test_each_user_lands_where_their_work_is(paper: Paper) -> None:
    assert landing_tab({"assigned": 0, "claimable": 3, "started": 1}) == "claimable"
    assert landing_tab({"assigned": 2, "claimable": 3, "started": 1}) == "assigned"
    assert landing_tab({"assigned": 0, "claimable": 0, "started": 0}) == "assigned"
    case_id = paper.start()
    paper.write(case_id)
    assert inbox_page(paper.session, paper.who("rui"), tab=None).tab == "claimable"
    assert inbox_page(paper.session, paper.who("ana"), tab=None).tab == "started"


def test_the_start_page_describes_each_process(paper: Paper) -> None:
    [process] = startable_processes(paper.session, paper.who("ana"))
    assert process.documentation == ("An author writes a paper and attaches it; the reviewers approve "
                                     "it or ask for a revision.")
