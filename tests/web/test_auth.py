"""Login, logout, lockout and CSRF."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.access.users import get_user
from tests.web.conftest import csrf_token, login, post

GENERIC = "Wrong username or password, or the account is locked"


def test_login_page_is_public(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)


def test_login_and_logout(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    response = login(client, "quanzhou")
    assert response.status_code == 302 and response.location == "/inbox/"
    assert client.get("/inbox/").status_code == 200
    assert "Quanzhou Municipal Government" in client.get("/inbox/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405  # signing out is a POST
    response = post(client, "/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/inbox/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client: FlaskClient,
                                                              seeded: sessionmaker[Any]) -> None:
    wrong = login(client, "quanzhou", "not-the-password")
    unknown = login(client, "no_such_user", "whatever")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert GENERIC in response.get_data(as_text=True)
    assert client.get("/inbox/").status_code == 302


def test_login_redirects_to_next_only_on_this_site(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    token = csrf_token(client)
    response = client.post("/login?next=/start/", data={"csrf_token": token, "username": "quanzhou",
                                                         "password": "demo-city-quanzhou"})
    assert response.location == "/start/"
    post(client, "/logout")
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data={
        "csrf_token": token, "username": "quanzhou", "password": "demo-city-quanzhou"})
    assert response.location == "/inbox/"


def test_lockout_after_five_failures(client: FlaskClient, seeded: sessionmaker[Any],
                                     fake_clock: clock.FakeClock) -> None:
    for _ in range(5):
        assert GENERIC in login(client, "quanzhou", "wrong").get_data(as_text=True)
    with seeded() as session:
        user = get_user(session, "quanzhou")
        assert user.locked_until is not None and user.locked_until > fake_clock.now()
    locked = login(client, "quanzhou")  # the right password is refused while locked
    assert locked.status_code == 200
    text = locked.get_data(as_text=True)
    assert GENERIC in text and "locked for 15 minutes" in text
    fake_clock.advance(timedelta(minutes=16))
    assert login(client, "quanzhou").status_code == 302
    with seeded() as session:
        user = get_user(session, "quanzhou")
        assert user.failed_logins == 0 and user.locked_until is None


def test_success_resets_the_failure_count(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    for _ in range(4):
        login(client, "quanzhou", "wrong")
    assert login(client, "quanzhou").status_code == 302
    with seeded() as session:
        assert get_user(session, "quanzhou").failed_logins == 0


def test_inactive_user_cannot_sign_in_and_is_signed_out(client: FlaskClient,
                                                        seeded: sessionmaker[Any]) -> None:
    assert login(client, "quanzhou").status_code == 302
    with seeded() as session:
        get_user(session, "quanzhou").active = False
        session.commit()
    assert client.get("/inbox/").status_code == 302  # the session no longer counts
    assert GENERIC in login(client, "quanzhou").get_data(as_text=True)


def test_missing_or_forged_csrf_token_is_refused(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    missing = client.post("/login", data={"username": "quanzhou", "password": "demo-city-quanzhou"})
    assert missing.status_code == 400
    assert "The form has expired" in missing.get_data(as_text=True)
    forged = client.post("/login", data={"username": "quanzhou", "password": "demo-city-quanzhou",
                                         "csrf_token": "forged-token"})
    assert forged.status_code == 400
    login(client, "quanzhou")
    assert client.post("/logout", data={"csrf_token": "x"}).status_code == 400
    assert client.get("/inbox/").status_code == 200  # still signed in


def test_empty_form_asks_for_both_fields(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    response = post(client, "/login", {"username": "", "password": ""})
    assert "Enter your username and your password" in response.get_data(as_text=True)
