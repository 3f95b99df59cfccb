"""The dashboard in Debian's chromium: find, open, suspend, resume, reassign, cancel; what a
participant sees and may not do. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.runtime.tasks import complete_task
from engine.store.models import Case, HumanTask
from tests.browser import CHROMIUM
from tests.web.conftest import PASSWORDS, SCREENSHOTS, LiveServer
from tests.web.flows import TOR, only_task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def sign_in(browser: Any, server: LiveServer, username: str) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def act(page: Any, form: str, reason: str) -> None:
    page.locator(f"{form} input[name=reason]").fill(reason)
    page.locator(f"{form} button[type=submit]").click()
    page.wait_for_load_state()


def endorsement_case(seeded: sessionmaker[Any], cases: dict[str, int]) -> tuple[int, int]:
    """TOR-2 drafted by quanzhou: now waiting for iran_chamber's endorsement."""
    with seeded() as session:
        complete_task(session, cases["draft_task"], user=actor(session, "quanzhou"), data=TOR)
        session.commit()
        return cases["drafting"], only_task(session, cases["drafting"])


def test_secretariat_works_a_case(browser: Any, live_server: LiveServer, seeded: sessionmaker[Any],
                                  cases: dict[str, int]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    case_id, endorse_task = endorsement_case(seeded, cases)
    page = sign_in(browser, live_server, "sec_wang")
    page.goto(f"{live_server.url}/cases/")
    page.wait_for_selector("#overview")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-overview.png"), full_page=True)

    page.get_by_role("link", name="All cases").click()
    page.fill("input[name=q]", "TOR-2")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"q=TOR-2"))
    assert page.locator("#cases tbody tr").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "dashboard-list.png"), full_page=True)
    page.locator("#cases tbody tr a").first.click()
    page.wait_for_selector("#diagram[data-ready=yes]")
    assert page.locator('.djs-element.case-active[data-element-id="endorse_tor"]').count() == 1
    assert page.locator('.djs-element.case-done[data-element-id="draft_tor"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "dashboard-case.png"), full_page=True)

    act(page, "#suspend-form", "checking the partner list")
    assert page.locator("#case-status").inner_text() == "Suspended"

    partner = sign_in(browser, live_server, "iran_chamber")
    partner.goto(f"{live_server.url}/tasks/{endorse_task}")
    assert "This case is suspended" in partner.inner_text("#wait-note")
    assert partner.locator("#task-form").count() == 0  # no form to fill in while suspended

    page.reload()
    act(page, "#resume-form", "partner list is right")
    assert page.locator("#case-status").inner_text() == "Running"
    reassign = page.locator(".reassign-form").first
    reassign.locator("input[name=assignee]").fill("bavaria_forum")
    act(page, ".reassign-form", "Iran Chamber delegated the endorsement")
    holder = page.locator("#open-tasks .holder").first.inner_text()
    assert holder == "Bavaria-Chongqing Smart City Cooperation Forum"  # by name, not bavaria_forum
    assert "Iran Chamber delegated the endorsement" in page.locator("#timeline").inner_text()

    page.goto(f"{live_server.url}/cases/{cases['other']}")
    act(page, "#cancel-form", "duplicate proposal")
    assert page.locator("#case-status").inner_text() == "Cancelled"
    with seeded() as session:
        assert session.get(Case, cases["other"]).status == "cancelled"  # type: ignore[union-attr]
        assert session.get(HumanTask, endorse_task).assignee == "bavaria_forum"  # type: ignore[union-attr]
        assert session.get(Case, case_id).status == "running"  # type: ignore[union-attr]


def test_participant_sees_only_their_cases(browser: Any, live_server: LiveServer,
                                           seeded: sessionmaker[Any], cases: dict[str, int]) -> None:
    page = sign_in(browser, live_server, "iran_chamber")  # endorsed TOR-1 only
    page.get_by_role("link", name="Cases", exact=True).click()
    page.wait_for_selector("#cases")
    assert page.locator("#cases tbody tr").count() == 1
    assert "TOR-1" in page.locator("#cases").inner_text()
    page.locator("#cases tbody tr a").first.click()
    page.wait_for_selector("#diagram[data-ready=yes]")
    assert page.locator("#case-actions").count() == 0
    assert page.locator("form.action").count() == 0
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    response = page.request.post(f"{live_server.url}/cases/{cases['review']}/cancel",
                                 form={"csrf_token": token, "reason": "mine now"})
    assert response.status == 403
    with seeded() as session:
        assert session.get(Case, cases["review"]).status == "running"  # type: ignore[union-attr]
