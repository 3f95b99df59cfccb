"""The modeler's pages and JSON endpoints through the Flask client: rights, CSRF, validate,
deploy, versions that never break running cases."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.runtime.cases import start_case
from engine.runtime.tasks import complete_task, open_task_ids
from engine.store.models import Case, HumanTask, ProcessDefinition
from tests.web.conftest import PROCESSES, post
from tests.web.flows import TOR, only_task
from tests.web.modeler.conftest import BROKEN, COMMITTEE, post_json

NEW_TASK_FORM = {"id": "budget_check", "type": "default", "components": [
    {"type": "textfield", "key": "budget_note", "label": "Budget note", "validate": {"required": True}}]}


def with_budget_check(xml: str) -> str:
    """A user task 'check_budget' (form budget_check) between the draft and the endorsement round."""
    task = ('<bpmn:userTask id="check_budget" name="Check the budget">'
            '<bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="budget_check" />'
            '<zeebe:assignmentDefinition assignee="initiator" /></bpmn:extensionElements>'
            '<bpmn:incoming>Flow_draft_round</bpmn:incoming><bpmn:outgoing>Flow_budget_round</bpmn:outgoing>'
            '</bpmn:userTask>'
            '<bpmn:sequenceFlow id="Flow_budget_round" sourceRef="check_budget" '
            'targetRef="open_endorsement_round" />'
            '<bpmn:startEvent id="start_committee"')
    xml = xml.replace('<bpmn:startEvent id="start_committee"', task, 1)
    xml = xml.replace('<bpmn:flowNodeRef>draft_tor</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>draft_tor</bpmn:flowNodeRef><bpmn:flowNodeRef>check_budget</bpmn:flowNodeRef>')
    xml = xml.replace('id="Flow_draft_round" sourceRef="draft_tor" targetRef="open_endorsement_round"',
                      'id="Flow_draft_round" sourceRef="draft_tor" targetRef="check_budget"')
    tail = "</bpmn:incoming>\n      <bpmn:outgoing>Flow_round_endorse"
    xml = xml.replace(f"<bpmn:incoming>Flow_draft_round{tail}", f"<bpmn:incoming>Flow_budget_round{tail}")
    assert 'targetRef="check_budget"' in xml and "<bpmn:incoming>Flow_budget_round" in xml
    return xml


def editor_setup(page: str) -> dict[str, Any]:
    marker = '<script type="application/json" id="modeler-setup">'
    start = page.index(marker) + len(marker)
    return json.loads(page[start:page.index("</script>", start)])  # type: ignore[no-any-return]


def versions(factory: sessionmaker[Any], process_id: str = "committee_establishment") -> int:
    with factory() as session:
        return session.scalar(select(func.count(ProcessDefinition.id))
                              .where(ProcessDefinition.process_id == process_id)) or 0


def test_anonymous_is_sent_to_login(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    for url in ("/modeler/", "/modeler/edit/committee_establishment",
                "/modeler/committee_establishment/v1.bpmn", "/modeler/committee_establishment/v1/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    response = client.post("/modeler/api/deploy", json={"xml": COMMITTEE})
    assert response.status_code in (302, 400)
    assert versions(seeded) == 1


def test_participant_reads_the_library_but_cannot_edit_or_deploy(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    client = login_as("quanzhou")
    page = client.get("/modeler/").get_data(as_text=True)
    assert "committee_establishment" in page and "/modeler/edit/" not in page
    assert 'href="/modeler/"' not in client.get("/inbox/").get_data(as_text=True)  # no nav link
    assert client.get("/modeler/committee_establishment/v1.bpmn").status_code == 200
    assert client.get("/modeler/edit/committee_establishment").status_code == 403
    assert client.get("/modeler/new?process_id=x").status_code == 403
    for url in ("/modeler/api/validate", "/modeler/api/diff", "/modeler/api/deploy"):
        assert post_json(client, url, {"xml": with_budget_check(COMMITTEE), "comment": "x",
                                       "forms": {"budget_check": NEW_TASK_FORM}}).status_code == 403
    assert versions(seeded) == 1


def test_library_lists_versions_downloads_and_open_cases(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        start_case(session, "committee_establishment", user=actor(session, "quanzhou"))
        session.commit()
    client = login_as("analyst")
    assert 'href="/modeler/"' in client.get("/inbox/").get_data(as_text=True)
    page = client.get("/modeler/").get_data(as_text=True)
    assert 'id="process-committee_establishment"' in page
    assert '<td class="open-cases">1</td>' in page
    download = client.get("/modeler/committee_establishment/v1.bpmn")
    assert download.status_code == 200 and download.mimetype == "application/xml"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True) == COMMITTEE
    view = client.get("/modeler/committee_establishment/v1/")
    assert view.status_code == 200 and "bpmn-navigated-viewer" in view.get_data(as_text=True)
    assert client.get("/modeler/committee_establishment/v9.bpmn").status_code == 404
    assert client.get("/modeler/nope/v1/").status_code == 404


def test_editor_page_carries_the_diagram_and_forms(login_as: Callable[[str], FlaskClient]) -> None:
    client = login_as("analyst")
    page = client.get("/modeler/edit/committee_establishment").get_data(as_text=True)
    assert "build/modeler.js" in page and "form-editor.umd.js" in page
    setup = editor_setup(page)
    assert setup["xml"] == COMMITTEE and "tor_draft" in setup["forms"]
    assert setup["fileName"] == "committee_establishment.bpmn"
    assert login_as("admin").get("/modeler/edit/committee_establishment?version=1").status_code == 200


def test_new_diagram_from_the_template_validates(login_as: Callable[[str], FlaskClient]) -> None:
    client = login_as("analyst")
    assert "form-error" in client.get("/modeler/new?process_id=1bad id").get_data(as_text=True)
    page = client.get("/modeler/new?process_id=budget_review&name=Budget+review").get_data(as_text=True)
    setup = editor_setup(page)
    assert 'id="budget_review"' in setup["xml"]
    answer = post_json(client, "/modeler/api/validate", {"xml": setup["xml"]})
    assert answer.status_code == 200 and answer.get_json() == {"ok": True, "problems": []}


def test_validate_the_current_diagram(login_as: Callable[[str], FlaskClient]) -> None:
    answer = post_json(login_as("analyst"), "/modeler/api/validate", {"xml": COMMITTEE, "forms": {}})
    assert answer.status_code == 200 and answer.get_json()["ok"] is True


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_errors_come_back_with_element_ids_and_block_deploy(
        kind: str, login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    xml, element_id = BROKEN[kind]
    client = login_as("analyst")
    answer = post_json(client, "/modeler/api/validate", {"xml": xml})
    body = answer.get_json()
    assert answer.status_code == 200 and body["ok"] is False
    assert element_id in {p.get("element_id") for p in body["problems"]}, body
    refused = post_json(client, "/modeler/api/deploy", {"xml": xml, "comment": "broken"})
    assert refused.status_code == 422
    assert element_id in {p.get("element_id") for p in refused.get_json()["problems"]}
    assert versions(seeded) == 1


def test_bad_payloads_and_missing_csrf(login_as: Callable[[str], FlaskClient],
                                       seeded: sessionmaker[Any]) -> None:
    client = login_as("analyst")
    assert post_json(client, "/modeler/api/validate", {"forms": {}}).status_code == 422
    assert post_json(client, "/modeler/api/validate", {"xml": COMMITTEE, "forms": []}).status_code == 422
    assert post_json(client, "/modeler/api/validate", ["x"]).status_code == 422
    assert post_json(client, "/modeler/api/deploy", {"xml": COMMITTEE}).status_code == 422  # no comment
    not_bpmn = post_json(client, "/modeler/api/validate", {"xml": "<html><script>x</script></html>"})
    assert not_bpmn.get_json()["ok"] is False
    no_csrf = post_json(client, "/modeler/api/deploy",
                        {"xml": with_budget_check(COMMITTEE), "comment": "x",
                         "forms": {"budget_check": NEW_TASK_FORM}}, csrf=False)
    assert no_csrf.status_code == 400
    assert versions(seeded) == 1


def test_deploy_a_new_version_running_cases_keep_theirs(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        before = start_case(session, "committee_establishment", user=actor(session, "quanzhou"))
        session.commit()
    client = login_as("analyst")
    xml = with_budget_check(COMMITTEE)
    body = {"xml": xml, "name": "committee_establishment.bpmn", "forms": {"budget_check": NEW_TASK_FORM}}
    preview = post_json(client, "/modeler/api/diff", body).get_json()["changes"]
    assert preview[0]["previous_version"] == 1
    statuses = {e["id"]: e["status"] for e in preview[0]["elements"]}
    assert statuses["check_budget"] == "added" and statuses["Flow_budget_round"] == "added"
    assert statuses["Flow_draft_round"] == "changed"
    comment = "A budget check before endorsement"
    answer = post_json(client, "/modeler/api/deploy", {**body, "comment": comment})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    result = answer.get_json()
    assert result["deployed"] == [{"process_id": "committee_establishment", "version": 2, "created": True,
                                   "name": "Committee establishment", "approved": False,
                                   "url": "/modeler/committee_establishment/v2/"}]
    assert {e["id"] for e in result["changes"][0]["elements"] if e["status"] == "added"} >= {"check_budget"}
    again = post_json(client, "/modeler/api/deploy", {**body, "comment": "same again"}).get_json()
    assert again["deployed"][0]["created"] is False and versions(seeded) == 2
    page = client.get("/modeler/").get_data(as_text=True)
    assert "A budget check before endorsement" in page and 'data-version="2"' in page
    view = client.get("/modeler/committee_establishment/v2/").get_data(as_text=True)
    assert "check_budget" in view and "Changes against version 1" in view
    assert "waits for an admin" in view and "btn-approve" not in view  # an analyst can't approve

    with seeded() as session:  # it calls register_committee: new cases stay on v1 until approved
        waiting = start_case(session, "committee_establishment", user=actor(session, "quanzhou"))
        assert session.get(Case, waiting.id).definition.version == 1  # type: ignore[union-attr]
        session.rollback()
    assert post(client, "/modeler/committee_establishment/v2/approve").status_code == 403
    admin = login_as("admin")
    assert "btn-approve" in admin.get("/modeler/committee_establishment/v2/").get_data(as_text=True)
    assert post(admin, "/modeler/committee_establishment/v2/approve").status_code == 302

    with seeded() as session:
        after = start_case(session, "committee_establishment", user=actor(session, "quanzhou"))
        session.commit()
        assert session.get(Case, before.id).definition.version == 1  # type: ignore[union-attr]
        assert session.get(Case, after.id).definition.version == 2  # type: ignore[union-attr]
        quanzhou = actor(session, "quanzhou")
        complete_task(session, only_task(session, before.id), user=quanzhou, data=TOR)
        complete_task(session, only_task(session, after.id), user=quanzhou, data=TOR)
        session.commit()
        old_next = session.get(Case, before.id)
        new_task_ids = open_task_ids(session, after.id)
        old_tasks = session.scalars(select(HumanTask.element_id).where(
            HumanTask.case_id == before.id, HumanTask.state == "open")).all()
        new_tasks = session.scalars(select(HumanTask.element_id).where(
            HumanTask.case_id == after.id, HumanTask.state == "open")).all()
        assert old_next is not None and "check_budget" not in old_tasks and "endorse_tor" in old_tasks
        assert list(new_tasks) == ["check_budget"] and len(new_task_ids) == 1
        complete_task(session, new_task_ids[0], user=quanzhou, data={"budget_note": "fits the seed fund"})
        session.commit()
        assert "endorse_tor" in session.scalars(select(HumanTask.element_id).where(
            HumanTask.case_id == after.id, HumanTask.state == "open")).all()


def test_uploaded_names_are_escaped(login_as: Callable[[str], FlaskClient]) -> None:
    client = login_as("analyst")
    xml = COMMITTEE.replace('name="Committee establishment" isExecutable',
                            'name="&lt;script&gt;alert(1)&lt;/script&gt;" isExecutable')
    answer = post_json(client, "/modeler/api/deploy", {"xml": xml, "comment": "<b>bold</b>"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    page = client.get("/modeler/").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>bold</b>" not in page


def test_a_camunda_modeler_file_deploys_as_a_new_process(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    """A file as Camunda Modeler 5 writes it (zeebe namespace), opened from disk, is a new process."""
    guarded = (PROCESSES / "task_force.bpmn").read_text().replace('"task_force"', '"task_force_copy"')
    client = login_as("admin")
    refused = post_json(client, "/modeler/api/deploy", {"xml": guarded, "name": "copy.bpmn",
                                                        "comment": "a copy that registers task forces"})
    assert refused.status_code == 422
    assert "register_task_force" in refused.get_json()["message"]
    assert "may only be called by task_force" in refused.get_json()["message"]
    xml = re.sub(r'(<zeebe:taskDefinition type=")[^"]+"', r'\1notify"', guarded)  # no registry writes
    answer = post_json(client, "/modeler/api/deploy", {"xml": xml, "name": "../../etc/passwd",
                                                       "comment": "imported from Camunda Modeler"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["deployed"][0]["version"] == 1 and body["changes"][0]["new_process"] is True
    assert versions(seeded, "task_force_copy") == 1
    assert client.get("/modeler/task_force_copy/v1.bpmn").get_data(as_text=True) == xml
