"""REST API throughput under gunicorn: starting cases and completing tasks over HTTP.

    python -m bench.bench_api            # its own scratch database (bench.common)
                                         # on localhost; BENCH_API_N requests per run (80)

Seeds a PostgreSQL database (the Alliance's processes, demo users, an API token),
starts `gunicorn -w 4 'web:create_app()'` on a free port, then at concurrency 1 and 8
starts N committee cases (POST /process-definitions/{key}/start) and completes their
first task (POST /tasks/{id}/complete, with the form's data): prints requests/s, median
and p95 latency. Bounded (a few hundred requests) and stops by itself; prints a note and
exits if PostgreSQL is unreachable.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import engine.store.models  # noqa: F401
from bench.common import scratch_database
from engine.access.tokens import create_token
from engine.access.users import create_user
from engine.bootstrap import session_factory
from engine.definitions.deployment import deploy, files_from_paths
from engine.store.db import Base, make_engine

REPO = Path(__file__).resolve().parents[1]
USER = "quanzhou"
TOR = {"establishment_kind": "new", "committee_name": "Tourism", "sector": "tourism",
       "objectives": "Promote maritime heritage tourism between member cities.",
       "scope": "Member cities of the Alliance.", "membership": "Quanzhou, Chongqing",
       "resource_mobilization_plan": "Seed funding and city contributions.",
       "partner_institutions": ["iran_chamber"]}




def seed(url: str) -> str:
    """A fresh schema with the processes and demo users; returns an API token for USER."""
    import processes.registry
    import processes.registry_forum  # noqa: F401  (its tables)
    from processes.demo import seed_demo
    from processes.registry import seed_registry

    eng = make_engine(url)
    Base.metadata.create_all(eng)
    with session_factory(eng)() as session:
        deploy(session, files_from_paths([REPO / "processes"]))
        seed_demo(session, create_user)
        seed_registry(session)
        secret = create_token(session, USER, name="bench").secret
        session.commit()
    eng.dispose()
    return secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "ALLIANCE_ENV": "development"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", "4", "-b", f"127.0.0.1:{port}", "--log-level",
                             "warning", "web:create_app()"], cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/api/v1/openapi.json", None, None)
            if status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def request(port: int, method: str, path: str, token: str | None, body: Any) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        conn.close()


def run(label: str, calls: Sequence[Callable[[], tuple[int, Any]]], concurrency: int) -> list[Any]:
    latencies: list[float] = []
    results: list[Any] = []
    failures: dict[int, int] = {}
    first_failure: list[Any] = []

    def one(call: Callable[[], tuple[int, Any]]) -> None:
        began = time.perf_counter()
        status, body = call()
        latencies.append(time.perf_counter() - began)
        if status >= 300:
            failures[status] = failures.get(status, 0) + 1
            first_failure[:] = first_failure or [body]
        else:
            results.append(body)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, calls))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"{label:<22} c={concurrency}  {len(calls) / elapsed:7.1f} req/s  "
          f"median {statistics.median(ordered) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"
          + (f"  failures {failures}" if failures else ""))
    if failures:
        raise BenchFailed(f"{label}: {sum(failures.values())} of {len(calls)} requests refused, "
                          f"the first with {json.dumps(first_failure[0])[:500]}")
    return results


class BenchFailed(RuntimeError):
    """A refused request: the figures would measure refusals, not the work."""


def main() -> int:
    with scratch_database("api") as url:
        if url is not None:
            try:
                _measure(url, int(os.environ.get("BENCH_API_N", "80")))
            except BenchFailed as failed:
                print(f"FAILED: {failed}")
                return 1
    return 0


def _measure(url: str, count: int) -> None:
    token = seed(url)
    port = free_port()
    server = start_server(url, port)
    try:
        print(f"gunicorn -w 4 on port {port}, PostgreSQL, {count} requests per run")
        start_path = "/api/v1/process-definitions/committee_establishment/start"
        tasks: dict[int, list[int]] = {}
        for concurrency in (1, 8):
            starts = [partial(request, port, "POST", start_path, token,
                              {"business_key": f"BENCH-{concurrency}-{n}"}) for n in range(count)]
            cases = run("start a case", starts, concurrency)
            tasks[concurrency] = [c["open_tasks"][0]["id"] for c in cases]
        for concurrency in (1, 8):
            completions = [partial(request, port, "POST", f"/api/v1/tasks/{t}/complete", token,
                                   {"variables": TOR}) for t in tasks[concurrency]]
            run("complete a task", completions, concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
