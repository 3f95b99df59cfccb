"""The modeler's doors for drafts and decision tables: any BPMN file opens as a draft; the
editor gets the deployed decision tables and sends them back with the diagram."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.definitions import deployment as definitions
from tests.conftest import CORPUS, FIXTURES
from tests.web.modeler.conftest import post_json, token
from tests.web.modeler.test_modeler_web import editor_setup

EXECUTION = FIXTURES / "bpmn" / "execution"
DMN = (EXECUTION / "approval_level.dmn").read_text()
ROUTE = (EXECUTION / "approval_route.bpmn").read_text()


def upload(client: FlaskClient, name: str, content: bytes) -> Any:
    return client.post("/modeler/import", data={"csrf_token": token(client),
                                                "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_descriptive_model_opens_as_a_draft(login_as: Callable[[str], FlaskClient]) -> None:
    path = CORPUS / "miwg" / "Reference" / "C.2.0.bpmn"
    answer = upload(login_as("analyst"), path.name, path.read_bytes())
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "descriptive model" in page
    setup = editor_setup(page)
    assert setup["xml"] == path.read_text() and setup["fileName"] == "C.2.0.bpmn"


def test_runnable_file_opens_as_a_deployable_draft(login_as: Callable[[str], FlaskClient]) -> None:
    path = CORPUS / "miwg" / "Reference" / "C.9.1.bpmn"
    page = upload(login_as("analyst"), path.name, path.read_bytes()).get_data(as_text=True)
    assert "passes the engine&#39;s checks" in page or "passes the engine's checks" in page


def test_non_bpmn_is_refused_with_the_reason(login_as: Callable[[str], FlaskClient]) -> None:
    answer = upload(login_as("analyst"), "x.bpmn", b"<html><body>hi</body></html>")
    assert answer.status_code == 422
    assert "root element is &lt;html&gt;" in answer.get_data(as_text=True)


def test_participants_cannot_import(login_as: Callable[[str], FlaskClient]) -> None:
    assert upload(login_as("quanzhou"), "x.bpmn", b"<x/>").status_code == 403


def test_editor_gets_the_deployed_decisions_and_validates_them(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        definitions.deploy(session, definitions.files_from_paths(
            [EXECUTION / "approval_route.bpmn", EXECUTION / "approval_level.dmn"]))
        session.commit()
    client = login_as("analyst")
    setup = editor_setup(client.get("/modeler/edit/approval_route").get_data(as_text=True))
    assert set(setup["decisions"]) >= {"approval_level", "membership_eligibility"}
    assert setup["liveValidation"] is True
    broken = DMN.replace("&lt; 100", "matches(?, &quot;x&quot;)")
    answer = post_json(client, "/modeler/api/validate",
                       {"xml": ROUTE, "decisions": {"approval_level": broken}}).get_json()
    assert answer["ok"] is False
    [problem] = answer["problems"]
    assert problem["element_id"] == "In_small" and "rule 1, input 1" in problem["text"]
    answer = post_json(client, "/modeler/api/validate",
                       {"xml": ROUTE, "decisions": {"approval_level": DMN}}).get_json()
    assert answer == {"ok": True, "problems": []}


def test_decisions_must_be_text(login_as: Callable[[str], FlaskClient]) -> None:
    answer = post_json(login_as("analyst"), "/modeler/api/validate",
                       {"xml": ROUTE, "decisions": {"approval_level": {"not": "xml"}}})
    assert answer.status_code == 422 and "decisions" in answer.get_json()["message"]
