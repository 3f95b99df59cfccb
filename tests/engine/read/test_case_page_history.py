"""The case page's timeline is paged (engine.read.case_page): the latest events, the total, and
the diagram's completed marks still from the whole history."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.read.case_page import case_detail
from engine.runtime.history import EventKind, case_history, record
from tests.web.flows import to_review


@pytest.fixture
def alliance(seeded: sessionmaker[Any]) -> sessionmaker[Any]:
    return seeded


def test_a_long_history_shows_its_latest_page_and_says_how_many_there_are(
        alliance: sessionmaker[Any]) -> None:
    case_id, _review = to_review(alliance)
    with alliance() as session:
        for n in range(30):
            record(session, case_id, EventKind.TASK_CLAIMED, user="quanzhou", element_id=f"claim{n}")
        session.commit()
        sec = actor(session, "sec_wang")
        whole = case_detail(session, case_id, sec, history_limit=None)
        page = case_detail(session, case_id, sec, history_limit=10)
        assert whole.history_total == len(whole.history) > 30
        assert page.history_total == whole.history_total
        assert [e.id for e in page.history] == [e.id for e in whole.history[-10:]]
        assert all(e.kind == EventKind.TASK_CLAIMED for e in page.history)
        # the draft and endorsement were completed long before the page's events
        assert {"draft_tor", "endorse_tor"} <= set(page.completed_elements)
        assert page.completed_elements == whole.completed_elements
        assert case_history(session, case_id, latest=1000) == whole.history


def test_the_case_page_links_to_the_whole_timeline(alliance: sessionmaker[Any]) -> None:
    case_id, _review = to_review(alliance)
    with alliance() as session:
        for n in range(5):
            record(session, case_id, EventKind.TASK_CLAIMED, user="quanzhou", element_id=f"claim{n}")
        session.commit()
        short = case_detail(session, case_id, actor(session, "sec_wang"), history_limit=3)
        assert len(short.history) == 3 and short.history_total > 3
