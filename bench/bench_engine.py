"""Engine benchmark: the cost of durability, and latency as a case's history grows.

    python -m bench.bench_engine [--cases N] [--quick] [--rounds R]

Prints, for a process of three user tasks in sequence, cases/s run by
SpiffWorkflow in memory and through the engine on SQLite and PostgreSQL (when
reachable), each with its ratio to in-memory: in `--rounds` rounds, each paired with
in-memory runs just before and after it (this machine's speed drifts), and the median;
then the same statements through the bare driver (bench.driver_floor), the store's floor;
then task-completion latency (median, p95) in a looping case after 10, 100, 400 and
1000 completed tasks. Every engine step is its own transaction, as a request is.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
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
    """SpiffWorkflow alone, at least 300 cases (a shorter run is mostly timer noise), with the
    objects already alive (the engine's caches, earlier runs) frozen out of the collector: in
    memory a case allocates many small objects, and collections that walk a large heap made the
    same run 1.7 times slower after an engine run than before it."""
    n = max(n, 300)
    parsed = validate_files(_files(HERE / "three_tasks.bpmn")).processes[0]
    engine_ = SandboxScriptEngine()
    gc.collect()
    gc.freeze()
    try:
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
    finally:
        gc.unfreeze()


def paired_rate(measure: Callable[[], float], n: int) -> tuple[float, float]:
    """`measure()` and SpiffWorkflow's in-memory rate measured just before and just after it
    (their mean): this machine's speed drifts by a third within a minute, and a ratio of two
    rates taken far apart measures the drift."""
    before = in_memory_rate(n)
    rate = measure()
    return rate, (before + in_memory_rate(n)) / 2


def driver_floor(db: Engine, factory: sessionmaker[Any], n: int, together: bool = False) -> float:
    """bench.driver_floor's rate on this database: the engine's statements through the bare driver
    (`together`: a step's writes sent as the engine sends them on PostgreSQL)."""
    parsed = validate_files(_files(HERE / "three_tasks.bpmn")).processes[0]
    with factory() as s:
        definition_id = s.scalar(select(ProcessDefinition.id).where(
            ProcessDefinition.process_id == "bench_three_tasks"))
    assert definition_id is not None
    return floor_rate(db, parsed.spec, parsed.subprocess_specs, definition_id, n, together=together)


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
    parser.add_argument("--rounds", type=int, default=3, help="paired measurements per database")
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
            engine_rate(factory, 20)  # warm: the definition parsed, the first pages of the tables
            ratios = []
            for _ in range(args.rounds):
                rate, paired = paired_rate(partial(engine_rate, factory, n), n)
                ratios.append(rate / paired)
                print(f"engine on {name:17} {rate:8.1f} cases/s   in memory around it {paired:7.1f}"
                      f"   ratio {rate / paired:.3f}")
            ratio = statistics.median(ratios)
            print(f"  {name}: median ratio {ratio:.3f} over {args.rounds} rounds")
            for together in (False, True) if name == "postgresql" else (False,):
                floor, paired = paired_rate(partial(driver_floor, results[name], factory, n, together), n)
                shape = "writes sent together" if together else "one statement per round trip"
                print(f"  {name}: bare driver, same statements ({shape}): {floor:.1f} cases/s, ratio "
                      f"{floor / paired:.3f} (the engine runs at {ratio / (floor / paired):.0%} of it)")
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
