"""Eight simultaneous completions of one task: exactly one wins."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.definitions import deployment as definitions
from engine.errors import Conflict
from engine.runtime import cases, tasks
from engine.store.models import HistoryEvent
from tests.conftest import fixture_files


def test_eight_threads_complete_the_same_task(session: Session, session_factory: sessionmaker[Any],
                                              make_user: Callable[..., Actor]) -> None:
    definitions.deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    ana = make_user("ana", "requester")
    reviewers = [make_user(f"rev{i}", "reviewers") for i in range(8)]
    case = cases.start_case(session, "three_steps", user=ana)
    case = tasks.complete_task(session, case.open_tasks[0].id, user=ana, data={"title": "t", "amount": 1})
    session.commit()
    review_id = case.open_tasks[0].id
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user: Actor) -> None:
        with session_factory() as s:
            barrier.wait()
            try:
                tasks.complete_task(s, review_id, user=user, data={"decision": "approve",
                                                                   "by": user.username})
                s.commit()
                outcome = "ok"
            except Conflict as exc:
                s.rollback()
                outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    counts = Counter(outcomes)
    assert counts["ok"] == 1, counts
    assert sum(counts.values()) == 8 and len(outcomes) == 8
    session.expire_all()
    completions = session.scalar(select(func.count()).select_from(HistoryEvent).where(
        HistoryEvent.case_id == case.id, HistoryEvent.element_id == "review",
        HistoryEvent.kind == "task_completed"))
    assert completions == 1
    view = cases.view_case(session, case.id)
    assert view.status == "running"
    assert [t.element_id for t in view.open_tasks] == ["approve"]
    winner = view.data["by"]
    assert winner in {u.username for u in reviewers}


def test_stale_version_is_refused(session: Session, session_factory: sessionmaker[Any],
                                  make_user: Callable[..., Actor]) -> None:
    """A save based on an old read raises ConcurrentUpdate instead of overwriting."""
    import pytest

    from engine.errors import ConcurrentUpdate
    from engine.runtime.persistence import open_case, save_case

    definitions.deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    ana = make_user("ana", "requester")
    case = cases.start_case(session, "three_steps", user=ana)
    session.commit()
    before = cases.view_case(session, case.id).version
    session.commit()
    with session_factory() as first, session_factory() as second:
        stale = open_case(second, case.id)
        second.commit()  # ends the read transaction; `stale` still holds version 1
        fresh = open_case(first, case.id)
        save_case(first, fresh)
        first.commit()
        with pytest.raises(ConcurrentUpdate, match="changed by someone else"):
            save_case(second, stale)
        second.rollback()
    assert cases.view_case(session, case.id).version == before + 1
