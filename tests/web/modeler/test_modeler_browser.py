"""The modeler in Debian's chromium: edit committee_establishment through bpmn-js's API, give
the new task a form in the form-js editor, validate, deploy; errors marked on the diagram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.definitions.deployment import approve_definition
from engine.runtime.cases import start_case
from engine.runtime.tasks import complete_task
from engine.store.models import Case, HumanTask, ProcessDefinition
from tests.browser import CHROMIUM
from tests.web.conftest import PASSWORDS, SCREENSHOTS, LiveServer
from tests.web.flows import TOR, only_task
from tests.web.modeler.conftest import BROKEN

BUNDLE = Path(__file__).resolve().parents[3] / "web" / "static" / "build" / "modeler.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="needs the modeler bundle (npm run build)"),
]

ADD_TASK = """() => {
  const m = window.modeler;
  const registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const flow = registry.get('Flow_draft_round');
  const target = flow.target;
  const shape = m.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
  const task = modeling.createShape(shape, { x: 600, y: 130 }, flow.source.parent);
  modeling.updateProperties(task, { id: 'check_budget', name: 'Check the budget' });
  modeling.reconnectEnd(flow, task, { x: task.x, y: task.y + task.height / 2 });
  modeling.connect(task, target);
  m.get('selection').select(task);
  return task.businessObject.lanes ? task.businessObject.lanes.map(l => l.id) : [];
}"""


def signed_in(browser: Any, server: LiveServer, username: str) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def open_editor(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/modeler/edit/committee_establishment")
    page.wait_for_selector("#canvas[data-ready=yes]")
    assert page.locator(".bio-properties-panel").count() > 0  # the properties panel is bundled


def count_versions(factory: sessionmaker[Any]) -> int:
    with factory() as session:
        return session.scalar(select(func.count(ProcessDefinition.id)).where(
            ProcessDefinition.process_id == "committee_establishment")) or 0


def test_analyst_adds_a_task_with_a_form_and_deploys(
        browser: Any, live_server: LiveServer, seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        before = start_case(session, "committee_establishment", user=actor(session, "quanzhou"))
        session.commit()
    page = signed_in(browser, live_server, "analyst")
    open_editor(page, live_server)
    lanes = page.evaluate(ADD_TASK)
    assert lanes == ["Lane_proposing_entity"]
    assert page.evaluate("window.allianceEditor.isDirty()") is True

    page.click("#btn-form")  # the form-js editor for the selected task
    page.wait_for_selector("#form-editor .fjs-editor-container")
    page.evaluate("""() => window.allianceEditor.setTaskForm('check_budget', 'check_budget_form', {
        type: 'default', components: [{ type: 'textfield', key: 'budget_note', label: 'Budget note' }]})""")
    page.click("#form-cancel")
    page.click("#btn-form")
    page.wait_for_selector("#form-editor .fjs-editor-container")
    page.click("#tab-preview")
    page.wait_for_selector("#form-preview .fjs-form-field-textfield")
    assert "Budget note" in page.inner_text("#form-preview")
    page.click("#form-keep")
    assert page.evaluate("window.allianceEditor.referencedFormIds()").count("check_budget_form") == 1

    page.click("#btn-validate")
    page.wait_for_selector("body[data-validated=ok]")
    page.click("#btn-deploy")
    page.wait_for_selector("#deploy-changes li[data-element-id=check_budget].diff-added")
    page.fill("#deploy-comment", "Check the budget before the endorsement round")
    page.click("#deploy-confirm")
    page.wait_for_selector("body[data-deployed=yes]")
    assert page.js_errors == []
    assert count_versions(seeded) == 2

    page.goto(f"{live_server.url}/modeler/")
    row = page.locator("#process-committee_establishment tr.version-row[data-version='2']")
    assert "Check the budget before the endorsement round" in row.inner_text()
    page.goto(f"{live_server.url}/modeler/committee_establishment/v2/")
    page.wait_for_selector("#svg[data-ready=yes]")
    assert page.get_attribute("#svg-link", "href").startswith("blob:")

    assert "waits for an admin" in page.inner_text("#approval")
    with seeded() as session:  # it calls guarded handlers: an admin lets it run
        approve_definition(session, "committee_establishment", 2, user=actor(session, "admin"))
        session.commit()
    with seeded() as session:
        after = start_case(session, "committee_establishment", user=actor(session, "quanzhou"))
        quanzhou = actor(session, "quanzhou")
        complete_task(session, only_task(session, before.id), user=quanzhou, data=TOR)
        complete_task(session, only_task(session, after.id), user=quanzhou, data=TOR)
        session.commit()

        def open_elements(case_id: int) -> list[str]:
            return list(session.scalars(select(HumanTask.element_id).where(
                HumanTask.case_id == case_id, HumanTask.state == "open")))

        assert session.get(Case, before.id).definition.version == 1  # type: ignore[union-attr]
        assert open_elements(before.id) == ["endorse_tor"]  # the old version: no budget check
        assert open_elements(after.id) == ["check_budget"]
        complete_task(session, only_task(session, after.id), user=quanzhou,
                      data={"budget_note": "Within the seed fund"})
        session.commit()
        assert open_elements(after.id) == ["endorse_tor"]


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_errors_are_marked_and_block_deploy(kind: str, browser: Any, live_server: LiveServer,
                                            seeded: sessionmaker[Any]) -> None:
    xml, element_id = BROKEN[kind]
    page = signed_in(browser, live_server, "analyst")
    open_editor(page, live_server)
    page.evaluate("xml => window.allianceEditor.importXml(xml)", xml)
    page.click("#btn-validate")
    page.wait_for_selector("body[data-validated=problems]")
    marked = page.locator(f"g.djs-element.has-problem[data-element-id={element_id}]")
    assert marked.count() == 1
    assert page.locator(".problem-overlay").count() >= 1
    page.click(f"#problem-list li[data-element-id={element_id}] button")
    assert page.evaluate("window.modeler.get('selection').get().map(e => e.id)") == [element_id]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"modeler-error-{kind}.png"), full_page=True)

    page.evaluate("() => window.modeler.get('modeling').updateProperties("
                  "window.modeler.get('elementRegistry').get('draft_tor'), {name: 'Draft the ToR'})")
    page.click("#btn-deploy")
    page.fill("#deploy-comment", "should be refused")
    page.click("#deploy-confirm")
    page.wait_for_selector("body[data-deployed=refused]")
    assert count_versions(seeded) == 1
    assert page.js_errors == []

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]


def test_participant_cannot_reach_the_editor_or_deploy(
        browser: Any, live_server: LiveServer, seeded: sessionmaker[Any]) -> None:
    page = signed_in(browser, live_server, "quanzhou")
    assert page.locator("nav a", has_text="Modeler").count() == 0
    response = page.goto(f"{live_server.url}/modeler/edit/committee_establishment")
    assert response is not None and response.status == 403
    page.goto(f"{live_server.url}/inbox/")
    status = page.evaluate("""url => fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json',
        'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({xml: '<x/>', comment: 'x'})}).then(r => r.status)""",
                           f"{live_server.url}/modeler/api/deploy")
    assert status == 403
    assert count_versions(seeded) == 1
