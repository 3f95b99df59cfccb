"""Engine benchmark: the cost of durability, and latency as a case's history grows.

    python -m bench.bench_engine [--cases N] [--quick]

Prints, for a process of three user tasks in sequence, cases/s run by
SpiffWorkflow in memory and through the engine on SQLite and PostgreSQL (when
reachable), each with its ratio to in-memory, measured in the same run; then
task-completion latency (median, p95) in a looping case after 10, 100, 400 and
1000 completed tasks. Every engine step is its own transaction, as a request is.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

import engine.store.models  # noqa: F401
from bench.common import percentile, scratch_database
from bench.driver_floor import floor_rate
from engine.access.users import actor, create_user
from engine.bootstrap import session_factory
from engine.definitions import deployment as definitions
from engine.definitions.validation import validate_files
from engine.runtime import cases, tasks
from engine.sandbox.evaluator import SandboxScriptEngine
from engine.store.db import Base, make_engine
from engine.store.models import ProcessDefinition

HERE = Path(__file__).parent
REPO = HERE.parent


def _files(*paths: Path) -> list[Any]:
    return definitions.files_from_paths(list(paths))


def in_memory_rate(n: int) -> float:
    parsed = validate_files(_files(HERE / "three_tasks.bpmn")).processes[0]
    engine_ = SandboxScriptEngine()
    started = time.perf_counter()
    for _ in range(n):
        wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=engine_)
        wf.do_engine_steps()
        while not wf.is_completed():
            task = wf.get_tasks(state=TaskState.READY)[0]
            task.data["step"] = task.task_spec.bpmn_id
            task.run()
            wf.do_engine_steps()
    return n / (time.perf_counter() - started)


def driver_floor(db: Engine, factory: sessionmaker[Any], n: int) -> float:
    """bench.driver_floor's rate on this database: the engine's statements through the bare driver."""
    parsed = validate_files(_files(HERE / "three_tasks.bpmn")).processes[0]
    with factory() as s:
        definition_id = s.scalar(select(ProcessDefinition.id).where(
            ProcessDefinition.process_id == "bench_three_tasks"))
    assert definition_id is not None
    return floor_rate(db, parsed.spec, parsed.subprocess_specs, definition_id, n)


def _prepare(db: Engine) -> sessionmaker[Any]:
    Base.metadata.create_all(db)  # a fresh scratch database or SQLite file
    factory = session_factory(db)
    with factory() as s:
        definitions.deploy(s, _files(HERE / "three_tasks.bpmn", REPO / "tests/fixtures/bpmn/loop.bpmn"))
        create_user(s, "bench", groups=["bench", "workers"], password="bench-pw")
        s.commit()
    return session_factory(db)  # a fresh runtime: empty caches


def engine_rate(factory: sessionmaker[Any], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        with factory() as s:
            user = actor(s, "bench")
            view = cases.start_case(s, "bench_three_tasks", user=user)
            s.commit()
        while view.open_tasks:
            with factory() as s:
                view = tasks.complete_task(s, view.open_tasks[0].id, user=actor(s, "bench"),
                                           data={"step": view.open_tasks[0].element_id})
                s.commit()
    return n / (time.perf_counter() - started)


def loop_latencies(factory: sessionmaker[Any], checkpoints: list[int], sample: int) -> dict[int, list[float]]:
    with factory() as s:
        view = cases.start_case(s, "looping", user=actor(s, "bench"))
        s.commit()
    task_id = view.open_tasks[0].id
    done, out = 0, {}
    for checkpoint in checkpoints:
        samples: list[float] = []
        while done < checkpoint + sample:
            started = time.perf_counter()
            with factory() as s:
                view = tasks.complete_task(s, task_id, user=actor(s, "bench"), data={"done": False})
                s.commit()
            elapsed = time.perf_counter() - started
            done += 1
            if done > checkpoint:
                samples.append(elapsed)
            task_id = view.open_tasks[0].id
        out[checkpoint] = samples
    return out




def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="fewer cases, loop to 400 only")
    args = parser.parse_args()
    n = 50 if args.quick else args.cases
    checkpoints = [10, 100, 400] if args.quick else [10, 100, 400, 1000]
    print(f"# engine benchmark: {n} cases of bench_three_tasks (3 user tasks); each step one transaction")
    memory = in_memory_rate(n)
    print(f"SpiffWorkflow in memory     {memory:8.1f} cases/s")
    results: dict[str, Engine] = {}
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        results["sqlite"] = make_engine(f"sqlite:///{tmp}/bench.db")
        pg_url = stack.enter_context(scratch_database("engine"))
        if pg_url is not None:
            results["postgresql"] = make_engine(pg_url)
        factories = {name: _prepare(db) for name, db in results.items()}
        for name, factory in factories.items():
            rate = engine_rate(factory, n)
            floor = driver_floor(results[name], factory, n)
            print(f"engine on {name:17} {rate:8.1f} cases/s   ratio to in-memory {rate / memory:.3f}"
                  f"   (bare driver, same statements: {floor:.1f} cases/s, ratio {floor / memory:.3f};"
                  f" the engine runs at {rate / floor:.0%} of it)")
        for name, factory in factories.items():
            print(f"# task completion latency in one looping case on {name} (20 samples after each point)")
            for checkpoint, samples in loop_latencies(factory, checkpoints, 20).items():
                median = statistics.median(samples) * 1000
                print(f"after {checkpoint:5} completed tasks: median {median:7.2f} ms"
                      f"   p95 {percentile(samples, 0.95) * 1000:7.2f} ms")
        for db in results.values():
            db.dispose()


if __name__ == "__main__":
    main()
