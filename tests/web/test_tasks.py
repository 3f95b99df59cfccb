"""The task page: context, form validation, completion, permissions, conflicts, claiming."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.runtime.tasks import claim_task, complete_task
from engine.store.models import HumanTask
from tests.web.conftest import post
from tests.web.flows import TOR, start_committee, to_review

Login = Callable[[str], FlaskClient]


def submit(client: FlaskClient, task_id: int, data: Any) -> Any:
    raw = data if isinstance(data, str) else json.dumps(data)
    return post(client, f"/tasks/{task_id}", {"data": raw})


def embedded(html: str, element_id: str) -> Any:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


def test_task_page_shows_case_form_diagram_and_history(login_as: Login,
                                                       seeded: sessionmaker[Any]) -> None:
    _case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Draft terms of reference" in html and "TOR-1" in html
    assert "Committee establishment" in html and "started the case" in html
    assert embedded(html, "form-schema")["id"] == "tor_draft"
    assert "draft_tor" in embedded(html, "bpmn-xml")
    assert 'data-element-id="draft_tor"' in html
    assert "/vendor/@bpmn-io/form-js/dist/form-viewer.umd.js" in html
    assert "/vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js" in html


def test_a_user_not_allowed_gets_403(login_as: Login, seeded: sessionmaker[Any]) -> None:
    """Another city may neither open nor act on quanzhou's unsent draft."""
    _case_id, task_id = start_committee(seeded)
    client = login_as("chongqing")
    for response in (client.get(f"/tasks/{task_id}"), submit(client, task_id, TOR),
                     post(client, f"/tasks/{task_id}/claim"), post(client, f"/tasks/{task_id}/unclaim")):
        assert response.status_code == 403
        text = response.get_data(as_text=True)
        assert "Not allowed" in text and "Traceback" not in text
    assert login_as("quanzhou").get(f"/tasks/{task_id}").status_code == 200
    staff = login_as("sec_wang")
    assert staff.get(f"/tasks/{task_id}").status_code == 200  # staff may look, not fill it in
    assert submit(staff, task_id, TOR).status_code == 403


def test_unknown_task_is_404(login_as: Login) -> None:
    assert login_as("quanzhou").get("/tasks/999999").status_code == 404


def _errors(response: Any) -> str:
    assert response.status_code == 422
    return response.get_data(as_text=True)


def test_validation_errors_are_shown_and_nothing_is_saved(login_as: Login,
                                                          seeded: sessionmaker[Any]) -> None:
    _case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    missing = _errors(submit(client, task_id, {**TOR, "committee_name": ""}))
    assert "Committee name" in missing and "This field is required." in missing
    assert embedded(missing, "form-errors") == {"Field_committee_name": ["This field is required."]}
    assert embedded(missing, "form-values")["objectives"] == TOR["objectives"]  # kept
    too_long = _errors(submit(client, task_id, {**TOR, "committee_name": "x" * 121}))
    assert "at most 120 characters" in too_long
    bad_option = _errors(submit(client, task_id, {**TOR, "sector": "space_travel"}))
    assert "Choose one of the options offered." in bad_option
    bad_tag = _errors(submit(client, task_id, {**TOR, "partner_institutions": ["mallory"]}))
    assert "Main partner institutions" in bad_tag
    assert "could not be read" in _errors(submit(client, task_id, "{not json"))
    with seeded() as session:
        assert session.get(HumanTask, task_id).state == "open"  # type: ignore[union-attr]


def test_submit_completes_and_returns_to_the_inbox(login_as: Login, seeded: sessionmaker[Any]) -> None:
    _case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    refused = submit(client, task_id, {**TOR, "unknown_field": "refused"})
    assert refused.status_code == 422 and "unknown_field" in _errors(refused)  # only the form's fields
    response = submit(client, task_id, TOR)
    assert response.status_code == 302 and response.location == "/inbox/"
    assert "is done" in client.get("/inbox/").get_data(as_text=True)
    with seeded() as session:
        task = session.get(HumanTask, task_id)
        assert task is not None and task.state == "completed" and task.completed_by == "quanzhou"
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "quanzhou completed this task" in page and 'id="task-form"' not in page
    partner = login_as("iran_chamber")
    assert "Endorse terms of reference" in partner.get("/inbox/").get_data(as_text=True)


def test_next_task_for_the_same_user_opens_directly(login_as: Login, seeded: sessionmaker[Any]) -> None:
    _case_id, review = to_review(seeded)
    client = login_as("sec_wang")
    response = submit(client, review, {"review_decision": "revise",
                                       "last_review_comment": "Please widen the scope."})
    assert response.status_code == 302 and response.location == "/inbox/"
    city = login_as("quanzhou")
    inbox = city.get("/inbox/").get_data(as_text=True)
    redraft = int(re.search(r'href="/tasks/(\d+)">Draft terms of reference', inbox).group(1))  # type: ignore[union-attr]
    html = city.get(f"/tasks/{redraft}").get_data(as_text=True)
    assert embedded(html, "form-values")["last_review_comment"] == "Please widen the scope."
    assert "Please widen the scope." in html  # in the history too


def test_someone_else_got_there_first(login_as: Login, seeded: sessionmaker[Any]) -> None:
    _case_id, review = to_review(seeded)
    client = login_as("sec_wang")
    assert client.get(f"/tasks/{review}").status_code == 200
    with seeded() as session:
        claim_task(session, review, user=actor(session, "sec_silva"))
        session.commit()
    response = submit(client, review, {"review_decision": "approve",
                                       "last_review_comment": "My careful comment"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Someone else is working on this task" in text
    assert "My careful comment" in text and "What you entered" in text
    with seeded() as session:
        complete_task(session, review, user=actor(session, "sec_silva"),
                      data={"review_decision": "reject"})
        session.commit()
    done = submit(login_as("sec_silva"), review, {"review_decision": "approve"})
    assert done.status_code == 409 and "This task is already done" in done.get_data(as_text=True)


def test_claim_and_unclaim_from_the_group_tab(login_as: Login, seeded: sessionmaker[Any]) -> None:
    _case_id, review = to_review(seeded)
    client = login_as("sec_wang")
    group_tab = client.get("/inbox/?tab=claimable").get_data(as_text=True)
    assert "Review terms of reference" in group_tab and f"/tasks/{review}/claim" in group_tab
    response = post(client, f"/tasks/{review}/claim?next=/inbox/?tab%3Dclaimable")
    assert response.status_code == 302 and response.location == "/inbox/?tab=claimable"
    mine = client.get("/inbox/").get_data(as_text=True)
    assert "Review terms of reference" in mine and "You took" in mine
    other = login_as("sec_silva")
    assert "Review terms of reference" not in other.get("/inbox/?tab=claimable").get_data(as_text=True)
    assert post(other, f"/tasks/{review}/claim").status_code == 409
    assert post(other, f"/tasks/{review}/unclaim").status_code == 403
    client = login_as("sec_wang")
    response = post(client, f"/tasks/{review}/unclaim")
    assert response.status_code == 302 and response.location == f"/tasks/{review}"
    assert "Review terms of reference" in client.get("/inbox/?tab=claimable").get_data(as_text=True)
    assert post(client, f"/tasks/{review}/claim?next=https://evil.example/").location == f"/tasks/{review}"


def test_claim_needs_a_csrf_token(login_as: Login, seeded: sessionmaker[Any]) -> None:
    _case_id, review = to_review(seeded)
    client = login_as("sec_wang")
    assert client.post(f"/tasks/{review}/claim").status_code == 400
    assert client.post(f"/tasks/{review}/claim", data={"csrf_token": "forged"}).status_code == 400
