"""Worker throughput and timer latency on PostgreSQL.

    python -m bench.bench_worker          (BENCH_TIMERS=10000, BENCH_POSTGRES_URL=postgresql+psycopg://...)

1. Time for one worker (one case per transaction, then batches of 25 cases per transaction),
   then two worker processes, to fire N due timers (each: claim, load the case, SpiffWorkflow
   refreshes its timer, steps, save, projection).
2. Delay between a timer's due time and its firing (median, p95) while one worker is
   busy with a backlog of due timers.
Cases are clones of one started case (its timer's due time rewritten in the state), so
the set-up costs seconds, not minutes. Uses its own scratch database (bench.common).
Each throughput phase stops after BENCH_BUDGET seconds (default 45) and reports the rate
and the projected time for all N, so the whole run stays under 3 minutes on a slow machine.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

import engine.store.models  # noqa: F401
from bench.common import scratch_database
from engine.background.worker import Worker
from engine.bootstrap import session_factory
from engine.definitions import deployment as definitions
from engine.definitions.validation import UploadedFile
from engine.runtime import cases
from engine.runtime.serialization import SERIALIZER_VERSION
from engine.store.db import Base, make_engine
from engine.store.models import Case, Job, JobKind, JobStatus

N = int(os.environ.get("BENCH_TIMERS", "10000"))
BUDGET = float(os.environ.get("BENCH_BUDGET", "45"))
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
  targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="bench_timer" isExecutable="true">
<bpmn:startEvent id="start" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
</bpmn:process></bpmn:definitions>"""


class Bench:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=10)
        Base.metadata.create_all(self.engine)
        self.factory = session_factory(self.engine)
        with self.factory() as session:
            definitions.deploy(session, [UploadedFile("bench_timer.bpmn", BPMN.encode())])
            view = cases.start_case(session, "bench_timer", user=None)
            session.commit()
            template = session.get(Case, view.id)
            assert template is not None
            job = session.scalar(select(Job).where(Job.case_id == view.id))
            assert job is not None
            self.template_state = template.state.decode()
            self.template_due = job.due_at - timedelta(microseconds=1)
            self.definition_id = template.definition_id
            session.execute(text("TRUNCATE job, history_event, case_instance RESTART IDENTITY CASCADE"))
            session.commit()

    def clone(self, dues: list[datetime]) -> dict[int, datetime]:
        """Insert one waiting case and its timer job per due time; returns case id -> due."""
        now = datetime.now(UTC)
        old = self.template_due.isoformat()
        out: dict[int, datetime] = {}
        with self.factory() as session:
            first = (session.scalar(select(func.max(Case.id))) or 0) + 1
            rows = [dict(id=first + i, definition_id=self.definition_id, process_id="bench_timer",
                         status="running", state=self.template_state.replace(old, due.isoformat()).encode(),
                         serializer_version=SERIALIZER_VERSION, version=1, background=True,
                         started_at=now,
                         updated_at=now) for i, due in enumerate(dues)]
            for start in range(0, len(rows), 2000):
                session.execute(insert(Case), rows[start:start + 2000])
            session.execute(text("SELECT setval(pg_get_serial_sequence('case_instance', 'id'), "
                                 ":v)"), {"v": first + len(rows)})
            jobs = [dict(key=f"timer:{r['id']}", kind=JobKind.TIMER, status=JobStatus.READY,
                         case_id=r["id"], due_at=due + timedelta(microseconds=1), attempts=0,
                         max_attempts=3, created_at=now) for r, due in zip(rows, dues, strict=True)]
            for start in range(0, len(jobs), 2000):
                session.execute(insert(Job), jobs[start:start + 2000])
            session.commit()
            out = {r["id"]: due for r, due in zip(rows, dues, strict=True)}
        return out

    def remaining(self) -> int:
        with self.factory() as session:
            return int(session.scalar(select(func.count()).select_from(Job)
                                      .where(Job.kind == JobKind.TIMER)) or 0)

    def reset(self) -> None:
        with self.factory() as session:
            session.execute(text("TRUNCATE job, history_event, case_instance RESTART IDENTITY CASCADE"))
            session.commit()


def _run_for(worker: Worker, budget: float) -> None:
    """Run the worker until no job is due or the time budget is spent."""
    thread = threading.Thread(target=worker.run, kwargs={"once": True})
    thread.start()
    thread.join(budget)
    worker.stop()
    thread.join()


