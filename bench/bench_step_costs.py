"""Where a step's time goes: the engine's use cases and their parts, µs per transaction.

    python -m bench.bench_step_costs [--cases N] [--postgres]

Runs bench_engine's loop (`engine_rate`: start a case of three user tasks, complete them, each
step its own transaction) with a wall-clock timer around the engine functions named below and
`Session.commit`, and prints each one's time per transaction and per call, largest first. The
parts nest (a completion contains its save), so the column does not add up; the first line is
the whole. A sampling profiler (py-spy) gives the same picture with more noise: attributions to
a leaf frame include the allocator's and the collector's work that happens there.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from sqlalchemy.orm import Session

from bench.bench_engine import _prepare, engine_rate
from bench.common import scratch_database
from engine.store.db import make_engine

TIMED = [
    ("engine.runtime.tasks", "complete_task"), ("engine.runtime.cases", "start_case"),
    ("engine.access.users", "actor"), ("engine.runtime.tasks", "task_with_case"),
    ("engine.runtime.cases", "advance"), ("engine.runtime.lookups", "run_steps_and_lookups"),
    ("engine.runtime.persistence", "save_case"), ("engine.runtime.serialization", "dump_state"),
    ("engine.runtime.projections", "sync_human_tasks"), ("engine.runtime.projections", "_insert_task"),
    ("engine.notify.projector", "project_notifications"), ("engine.runtime.history", "record"),
    ("engine.runtime.cases", "view_case"), ("engine.access.start_rights", "require_start"),
    ("engine.runtime.cases", "_insert_case"), ("engine.runtime.persistence", "new_workflow"),
    ("engine.store.direct", "send_queued"),
]


def _timed(spent: dict[str, float], calls: Counter[str], label: str,
           function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
            calls[label] += 1
    return timed


def instrument(spent: dict[str, float], calls: Counter[str]) -> None:
    """Replace each function by its timed self wherever the engine imported it."""
    for module_name, name in TIMED:
        function = getattr(importlib.import_module(module_name), name)
        label = f"{module_name.rsplit('.', 1)[-1]}.{name}"
        timed = _timed(spent, calls, label, function)
        for module in list(sys.modules.values()):
            if (getattr(module, "__name__", "").startswith(("engine.", "bench."))
                    and getattr(module, name, None) is function):
                setattr(module, name, timed)
    Session.commit = _timed(spent, calls, "Session.commit", Session.commit)  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(scratch_database("engine"))
            if url is None:
                raise SystemExit("PostgreSQL is not reachable")
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/steps.db"
        db = make_engine(url)
        factory = _prepare(db)
        spent: dict[str, float] = {}
        calls: Counter[str] = Counter()
        instrument(spent, calls)
        engine_rate(factory, 30)  # warm
        spent.clear()
        calls.clear()
        started = time.perf_counter()
        engine_rate(factory, args.cases)
        elapsed = time.perf_counter() - started
        transactions = args.cases * 4
        print(f"# {db.dialect.name}: {args.cases} cases, {transactions} transactions, "
              f"{elapsed / transactions * 1e6:.0f} µs per transaction (timers included)")
        print(f"{'µs/transaction':>15} {'µs/call':>9} {'calls':>6}  what")
        for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
            print(f"{seconds / transactions * 1e6:15.1f} {seconds / calls[label] * 1e6:9.1f} "
                  f"{calls[label]:6}  {label}")
        db.dispose()


if __name__ == "__main__":
    main()
