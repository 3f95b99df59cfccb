"""The Content-Security-Policy: sent on every page, and every page type works under it.

Each page type is opened in chromium with its scripts run to their "ready" marker; any
CSP violation (the `securitypolicyviolation` event, or chromium's console message) fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.runtime.cases import start_case
from tests.browser import CHROMIUM
from tests.web.conftest import PASSWORDS, LiveServer, login
from web.csp import CONTENT_SECURITY_POLICY

WATCH = """() => {
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', e =>
    window.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
}"""


def test_every_response_carries_the_policy(client: FlaskClient,
                                           seeded: sessionmaker[Any]) -> None:
    for url in ("/login", "/no-such-page", "/api/v1/tasks", "/static/app.css"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
    login(client, "sec_wang")
    assert "script-src 'self'" in client.get("/inbox/").headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self' 'unsafe-inline'" not in CONTENT_SECURITY_POLICY


class Watched:
    """A signed-in browser page that records every CSP violation and console complaint."""

    def __init__(self, browser: Any, server: LiveServer, username: str | None) -> None:
        self.server = server
        self.page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        self.page.set_default_timeout(20_000)
        self.console: list[str] = []
        self.page.on("console", lambda msg: self.console.append(msg.text)
                     if "Content Security Policy" in msg.text or msg.type == "error" else None)
        self.page.add_init_script(f"({WATCH})()")
        if username:
            self.open("/login")
            self.page.fill("#username", username)
            self.page.fill("#password", PASSWORDS[username])
            self.page.click("button[type=submit]")
            self.page.wait_for_url(lambda url: "/login" not in url)

    def open(self, path: str, ready: str | None = None) -> None:
        self.page.goto(f"{self.server.url}{path}")
        if ready:
            self.page.wait_for_selector(ready)
        self.page.wait_for_load_state("networkidle")
        violations = self.page.evaluate("window.cspViolations")
        csp_console = [m for m in self.console if "Content Security Policy" in m]
        assert violations == [] and csp_console == [], (path, violations, csp_console)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_every_page_type_works_under_the_policy(browser: Any, live_server: LiveServer,
                                                seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        case = start_case(session, "committee_establishment", user=actor(session, "quanzhou"),
                          business_key="CSP-1")
        session.commit()
    task_id = case.open_tasks[0].id

    anonymous = Watched(browser, live_server, None)
    anonymous.open("/login", "#username")

    city = Watched(browser, live_server, "quanzhou")
    city.open("/inbox/", "main")
    city.open(f"/tasks/{task_id}", "#task-form[data-ready=yes]")
    city.page.wait_for_selector("#diagram[data-ready=yes]")
    city.open("/registry/", "main")
    city.open("/profile/", "main")
    city.open("/no-such-page", "main")

    secretariat = Watched(browser, live_server, "sec_wang")
    secretariat.open("/cases/", "#overview")
    secretariat.open("/cases/list", "#cases")
    secretariat.open(f"/cases/{case.id}", "#diagram[data-ready=yes]")
    secretariat.open("/cases/processes", "main")
    secretariat.open("/api/v1/docs", "#swagger-ui-container .information-container")

    analyst = Watched(browser, live_server, "analyst")
    analyst.open("/modeler/", "main")
    analyst.open("/modeler/committee_establishment/v1/", "#svg[data-ready=yes]")
    analyst.open("/modeler/edit/committee_establishment", "#canvas[data-ready=yes]")
    analyst.page.evaluate("""() => { const m = window.modeler;
        m.get('selection').select(m.get('elementRegistry').get('draft_tor')); }""")
    analyst.page.click("#btn-form")  # the form-js editor of the selected task
    analyst.page.wait_for_selector("#form-editor .fjs-editor-container")
    analyst.page.click("#tab-preview")
    analyst.page.wait_for_load_state("networkidle")
    assert analyst.page.evaluate("window.cspViolations") == []

    admin = Watched(browser, live_server, "admin")
    admin.open("/admin/users", "main")
    admin.open("/start/business_council_membership", "#task-form[data-ready=yes]")
