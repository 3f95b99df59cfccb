"""Comments, documents, drafts and notifications in the web pages (web.collab, web.notifications,
web.devmail) and the API (web.api.collab)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.access.tokens import create_token
from engine.access.users import actor
from engine.background.worker import Worker
from engine.runtime.tasks import complete_task
from engine.store.models import Notification, User
from tests.web.conftest import CSRF_META, post
from tests.web.flows import TOR, start_committee

Login = Callable[[str], FlaskClient]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def csrf(client: FlaskClient) -> str:
    found = CSRF_META.search(client.get("/inbox/").get_data(as_text=True))
    assert found
    return found.group(1)


def upload(client: FlaskClient, task_id: int, name: str = "tor.pdf", data: bytes = PDF) -> Any:
    return client.post(f"/tasks/{task_id}/documents", data={"file": (io.BytesIO(data), name),
                                                             "field": "tor_document"},
                       headers={"X-CSRFToken": csrf(client), "Accept": "application/json"},
                       content_type="multipart/form-data")


def test_upload_answers_a_reference_and_refuses_in_json(login_as: Login, seeded: sessionmaker[Any]) -> None:
    _case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    answer = upload(client, task_id)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    reference = answer.get_json()["document"]
    assert reference["name"] == "tor.pdf" and reference["content_type"] == "application/pdf"
    refused = upload(client, task_id, "tor.pdf", b"MZ\x90\x00" + bytes(80))
    assert refused.status_code == 422 and "EXE" in refused.get_json()["detail"]
    assert upload(login_as("chongqing"), task_id).status_code == 403


def test_a_document_sent_with_the_form_is_listed_and_downloaded_by_the_cases_people_only(
        login_as: Login, seeded: sessionmaker[Any]) -> None:
    case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    reference = upload(client, task_id).get_json()["document"]
    with seeded() as session:
        complete_task(session, task_id, user=actor(session, "quanzhou"), data=TOR)
        session.commit()
    # tor_draft has no file picker: the reference stays a draft, readable by its uploader only
    assert client.get(f"/documents/{reference['document_id']}").status_code == 200
    assert login_as("iran_chamber").get(f"/documents/{reference['document_id']}").status_code == 403
    page = login_as("sec_wang").get(f"/cases/{case_id}")
    assert page.status_code == 200 and "No document is attached to this case." in page.get_data(as_text=True)


def test_comments_on_the_case_page_and_the_api(login_as: Login, seeded: sessionmaker[Any],
                                               app: Flask) -> None:
    case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    response = post(client, f"/cases/{case_id}/comments", {"body": "Please read **this** <b>now</b>",
                                                           "next": f"/tasks/{task_id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task_id}#comments")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Please read <strong>this</strong> &lt;b&gt;now&lt;/b&gt;" in html
    staff_page = login_as("sec_wang").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "<strong>this</strong>" in staff_page and "commented" in staff_page
    assert post(login_as("chongqing"), f"/cases/{case_id}/comments", {"body": "hi"}).status_code == 403
    with seeded() as session:
        token = create_token(session, "sec_wang", name="test").secret
        session.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    listed = api.get(f"/api/v1/process-instances/{case_id}/comments", headers=headers).get_json()
    assert [c["body"] for c in listed["items"]] == ["Please read **this** <b>now</b>"]
    added = api.post(f"/api/v1/process-instances/{case_id}/comments", headers=headers,
                     json={"body": "Noted, @quanzhou."})
    assert added.status_code == 201 and added.get_json()["mentions"] == ["quanzhou"]
    assert api.get(f"/api/v1/process-instances/{case_id}/documents", headers=headers).get_json() == \
        {"items": []}


def test_a_draft_comes_back_on_reload(login_as: Login, seeded: sessionmaker[Any]) -> None:
    _case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    saved = client.post(f"/tasks/{task_id}/draft", json={"data": {"committee_name": "Half typed"}},
                        headers={"X-CSRFToken": csrf(client), "Accept": "application/json"})
    assert saved.status_code == 200 and "saved_at" in saved.get_json()
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert '"committee_name": "Half typed"' in html and "is back in the form" in html
    other = login_as("chongqing")
    refused = other.post(f"/tasks/{task_id}/draft", json={"data": {}},
                         headers={"X-CSRFToken": csrf(other), "Accept": "application/json"})
    assert refused.status_code == 403
    no_token = login_as("quanzhou").post(f"/tasks/{task_id}/draft", json={"data": {}},
                                         headers={"Accept": "application/json"})
    assert no_token.status_code == 400


def test_the_bell_counts_unread_and_the_list_marks_them_read(login_as: Login,
                                                             seeded: sessionmaker[Any]) -> None:
    _case_id, draft = start_committee(seeded)
    with seeded() as session:
        complete_task(session, draft, user=actor(session, "quanzhou"), data=TOR)
        session.commit()
    Worker(seeded, worker_id="web-test").run_once()
    client = login_as("iran_chamber")
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'id="bell-count">1<' in page
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "A task was given to you: Endorse terms of reference" in listing
    with seeded() as session:
        notification_id = session.scalar(select(Notification.id).join(User, User.id == Notification.user_id)
                                         .where(User.username == "iran_chamber"))
    opened = post(client, f"/notifications/{notification_id}/open")
    assert opened.status_code == 302 and "/tasks/" in opened.headers["Location"]
    assert 'id="bell-count"' not in client.get("/inbox/").get_data(as_text=True)
    assert post(login_as("bavaria_forum"), f"/notifications/{notification_id}/open").status_code == 404


def test_preferences_are_saved_and_checked(login_as: Login, seeded: sessionmaker[Any]) -> None:
    client = login_as("sec_wang")
    assert "What I am told, and how" in client.get("/notifications/preferences").get_data(as_text=True)
    saved = post(client, "/notifications/preferences", {"email-task_offered": "daily",
                                                        "in_app-task_offered": "on",
                                                        "email-mention": "never",
                                                        "address": "wang@example.org"})
    assert saved.status_code == 302
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert '<option value="daily" selected>' in page and 'value="wang@example.org"' in page
    refused = post(client, "/notifications/preferences", {"email-task_offered": "hourly"})
    assert refused.status_code == 422
    assert post(client, "/notifications/preferences", {"address": "not an address"}).status_code == 422


def test_the_development_mail_page_is_refused_in_production(login_as: Login, app: Flask,
                                                            tmp_path: Any) -> None:
    app.config["DEV_MAILDIR"] = str(tmp_path / "mail")
    client = login_as("quanzhou")
    assert "No mail yet" in client.get("/dev/mail/").get_data(as_text=True)
    app.config["ALLIANCE_ENV"] = "production"
    assert client.get("/dev/mail/").status_code == 404


def test_api_notifications(login_as: Login, seeded: sessionmaker[Any], app: Flask) -> None:
    _case_id, draft = start_committee(seeded)
    with seeded() as session:
        complete_task(session, draft, user=actor(session, "quanzhou"), data=TOR)
        token = create_token(session, "iran_chamber", name="t").secret
        session.commit()
    Worker(seeded, worker_id="api-test").run_once()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    listed = api.get("/api/v1/notifications", headers=headers).get_json()
    assert listed["unread"] == 1 and listed["items"][0]["kind"] == "task_assigned"
    read = api.post(f"/api/v1/notifications/{listed['items'][0]['id']}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert json.loads(api.get("/api/v1/notifications?unread=true", headers=headers).data)["items"] == []
