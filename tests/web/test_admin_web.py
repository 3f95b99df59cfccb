"""User administration: admins only; list, create, set groups, deactivate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.access.users import get_user
from tests.web.conftest import login, post

Login = Callable[[str], FlaskClient]
NEW = {"username": "hanoi", "display_name": "Hanoi People's Committee", "email": "hanoi@example.org",
       "groups": "proposing_entity, partner_cities", "timezone": "Asia/Ho_Chi_Minh",
       "password": "a-good-long-password", "active": "y"}


def test_only_admins(login_as: Login) -> None:
    client = login_as("sec_wang")
    assert client.get("/admin/users").status_code == 403
    assert post(client, "/admin/users", NEW).status_code == 403
    assert login_as("admin").get("/admin/users").status_code == 200


def test_create_user_and_sign_in(login_as: Login, client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    admin = login_as("admin")
    response = post(admin, "/admin/users", NEW)
    assert response.status_code == 302
    assert "hanoi" in admin.get("/admin/users").get_data(as_text=True)
    with seeded() as session:
        user = get_user(session, "hanoi")
        assert user.group_names == {"proposing_entity", "partner_cities"}
        assert user.timezone == "Asia/Ho_Chi_Minh"
    assert post(admin, "/admin/users", NEW).status_code == 409  # exists already
    post(admin, "/logout")
    assert login(client, "hanoi", NEW["password"]).status_code == 302


def test_bad_input_is_refused(login_as: Login) -> None:
    admin = login_as("admin")
    for bad in ({"username": "has space"}, {"timezone": "Mars/Olympus"}, {"password": "short"},
                {"groups": "Not A Slug!"}):
        response = post(admin, "/admin/users", {**NEW, **bad})
        assert response.status_code == 422, bad


def test_set_groups_and_deactivate(login_as: Login, client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    admin = login_as("admin")
    page = admin.get("/admin/users/quanzhou")
    assert page.status_code == 200 and "proposing_entity" in page.get_data(as_text=True)
    response = post(admin, "/admin/users/quanzhou", {"groups": "partner_cities", "timezone": "UTC"})
    assert response.status_code == 302
    with seeded() as session:
        user = get_user(session, "quanzhou")
        assert user.group_names == {"partner_cities"} and not user.active
    assert post(admin, "/admin/users/admin", {"groups": "admins", "timezone": "UTC"}).status_code == 422
    assert admin.get("/admin/users/nobody").status_code == 404
    post(admin, "/logout")
    assert login(client, "quanzhou").status_code == 200  # deactivated: refused
