"""In Debian's chromium: the terms of reference as a document (v1, then v2 after a revision),
downloaded by the partner and the Secretariat and refused to an outsider; half a form typed,
reloaded and found again; the bell, a notification e-mail, a case waiting on a timer and the
case page on a phone, as screenshots (test-output/screenshots/)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.background.worker import Worker
from engine.collab.comments import add_comment
from engine.definitions.deployment import UploadedFile, deploy, files_from_paths
from engine.notify.mail import MailSettings
from engine.runtime.tasks import claim_task, complete_task
from engine.store.models import Document, HumanTask, TaskDraft, TaskState
from tests.browser import CHROMIUM
from tests.smtp import free_port
from tests.web.conftest import PROCESSES, SCREENSHOTS, LiveServer
from tests.web.flows import TOR, start_committee
from tests.web.test_browser import Participant, fill_tor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]
TOR_FILE = {"key": "tor_document", "label": "Terms of reference (document)", "type": "filepicker",
            "accept": ".pdf,.docx,.odt", "validate": {"required": True}, "id": "Field_tor_document"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def with_file_field(files: list[UploadedFile]) -> list[UploadedFile]:
    """What an analyst does in the form editor: the ToR's file picker becomes required."""
    out = []
    for upload in files:
        if upload.name == "tor_draft.form":
            schema = json.loads(upload.content)
            schema["components"] = [TOR_FILE if c.get("key") == "tor_document" else c
                                    for c in schema["components"]]
            upload = UploadedFile(upload.name, json.dumps(schema).encode())
        out.append(upload)
    return out


@pytest.fixture
def tor_as_document(seeded: sessionmaker[Any]) -> sessionmaker[Any]:
    with seeded() as session:
        deploy(session, with_file_field(files_from_paths([PROCESSES])), comment="ToR as a document")
        session.commit()
    return seeded


def pdf(tmp_path: Path, name: str, extra: bytes = b"") -> Path:
    path = tmp_path / name
    path.write_bytes(PDF + extra)
    return path


def only_open(factory: sessionmaker[Any], case_id: int, element_id: str) -> int:
    with factory() as session:
        return session.scalars(select(HumanTask.id).where(
            HumanTask.case_id == case_id, HumanTask.element_id == element_id,
            HumanTask.state == TaskState.OPEN)).one()


def attach(page: Any, path: Path) -> None:
    page.set_input_files("#form-container input[type=file]", str(path))
    expect(page.locator("#upload-status")).to_contain_text("is uploaded")


def download(participant: Participant, case_id: int, name: str) -> bytes:
    page = participant.page
    page.goto(f"{participant.url}/cases/{case_id}")
    with page.expect_download() as info:
        page.locator("#case-documents a.document-link", has_text=name).click()
    return Path(info.value.path()).read_bytes()


def test_the_terms_of_reference_travel_as_a_document_v1_then_v2(
        browser: Any, live_server: LiveServer, tor_as_document: sessionmaker[Any], tmp_path: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    factory = tor_as_document
    case_id, draft = start_committee(factory, "TOR-DOC")
    city = Participant(browser, live_server, "quanzhou")
    city.sign_in()
    page = city.page
    page.goto(f"{live_server.url}/tasks/{draft}")
    page.wait_for_selector("#task-form[data-ready=yes]")
    fill_tor(city)
    attach(page, pdf(tmp_path, "tor-v1.pdf"))
    city.send()
    assert "is done" in page.inner_text(".flash")

    with factory() as session:
        complete_task(session, only_open(factory, case_id, "endorse_tor"),
                      user=actor(session, "iran_chamber"), data={"endorsement_decision": "endorse"})
        session.commit()
    partner = Participant(browser, live_server, "iran_chamber")
    partner.sign_in()
    assert download(partner, case_id, "tor-v1.pdf") == PDF
    secretariat = Participant(browser, live_server, "sec_wang")
    secretariat.sign_in()
    assert download(secretariat, case_id, "tor-v1.pdf") == PDF

    with factory() as session:
        review = only_open(factory, case_id, "review_tor")
        claim_task(session, review, user=actor(session, "sec_wang"))
        complete_task(session, review, user=actor(session, "sec_wang"),
                      data={"review_decision": "revise", "last_review_comment": "Add a budget."})
        session.commit()

    # The revision: the draft opens with v1 in the picker; a new file becomes v2.
    page.goto(f"{live_server.url}/tasks/{only_open(factory, case_id, 'draft_tor')}")
    page.wait_for_selector("#task-form[data-ready=yes]")
    assert "tor-v1.pdf" in page.inner_text(".fjs-form-field-filepicker")
    attach(page, pdf(tmp_path, "tor-v2.pdf", b"% with a budget\n"))
    city.send()
    assert "is done" in page.inner_text(".flash")

    with factory() as session:
        documents = session.scalars(select(Document).where(Document.case_id == case_id)
                                    .order_by(Document.version)).all()
        assert [(d.field, d.version, d.name) for d in documents] == [
            ("tor_document", 1, "tor-v1.pdf"), ("tor_document", 2, "tor-v2.pdf")]
        first = documents[0].id
        add_comment(session, actor(session, "iran_chamber"), case_id,
                    "v2 reads well. @sec_wang, the **budget** is in section 4.")
        session.commit()
    secretariat.page.goto(f"{live_server.url}/cases/{case_id}")
    listed = secretariat.page.inner_text("#case-documents")
    assert "tor-v1.pdf" in listed and "tor-v2.pdf" in listed and "v1" in listed and "v2" in listed
    assert download(secretariat, case_id, "tor-v2.pdf") == PDF + b"% with a budget\n"
    secretariat.page.fill("#comment-body", "Thank you, approving now.")
    secretariat.page.click(".comment-form button[type=submit]")
    assert "Thank you, approving now." in secretariat.page.inner_text("#timeline")
    assert secretariat.page.locator("#timeline .mention").count() == 1
    secretariat.page.wait_for_selector("#diagram[data-ready=yes]")
    secretariat.page.screenshot(path=str(SCREENSHOTS / "case-comments-documents.png"), full_page=True)

    outsider = Participant(browser, live_server, "chongqing")
    outsider.sign_in()
    response = outsider.page.request.get(f"{live_server.url}/documents/{first}")
    assert response.status == 403


def _wait_for_draft(page: Any, seeded: sessionmaker[Any], task_id: int,
                    expected: dict[str, str]) -> None:
    """Until the server holds a draft with `expected` (typing stops, the last save is sent a
    moment later: on a busy machine "saved" may still describe the save before it)."""
    for _ in range(100):
        with seeded() as session:
            data = session.scalar(select(TaskDraft.data).where(TaskDraft.task_id == task_id)) or {}
        if all(data.get(key) == value for key, value in expected.items()):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the draft of task {task_id} never held {expected}: {data}")


def test_half_a_form_survives_a_reload(browser: Any, live_server: LiveServer,
                                       seeded: sessionmaker[Any]) -> None:
    _case_id, draft = start_committee(seeded, "TOR-DRAFT")
    city = Participant(browser, live_server, "quanzhou")
    city.sign_in()
    page = city.page
    page.goto(f"{live_server.url}/tasks/{draft}")
    page.wait_for_selector("#task-form[data-ready=yes]")
    city.text("Committee name", "Sustainable Urbanization")
    city.text("Objectives", "Half a thought about compact cities")
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "saved")
    _wait_for_draft(page, seeded, draft, {"committee_name": "Sustainable Urbanization",
                                          "objectives": "Half a thought about compact cities"})
    page.reload()
    page.wait_for_selector("#task-form[data-ready=yes]")
    expect(page.get_by_label("Committee name")).to_have_value("Sustainable Urbanization")
    expect(page.get_by_label("Objectives")).to_have_value("Half a thought about compact cities")
    assert "is back in the form" in page.inner_text("#draft-status")


