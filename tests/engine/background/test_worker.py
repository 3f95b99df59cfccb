"""Many workers: leases, SKIP LOCKED claims, a worker killed mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import Actor
from engine.background import jobs
from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.runtime import cases
from engine.runtime.context import Runtime
from engine.store.models import Case, Job
from tests.conftest import REPO, postgres_url
from tests.engine import worker_handlers
from tests.engine.background.test_service_jobs import service_body
from tests.engine.worker_handlers import deploy_xml

needs_postgres = pytest.mark.skipif(postgres_url() is None,
                                    reason="needs PostgreSQL (FOR UPDATE SKIP LOCKED, real processes)")


@pytest.fixture
def starter(make_user: Callable[..., Actor]) -> Actor:
    return make_user("ana", "staff")


def _use_test_handlers(runtime: Runtime) -> None:
    worker_handlers.reset()
    runtime.handlers.clear()
    runtime.handlers.update(worker_handlers.HANDLERS)


def test_claim_sets_a_lease_and_counts_an_attempt(session: Session, starter: Actor,
                                                  fake_clock: FakeClock) -> None:
    deploy_xml(session, "svc_echo", service_body("echo"))
    cases.start_case(session, "svc_echo", user=starter)
    session.commit()
    [claimed] = jobs.claim(session, "w1", lease=timedelta(seconds=30))
    session.commit()
    assert claimed.attempt == 1
    assert jobs.claim(session, "w2") == []  # leased
    session.commit()
    fake_clock.advance(timedelta(seconds=31))  # the lease ran out: w1 is presumed dead
    [again] = jobs.claim(session, "w2")
    session.commit()
    assert again.id == claimed.id and again.attempt == 2
    job = session.get(Job, claimed.id)
    assert job is not None and job.locked_by == "w2"
    assert jobs.holds_lease(session, claimed.id, "w1") is None


def test_a_lost_lease_is_not_finished_by_the_old_worker(session: Session, session_factory: Any,
                                                        starter: Actor, fake_clock: FakeClock,
                                                        runtime: Runtime) -> None:
    deploy_xml(session, "svc_echo", service_body("echo"))
    case = cases.start_case(session, "svc_echo", user=starter, data={"value": 3})
    session.commit()
    [claimed] = jobs.claim(session, "old", lease=timedelta(seconds=5))
    session.commit()
    fake_clock.advance(timedelta(seconds=6))
    _use_test_handlers(runtime)
    Worker(session_factory, worker_id="new").run_once()
    assert Worker(session_factory, worker_id="old").execute(claimed) == "lost"
    session.expire_all()
    assert cases.view_case(session, case.id).data["echoed"] == 3
    assert sum(worker_handlers.CALLS.values()) == 1


@needs_postgres
def test_skip_locked_gives_concurrent_claimers_disjoint_jobs(
        session: Session, session_factory: sessionmaker[Any], starter: Actor) -> None:
    deploy_xml(session, "svc_echo", service_body("echo"))
    for _ in range(6):
        cases.start_case(session, "svc_echo", user=starter)
    session.commit()
    first, second = session_factory(), session_factory()
    try:
        a = {c.id for c in jobs.claim(first, "a", limit=3)}  # rows stay locked: not committed
        b = {c.id for c in jobs.claim(second, "b", limit=10)}
        assert len(a) == 3 and len(b) == 3 and not a & b
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()


@needs_postgres
def test_two_workers_never_run_the_same_job_at_once(
        session: Session, session_factory: sessionmaker[Any], starter: Actor,
        runtime: Runtime) -> None:
    deploy_xml(session, "svc_x", service_body("exclusive"))
    ids = [cases.start_case(session, "svc_x", user=starter).id for _ in range(60)]
    session.commit()
    _use_test_handlers(runtime)
    workers = [Worker(session_factory, worker_id=f"w{n}", concurrency=3, batch=4)
               for n in (1, 2)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert worker_handlers.OVERLAPS == []
    assert len(worker_handlers.CALLS) == 60 and set(worker_handlers.CALLS.values()) == {1}
    assert all(w.stats.done > 0 for w in workers)
    session.expire_all()
    assert {c.status for c in session.scalars(select(Case).where(Case.id.in_(ids)))} == {"running"}
    assert session.scalar(select(func.count()).select_from(Job).where(Job.case_id.in_(ids))) == 0


@needs_postgres
def test_worker_killed_mid_job_leaves_it_to_another(session: Session, session_factory: Any,
                                                    starter: Actor, db_engine: Engine,
                                                    tmp_path: Path, runtime: Runtime) -> None:
    """A real `alliance worker` process dies (SIGKILL) inside a slow handler; after its lease
    another worker runs the job and the case ends as if nothing had happened."""
    from processes.registry import RegistryNotification

    deploy_xml(session, "svc_slow", service_body("slow_notify"))
    case = cases.start_case(session, "svc_slow", user=starter, data={"committee_name": "Tourism"})
    session.commit()
    [job] = session.scalars(select(Job).where(Job.case_id == case.id)).all()
    job_id, spiff_task_id = job.id, job.spiff_task_id
    env = {**os.environ, "ALLIANCE_HANDLERS": "tests.engine.worker_handlers:HANDLERS",
           "WORKER_TEST_SLEEP": "60", "PYTHONPATH": str(REPO),
           "DATABASE_URL": db_engine.url.render_as_string(hide_password=False)}
    proc = subprocess.Popen([sys.executable, "-c", "from engine.cli import main; main()", "worker",
                             "--lease", "2", "--poll", "0.2"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):  # wait until it holds the job (inside the handler's sleep)
            session.expire_all()
            held = session.get(Job, job_id)
            session.commit()
            if held is not None and held.locked_by:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker process never claimed the job")
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    session.expire_all()
    leased = session.get(Job, job_id)
    assert leased is not None and leased.attempts == 1  # still there: nothing was committed
    session.commit()
    time.sleep(2.2)  # the dead worker's lease runs out (real clock: the subprocess uses it too)
    runtime.handlers.clear()
    runtime.handlers.load("tests.engine.worker_handlers:HANDLERS")
    os.environ.pop("WORKER_TEST_SLEEP", None)
    stats = Worker(session_factory, worker_id="survivor").run_once()
    assert stats.by_kind["service"] == 1  # (and whatever notification jobs were due)
    session.expire_all()
    view = cases.view_case(session, case.id)
    assert [t.element_id for t in view.open_tasks] == ["after"]
    rows = session.scalars(select(RegistryNotification)).all()
    assert [r.idempotency_key for r in rows] == [f"{case.id}:{spiff_task_id}"]
    assert view.data["last_notification_id"] == rows[0].id
    assert session.get(Job, job_id) is None
