"""Fixtures for the dashboard's web tests: three committee cases in known states."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.store.models import HumanTask, TaskState
from tests.web.flows import start_committee, to_review


@pytest.fixture
def cases(seeded: sessionmaker[Any]) -> dict[str, int]:
    """TOR-1 waiting for the Secretariat's review (overdue), TOR-2 and TOR-3 drafting."""
    review, review_task = to_review(seeded, "TOR-1")
    drafting, draft_task = start_committee(seeded, "TOR-2")
    other, other_task = start_committee(seeded, "TOR-3")
    with seeded() as session:
        session.execute(update(HumanTask).where(HumanTask.id == review_task,
                                                HumanTask.state == TaskState.OPEN)
                        .values(due_at=clock.now() - timedelta(days=2)))
        session.commit()
    return {"review": review, "review_task": review_task, "drafting": drafting,
            "draft_task": draft_task, "other": other, "other_task": other_task}
