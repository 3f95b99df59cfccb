"""The registry of service-task handlers: what a `zeebe:taskDefinition type` names.

A handler is `handler(session, call) -> dict | None`: it gets a `ServiceCall` (the case,
the element, a copy of the task's data, an idempotency key) and returns the variables to
merge into the task's data. The worker runs it in the transaction that completes the
task, so it may run more than once for one step: handlers must be idempotent.

Handlers are loaded from a dotted path "module:NAME" naming a mapping of names to
callables (default "processes.handlers:HANDLERS", or `$ALLIANCE_HANDLERS`).

A handler that changes what the organisation holds true (its registry) is guarded: it
declares the processes that may call it (`@guarded("business_council_membership")`).
Deploy refuses a process that calls a guarded handler it is not listed for, a version
that calls one waits for an admin's approval unless an admin deployed it, and the worker
refuses to run one for an unlisted process or an unapproved version (engine.access.policy).
A handler that only reads is declared `@lookup` and runs inside the step (engine.runtime.lookups).
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.errors import InvalidInput

DEFAULT_HANDLERS = "processes.handlers:HANDLERS"
HANDLERS_ENV = "ALLIANCE_HANDLERS"


@dataclass(frozen=True)
class ServiceCall:
    """What a handler receives."""

    case_id: int
    element_id: str
    handler: str
    data: dict[str, Any]
    idempotency_key: str
    attempt: int
    process_id: str = ""


Handler = Callable[[Session, ServiceCall], "dict[str, Any] | None"]
GUARD_ATTRIBUTE = "allowed_processes"


def guarded(*process_ids: str) -> Callable[[Handler], Handler]:
    """Declare the only processes that may call this handler."""
    def mark(handler: Handler) -> Handler:
        setattr(handler, GUARD_ATTRIBUTE, frozenset(process_ids))
        return handler
    return mark


LOOKUP_ATTRIBUTE = "runs_in_step"


def lookup(handler: Handler) -> Handler:
    """Declare a read-only handler: it runs inside the step that reaches its service task
    (engine.runtime.lookups) instead of as a job for the worker."""
    setattr(handler, LOOKUP_ATTRIBUTE, True)
    return handler


def is_lookup(handler: Handler | None) -> bool:
    """A declared lookup that is not guarded (a handler that changes the registry never is)."""
    return bool(getattr(handler, LOOKUP_ATTRIBUTE, False)) and guard_of(handler) is None


def guard_of(handler: Handler | None) -> frozenset[str] | None:
    """The processes allowed to call a guarded handler; None when any process may."""
    allowed = getattr(handler, GUARD_ATTRIBUTE, None)
    return frozenset(allowed) if allowed is not None else None


class HandlerRegistry:
    """Handlers by name; thread-safe, filled from a dotted path or by `register`."""

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._handlers: dict[str, Handler] = dict(handlers or {})
        self._lock = threading.Lock()
        self.loaded_from: str | None = None

    def register(self, name: str, handler: Handler) -> None:
        with self._lock:
            self._handlers[name] = handler

    def update(self, handlers: Mapping[str, Handler]) -> None:
        with self._lock:
            self._handlers.update(handlers)

    def get(self, name: str | None) -> Handler | None:
        with self._lock:
            return self._handlers.get(name or "")

    def guard(self, name: str | None) -> frozenset[str] | None:
        return guard_of(self.get(name))

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._handlers)

    def clear(self) -> None:
        with self._lock:
            self._handlers.clear()
            self.loaded_from = None

    def load(self, path: str | None = None) -> None:
        """Load "package.module:NAME" (default: $ALLIANCE_HANDLERS or processes.handlers:HANDLERS)."""
        path = path or os.environ.get(HANDLERS_ENV) or DEFAULT_HANDLERS
        self.update(load_handlers(path))
        self.loaded_from = path


def load_handlers(path: str) -> dict[str, Handler]:
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    handlers = getattr(module, attr or "HANDLERS")
    if not isinstance(handlers, Mapping):
        raise InvalidInput(f"{path} is not a mapping of handler names to functions")
    return dict(handlers)


__all__ = ["DEFAULT_HANDLERS", "GUARD_ATTRIBUTE", "HANDLERS_ENV", "LOOKUP_ATTRIBUTE", "Handler",
           "HandlerRegistry", "ServiceCall", "guard_of", "guarded", "is_lookup", "load_handlers",
           "lookup"]
