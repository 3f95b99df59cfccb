"""Prometheus metrics (prometheus-client): what each process counts, and the store's figures.

Counted by the process that did the work (each web node and each worker is a target;
Prometheus sums them):

    alliance_http_request_duration_seconds{endpoint,method,status}   histogram (web)
    alliance_tasks_completed_total{process}                          counter
    alliance_cases_started_total{process}                            counter
    alliance_cases_finished_total{process,status}                    counter (completed, cancelled)
    alliance_worker_jobs_total{kind,outcome}                         counter (worker)
    alliance_worker_lease_expiries_total                             counter (worker): jobs taken
                                                                     over after a lease ran out

Read from the database at scrape time (the same on every target; aggregate with max):

    alliance_job_queue_depth{kind}             ready, due jobs no worker holds
    alliance_job_oldest_due_age_seconds        how long the oldest of them has been due
    alliance_jobs_leased{kind}                 jobs being run now
    alliance_jobs_lease_expired                leases that ran out without a release
    alliance_jobs_parked                       jobs of suspended or failed cases
    alliance_incidents_open{kind}              incidents nobody has resolved yet

Counts that belong to a transaction (cases, tasks, lease expiries) are added only when
it commits (`count_after_commit`), so a rolled-back attempt counts nothing.

Several processes (gunicorn workers) share one view through prometheus-client's
multiprocess mode: `PROMETHEUS_MULTIPROC_DIR` must be set before this module is first
imported (`alliance serve` does it and clears the folder at start).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client import multiprocess as prom_multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from engine.observability.store_stats import store_stats

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_PENDING = "alliance.metrics.pending"

REQUEST_LATENCY = Histogram(
    "alliance_http_request_duration_seconds", "HTTP request latency by endpoint",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
TASKS_COMPLETED = Counter("alliance_tasks_completed", "Human tasks completed", ["process"])
CASES_STARTED = Counter("alliance_cases_started", "Cases started", ["process"])
CASES_FINISHED = Counter("alliance_cases_finished", "Cases that ended", ["process", "status"])
JOBS_RUN = Counter("alliance_worker_jobs", "Jobs the worker ran, by outcome", ["kind", "outcome"])
LEASE_EXPIRIES = Counter("alliance_worker_lease_expiries",
                         "Jobs claimed again after another worker's lease ran out")


def count_after_commit(session: Session, increment: Callable[[], None]) -> None:
    """Run `increment` when the session's transaction commits; drop it on rollback."""
    session.info.setdefault(_PENDING, []).append(increment)


@event.listens_for(Session, "after_commit")
def _apply_pending(session: Session) -> None:
    for increment in session.info.pop(_PENDING, []):
        increment()


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    """Any rollback of the outer transaction (a savepoint's rollback keeps the rest)."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


class StoreCollector:
    """Collects the database figures (engine.observability.store_stats) at scrape time."""

    def __init__(self, session_factory: sessionmaker[Any]) -> None:
        self.session_factory = session_factory

    def collect(self) -> Iterator[Metric]:
        with self.session_factory() as session:
            stats = store_stats(session)
            session.rollback()
        yield _by_kind("alliance_job_queue_depth", "Ready, due jobs no worker holds", stats.due_by_kind)
        oldest = GaugeMetricFamily("alliance_job_oldest_due_age_seconds",
                                   "Seconds the oldest waiting due job has been due")
        oldest.add_metric([], stats.oldest_due_age_seconds)
        yield oldest
        yield _by_kind("alliance_jobs_leased", "Jobs a worker is running now", stats.leased_by_kind)
        yield _single("alliance_jobs_lease_expired", "Leases that ran out without a release",
                      stats.expired_leases)
        yield _single("alliance_jobs_parked", "Jobs of suspended or failed cases", stats.parked)
        yield _by_kind("alliance_incidents_open", "Open incidents", stats.incidents_open_by_kind)


def _by_kind(name: str, documentation: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["kind"])
    for kind, value in sorted(values.items()):
        family.add_metric([kind], value)
    return family


def _single(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


class _ProcessCollector:
    """This process's own metrics (the default registry), when not in multiprocess mode."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def render(session_factory: sessionmaker[Any] | None) -> tuple[bytes, str]:
    """The exposition text: this process (or all of gunicorn's workers) plus the store's figures."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        prom_multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCollector())  # type: ignore[arg-type]
    if session_factory is not None:
        registry.register(StoreCollector(session_factory))  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """Gunicorn's child_exit hook: fold a dead worker's live gauges away."""
    if multiprocess_mode():
        prom_multiprocess.mark_process_dead(pid)
