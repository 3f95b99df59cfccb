"""The workers' upkeep: expired idempotency keys are forgotten on a schedule, fresh ones kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.access import idempotency
from engine.access.users import Actor
from engine.background.maintenance import IDEMPOTENCY_KEEP, UPKEEP_EVERY, UPKEEP_KEY
from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.store.models import IdempotencyKey, Job


def _keys(session: Session) -> int:
    session.expire_all()
    count = int(session.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)
    session.rollback()  # SQLite: a read holds the write lock the worker needs
    return count


def test_expired_idempotency_keys_are_forgotten_by_the_worker(
        session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock,
        make_user: Callable[..., Actor]) -> None:
    ana = make_user("ana")
    old = idempotency.reserve(session, ana.username, "old-key", method_path="POST /x",
                              request_hash="h1")
    idempotency.record_answer(session, old, 200, {"ok": 1})  # type: ignore[arg-type]
    session.commit()
    fake_clock.advance(IDEMPOTENCY_KEEP + timedelta(minutes=1))
    fresh = idempotency.reserve(session, ana.username, "fresh-key", method_path="POST /x",
                                request_hash="h2")
    idempotency.record_answer(session, fresh, 200, {"ok": 2})  # type: ignore[arg-type]
    session.commit()
    assert _keys(session) == 2

    Worker(session_factory, worker_id="upkeep").run_once()
    assert _keys(session) == 1
    job = session.scalar(select(Job).where(Job.key == UPKEEP_KEY))
    assert job is not None and job.due_at == fake_clock.now() + UPKEEP_EVERY
    session.rollback()
    Worker(session_factory, worker_id="again").run_once()  # not due yet: nothing more happens
    assert _keys(session) == 1