@pytest.fixture
def mail_sink(tmp_path: Path, app: Flask) -> Iterator[tuple[str, Path]]:
    """The sink `make run` starts: aiosmtpd writing a Maildir the app shows at /dev/mail."""
    folder = tmp_path / "mail"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    port = free_port()
    controller = Controller(Mailbox(str(folder)), hostname="127.0.0.1", port=port)
    controller.start()
    app.config["DEV_MAILDIR"] = str(folder)
    try:
        yield f"smtp://127.0.0.1:{port}", folder
    finally:
        controller.stop()


def test_the_bell_an_email_a_timer_and_a_phone(browser: Any, live_server: LiveServer,
                                               seeded: sessionmaker[Any],
                                               mail_sink: tuple[str, Path]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url, _folder = mail_sink
    settings = MailSettings(smtp_url=url, sender="Alliance Workflow <noreply@alliance.example>",
                            base_url=live_server.url, timeout=10)
    case_id, draft = start_committee(seeded, "TOR-BELL")
    with seeded() as session:
        complete_task(session, draft, user=actor(session, "quanzhou"), data=TOR)
        session.commit()
    endorse = only_open(seeded, case_id, "endorse_tor")
    with seeded() as session:
        complete_task(session, endorse, user=actor(session, "iran_chamber"),
                      data={"endorsement_decision": "endorse"})
        add_comment(session, actor(session, "iran_chamber"), case_id, "Endorsed. @sec_wang over to you.")
        session.commit()
    Worker(seeded, worker_id="browser-test", mail=settings).run_once()

    wang = Participant(browser, live_server, "sec_wang")
    wang.sign_in()
    page = wang.page
    assert page.url.endswith("/inbox/")
    assert "Review terms of reference" in page.inner_text("main")  # landed on the group tab
    assert page.inner_text("#bell-count") == "2"
    page.click("#bell")
    assert "New task: Review terms of reference" in page.inner_text("#notifications")
    page.screenshot(path=str(SCREENSHOTS / "bell.png"), full_page=True)

    page.goto(f"{live_server.url}/dev/mail/")
    page.locator("#mail-list a", has_text="New task: Review terms of reference").first.click()
    frame = page.frame_locator("iframe.mail-html")
    assert "Open it in Alliance Workflow" in frame.locator("body").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "notification-email.png"), full_page=True)

    # The review waits on people and on its 30-day timer: the diagram and the words say until when.
    page.goto(f"{live_server.url}/cases/{case_id}")
    page.wait_for_selector("#diagram[data-ready=yes]")
    assert re.search(r"A timer, “Open for 30 days”: it fires on", page.inner_text("#case-waits"))
    assert page.locator("#diagram .wait-until").count() == 1
    assert page.locator('#diagram [data-element-id="review_overdue"].case-waiting').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "case-waiting-timer.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{live_server.url}/login")
    phone.fill("#username", "sec_wang")
    phone.fill("#password", "demo-secretariat-1")
    phone.click("button[type=submit]")
    phone.goto(f"{live_server.url}/cases/{case_id}")
    phone.wait_for_selector("#diagram[data-ready=yes]")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the case page is {width} px wide on a 390-px phone"
    boxes = phone.evaluate("""() => ['#timeline', '#open-tasks', '#case-data'].map(s => {
        const r = document.querySelector(s).getBoundingClientRect(); return [r.top, r.bottom]; })""")
    ordered = sorted(boxes)
    assert all(a[1] <= b[0] + 1 for a, b in itertools.pairwise(ordered)), boxes  # no overlap
    phone.screenshot(path=str(SCREENSHOTS / "case-390px.png"), full_page=True)
