"""End to end in Debian's chromium: a committee's terms of reference, drafted, endorsed,
sent back for revision, redrafted, endorsed again and approved by the Secretariat."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.runtime.history import case_history
from engine.store.models import Case, HumanTask
from tests.browser import CHROMIUM
from tests.web.conftest import PASSWORDS, SCREENSHOTS, LiveServer

NEW_COMMITTEE = "Maritime Heritage Tourism"
"""A committee the registry does not hold yet ("Tourism" is a preparatory committee)."""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                      "(apt-get install chromium)"),
]


class Participant:
    """One person in their own browser context (own cookies)."""

    def __init__(self, browser: Any, server: LiveServer, username: str) -> None:
        self.url = server.url
        self.page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        self.page.set_default_timeout(15_000)
        self.username = username

    def sign_in(self, password: str | None = None) -> Any:
        page = self.page
        page.goto(f"{self.url}/login")
        page.fill("#username", self.username)
        page.fill("#password", password or PASSWORDS[self.username])
        page.click("button[type=submit]")
        return page

    def open_task(self, name: str, tab: str = "assigned") -> Any:
        page = self.page
        page.goto(f"{self.url}/inbox/?tab={tab}")
        page.get_by_role("link", name=name).first.click()
        page.wait_for_selector("#task-form[data-ready=yes]")
        return page

    def text(self, label: str, value: str) -> None:
        """The text box labelled `label` (else any field so labelled: a number, a date); a file
        picker labelled "职责范围 (文件)" is not the text box "范围"."""
        field = self.page.get_by_role("textbox", name=label)
        if field.count() != 1:
            field = self.page.get_by_label(label)
        field.fill(value)

    def select(self, label: str, option: str) -> None:
        field = self.page.locator(".fjs-form-field-select", has_text=label)
        field.locator(".fjs-select-display").click()
        self.page.locator(".fjs-dropdownlist-item", has_text=option).first.click()

    def tag(self, label: str, typed: str, option: str) -> None:
        field = self.page.locator(".fjs-form-field-taglist", has_text=label)
        field.locator("input").fill(typed)
        self.page.locator(".fjs-dropdownlist-item", has_text=option).first.click()

    def radio(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()

    def send(self) -> Any:
        self.page.click("#submit-button")
        self.page.wait_for_load_state()
        return self.page


def fill_tor(city: Participant) -> None:
    """The terms of reference of a new committee, with one partner institution."""
    city.radio("A new committee")
    city.text("Committee name", NEW_COMMITTEE)
    city.select("Sector", "Tourism")
    city.text("Objectives", "Promote maritime heritage tourism between member cities.")
    city.text("Scope", "Cultural routes and joint promotion.")
    city.text("Membership (cities and institutions)", "Quanzhou, Chongqing and partner institutions.")
    city.text("Resource-mobilization plan", "Seed funding and city contributions.")
    city.tag("Main partner institutions", "Iran", "Iran Chamber of Commerce")


def test_committee_terms_of_reference_end_to_end(browser: Any, live_server: LiveServer,
                                                 seeded: sessionmaker[Any]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    city = Participant(browser, live_server, "quanzhou")

    # A wrong password gets the plain answer, the right one the inbox.
    page = city.sign_in("wrong-password")
    assert "Wrong username or password" in page.inner_text(".form-error")
    page = city.sign_in()
    assert page.url.endswith("/inbox/")

    # Start a committee establishment: the first task opens straight away.
    page.goto(f"{live_server.url}/start/")
    page.get_by_role("row", name=re.compile("Committee establishment")).get_by_role("link").click()
    page.fill("#business_key", "TOR-TOURISM")
    page.click("#submit-button")
    page.wait_for_selector("#task-form[data-ready=yes]")
    assert page.inner_text("h1") == "Draft terms of reference"
    page.wait_for_selector("#diagram[data-ready=yes]")
    assert page.locator("#diagram .current-task").count() >= 1  # the task is highlighted
    draft_url = page.url

    # A missing required field and a too-long value: the form says so, nothing is sent.
    city.send()
    assert page.url == draft_url
    assert page.locator(".fjs-form-field-error").first.is_visible()
    city.text("Committee name", "T" * 130)
    city.send()
    assert "maximum length of 120" in page.inner_text("#form-container")

    fill_tor(city)
    page.screenshot(path=str(SCREENSHOTS / "task-page.png"), full_page=True)

    # A forged CSRF token is refused with a clear page; the real one goes through.
    page.evaluate("document.querySelector('#task-form input[name=csrf_token]').value = 'forged'")
    city.send()
    assert "The form has expired" in page.inner_text("main")
    page.goto(draft_url)
    page.wait_for_selector("#task-form[data-ready=yes]")
    fill_tor(city)
    city.send()
    assert page.url.endswith("/inbox/")
    assert "is done" in page.inner_text(".flash")

    # Another city may not see the drafting task: a plain 403 page.
    other_city = Participant(browser, live_server, "chongqing")
    other_city.sign_in()
    response = other_city.page.goto(draft_url)
    assert response.status == 403 and "Not allowed" in other_city.page.inner_text("main")
    secretariat = Participant(browser, live_server, "sec_wang")
    secretariat.sign_in()

    # The partner institution endorses.
    partner = Participant(browser, live_server, "iran_chamber")
    partner.sign_in()
    partner.open_task("Endorse terms of reference")
    partner.radio("Endorse")
    partner.send()

    # The Secretariat claims the review from the group tab and asks for a revision.
    page = secretariat.page
    page.goto(f"{live_server.url}/inbox/?tab=claimable")
    page.screenshot(path=str(SCREENSHOTS / "inbox-group-tab.png"), full_page=True)
    page.get_by_role("row", name=re.compile("Review terms of reference")).get_by_role(
        "button", name="Take it").click()
    assert "You took" in page.inner_text(".flash")
    secretariat.open_task("Review terms of reference")
    secretariat.radio("Request revision")
    secretariat.text("Comment for the proposing entity", "Please add a budget table.")
    secretariat.send()

    # The proposing city sees the task again, with the comment, and its earlier answers.
    page = city.page
    page.goto(f"{live_server.url}/inbox/")
    page.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=True)
    city.open_task("Draft terms of reference")
    assert "Please add a budget table." in page.inner_text("#form-container")
    assert page.get_by_label("Committee name").input_value() == NEW_COMMITTEE
    city.text("Resource-mobilization plan", "Seed funding, city contributions; budget table attached.")
    city.send()
    assert page.url.endswith("/inbox/")

    partner.open_task("Endorse terms of reference")
    partner.radio("Endorse")
    partner.send()

    secretariat.open_task("Review terms of reference", tab="claimable")
    secretariat.radio("Approve")
    secretariat.send()
    assert "is done" in secretariat.page.inner_text(".flash")

    # The case moved past the review: it now waits for the background worker's service task.
    with seeded() as session:
        case = session.scalar(select(Case).where(Case.business_key == "TOR-TOURISM"))
        assert case is not None and case.status == "running"
        reviews = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                          HumanTask.element_id == "review_tor")).all()
        assert [t.state for t in reviews] == ["completed", "completed"]
        assert all(t.state != "open" for t in session.scalars(
            select(HumanTask).where(HumanTask.case_id == case.id)).all())
        completed = [e for e in case_history(session, case.id) if e.kind == "task_completed"]
        assert [e.element_id for e in completed][-1] == "review_tor"
        assert (completed[-1].data or {}).get("review_decision") == "approve"
