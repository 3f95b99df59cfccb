"""The committee story with two partner institutions, in Debian's chromium: one asks for
changes with a comment; the drafter and the Secretariat each see that comment, with who wrote
it and what they decided, on their own pages (issue 12: nothing the partners write is lost)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.store.models import Case
from tests.web.conftest import SCREENSHOTS, LiveServer
from tests.web.test_browser import NEW_COMMITTEE, Participant, pytestmark  # noqa: F401  (browser marks)

IRAN = "Iran Chamber of Commerce"
BAVARIA = "Bavaria-Chongqing Smart City Cooperation Forum"
REASON = "Add the digitisation of heritage sites to the scope."


def draft(city: Participant, scope: str) -> None:
    city.radio("A new committee")
    city.text("Committee name", NEW_COMMITTEE)
    city.select("Sector", "Tourism")
    city.text("Objectives", "Promote maritime heritage tourism between member cities.")
    city.text("Scope", scope)
    city.text("Membership (cities and institutions)", "Quanzhou, Chongqing and partner institutions.")
    city.text("Resource-mobilization plan", "Seed funding and city contributions.")
    city.tag("Main partner institutions", "Iran", IRAN)
    city.tag("Main partner institutions", "Bavaria", BAVARIA)


def endorse(partner: Participant, decision: str, comment: str = "") -> None:
    partner.open_task("Endorse terms of reference")
    partner.radio(decision)
    if comment:
        partner.page.get_by_label("Comment", exact=True).fill(comment)  # not the case's comments
    partner.send()
    assert "is done" in partner.page.inner_text(".flash")


def test_a_partner_s_comment_reaches_the_drafter_and_the_secretariat(
        browser: Any, live_server: LiveServer, seeded: sessionmaker[Any]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    city = Participant(browser, live_server, "quanzhou")
    page = city.sign_in()
    page.goto(f"{live_server.url}/start/")
    page.get_by_role("row", name=re.compile("Committee establishment")).get_by_role("link").click()
    page.fill("#business_key", "TOR-ANSWERS")
    page.click("#submit-button")
    page.wait_for_selector("#task-form[data-ready=yes]")
    assert page.inner_text("h1") == "Draft terms of reference"  # the draft opens at once
    draft(city, "Cultural routes and joint promotion.")
    city.send()
    assert page.url.endswith("/inbox/")

    iran = Participant(browser, live_server, "iran_chamber")
    iran.sign_in()
    endorse(iran, "Endorse", "We support it.")
    bavaria = Participant(browser, live_server, "bavaria_forum")
    bavaria.sign_in()
    endorse(bavaria, "Request changes", REASON)

    # The drafter sees both answers, by name, with the decision and the comment.
    city.open_task("Draft terms of reference")
    answers = page.inner_text("#form-container")
    assert f"{BAVARIA}: Request changes: “{REASON}”" in answers
    assert f"{IRAN}: Endorse: “We support it.”" in answers
    assert "bavaria_forum" not in answers and "request_changes" not in answers
    page.screenshot(path=str(SCREENSHOTS / "committee-drafter-sees-answers.png"), full_page=True)
    city.text("Scope", "Cultural routes, joint promotion and the digitisation of heritage sites.")
    city.send()
    assert page.url.endswith("/inbox/")

    endorse(iran, "Endorse")
    endorse(bavaria, "Endorse", "Thank you, endorsed.")

    # The Secretariat's review: this round's answers, and the change asked for earlier.
    secretariat = Participant(browser, live_server, "sec_wang")
    secretariat.sign_in()
    secretariat.open_task("Review terms of reference", tab="claimable")
    review = secretariat.page.inner_text("#form-container")
    # One line per answer, an answer without a comment too.
    assert secretariat.page.locator("#form-container li").all_inner_texts() == [
        f"{IRAN}: Endorse", f"{BAVARIA}: Endorse: “Thank you, endorsed.”",
        f"{BAVARIA}: Request changes: “{REASON}”"]
    earlier = review.split("Changes asked for in earlier rounds:")[1]
    assert f"{BAVARIA}: Request changes: “{REASON}”" in earlier and IRAN not in earlier
    assert "bavaria_forum" not in review and "request_changes" not in review
    secretariat.page.screenshot(path=str(SCREENSHOTS / "committee-secretariat-sees-answers.png"),
                                full_page=True)

    # The case page's history too: who by name, what they decided by its label.
    with seeded() as session:
        case_id = session.scalar(select(Case.id).where(Case.business_key == "TOR-ANSWERS"))
    secretariat.page.goto(f"{live_server.url}/cases/{case_id}")
    timeline = secretariat.page.locator("#timeline")
    said = timeline.locator("li").filter(has=secretariat.page.locator("strong", has_text=BAVARIA))
    line = said.filter(has_text="Request changes")
    line.locator("summary").click()
    assert REASON in line.inner_text() and "bavaria_forum" not in timeline.inner_text()
    secretariat.page.screenshot(path=str(SCREENSHOTS / "committee-case-history.png"), full_page=True)
