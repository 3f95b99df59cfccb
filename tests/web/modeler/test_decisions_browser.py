"""Decision tables in the browser modeler (dmn-js): an analyst changes a rule, deploys, and the
next case takes another route; Python conditions are not marked as broken FEEL; a descriptive
model from another tool opens as a draft."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.definitions import deployment as definitions
from engine.runtime.cases import start_case
from engine.store.models import HumanTask
from tests.browser import CHROMIUM
from tests.conftest import CORPUS, FIXTURES
from tests.web.conftest import LiveServer
from tests.web.modeler.test_modeler_browser import BUNDLE, signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="needs the modeler bundle (npm run build)"),
]
EXECUTION = FIXTURES / "bpmn" / "execution"
SMALL_AMOUNT_CELL = 'td[data-row-id="Rule_small"][data-col-id="Output_route"]'


def open_task_of(factory: sessionmaker[Any], amount: int) -> str:
    with factory() as session:
        case = start_case(session, "approval_route", user=None, data={"amount": amount})
        session.commit()
        [element] = session.scalars(select(HumanTask.element_id).where(
            HumanTask.case_id == case.id, HumanTask.state == "open")).all()
        return element


def test_analyst_edits_a_decision_table_and_the_route_changes(
        browser: Any, live_server: LiveServer, seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        definitions.deploy(session, definitions.files_from_paths(
            [EXECUTION / "approval_route.bpmn", EXECUTION / "approval_level.dmn"]))
        session.commit()
    assert open_task_of(seeded, 50) == "auto"

    page = signed_in(browser, live_server, "analyst")
    page.goto(f"{live_server.url}/modeler/edit/approval_route")
    page.wait_for_selector("#canvas[data-ready=yes]")
    page.wait_for_selector("body[data-validated=ok]")  # the engine's checks ran on opening
    page.evaluate("window.allianceEditor.selectElement('decide_route')")
    page.click("#btn-decision")
    page.wait_for_selector("#decision-editor[data-ready=yes]")
    cell = page.locator(f"{SMALL_AMOUNT_CELL} [contenteditable]")
    assert cell.inner_text().strip() == '"auto"'
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"review"')
    page.click("#decision-dialog h2")  # leave the cell
    assert page.locator(SMALL_AMOUNT_CELL).inner_text().strip() == '"review"'
    page.click("#decision-keep")
    assert '"review"' in page.evaluate("window.allianceEditor.decisions.approval_level")

    page.click("#btn-deploy")
    page.fill("#deploy-comment", "Small amounts are reviewed too")
    page.click("#deploy-confirm")
    page.wait_for_selector("body[data-deployed=yes]")
    assert page.js_errors == []

    assert open_task_of(seeded, 50) == "review"  # the new version's rule
    assert open_task_of(seeded, 5000) == "board"  # the other rules are unchanged
    with seeded() as session:
        assert definitions.find_definition(session, "approval_route").version == 2


def test_python_conditions_are_not_marked_as_feel(
        browser: Any, live_server: LiveServer, seeded: sessionmaker[Any]) -> None:
    page = signed_in(browser, live_server, "analyst")
    page.goto(f"{live_server.url}/modeler/edit/committee_establishment")
    page.wait_for_selector("#canvas[data-ready=yes]")
    page.wait_for_selector("body[data-validated=ok]")
    page.evaluate("window.allianceEditor.selectElement('Flow_approved')")
    entry = page.locator("[data-entry-id=conditionExpression]")
    entry.wait_for(state="attached")
    if not entry.is_visible():  # open the panel's "Condition" group
        page.locator("[data-group-id=group-condition] .bio-properties-panel-group-header").click()
    entry.wait_for()
    assert "review_decision == 'approve'" in entry.locator("textarea").input_value()
    assert "Unparsable FEEL expression" not in page.inner_text("#properties")
    assert page.locator("#properties .bio-properties-panel-error").count() == 0


def test_descriptive_model_opens_as_a_draft(
        browser: Any, live_server: LiveServer, seeded: sessionmaker[Any]) -> None:
    page = signed_in(browser, live_server, "analyst")
    page.goto(f"{live_server.url}/modeler/")
    page.set_input_files("#import-draft input[type=file]", str(CORPUS / "miwg" / "Reference" / "A.2.0.bpmn"))
    page.click("#import-draft button[type=submit]")
    page.wait_for_selector("#canvas[data-ready=yes]")
    assert "descriptive model" in page.inner_text("#draft-note")
    assert page.locator("#canvas .djs-element").count() > 10  # the diagram is drawn
    xml = page.evaluate("window.allianceEditor.modeler.saveXML().then(r => r.xml)")
    assert "WFP-6-" in xml  # exported back with its ids (the round trip)
    page.wait_for_selector("body[data-validated=problems]")
    assert "no executable process" in page.inner_text("#problem-list")
