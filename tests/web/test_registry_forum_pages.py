"""/registry shows action plans (with the initiatives started from them) and Forum editions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from processes.demo_forum import DEMO_ACTION_PLAN
from processes.registry_forum import RegistryForumAgreement, RegistryForumEdition, RegistryForumParticipant


def test_registry_lists_plans_and_forum_editions(app: Flask, seeded: sessionmaker[Any],
                                                 login_as: Callable[[str], FlaskClient]) -> None:
    with seeded() as session:
        forum = RegistryForumEdition(year=2018, host_city="quanzhou", venue="Harbour hall", status="reported",
                                     case_id=41)
        session.add(forum)
        session.flush()
        session.add(RegistryForumParticipant(forum_id=forum.id, city="chongqing", attendance="attend",
                                             delegates=[]))
        session.add(RegistryForumAgreement(forum_id=forum.id, title="Port pact", kind="trade", signatories=[],
                                           follow_up_committee="Investment and Trade",
                                           follow_up_status="completed"))
        session.commit()
    page = login_as("quanzhou").get("/registry/").get_data(as_text=True)
    assert 'id="action-plans"' in page and DEMO_ACTION_PLAN["title"] in page
    assert 'id="cities-forum"' in page and "Cities Forum 2018" in page
    assert "Port pact — Investment and Trade: completed" in page and "chongqing (attend)" in page
    assert 'href="/cases/41"' in page
