"""The Alliance as it works: processes deployed, demo users and registry seeded, a worker at hand.

Scenario tests read like the user story: `world.start("quanzhou", "committee_establishment")`,
`world.complete("iran_chamber", case_id, "endorse_tor", {...})`, `world.advance(days=31)`.
Every step goes through the engine's use cases as the named demo user (the task is found in
that user's own inbox, claimed if it is a group task, then completed), and every step commits
and runs the background worker once, synchronously, with the Alliance's handlers
(`processes.handlers.HANDLERS`), the way the `alliance worker` process would.

Time is the fake clock only; it starts on Monday 8 January 2018 (the year of the
framework's work-plan highlights).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.start_rights import require_start
from engine.access.users import Actor, actor
from engine.background import incidents, messages
from engine.background.incidents import IncidentView
from engine.background.worker import Worker, WorkerStats
from engine.clock import FakeClock
from engine.definitions import deployment as definitions
from engine.read.inbox import MAX_PER_PAGE, inbox_page
from engine.runtime import cases, tasks
from engine.runtime.context import Runtime
from engine.runtime.handlers import HandlerRegistry
from engine.runtime.history import HistoryEntry, case_history
from engine.runtime.serialization import load_state
from engine.runtime.views import CaseView, TaskView
from engine.store.models import Case, HumanTask, Job, MessageSubscription, TaskState
from processes.handlers import HANDLERS
from processes.registry import RegistryCommittee
from tests.conftest import OPERATOR

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SCENARIO_START = datetime(2018, 1, 8, 9, 0, tzinfo=UTC)

T = TypeVar("T")


class ScenarioError(AssertionError):
    """A step of the story could not be taken (no such task in the user's inbox ...)."""


@dataclass
class World:
    session: Session
    factory: sessionmaker[Any]
    clock: FakeClock
    handlers: HandlerRegistry

    # -- who ----------------------------------------------------------------------------

    def as_user(self, username: str) -> Actor:
        return actor(self.session, username)

    # -- the worker and time ------------------------------------------------------------

    def run_worker(self) -> WorkerStats:
        """Commit what the test did, run every job due now, then read fresh state."""
        self.session.commit()
        stats = Worker(self.factory, worker_id="scenario-worker").run_once()
        self.session.expire_all()
        return stats

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move the fake clock (`advance(days=31)`) and let the worker do what fell due."""
        moment = self.clock.advance(delta if delta is not None else timedelta(**kwargs))
        self.run_worker()
        return moment

    def drain_retries(self, rounds: int = 6) -> None:
        """Let failing jobs use up their attempts (backoff 10 s, 20 s, ...)."""
        for _ in range(rounds):
            self.advance(minutes=15)

    # -- cases and tasks ----------------------------------------------------------------

    def start(self, username: str, process_id: str, data: dict[str, Any] | None = None) -> CaseView:
        """`username` starts the process (if their groups may) with the start form's data."""
        user = self.as_user(username)
        require_start(self.session, user, process_id)
        view = cases.start_case(self.session, process_id, user=user, data=data or {})
        self.run_worker()
        return view

    def case(self, case_id: int) -> CaseView:
        self.session.expire_all()
        return cases.view_case(self.session, case_id)

    def data(self, case_id: int) -> dict[str, Any]:
        return self.case(case_id).data

    def open_tasks(self, case_id: int, element_id: str | None = None) -> list[TaskView]:
        self.session.expire_all()
        query = select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == TaskState.OPEN)
        if element_id is not None:
            query = query.where(HumanTask.element_id == element_id)
        return [TaskView.of(r) for r in self.session.scalars(query.order_by(HumanTask.id)).all()]

    def open_elements(self, case_id: int) -> list[str]:
        return sorted(t.element_id for t in self.open_tasks(case_id))

    def inbox(self, username: str, case_id: int | None = None) -> list[TaskView]:
        """The user's inbox: tasks assigned to them, then tasks offered to them (the engine's
        inbox, read through the access policy)."""
        self.session.expire_all()
        user = self.as_user(username)
        ids = [r.task_id for tab in ("assigned", "claimable")
               for r in inbox_page(self.session, user, tab=tab, per_page=MAX_PER_PAGE).rows]
        rows = [TaskView.of(t) for t in self.session.scalars(
            select(HumanTask).where(HumanTask.id.in_(ids))).all()]
        rows.sort(key=lambda t: ids.index(t.id))
        return [t for t in rows if case_id is None or t.case_id == case_id]

    def task_data(self, task_id: int) -> dict[str, Any]:
        """The data SpiffWorkflow holds for one open task (a multi-instance item such as
        `committee` lives there, not in the case data)."""
        self.session.expire_all()
        row = self.session.get(HumanTask, task_id)
        assert row is not None
        case = self.session.get(Case, row.case_id)
        assert case is not None
        loaded = definitions.load_definition(self.session, case.definition)
        workflow = load_state(case.state, loaded.spec, loaded.subprocess_specs)  # read only
        spiff_task = workflow.get_task_from_id(UUID(row.spiff_task_id))
        return dict(spiff_task.data) if spiff_task is not None else {}

    def find_task(self, username: str, case_id: int, element_id: str,
                  where: dict[str, Any] | None = None) -> TaskView:
        mine = [t for t in self.inbox(username, case_id) if t.element_id == element_id]
        if where:
            mine = [t for t in mine
                    if all(self.task_data(t.id).get(k) == v for k, v in where.items())]
        if not mine:
            raise ScenarioError(
                f"{username} has no {element_id!r} task {where or ''} in case {case_id}; open there: "
                + ", ".join(f"{t.element_id}({t.assignee or '/'.join(t.candidate_groups)})"
                            for t in self.open_tasks(case_id)))
        return mine[0]

    def complete(self, username: str, case_id: int, element_id: str,
                 data: dict[str, Any] | None = None, *, where: dict[str, Any] | None = None) -> CaseView:
        """`username` takes the task from their inbox (claiming a group task) and submits `data`.

        `where` picks one task of a multi-instance by its own data (`{"committee": "Sports ..."}`).
        """
        task = self.find_task(username, case_id, element_id, where)
        user = self.as_user(username)
        if task.assignee is None:
            tasks.claim_task(self.session, task.id, user=user)
        view = tasks.complete_task(self.session, task.id, user=user, data=data or {})
        self.run_worker()
        return view

    # -- messages, incidents, history -----------------------------------------------------

    def send(self, name: str, correlation: dict[str, Any], data: dict[str, Any] | None = None,
             username: str | None = None) -> messages.Delivery:
        sender = self.as_user(username) if username else OPERATOR
        delivery = messages.send_message(self.session, name, correlation=correlation, data=data,
                                         user=sender)
        self.run_worker()
        return delivery

    def waiting_for(self, case_id: int) -> list[str]:
        """Names of the messages a case is subscribed to."""
        self.session.expire_all()
        return sorted(self.session.scalars(select(MessageSubscription.message_name)
                                           .where(MessageSubscription.case_id == case_id)).all())

    def incidents(self, case_id: int) -> list[IncidentView]:
        self.session.expire_all()
        return incidents.list_incidents(self.session, case_id=case_id)

    def jobs(self, case_id: int) -> list[Job]:
        self.session.expire_all()
        return list(self.session.scalars(select(Job).where(Job.case_id == case_id)).all())

    def history(self, case_id: int) -> list[HistoryEntry]:
        self.session.expire_all()
        return case_history(self.session, case_id)

    def completed_by(self, case_id: int) -> list[tuple[str | None, str | None]]:
        """(element, user) of every completed task, in order."""
        return [(h.element_id, h.user) for h in self.history(case_id) if h.kind == "task_completed"]

    # -- the registry -----------------------------------------------------------------

    def one(self, model: type[T], **where: Any) -> T:
        self.session.expire_all()
        query = select(model).filter_by(**where)
        rows = list(self.session.scalars(query).all())
        assert len(rows) == 1, f"expected one {model.__name__} with {where}, found {len(rows)}"
        return rows[0]

    def all(self, model: type[T], **where: Any) -> list[T]:
        self.session.expire_all()
        return list(self.session.scalars(select(model).filter_by(**where)
                                          .order_by(model.id)).all())  # type: ignore[attr-defined]

    def committee(self, name: str) -> RegistryCommittee | None:
        self.session.expire_all()
        return self.session.scalar(select(RegistryCommittee).where(RegistryCommittee.name == name))


@pytest.fixture
def handler_registry(runtime: Runtime) -> HandlerRegistry:
    runtime.handlers.clear()
    runtime.handlers.update(HANDLERS)
    return runtime.handlers


@pytest.fixture
def world(seeded: sessionmaker[Any], session: Session, fake_clock: FakeClock,
          handler_registry: HandlerRegistry) -> Iterator[World]:
    """The five processes deployed, the demo users, the seeded registry (a copy of the seeded
    template database, see tests/databases.py); the fake clock at SCENARIO_START."""
    fake_clock.set(SCENARIO_START)
    yield World(session, seeded, fake_clock, handler_registry)


__all__ = ["PROCESSES", "SCENARIO_START", "ScenarioError", "World", "handler_registry", "world"]
