"""The runtime a session carries: the services the engine's use cases share.

One `Runtime` is built by `engine.bootstrap.build_runtime` for each Flask app, CLI
command and worker, and attached to every session its session factory makes
(`session.info`). Use cases keep their `(session, plain values)` signature and reach
the script engine, the caches, the handler registry, the projectors and the
password-hashing cost through `runtime_of(session)`; nothing of this is a module global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy.orm import Session

from engine.access.asking import AskingCache
from engine.access.passwords import PRODUCTION_COST, ScryptCost
from engine.definitions.cache import LoadedDefinition, SpecCache
from engine.documents.storage import DocumentStore
from engine.runtime.handlers import HandlerRegistry
from engine.runtime.live import LiveWorkflows
from engine.sandbox.evaluator import SandboxScriptEngine
from engine.sandbox.pool import EvaluatorPool
from engine.store.models import Case

RUNTIME_KEY = "alliance.runtime"


@dataclass
class OpenCase:
    """A case loaded for a change: its row, definition, live workflow and the version read."""

    case: Case
    definition: LoadedDefinition
    workflow: BpmnWorkflow
    read_version: int
    events: list[Any] = field(default_factory=list)
    actor: str | None = None
    """Who is moving the case now (None: the engine), for projectors that tell people."""
    new_tasks: list[Any] = field(default_factory=list)
    """Human tasks opened by the save in progress (engine.runtime.projections fills it)."""
    reached: list[str] = field(default_factory=list)
    """BPMN elements completed by the engine steps of this change (engine.runtime.outcome)."""
    open_tasks: list[Any] | None = None
    """The case's open human tasks as the last save left them (engine.runtime.projections):
    the answer to the change is built from them without reading them again."""
    is_new: bool = False
    """Started in this transaction: it has no task, job or incident rows yet to read."""
    has_incidents: bool | None = None
    """Whether the case has open incidents, when the change read that along with the case
    (None: not known; the save's projection then reads them)."""
    flush_later: bool = False
    """The save leaves its last rows (history, job deletions) to the next flush: a batch of
    cases (engine.background.timer_jobs) sends them together and commits or falls back as one."""
    job_at_work: bool = False
    """A job of this case drives the change (a timer, a service task, a retry): its jobs are
    read whatever the row's `background` flag says, so the running job is always reconciled."""
    known: dict[str, Any] = field(default_factory=dict)
    """Rows a save's preparers read before the state's UPDATE, for its projectors (the case's
    jobs and subscriptions: engine.background.projection)."""
    ready_now: list[Any] | None = None
    """The workflow's READY tasks while a save writes (the workflow no longer changes then)."""
    locked: bool = False
    """The case row is this transaction's: locked when the change read it (a completion on
    PostgreSQL, engine.runtime.tasks) or inserted by it. Its version cannot change meanwhile, so
    the save's check need not be sent before the commit (engine.store.direct.run_later)."""
    task_ids: list[int] = field(default_factory=list)
    """Ids taken from the human tasks' sequence with the change's first read (PostgreSQL), for
    the tasks its save opens, in order: such a task's INSERT waits for the commit instead of a
    round trip of its own to learn its id. Ids left over are skipped (a gap in the sequence)."""

    def ready_tasks(self) -> list[Any]:
        """The workflow's READY tasks: during a save, walked once for all its projections
        (each walk of the task tree was a step's 1 %: bench/bench_engine.py)."""
        if self.ready_now is not None:
            return self.ready_now
        return list(self.workflow.get_tasks(state=SpiffState.READY))


Projector = Callable[[Session, OpenCase, datetime], None]
"""Writes one projection of a case (human tasks, jobs, ...) in the transaction that saves it."""

Preparer = Callable[[Session, OpenCase], dict[str, Any]]
"""Runs before a save's UPDATE of the case: reads what its projector needs (into
`OpenCase.known`) and returns case columns to write with the state (no UPDATE of its own)."""


@dataclass
class Runtime:
    script_engine: SandboxScriptEngine
    specs: SpecCache
    live: LiveWorkflows
    handlers: HandlerRegistry
    projectors: tuple[Projector, ...] = ()
    preparers: tuple[Preparer, ...] = ()
    evaluators: EvaluatorPool | None = None
    """The processes the script engine evaluates in (None: evaluated in-process)."""
    max_steps: int = 10_000
    """Engine tasks one advance may run without the case waiting (engine.runtime.steps)."""
    password_cost: ScryptCost = PRODUCTION_COST
    documents: DocumentStore = field(default_factory=DocumentStore)
    """Where uploaded documents' bytes go, and how big one may be (engine.documents)."""
    asking: AskingCache[Any] = field(default_factory=AskingCache)
    """Who is asking, kept a short while (engine.access.asking)."""
    catalogs: Path | None = None
    """The compiled message catalogs (`<dir>/<lang>/LC_MESSAGES/messages.mo`) the engine
    translates what it writes on its own with (notifications, mails); None: English only."""

    def close(self) -> None:
        """Stop the evaluator processes (they also stop when the runtime is collected)."""
        if self.evaluators is not None:
            self.evaluators.close()


class NoRuntime(RuntimeError):
    """A session made without engine.bootstrap: the engine has no runtime to work with."""


def runtime_of(session: Session) -> Runtime:
    runtime = session.info.get(RUNTIME_KEY)
    if runtime is None:
        raise NoRuntime("this session carries no engine runtime: make sessions with "
                        "engine.bootstrap.session_factory")
    return runtime  # type: ignore[no-any-return]


__all__ = ["RUNTIME_KEY", "NoRuntime", "OpenCase", "Preparer", "Projector", "Runtime", "runtime_of"]
