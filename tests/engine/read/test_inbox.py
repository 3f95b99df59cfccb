"""The inbox query: tabs, filters, search, sort, pagination and counts over the projection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine import clock
from engine.access.users import Actor
from engine.read.inbox import inbox_page
from engine.store.models import Candidate, Case, CaseStatus, HumanTask, ProcessDefinition, TaskState
from tests.conftest import fixture_files


def any_definition(session: Session) -> ProcessDefinition:
    from engine.definitions.deployment import deploy

    existing = session.query(ProcessDefinition).first()
    if existing is not None:
        return existing
    deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    return session.query(ProcessDefinition).first()  # type: ignore[return-value]


def add_case(session: Session, *, title: str | None = None, business_key: str | None = None,
             started_by: str | None = None, process_id: str | None = None,
             started_at: datetime | None = None) -> Case:
    definition = any_definition(session)
    moment = started_at or clock.now()
    case = Case(definition_id=definition.id, process_id=process_id or definition.process_id,
                business_key=business_key, title=title, status=CaseStatus.RUNNING, state=b"{}",
                serializer_version="test", version=1, started_by=started_by, started_at=moment,
                updated_at=moment)
    session.add(case)
    session.flush()
    return case


def add_task(session: Session, case: Case, name: str, *, groups: tuple[str, ...] = (),
             users: tuple[str, ...] = (), assignee: str | None = None,
             created_at: datetime | None = None, due_at: datetime | None = None,
             state: str = TaskState.OPEN, lane: str | None = "Secretariat") -> HumanTask:
    task = HumanTask(case_id=case.id, spiff_task_id="00000000-0000-0000-0000-000000000000",
                     element_id=name.lower().replace(" ", "_"), name=name, process_id=case.process_id,
                     lane=lane, assignee=assignee, state=state, created_at=created_at or clock.now(),
                     due_at=due_at, claimed_at=None)
    task.candidates = ([Candidate("group", g) for g in groups]
                       + [Candidate("user", u) for u in users])
    session.add(task)
    session.flush()
    return task


@pytest.fixture
def alice(make_user: Callable[..., Actor]) -> Actor:
    return make_user("alice", "secretariat", "committee")


@pytest.fixture
def world(session: Session, alice: Actor, fake_clock: clock.FakeClock) -> dict[str, Any]:
    start = fake_clock.now()
    c1 = add_case(session, title="Tourism committee", business_key="TOR-7", started_by="alice")
    c2 = add_case(session, title="Silk Road Sports Academy", business_key="AWP-2018",
                  started_by="bob")
    tasks = {
        "mine_old": add_task(session, c1, "Review terms", assignee="alice",
                             created_at=start - timedelta(days=3), due_at=start - timedelta(days=1)),
        "mine_new": add_task(session, c2, "Approve activity", assignee="alice",
                             created_at=start - timedelta(days=1), due_at=start + timedelta(days=5)),
        "group": add_task(session, c2, "Check completeness", groups=("secretariat",),
                          created_at=start - timedelta(days=2)),
        "group2": add_task(session, c1, "Submit activity", groups=("committee",),
                           created_at=start - timedelta(hours=1), due_at=start - timedelta(hours=2)),
        "user": add_task(session, c1, "Endorse terms", users=("alice",),
                         created_at=start - timedelta(hours=3)),
        "other": add_task(session, c2, "Board decision", groups=("project_board",)),
        "taken": add_task(session, c2, "Held by bob", groups=("secretariat",), assignee="bob"),
        "done": add_task(session, c1, "Done already", assignee="alice", state=TaskState.COMPLETED),
    }
    session.commit()
    return {"cases": (c1, c2), "tasks": tasks}


def names(page: Any) -> list[str]:
    return [r.task_name for r in page.rows]


def test_assigned_tab_lists_only_my_open_tasks(session: Session, alice: Actor, world: Any) -> None:
    page = inbox_page(session, alice, tab="assigned")
    assert names(page) == ["Review terms", "Approve activity"]
    row = page.rows[0]
    assert (row.case_title, row.business_key, row.lane) == ("Tourism committee", "TOR-7", "Secretariat")
    assert row.overdue and not page.rows[1].overdue
    assert page.total == 2


def test_claimable_tab_lists_unassigned_tasks_of_my_groups_and_me(session: Session, alice: Actor,
                                                                  world: Any) -> None:
    page = inbox_page(session, alice, tab="claimable")
    assert names(page) == ["Check completeness", "Endorse terms", "Submit activity"]
    assert page.counts == {"assigned": 2, "claimable": 3, "started": 1}


def test_started_tab_lists_my_cases_with_open_tasks(session: Session, alice: Actor, world: Any) -> None:
    page = inbox_page(session, alice, tab="started")
    assert [c.title for c in page.cases] == ["Tourism committee"]
    assert page.cases[0].open_tasks == ["Review terms", "Submit activity", "Endorse terms"]
    assert page.cases[0].overdue


def test_filter_by_process_and_overdue(session: Session, alice: Actor, world: Any) -> None:
    assert inbox_page(session, alice, tab="assigned", process_id="nope").total == 0
    pid = world["cases"][0].process_id
    assert inbox_page(session, alice, tab="assigned", process_id=pid).total == 2
    assert names(inbox_page(session, alice, tab="assigned", overdue=True)) == ["Review terms"]
    assert names(inbox_page(session, alice, tab="claimable", overdue=True)) == ["Submit activity"]
    assert [c.case_id for c in inbox_page(session, alice, tab="started", overdue=True).cases] == [
        world["cases"][0].id]


@pytest.mark.parametrize(("term", "expected"), [
    ("review", ["Review terms"]),          # task name, any case
    ("SPORTS", ["Approve activity"]),      # case title
    ("tor-7", ["Review terms"]),           # business key
    ("100%", []),                          # LIKE wildcards are literal
])
def test_search(session: Session, alice: Actor, world: Any, term: str, expected: list[str]) -> None:
    page = inbox_page(session, alice, tab="assigned", search=term)
    assert names(page) == expected
    assert page.total == len(expected)
    assert page.counts["assigned"] == 2  # counts stay unfiltered


def test_sorts(session: Session, alice: Actor, world: Any) -> None:
    def order(sort: str) -> list[str]:
        return names(inbox_page(session, alice, tab="claimable", sort=sort))

    assert order("created") == ["Check completeness", "Endorse terms", "Submit activity"]
    assert order("-created") == ["Submit activity", "Endorse terms", "Check completeness"]
    assert order("name") == ["Check completeness", "Endorse terms", "Submit activity"]
    assert order("-name") == ["Submit activity", "Endorse terms", "Check completeness"]
    assert order("due") == ["Submit activity", "Check completeness", "Endorse terms"]  # no due last
    assert order("bogus") == order("created")


def test_pagination(session: Session, alice: Actor, fake_clock: clock.FakeClock) -> None:
    case = add_case(session, title="Many", started_by="alice")
    for i in range(7):
        add_task(session, case, f"Task {i}", assignee="alice",
                 created_at=fake_clock.now() + timedelta(minutes=i))
    session.commit()
    pages = [inbox_page(session, alice, tab="assigned", per_page=3, page=n) for n in (1, 2, 3, 4)]
    assert [names(p) for p in pages] == [["Task 0", "Task 1", "Task 2"], ["Task 3", "Task 4", "Task 5"],
                                         ["Task 6"], []]
    assert {p.total for p in pages} == {7}
    assert pages[0].pages == 3
    assert inbox_page(session, alice, tab="assigned", per_page=3, page=0).page == 1


def test_user_without_groups_sees_only_user_candidates(session: Session, world: Any,
                                                       make_user: Callable[..., Actor]) -> None:
    loner = make_user("loner")
    assert inbox_page(session, loner, tab="claimable").total == 0
    case = world["cases"][0]
    add_task(session, case, "For loner", users=("loner",))
    session.commit()
    assert names(inbox_page(session, loner, tab="claimable")) == ["For loner"]


def test_unknown_tab_is_refused(session: Session, alice: Actor) -> None:
    with pytest.raises(ValueError):
        inbox_page(session, alice, tab="everything")


def test_counts_stop_at_the_cap(session: Session, alice: Actor, world: Any,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.read.inbox

    monkeypatch.setattr(engine.read.inbox, "COUNT_CAP", 2)
    page = inbox_page(session, alice, tab="claimable", per_page=1)
    assert page.counts["claimable"] == 3 and page.total == 3 and page.capped
    assert len(page.rows) == 1
    assert not inbox_page(session, alice, tab="started").capped


def test_offers_match_principals_exactly(session: Session, make_user: Callable[..., Actor]) -> None:
    """`offered_to` is tested byte for byte: no case folding (SQLite's LIKE would fold ASCII
    case), no wildcards in names, no prefix of a longer name, and candidates changed after the
    task was written move it to the new inboxes."""
    upper = make_user("upper", "Board")
    wild = make_user("wild", "team_a")
    prefix = make_user("prefix", "team")
    case = add_case(session, title="Exact offers")
    add_task(session, case, "For the board", groups=("board",))
    add_task(session, case, "For team-a", groups=("team-a",))
    add_task(session, case, "For teamster", groups=("teamster",))
    moved = add_task(session, case, "Moved", groups=("nobody-here",))
    session.commit()
    for user in (upper, wild, prefix):
        assert inbox_page(session, user, tab="claimable").rows == [], user.username
    moved.candidates = [Candidate("group", "team")]
    session.commit()
    assert [r.task_name for r in inbox_page(session, prefix, tab="claimable").rows] == ["Moved"]


def test_past_a_capped_count_the_pages_go_on_while_they_are_full(
        session: Session, alice: Actor, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.read.inbox

    monkeypatch.setattr(engine.read.inbox, "COUNT_CAP", 1)
    first = inbox_page(session, alice, tab="claimable", per_page=1)
    assert first.capped and first.pages == 2
    deeper = inbox_page(session, alice, tab="claimable", per_page=1, page=3)
    assert len(deeper.rows) == 1 and deeper.pages == 4  # the count stopped at 2; a full page 3
    past_the_end = inbox_page(session, alice, tab="claimable", per_page=1, page=4)
    assert past_the_end.rows == [] and past_the_end.pages == 2
