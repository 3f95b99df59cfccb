"""Building the engine's runtime: what the Flask app, the CLI and the worker start with.

`build_runtime()` checks the SpiffWorkflow version, applies the engine's patches to
it (engine.runtime.spiff_patches, after checking the shape of what they patch), and
puts together the script engine, the spec and live-workflow caches, the handler
registry, the projectors a case's save runs and the password-hashing cost.
`session_factory(bind, runtime)` makes sessions that carry that runtime and publish
live workflows after a commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version as installed_version
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from engine.access.passwords import PRODUCTION_COST, ScryptCost
from engine.background.projection import sync_case_jobs
from engine.definitions.cache import SpecCache
from engine.runtime import spiff_patches
from engine.runtime.context import RUNTIME_KEY, Runtime
from engine.runtime.handlers import Handler, HandlerRegistry
from engine.runtime.live import LiveWorkflows, drop_pending, publish_pending
from engine.runtime.projections import sync_human_tasks
from engine.sandbox.evaluator import SandboxScriptEngine
from engine.store.db import make_session_factory

SPIFFWORKFLOW_VERSION = "3.2.0"


def build_runtime(*, handlers: str | Mapping[str, Handler] | None = None,
                  load_handlers: bool = True, password_cost: ScryptCost = PRODUCTION_COST) -> Runtime:
    """A runtime; handlers from a mapping, a dotted path, or the default path.

    `password_cost` is scrypt's cost for new password hashes: the production cost unless a
    caller (the test suite) asks for less.
    """
    found = installed_version("SpiffWorkflow")
    if found != SPIFFWORKFLOW_VERSION:
        raise RuntimeError(f"the engine is built for SpiffWorkflow {SPIFFWORKFLOW_VERSION}, "
                           f"found {found}; its patches would not fit")
    spiff_patches.apply()
    registry = HandlerRegistry()
    if isinstance(handlers, Mapping):
        registry.update(handlers)
    elif load_handlers:
        registry.load(handlers)
    return Runtime(script_engine=SandboxScriptEngine(), specs=SpecCache(), live=LiveWorkflows(),
                   handlers=registry, projectors=(sync_human_tasks, sync_case_jobs),
                   password_cost=password_cost)


def session_factory(bind: Engine, runtime: Runtime | None = None) -> sessionmaker[Any]:
    """Sessions carrying `runtime` (a new one when None)."""
    runtime = runtime or build_runtime()
    factory = make_session_factory(bind, info={RUNTIME_KEY: runtime})

    @event.listens_for(factory, "after_commit")
    def _publish(session: Session) -> None:
        publish_pending(session.info, runtime.live)

    @event.listens_for(factory, "after_rollback")
    def _drop(session: Session) -> None:
        drop_pending(session.info)

    return factory


def runtime_of_factory(factory: sessionmaker[Any]) -> Runtime:
    return factory.kw["info"][RUNTIME_KEY]  # type: ignore[no-any-return]


__all__ = ["SPIFFWORKFLOW_VERSION", "build_runtime", "runtime_of_factory", "session_factory"]
