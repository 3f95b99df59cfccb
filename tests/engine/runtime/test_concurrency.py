"""Simultaneous changes of one case: of eight completions of one task exactly one wins; on
PostgreSQL a completion holds its case, so a completion of another branch waits for it and goes on;
a step's round trips and the numbering of the tasks it opens."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.definitions import deployment as definitions
from engine.errors import Conflict
from engine.runtime import cases, tasks
from engine.store.direct import sends_later
from engine.store.models import HistoryEvent, HumanTask
from tests.conftest import fixture_files
from tests.engine.store.rows import round_trips


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


def _waiting_on_a_lock(session: Session, pid: int) -> bool:
    return bool(session.scalar(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                               {"pid": pid}))


def test_a_completion_holds_its_case_so_a_parallel_one_waits_instead_of_failing(
        session: Session, session_factory: sessionmaker[Any], make_user: Callable[..., Actor]) -> None:
    """PostgreSQL: a completion locks its task and case as it reads them. A completion of the
    other branch of the same case waits for it, then reads what it committed and goes on (with
    optimistic checks alone it failed with ConcurrentUpdate)."""
    if not sends_later(session):
        pytest.skip("SQLite serializes writers itself: a completion takes no row locks there")
    definitions.deploy(session, fixture_files("parallel_branches.bpmn"))
    ana = make_user("ana", "requester")
    case = cases.start_case(session, "parallel_branches", user=ana)
    session.commit()
    left, right = sorted(case.open_tasks, key=lambda t: t.element_id)
    outcome: list[object] = []
    with session_factory() as first, session_factory() as watcher:
        tasks.complete_task(first, left.id, user=ana)  # holds the case until it commits
        pids: list[int] = []

        def other_branch() -> None:
            with session_factory() as second:
                pids.append(second.scalar(text("SELECT pg_backend_pid()")))  # its connection now
                try:
                    outcome.append(tasks.complete_task(second, right.id, user=ana))
                    second.commit()
                except Exception as exc:  # the outcome is the assertion
                    outcome.append(exc)

        thread = threading.Thread(target=other_branch)
        thread.start()
        deadline = time.monotonic() + 30
        while not (pids and _waiting_on_a_lock(watcher, pids[0])) and time.monotonic() < deadline:
            watcher.commit()
            time.sleep(0.02)
        assert pids and _waiting_on_a_lock(watcher, pids[0]) and not outcome
        first.commit()
        thread.join(30)
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
    view = cases.view_case(session, case.id)
    assert [t.element_id for t in view.open_tasks] == ["after"]
    assert view.version == case.version + 2


def test_a_completion_is_two_round_trips_and_a_start_three(
        session: Session, make_user: Callable[..., Actor], monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: [BEGIN, lock, read] and [writes, the next task's INSERT (its id taken with the
    read), COMMIT]; a start: [BEGIN, definition], [the case's INSERT, an id for its first task],
    [writes, COMMIT]."""
    if not sends_later(session):
        pytest.skip("round trips are PostgreSQL's")
    definitions.deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    ana = make_user("ana", "requester")
    make_user("rev", "reviewers")
    session.commit()
    sent = round_trips(monkeypatch)
    case = cases.start_case(session, "three_steps", user=ana)
    session.commit()
    assert len(sent) == 3, sent
    sent.clear()
    case = tasks.complete_task(session, case.open_tasks[0].id, user=ana, data={"title": "t", "amount": 1})
    session.commit()
    assert len(sent) == 2, sent
    review = case.open_tasks[0]
    assert review.element_id == "review"
    assert session.scalar(select(func.max(HumanTask.id)).where(HumanTask.case_id == case.id)) == review.id


def test_a_step_opening_two_tasks_numbers_them_in_order(
        session: Session, make_user: Callable[..., Actor]) -> None:
    """The id taken ahead goes to the first task a step opens, the database numbers the next:
    a case's tasks are numbered in the order they were opened, on every database."""
    definitions.deploy(session, fixture_files("parallel_branches.bpmn"))
    ana = make_user("ana", "requester")
    case = cases.start_case(session, "parallel_branches", user=ana)
    session.commit()
    rows = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)
                           .order_by(HumanTask.id)).all()
    assert [t.id for t in case.open_tasks] == [r.id for r in rows] and len(rows) == 2
    assert len({r.id for r in rows}) == 2
    for task in case.open_tasks:
        case = tasks.complete_task(session, task.id, user=ana)
        session.commit()
    after = case.open_tasks[0]
    assert after.element_id == "after" and after.id > rows[-1].id
