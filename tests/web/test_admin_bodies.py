"""Admins manage organisations, bodies and memberships; a new member gets the body's tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.access.bodies import members
from engine.access.users import actor
from tests.web.conftest import post


def test_an_admin_creates_a_body_and_its_members(login_as: Callable[[str], FlaskClient],
                                                 seeded: sessionmaker[Any]) -> None:
    outsider = login_as("analyst")
    for url in ("/admin/bodies", "/admin/organisations", "/admin/bodies/committee.x"):
        assert outsider.get(url).status_code == 403
    assert post(outsider, "/admin/bodies", {"code": "committee.x", "name": "X", "kind": "committee"}
                ).status_code == 403

    admin = login_as("admin")
    made = post(admin, "/admin/bodies", {"code": "committee.harbours", "name": "Harbours",
                                         "kind": "committee"})
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/bodies/committee.harbours")
    bad = post(admin, "/admin/bodies", {"code": "Not A Code", "name": "?", "kind": "committee"},
               follow_redirects=True)
    assert "Nothing was changed" in bad.get_data(as_text=True)
    assert post(admin, "/admin/bodies/committee.harbours/members",
                {"member": "chongqing", "role": "focal_point"}).status_code == 302
    missing = post(admin, "/admin/bodies/committee.harbours/members",
                   {"member": "nobody-here", "role": "member"}, follow_redirects=True)
    assert "unknown user" in missing.get_data(as_text=True)
    assert post(admin, "/admin/organisations", {"code": "harbour_city", "name": "Harbour City",
                                                "kind": "city"}).status_code == 302
    assert post(admin, "/admin/organisations/people", {"username": "quanzhou",
                                                       "organisation": "harbour_city"}).status_code == 302
    assert post(admin, "/admin/bodies/committee.harbours/members",
                {"member": "org:harbour_city", "role": "member"}).status_code == 302
    page = admin.get("/admin/bodies/committee.harbours").get_data(as_text=True)
    assert "user:chongqing" in page and "org:harbour_city" in page

    with seeded() as session:
        assert "committee.harbours#focal_point" in actor(session, "chongqing").bodies
        assert "committee.harbours" in actor(session, "quanzhou").bodies  # through her city
        [focal] = [m for m in members(session, "committee.harbours") if m.role == "focal_point"]
    assert post(admin, f"/admin/bodies/committee.harbours/members/{focal.id}/end").status_code == 302
    with seeded() as session:
        assert "committee.harbours#focal_point" not in actor(session, "chongqing").bodies