def _worker_process(url: str, name: str, budget: float) -> None:
    factory = session_factory(make_engine(url, pool_size=2))
    _run_for(Worker(factory, worker_id=name, batch=20), budget)


def fire_all(bench: Bench, workers: int, timer_batch: int = 25) -> tuple[int, float]:
    """Fire up to N due timers within BUDGET seconds; returns (fired, seconds)."""
    past = datetime.now(UTC) - timedelta(seconds=5)
    bench.clone([past] * N)
    started = time.perf_counter()
    if workers == 1:
        _run_for(Worker(bench.factory, worker_id="w1", batch=20, timer_batch=timer_batch), BUDGET)
    else:
        ctx = multiprocessing.get_context("fork")
        bench.engine.dispose()
        procs = [ctx.Process(target=_worker_process, args=(bench.url, f"w{n}", BUDGET))
                 for n in range(workers)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    elapsed = time.perf_counter() - started
    fired = N - bench.remaining()
    bench.reset()
    return fired, elapsed


def _report(label: str, fired: int, elapsed: float) -> float:
    rate = fired / elapsed if elapsed else 0.0
    if fired >= N:
        print(f"{label}: {N} due timers fired in {elapsed:6.1f} s ({rate:6.0f} timers/s)")
    else:
        print(f"{label}: {fired} of {N} due timers fired in the {BUDGET:.0f} s budget "
              f"({rate:6.0f} timers/s; all {N} would take about {N / max(rate, 1e-9):.0f} s)")
    return rate


def latency(bench: Bench, backlog: int, spread_s: float, count: int) -> list[float]:
    now = datetime.now(UTC)
    bench.clone([now - timedelta(seconds=1)] * backlog)
    first = now + timedelta(seconds=1)
    dues = [first + timedelta(seconds=spread_s * i / count) for i in range(count)]
    probe = bench.clone(dues)
    worker = Worker(bench.factory, worker_id="lat", batch=20)
    thread = threading.Thread(target=worker.run, kwargs={"poll": 0.02})
    thread.start()
    deadline = time.monotonic() + 40
    while bench.remaining() and time.monotonic() < deadline:
        time.sleep(0.2)
    worker.stop()
    thread.join()
    with bench.factory() as session:
        fired = dict(session.execute(select(Case.id, Case.ended_at).where(Case.id.in_(probe))).all())
    bench.reset()
    return [(fired[cid] - due).total_seconds() * 1000 for cid, due in probe.items() if fired.get(cid)]


def main() -> None:
    print(f"$ {sys.executable} -m bench.bench_worker   (BENCH_TIMERS={N}, BENCH_BUDGET={BUDGET:.0f} s "
          "per phase)")
    with scratch_database("worker") as url:
        if url is not None:
            _measure(url)


def _measure(url: str) -> None:
    unbatched = _report("1 worker, 1 case per transaction", *fire_all(Bench(url), 1, timer_batch=1))
    one = _report("1 worker, batches of 25 cases     ", *fire_all(Bench(url), 1))
    print(f"batches vs 1 case per transaction: {one / max(unbatched, 1e-9):.2f}x")
    two = _report("2 workers", *fire_all(Bench(url), 2))
    print(f"2 worker processes vs 1: {two / max(one, 1e-9):.2f}x")
    # Latency while busy: a backlog of due timers plus timers falling due at half the measured rate.
    count = 200
    spread = count / max(one * 0.5, 1.0)
    backlog = int(min(one * 2, 1000))
    delays = latency(Bench(url), backlog=backlog, spread_s=spread, count=count)
    if delays:
        delays.sort()
        print(f"firing delay (due -> fired), 1 worker busy with a backlog of {backlog} due timers and "
              f"{count} more falling due over {spread:.0f} s: median {statistics.median(delays):.0f} ms, "
              f"p95 {delays[int(len(delays) * 0.95) - 1]:.0f} ms")
    idle = latency(Bench(url), backlog=0, spread_s=spread, count=count)
    if idle:
        idle.sort()
        print(f"firing delay, same {count} timers with no backlog (poll 20 ms): "
              f"median {statistics.median(idle):.0f} ms, p95 {idle[int(len(idle) * 0.95) - 1]:.0f} ms")


if __name__ == "__main__":
    main()
