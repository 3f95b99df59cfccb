"""The registry page (/registry): Alliance members with their committee seats, each linking to its cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from processes.registry_membership import RegistryAllianceMember, RegistryCommitteeSeat


def test_alliance_members_and_their_seats_link_to_their_cases(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        colombo = session.scalar(select(RegistryAllianceMember)
                                 .where(RegistryAllianceMember.name == "Colombo Municipal Council"))
        quanzhou = session.scalar(select(RegistryAllianceMember)
                                  .where(RegistryAllianceMember.name == "Quanzhou Municipal Government"))
        assert colombo is not None and quanzhou is not None
        colombo.case_id = 4242
        seat = session.scalar(select(RegistryCommitteeSeat)
                              .where(RegistryCommitteeSeat.member_id == quanzhou.id))
        assert seat is not None
        seat.case_id = 4343
        session.commit()
    page = login_as("colombo").get("/registry/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Alliance members and their committee seats" in body
    members = body[body.index('id="alliance-members"'):body.index('id="committees"')]
    assert "Colombo Municipal Council" in members and "Sri Lanka" in members
    assert "Quanzhou Municipal Government" in members and "Investment and Trade — Active" in members
    assert 'href="/cases/4242"' in members and 'href="/cases/4343"' in members
