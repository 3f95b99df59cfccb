"""Metrics counted on commit only; lease expiries; the store's figures; the worker's endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prometheus_client import generate_latest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from engine.access.tokens import create_token
from engine.access.users import Actor
from engine.background import jobs
from engine.clock import FakeClock
from engine.definitions.deployment import deploy
from engine.observability.metrics import CASES_STARTED, LEASE_EXPIRIES, count_after_commit
from engine.observability.metrics_server import serve_metrics
from engine.observability.store_stats import store_stats
from engine.runtime.cases import start_case
from engine.runtime.tasks import complete_task
from engine.store.models import Job, JobKind
from tests.conftest import fixture_files
from tests.ops.support import http, metric_value


def _started(process: str) -> float:
    return CASES_STARTED.labels(process=process)._value.get()  # type: ignore[no-any-return]


def test_counts_follow_the_transaction(session: Session, make_user: Any) -> None:
    deploy(session, fixture_files("ops_flow.bpmn"))
    session.commit()
    clara: Actor = make_user("clara", "clerks")
    before = _started("ops_flow")
    start_case(session, "ops_flow", user=clara)
    session.rollback()
    assert _started("ops_flow") == before  # rolled back: never happened
    start_case(session, "ops_flow", user=clara)
    assert _started("ops_flow") == before  # not yet committed
    session.commit()
    assert _started("ops_flow") == before + 1
    seen: list[int] = []
    session.connection()  # inside a transaction, as every use case is
    count_after_commit(session, lambda: seen.append(1))
    session.rollback()
    session.commit()
    assert seen == []
    session.connection()
    count_after_commit(session, lambda: seen.append(2))
    session.commit()
    assert seen == [2]


def test_a_job_taken_over_after_its_lease_ran_out_is_a_lease_expiry(
        session: Session, make_user: Any, fake_clock: FakeClock) -> None:
    deploy(session, fixture_files("ops_flow.bpmn"))
    session.commit()
    clara: Actor = make_user("clara", "clerks")
    case = start_case(session, "ops_flow", user=clara)
    complete_task(session, case.open_tasks[0].id, user=clara, data={})
    session.execute(delete(Job).where(Job.kind == JobKind.NOTIFY))  # telling people: not the subject
    session.commit()
    assert store_stats(session).due_by_kind == {"service": 1}
    expiries = LEASE_EXPIRIES._value.get()
    assert len(jobs.claim(session, "worker-a", lease=timedelta(seconds=30))) == 1
    session.commit()
    stats = store_stats(session)
    assert stats.due_by_kind == {} and stats.leased_by_kind == {"service": 1}
    fake_clock.advance(timedelta(seconds=31))  # worker-a died holding it
    stats = store_stats(session)
    assert stats.expired_leases == 1 and stats.due_by_kind == {"service": 1}
    assert stats.oldest_due_age_seconds >= 31
    assert LEASE_EXPIRIES._value.get() == expiries
    assert len(jobs.claim(session, "worker-b")) == 1
    session.commit()
    assert LEASE_EXPIRIES._value.get() == expiries + 1


def test_the_worker_serves_its_own_metrics(session_factory: sessionmaker[Any], session: Session,
                                           make_user: Any) -> None:
    make_user("olga", "operators")
    make_user("clara", "clerks")
    olga = create_token(session, "olga").secret
    clara = create_token(session, "clara").secret
    session.commit()
    server = serve_metrics(session_factory, "127.0.0.1", 0, "worker-metrics-token-123")
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert http("GET", f"{base}/healthz")[:2] == (200, {"status": "ok"})
        assert http("GET", f"{base}/metrics")[0] == 401
        assert http("GET", f"{base}/metrics", headers={"Authorization": f"Bearer {clara}"})[0] == 403
        assert http("GET", f"{base}/nothing")[0] == 404
        for token in ("worker-metrics-token-123", olga):
            status, text, _ = http("GET", f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
            assert status == 200
            assert metric_value(text, "alliance_jobs_parked") == 0
            assert "alliance_worker_lease_expiries_total" in text
    finally:
        server.shutdown()
        server.server_close()
    assert b"alliance_worker_jobs" in generate_latest()
