"""Building the engine's runtime: what the Flask app, the CLI and the worker start with.

`build_runtime()` checks the SpiffWorkflow version, applies the engine's patches to
it (engine.runtime.spiff_patches, after checking the shape of what they patch), and
puts together the script engine, the spec and live-workflow caches, the handler
registry, the projectors a case's save runs and the password-hashing cost.
`session_factory(bind, runtime)` makes sessions that carry that runtime and publish
live workflows after a commit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from engine.access.asking import CACHE_KEY, AskingCache, seconds_from_environment, watch_changes
from engine.access.passwords import PRODUCTION_COST, ScryptCost
from engine.background.projection import prepare_case_jobs, sync_case_jobs
from engine.definitions.cache import SpecCache
from engine.documents.storage import DocumentStore, store_from_env
from engine.notify.handler import BUILTIN_HANDLERS
from engine.notify.projector import project_notifications
from engine.runtime import spiff_patches
from engine.runtime.context import RUNTIME_KEY, Runtime
from engine.runtime.handlers import Handler, HandlerRegistry
from engine.runtime.history import drop_pending_history, write_pending_history
from engine.runtime.live import LiveWorkflows, drop_pending, publish_pending
from engine.runtime.participants import forget_cache as forget_participants
from engine.runtime.participants import write_participants
from engine.runtime.projections import sync_human_tasks
from engine.runtime.steps import DEFAULT_MAX_STEPS
from engine.sandbox.evaluator import DEFAULT_MAX_INSTANCES, SandboxScriptEngine
from engine.sandbox.pool import EvaluatorPool, PooledEnvironment, SandboxLimits
from engine.store.db import make_session_factory

SPIFFWORKFLOW_VERSION = "3.2.0"


LIMIT_VARIABLES = {
    "ALLIANCE_MAX_INSTANCES": "max_instances", "ALLIANCE_MAX_STEPS": "max_steps",
    "ALLIANCE_SCRIPT_SECONDS": "time_limit", "ALLIANCE_SCRIPT_MEMORY_MB": "memory_mb"}
"""Environment variables that set the runtime's limits (defaults: 300, 10000, 1, 256)."""


def limits_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """The limits set in the environment; a malformed value is an error, not a silent default."""
    env = os.environ if environ is None else environ
    found: dict[str, float] = {}
    for variable, name in LIMIT_VARIABLES.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        try:
            value = float(raw) if name == "time_limit" else int(raw)
        except ValueError:
            raise RuntimeError(f"{variable} must be a number, not {raw!r}") from None
        if value <= 0:
            raise RuntimeError(f"{variable} must be greater than zero")
        found[name] = value
    return found


def build_runtime(*, handlers: str | Mapping[str, Handler] | None = None,
                  load_handlers: bool = True, sandbox: SandboxLimits | None = None,
                  max_instances: int | None = None, max_steps: int | None = None,
                  password_cost: ScryptCost = PRODUCTION_COST,
                  documents: DocumentStore | None = None,
                  catalogs: Path | None = None) -> Runtime:
    """A runtime; handlers from a mapping, a dotted path, or the default path.

    Its scripts and expressions run in its own pool of evaluator processes (started on
    first use; `runtime.close()` stops them). `max_instances` caps what one
    multi-instance activity may fan out to, `max_steps` the engine tasks one advance
    may run without the case waiting; limits not given come from the environment
    (LIMIT_VARIABLES), else the defaults. `password_cost` is scrypt's cost for new password
    hashes: the production cost unless a caller (the test suite) asks for less. Documents go
    to the store given, else as $DOCUMENT_STORE and $DOCUMENT_MAX_MB say (the database, 10 MB).
    Notifications are written in each person's language from `catalogs`, else the catalogs
    installed beside the engine (`default_catalogs`).
    """
    found = installed_version("SpiffWorkflow")
    if found != SPIFFWORKFLOW_VERSION:
        raise RuntimeError(f"the engine is built for SpiffWorkflow {SPIFFWORKFLOW_VERSION}, "
                           f"found {found}; its patches would not fit")
    spiff_patches.apply()
    registry = HandlerRegistry(BUILTIN_HANDLERS)  # a process's own handlers may replace them
    if isinstance(handlers, Mapping):
        registry.update(handlers)
    elif load_handlers:
        registry.load(handlers)
    configured = limits_from_environment()
    if sandbox is None:
        sandbox = SandboxLimits(**{k: v for k, v in configured.items()  # type: ignore[arg-type]
                                   if k in ("time_limit", "memory_mb")})
    max_instances = max_instances or int(configured.get("max_instances", DEFAULT_MAX_INSTANCES))
    max_steps = max_steps or int(configured.get("max_steps", DEFAULT_MAX_STEPS))
    evaluators = EvaluatorPool(sandbox)
    script_engine = SandboxScriptEngine(PooledEnvironment(evaluators), max_instances=max_instances)
    return Runtime(script_engine=script_engine, specs=SpecCache(), live=LiveWorkflows(),
                   handlers=registry,
                   projectors=(sync_human_tasks, sync_case_jobs, project_notifications),
                   preparers=(prepare_case_jobs,),
                   evaluators=evaluators, max_steps=max_steps, password_cost=password_cost,
                   documents=documents or store_from_env(),
                   asking=AskingCache(seconds_from_environment()),
                   catalogs=catalogs or default_catalogs())


def default_catalogs() -> Path | None:
    """The web's compiled catalogs, found by path (not imported: the engine imports no web
    code); `web/` sits beside `engine/` in the checkout and in the installed wheel alike."""
    folder = Path(__file__).resolve().parents[1] / "web" / "translations"
    return folder if folder.is_dir() else None


def session_factory(bind: Engine, runtime: Runtime | None = None) -> sessionmaker[Any]:
    """Sessions carrying `runtime` (a new one when None)."""
    runtime = runtime or build_runtime()
    factory = make_session_factory(bind, info={RUNTIME_KEY: runtime, CACHE_KEY: runtime.asking})
    watch_changes(factory, runtime.asking)

    @event.listens_for(factory, "before_commit")
    def _participants(session: Session) -> None:
        write_pending_history(session)  # events recorded in a batch (no_autoflush)
        write_participants(session)  # who took part, added since the last save

    @event.listens_for(factory, "after_commit")
    def _publish(session: Session) -> None:
        publish_pending(session.info, runtime.live)
        forget_participants(session.info)

    @event.listens_for(factory, "after_rollback")
    def _drop(session: Session) -> None:
        drop_pending(session.info)
        drop_pending_history(session.info)
        forget_participants(session.info)

    return factory


def runtime_of_factory(factory: sessionmaker[Any]) -> Runtime:
    return factory.kw["info"][RUNTIME_KEY]  # type: ignore[no-any-return]


__all__ = ["LIMIT_VARIABLES", "SPIFFWORKFLOW_VERSION", "build_runtime", "limits_from_environment",
           "runtime_of_factory", "session_factory"]
