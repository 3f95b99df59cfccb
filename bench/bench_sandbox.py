"""Sandbox benchmark: what running scripts in evaluator processes costs.

    python -m bench.bench_sandbox [--evaluations N] [--completions N]

Prints, in the same run:
* per evaluation: a condition (`count >= limit`) and a script (`count = count + 1`)
  evaluated in the server's own process (the engine before the evaluator pool: the
  "before" figure) and in a pool process (now: the "after" figure), median and p95;
* per task completion: `tasks.complete_task` + commit in a looping case (a user task,
  then a script task and a gateway condition: two evaluations per completion), on
  SQLite and on PostgreSQL (a scratch database `bench_limits_sandbox`, dropped
  afterwards) when reachable, evaluating in-process (before), everything in the pool,
  and the engine's default (pool + linear expressions and scripts in-process,
  engine.sandbox.linear), one completion of each in turn so that the machine's load
  hits all alike. Two processes: tests/fixtures/bpmn/loop.bpmn (its script and condition are
  linear) and bench/pooled_loop.bpmn (its script has an f-string: the pool always).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import engine.store.models  # noqa: F401
import processes.registry
import processes.registry_forum  # noqa: F401  (action plans and the Cities Forum)
from bench.common import percentile, scratch_database
from engine.access.users import actor, create_user
from engine.bootstrap import build_runtime, session_factory
from engine.definitions import deployment as definitions
from engine.runtime import cases, tasks
from engine.runtime.context import Runtime
from engine.sandbox.environment import SandboxEnvironment
from engine.sandbox.evaluator import SandboxScriptEngine
from engine.sandbox.pool import EvaluatorPool, SandboxLimits
from engine.store.db import Base, make_engine

REPO = Path(__file__).resolve().parents[1]
LOOP = REPO / "tests" / "fixtures" / "bpmn" / "loop.bpmn"
POOLED_LOOP = Path(__file__).parent / "pooled_loop.bpmn"
PROCESSES = {"looping": "script `count = count + 1`, condition `done`",
             "pooled_loop": "script with an f-string: always an evaluator process"}
DATA = {"count": 3, "limit": 10, "done": False, "title": "Quanzhou ToR",
        "partners": ["iran_chamber", "bavaria", "hanoi"], "budget": {"seed": 20000}}


def _ms(samples: list[float]) -> str:
    median, p95 = statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000
    return f"median {median:7.3f} ms   p95 {p95:7.3f} ms"


def _time(fn: Callable[[], Any], n: int) -> list[float]:
    fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def per_evaluation(n: int) -> None:
    print(f"# per evaluation ({n} each)")
    inline = SandboxEnvironment()
    pool = EvaluatorPool()
    try:
        cases_ = [
            ("condition in-process (before)", lambda: inline.evaluate("count >= limit", DATA)),
            ("condition in the pool (after) ", lambda: pool.evaluate("count >= limit", DATA)),
            ("script in-process (before)   ", lambda: inline.execute("count = count + 1", dict(DATA))),
            ("script in the pool (after)   ", lambda: pool.execute("count = count + 1", dict(DATA))),
        ]
        for label, fn in cases_:
            print(f"{label} {_ms(_time(fn, n))}")
    finally:
        pool.close()


def _runtimes() -> dict[str, Runtime]:
    before = build_runtime()
    before.script_engine = SandboxScriptEngine()  # in-process, as the engine was before the pool
    return {"before: in-process            ": before,
            "after: pool for everything     ": build_runtime(sandbox=SandboxLimits(inline_linear=False)),
            "after: pool + linear in-process": build_runtime()}


def _prepare(url: str) -> Any:
    db = make_engine(url)
    Base.metadata.create_all(db)  # a fresh scratch database or SQLite file
    with session_factory(db)() as s:
        definitions.deploy(s, definitions.files_from_paths([LOOP, POOLED_LOOP]))
        create_user(s, "bench", groups=["workers"], password="bench-pw")
        s.commit()
    return db


class _Case:
    """One looping case worked by one runtime: each call completes its open task once."""

    def __init__(self, db: Any, runtime: Runtime, process_id: str) -> None:
        self.factory = session_factory(db, runtime)
        with self.factory() as s:
            view = cases.start_case(s, process_id, user=actor(s, "bench"))
            s.commit()
        self.task_id = view.open_tasks[0].id
        self.samples: list[float] = []

    def complete(self) -> None:
        started = time.perf_counter()
        with self.factory() as s:
            view = tasks.complete_task(s, self.task_id, user=actor(s, "bench"),
                                       data={"done": False})
            s.commit()
        self.samples.append(time.perf_counter() - started)
        self.task_id = view.open_tasks[0].id


def per_completion(name: str, url: str, n: int) -> None:
    """Completions interleaved one by one across the configurations: the load hits all alike."""
    db = _prepare(url)
    runtimes = _runtimes()
    try:
        for process_id, what in PROCESSES.items():
            worked = {label: _Case(db, runtime, process_id) for label, runtime in runtimes.items()}
            for _ in range(5):  # warm up (a pool's first process starts here)
                for case in worked.values():
                    case.complete()
            for case in worked.values():
                case.samples.clear()
            for _ in range(n):
                for case in worked.values():
                    case.complete()
            print(f"# task completion on {name}, {process_id} ({what}); {n} each, interleaved")
            base = statistics.median(next(iter(worked.values())).samples)
            for label, case in worked.items():
                print(f"{label} {_ms(case.samples)}   x{statistics.median(case.samples) / base:5.2f}")
    finally:
        for runtime in runtimes.values():
            runtime.close()
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=2000)
    parser.add_argument("--completions", type=int, default=200)
    args = parser.parse_args()
    per_evaluation(args.evaluations)
    with tempfile.TemporaryDirectory() as tmp:
        per_completion("SQLite", f"sqlite:///{tmp}/bench.db", args.completions)
    with scratch_database("sandbox") as pg_url:
        if pg_url is not None:
            per_completion("PostgreSQL", pg_url, args.completions)


if __name__ == "__main__":
    main()
