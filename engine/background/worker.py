"""The background worker: claims due jobs and runs each in its own transaction.

One loop per worker: claim due jobs (short transaction, lease), run each claimed
job on a thread pool (`concurrency` threads, one session per job); a thread that
comes free claims the next due job without waiting for the others. Sleep `poll`
seconds when nothing was due. Any number of workers (threads or processes) may
run against one database; see engine.background.jobs for the claim and lease rules.

Per job kind:
- timer: open the case, SpiffWorkflow refreshes its timers against the engine
  clock, engine steps run, the case is saved (the projection re-schedules the job).
- service: run the handler, complete the task, run steps (engine.background.services).
- message: deliver an outbox message (engine.background.messages).
- start_timer: start a case of the latest version (engine.background.timers).
- archive: archive the history of long-finished cases (engine.background.maintenance).
- notify: record the notification event the job carries and fan it out to people
  (engine.notify.fanout); mail: send one e-mail (engine.notify.delivery, which commits
  once mid-job); deadline: a task due soon or overdue (engine.notify.deadlines); digest:
  the daily e-mails (engine.notify.digest).
  Mail needs the worker's `mail` settings (SMTP_URL); without them no e-mail is written.
Each job runs with a request id `job-<id>-<attempt>` bound (engine.observability.context),
so the history rows it writes and its log lines say which job wrote them.
A job of a case that is not running is parked (kept; un-parked when the case
resumes). A lost race on the case version gives the job back without using an attempt.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine import clock
from engine.background import jobs
from engine.background.maintenance import (
    run_archive_job,
    run_upkeep_job,
    schedule_archive,
    schedule_upkeep,
)
from engine.background.messages import HELD_RECHECK, MessageHeld, deliver_outbox
from engine.background.services import run_service_job
from engine.background.timer_jobs import batch_rows, fire_timers, leased_timer_jobs
from engine.background.timers import fire_start_timer, sync_start_timers
from engine.errors import ConcurrentUpdate, HandlerMissing, HandlerNotAllowed, InvalidInput
from engine.notify.deadlines import run_deadline_job
from engine.notify.delivery import deliver_mail
from engine.notify.digest import run_digest_job, schedule_digest
from engine.notify.fanout import fan_out_job
from engine.notify.mail import MailSettings
from engine.observability.context import request_id_bound
from engine.observability.metrics import JOBS_RUN
from engine.store.models import JobKind

log = logging.getLogger("alliance.worker")
START_TIMER_SYNC_EVERY = 30.0
CONFLICT_RETRY = timedelta(seconds=1)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class WorkerStats:
    claimed: int = 0
    done: int = 0
    failed: int = 0
    conflicts: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str, kind: str | None = None) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)
            if kind is not None and name == "done":
                self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


class Worker:
    def __init__(self, session_factory: sessionmaker[Any], *, worker_id: str | None = None,
                 concurrency: int = 1, batch: int | None = None,
                 lease: timedelta = jobs.DEFAULT_LEASE,
                 archive_after_days: float | None = None, mail: MailSettings | None = None,
                 timer_batch: int = 25) -> None:
        self.session_factory = session_factory
        self.mail = mail
        self.worker_id = worker_id or new_worker_id()
        self.concurrency = max(concurrency, 1)
        self.batch = batch or self.concurrency * 4
        self.timer_batch = max(timer_batch, 1)
        self.lease = lease
        self.archive_after_days = archive_after_days
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._last_start_sync = 0.0

    def stop(self) -> None:
        self._stop.set()

    # -- the loop ---------------------------------------------------------------------

    def run(self, *, poll: float = 1.0, once: bool = False,
            on_idle: Callable[[], None] | None = None) -> WorkerStats:
        """Work until stopped; with `once`, until no job is due and none is running.

        With several threads, a thread that comes free claims the next due job at once: a
        slow job (a script near its time limit) holds only its own thread, never the jobs
        due behind it. Only as many jobs are claimed as there are free threads, so no lease
        is held by a job that waits for a thread."""
        if self.concurrency == 1:
            return self._run_serial(poll, once, on_idle)
        pool = ThreadPoolExecutor(self.concurrency)
        running: set[Future[Any]] = set()
        try:
            while not self._stop.is_set():
                self.sync_start_timers()
                free = self.concurrency - len(running)
                claimed = self.claim(min(free, self.batch), timers=False) if free > 0 else []
                running.update(pool.submit(self.execute, job) for job in claimed)
                free -= len(claimed)
                timer_jobs = self.claim(free * self.timer_batch, timers=True) if free > 0 else []
                running.update(pool.submit(self.execute_batch, chunk)
                               for chunk in _chunks(timer_jobs, free))
                claimed += timer_jobs
                if running:
                    if claimed and len(running) < self.concurrency:
                        continue  # a thread is still free: more may be due right now
                    _, running = wait(running, timeout=poll, return_when=FIRST_COMPLETED)
                    continue
                if once:
                    break
                if on_idle is not None:
                    on_idle()
                self._stop.wait(poll)
        finally:
            pool.shutdown(wait=True)
        return self.stats

    def _run_serial(self, poll: float, once: bool, on_idle: Callable[[], None] | None) -> WorkerStats:
        while not self._stop.is_set():
            self.sync_start_timers()
            claimed = self.claim(timers=False)
            for job in claimed:
                self.execute(job)
            timer_jobs = self.claim(self.timer_batch, timers=True)
            if timer_jobs:
                self.execute_batch(timer_jobs)
            if claimed or timer_jobs:
                continue
            if once:
                break
            if on_idle is not None:
                on_idle()
            self._stop.wait(poll)
        return self.stats

    def run_once(self) -> WorkerStats:
        return self.run(once=True)

    def sync_start_timers(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_start_sync < START_TIMER_SYNC_EVERY:
            return
        self._last_start_sync = now
        with self.session_factory() as session:
            try:
                sync_start_timers(session)
                schedule_archive(session, self.archive_after_days)
                schedule_upkeep(session)
                schedule_digest(session, self.mail)
                session.commit()
            except IntegrityError:
                # Another worker created the same keyed job first: its rows stand, ours go.
                session.rollback()
                log.info("another worker scheduled the periodic jobs first")
            except Exception:
                session.rollback()
                log.exception("syncing timer start events failed")

    def claim(self, limit: int | None = None, *, timers: bool | None = None) -> list[jobs.ClaimedJob]:
        with self.session_factory() as session:
            claimed = jobs.claim(session, self.worker_id, limit=limit or self.batch, lease=self.lease,
                                 timers=timers)
            session.commit()
        for _ in claimed:
            self.stats.count("claimed")
        return claimed

    # -- a batch of timer jobs ----------------------------------------------------------

    def execute_batch(self, claimed: list[jobs.ClaimedJob]) -> list[str]:
        """Fire the timers of several cases in one transaction (engine.background.timer_jobs);
        if anything in it raises, roll it back and run the jobs one by one. Never raises."""
        if len(claimed) == 1:
            return [self.execute(claimed[0])]
        attempts = {c.id: c.attempt for c in claimed}
        outcomes: dict[int, str] = {}
        with self.session_factory() as session:
            try:
                held = leased_timer_jobs(session, list(attempts), self.worker_id)
                rows = batch_rows(session, [case.id for _job, case, _hash in held])
                with session.no_autoflush:  # the batch's ORM changes go in one flush, at commit
                    for job, case, content_hash in held:
                        with request_id_bound(f"job-{job.id}-{attempts[job.id]}"):
                            outcomes[job.id] = fire_timers(session, job, self.worker_id, content_hash,
                                                           rows[case.id])
                session.commit()
            except Exception:
                session.rollback()
                log.info("a batch of %d timer jobs failed; running them one by one", len(claimed))
                return [self.execute(c) for c in claimed]
        results = []
        for c in claimed:
            outcome = outcomes.get(c.id, "lost")
            if outcome != "lost":
                self.stats.count("done", c.kind)
            JOBS_RUN.labels(kind=c.kind, outcome=outcome).inc()
            results.append(outcome)
        return results

    # -- one job ------------------------------------------------------------------------

    def execute(self, claimed: jobs.ClaimedJob) -> str:
        """Run one claimed job in its own session and transaction; never raises."""
        with request_id_bound(f"job-{claimed.id}-{claimed.attempt}"):
            outcome = self._execute(claimed)
        JOBS_RUN.labels(kind=claimed.kind, outcome=outcome.partition(":")[0]).inc()
        return outcome

    def _execute(self, claimed: jobs.ClaimedJob) -> str:
        with self.session_factory() as session:
            try:
                outcome = self._dispatch(session, claimed)
                session.commit()
                self.stats.count("done", claimed.kind)
                return outcome
            except ConcurrentUpdate:
                session.rollback()
                self.stats.count("conflicts")
                jobs.release(session, claimed.id, self.worker_id, refund_attempt=True,
                             due_at=clock.now() + CONFLICT_RETRY)
                session.commit()
                return "conflict"
            except MessageHeld as exc:
                session.rollback()
                jobs.release(session, claimed.id, self.worker_id, refund_attempt=True,
                             due_at=clock.now() + HELD_RECHECK)
                session.commit()
                return f"held: {exc}"
            except Exception as exc:
                session.rollback()
                self.stats.count("failed")
                refused = isinstance(exc, (HandlerMissing, HandlerNotAllowed))
                retryable = not (refused or isinstance(exc, InvalidInput))
                message = str(exc) if refused else f"{type(exc).__name__}: {exc}"
                log.info("job %s (%s) failed: %s", claimed.id, claimed.kind, message)
                try:
                    jobs.record_failure(session, claimed.id, self.worker_id, message,
                                        retryable=retryable)
                    session.commit()
                except Exception:
                    session.rollback()
                    log.exception("recording the failure of job %s failed", claimed.id)
                return "failed"

    def _dispatch(self, session: Session, claimed: jobs.ClaimedJob) -> str:
        job = jobs.holds_lease(session, claimed.id, self.worker_id)
        if job is None:
            return "lost"  # another worker took it over after our lease ran out
        if job.kind == JobKind.SERVICE:
            return run_service_job(session, job)
        if job.kind == JobKind.TIMER:
            return fire_timers(session, job, self.worker_id)
        if job.kind == JobKind.MESSAGE:
            deliver_outbox(session, int((job.payload or {})["message_id"]))
            session.delete(job)
            return "delivered"
        if job.kind == JobKind.START_TIMER:
            fire_start_timer(session, job)
            job.locked_by = job.locked_until = None
            return "started"
        if job.kind == JobKind.UPKEEP:
            log.info("forgot %d expired idempotency key(s)", run_upkeep_job(session, job))
            return "upkept"
        if job.kind == JobKind.NOTIFY:
            told = fan_out_job(session, job.payload or {}, self.mail)
            session.delete(job)
            return f"told {told}"
        if job.kind == JobKind.MAIL:
            return deliver_mail(session, job, self.mail)
        if job.kind == JobKind.DEADLINE:
            return run_deadline_job(session, job)
        if job.kind == JobKind.DIGEST:
            return run_digest_job(session, job, self.mail)
        if job.kind == JobKind.ARCHIVE:
            result = run_archive_job(session, job)
            log.info("archived the history of %d case(s), %d event(s)", result.cases, result.events)
            return "archived"
        session.delete(job)
        return "unknown kind"


def _chunks(items: list[jobs.ClaimedJob], parts: int) -> list[list[jobs.ClaimedJob]]:
    """`items` in at most `parts` chunks of nearly equal size."""
    if not items:
        return []
    size = -(-len(items) // max(parts, 1))
    return [items[i:i + size] for i in range(0, len(items), size)]
