"""Pieces every benchmark shares: scratch PostgreSQL databases, and timing with median/p95.

A benchmark never touches a database it did not create. Each one that needs PostgreSQL asks
`scratch_database(bench)` for a database of its own: created fresh under a name no one else
uses (`SCRATCH_PREFIX` + the benchmark + this process's id, so a leftover of a killed run never
collides), dropped when the benchmark ends. The server comes from BENCH_POSTGRES_URL (only its
host, port and credentials are used; the maintenance database `postgres` is where the scratch
database is created and dropped from, and nothing in it is read or written).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SCRATCH_PREFIX = "alliance_bench_"
# The benchmarks that use PostgreSQL, each with its scratch database's stem: the one place they are named.
SCRATCH_DATABASES = {
    "engine": "engine", "sandbox": "sandbox", "worker": "worker", "inbox": "inbox",
    "dashboard": "dashboard", "api": "api",
}


def scratch_name(bench: str) -> str:
    return f"{SCRATCH_PREFIX}{SCRATCH_DATABASES[bench]}_{os.getpid()}"


def _admin() -> Engine:
    return create_engine(make_url(POSTGRES_SERVER).set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def scratch_database(bench: str) -> Iterator[str | None]:
    """Create `bench`'s own database, yield its URL, drop it; yield None if PostgreSQL is unreachable."""
    name = scratch_name(bench)
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # fails if it exists: never someone else's
    except Exception as exc:
        admin.dispose()
        server = make_url(POSTGRES_SERVER).render_as_string(hide_password=True)
        print(f"PostgreSQL not usable at {server} ({type(exc).__name__}: "
              f"{str(exc).splitlines()[0][:120]}); the PostgreSQL part of bench_{bench} is skipped")
        yield None
        return
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and p95 of `fn`'s duration in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)
