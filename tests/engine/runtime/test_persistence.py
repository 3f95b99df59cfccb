"""Load -> change -> save: the live-workflow cache follows commits, readers keep it warm."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.definitions import deployment as definitions
from engine.runtime import cases, tasks
from engine.runtime.context import Runtime
from engine.runtime.persistence import open_case, peek_case, save_case
from engine.store.models import Case, CaseParticipant, HumanTask
from engine.store.models.tasks import offer_text
from tests.conftest import fixture_files


@pytest.fixture
def started(session: Session, make_user: Callable[..., Actor]) -> tuple[int, Actor]:
    definitions.deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    ana = make_user("ana", "requester")
    case = cases.start_case(session, "three_steps", user=ana)
    session.commit()
    return case.id, ana


def _cached(runtime: Runtime, session: Session, case_id: int) -> bool:
    version = session.get(Case, case_id).version  # type: ignore[union-attr]
    workflow = runtime.live.take(case_id, version)
    if workflow is not None:
        runtime.live.put(case_id, version, workflow)
    return workflow is not None


def test_a_commit_publishes_the_saved_workflow(session: Session, runtime: Runtime,
                                               started: tuple[int, Actor]) -> None:
    case_id, _ = started
    assert _cached(runtime, session, case_id)


def test_reading_a_case_keeps_it_in_the_live_cache(session: Session, runtime: Runtime,
                                                   started: tuple[int, Actor]) -> None:
    """A task page view used to take the workflow out, so the next completion deserialized again."""
    case_id, ana = started
    cases.view_case(session, case_id)
    with peek_case(session, case_id):
        pass
    assert _cached(runtime, session, case_id)
    view = cases.view_case(session, case_id)
    live_before = runtime.live.take(case_id, session.get(Case, case_id).version)  # type: ignore[union-attr]
    assert live_before is not None
    runtime.live.put(case_id, session.get(Case, case_id).version, live_before)  # type: ignore[union-attr]
    tasks.complete_task(session, view.open_tasks[0].id, user=ana, data={"title": "t", "amount": 1})
    session.commit()
    assert open_case(session, case_id).workflow is live_before  # the same object went on


def test_a_rollback_publishes_nothing(session: Session, runtime: Runtime,
                                      started: tuple[int, Actor]) -> None:
    case_id, ana = started
    view = cases.view_case(session, case_id)
    tasks.complete_task(session, view.open_tasks[0].id, user=ana, data={"title": "t", "amount": 1})
    cases.view_case(session, case_id)  # read after the write, in the same transaction
    uncommitted_version = session.get(Case, case_id).version  # type: ignore[union-attr]
    session.rollback()
    assert runtime.live.take(case_id, uncommitted_version) is None
    fresh = cases.view_case(session, case_id)
    assert [t.element_id for t in fresh.open_tasks] == ["draft"]


def test_reading_after_an_uncommitted_write_does_not_leak_it(session: Session, runtime: Runtime,
                                                             started: tuple[int, Actor]) -> None:
    case_id, _ = started
    opened = open_case(session, case_id)
    opened.workflow.data["leak"] = True
    save_case(session, opened)
    with peek_case(session, case_id) as peeked:
        assert peeked.workflow.data.get("leak") is True
    uncommitted_version = session.get(Case, case_id).version  # type: ignore[union-attr]
    session.rollback()
    assert runtime.live.take(case_id, uncommitted_version) is None


def test_a_new_case_and_task_are_in_the_session_as_loaded(session: Session,
                                                          make_user: Callable[..., Actor]) -> None:
    """The step inserts the case and its new task with statements of its own and puts their
    rows into the session as if loaded: unmodified (no UPDATE follows), candidates loaded, and
    equal to what the database holds."""
    definitions.deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    ana = make_user("ana", "requester")
    attached: list[object] = []
    event.listen(session, "loaded_as_persistent", lambda _s, obj: attached.append(obj))
    started = cases.start_case(session, "three_steps", user=ana)
    [case] = [o for o in attached if isinstance(o, Case)]
    assert case.id == started.id and not inspect(case).modified
    session.commit()
    attached.clear()
    view = tasks.complete_task(session, started.open_tasks[0].id, user=ana,
                               data={"title": "t", "amount": 1})  # the next task is the reviewers'
    [row] = [o for o in attached if isinstance(o, HumanTask) and o.id == view.open_tasks[0].id]
    case = session.get(Case, view.id)
    assert case is not None
    assert not inspect(row).modified and not inspect(case).modified
    assert "candidates" not in inspect(row).unloaded
    statements: list[str] = []
    bind = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        session.flush()
        kept = (row.element_id, row.state, row.assignee, row.offered_to,
                sorted((c.kind, c.name) for c in row.candidates), case.status, case.version,
                case.started_by, case.title)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert statements == []
    assert kept[3] == offer_text(kept[4]) and kept[4], kept
    session.commit()
    session.expunge_all()
    row = session.get(HumanTask, view.open_tasks[0].id)
    case = session.get(Case, view.id)
    assert row is not None and case is not None
    assert (row.element_id, row.state, row.assignee, row.offered_to,
            sorted((c.kind, c.name) for c in row.candidates), case.status, case.version,
            case.started_by, case.title) == kept


def test_a_completion_without_the_live_workflow_reads_the_state(session: Session, runtime: Runtime,
                                                               started: tuple[int, Actor]) -> None:
    """The completion's read leaves the state out (the live cache has the workflow); a process
    that does not have it (restarted, or another process moved the case) reads it then."""
    case_id, ana = started
    session.expunge_all()
    runtime.live.clear()
    task_id = cases.view_case(session, case_id).open_tasks[0].id
    session.expunge_all()
    runtime.live.clear()
    view = tasks.complete_task(session, task_id, user=ana, data={"title": "t", "amount": 1})
    session.commit()
    assert [t.element_id for t in view.open_tasks] == ["review"]
    assert view.data["title"] == "t"


def test_a_completion_writes_only_new_participants(session: Session,
                                                   make_user: Callable[..., Actor]) -> None:
    """The completion reads who takes part along with the task: a step by someone already
    taking part, whose next task goes to a group already taking part, writes no participant
    row; someone new is written."""
    definitions.deploy(session, fixture_files("loop.bpmn"))
    wes = make_user("wes", "workers")
    task_id = cases.start_case(session, "looping", user=wes).open_tasks[0].id
    session.commit()
    written: list[str] = []
    bind = session.get_bind()

    def listener(*args: Any) -> None:
        if args[2].startswith("INSERT INTO case_participant"):
            written.append(args[2])

    event.listen(bind, "before_cursor_execute", listener)
    try:
        task_id = tasks.complete_task(session, task_id, user=wes, data={"done": False}).open_tasks[0].id
        session.commit()
        assert written == []
        kai = make_user("kai", "workers")
        case_id = tasks.complete_task(session, task_id, user=kai, data={"done": False}).id
        session.commit()
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert len(written) == 1
    rows = session.execute(select(CaseParticipant.kind, CaseParticipant.name)
                           .where(CaseParticipant.case_id == case_id)).all()
    assert {tuple(r) for r in rows} == {("user", "wes"), ("user", "kai"), ("group", "workers")}
