"""Who is asking, kept a short while: the actor of a username or of an API token.

Every request starts by reading who is asking (the user, their groups, bodies and organisation:
one statement, engine.access.users.who_columns), a round trip of its own before the request's
first read: on PostgreSQL a tenth of a task's completion (bench/bench_engine.py). The runtime keeps
each answer for `seconds` (ACTOR_CACHE_SECONDS, default 1; 0 keeps none), so a user's next requests
within that time skip it.

What it gives up, and how little: a change to who someone is (their groups, bodies, organisation,
being active, a token revoked) made through this runtime's sessions is seen by its next request
(a commit that wrote such rows empties the cache, and a session that has written them but not
committed reads them itself); one made by another process (another web worker, the command line)
or by SQL outside the engine is seen within `seconds`. Failures are never kept: an unknown,
inactive or revoked name is read again at each request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from engine import clock
from engine.store.models import ApiToken, Body, Group, Membership, Organisation, User

DEFAULT_SECONDS = 1.0
MAX_ENTRIES = 4096
ENVIRONMENT = "ACTOR_CACHE_SECONDS"
_ACCESS_ROWS = (User, Group, ApiToken, Membership, Body, Organisation)
_CHANGED = "alliance.asking.changed"
"""session.info: the session wrote rows that say who someone is (not yet committed)."""

T = TypeVar("T")


@dataclass
class AskingCache(Generic[T]):
    """Answers by key ("user:<name>", "token:<hash>") until `seconds` after they were read."""

    seconds: float = DEFAULT_SECONDS
    _entries: dict[str, tuple[datetime, T]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> T | None:
        found = self._entries.get(key)
        if found is None or clock.now() >= found[0]:
            return None
        return found[1]

    def put(self, key: str, value: T) -> None:
        if self.seconds <= 0:
            return
        now = clock.now()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:  # only valid names get here: drop the expired
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
            self._entries[key] = (now + timedelta(seconds=self.seconds), value)

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


def seconds_from_environment() -> float:
    raw = os.environ.get(ENVIRONMENT)
    if raw is None:
        return DEFAULT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise RuntimeError(f"{ENVIRONMENT} must be a number of seconds, not {raw!r}") from None
    if value < 0:
        raise RuntimeError(f"{ENVIRONMENT} must be 0 (no cache) or more")
    return value


CACHE_KEY = "alliance.asking.cache"
"""session.info: the runtime's cache (engine.bootstrap.session_factory puts it there)."""


def _cache_of(session: Session) -> AskingCache[Any] | None:
    return session.info.get(CACHE_KEY)


def asked(session: Session, key: str, read: Callable[[], T]) -> T:
    """The answer the session's runtime keeps for `key`, else `read()` (kept when it returns;
    what it raises is not). A session without a runtime, or one that wrote who someone is
    (its flush first, as a statement would), reads."""
    cache = _cache_of(session)
    if cache is None:
        return read()
    if session.autoflush:
        session.flush()
    if session.info.get(_CHANGED):
        return read()
    found = cache.get(key)
    if found is not None:
        return found
    answer = read()
    cache.put(key, answer)
    return answer


def remember(session: Session, key: str, answer: Any) -> None:
    """`answer` kept for `key` from now (a session without a runtime keeps nothing)."""
    cache = _cache_of(session)
    if cache is not None:
        cache.put(key, answer)


def watch_changes(factory: sessionmaker[Any], cache: AskingCache[Any]) -> None:
    """Sessions of `factory` that write who someone is (through the ORM: its flushes and its
    UPDATE/DELETE statements) empty `cache` when they commit."""

    @event.listens_for(factory, "before_flush")
    def _flushing(session: Session, _context: Any, _instances: Any) -> None:
        for row in (*session.new, *session.dirty, *session.deleted):
            if isinstance(row, _ACCESS_ROWS):
                session.info[_CHANGED] = True
                return

    @event.listens_for(factory, "do_orm_execute")
    def _bulk(state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete) and _touches_access(state):
            state.session.info[_CHANGED] = True

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            cache.forget()

    @event.listens_for(factory, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(_CHANGED, None)


def _touches_access(state: ORMExecuteState) -> bool:
    mapper = state.bind_mapper
    return mapper is not None and issubclass(mapper.class_, _ACCESS_ROWS)


__all__ = ["CACHE_KEY", "AskingCache", "asked", "remember", "seconds_from_environment", "watch_changes"]
