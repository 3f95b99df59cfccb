"""Dashboard latency at scale: 100,000 cases, 1,000,000 history rows, in PostgreSQL.

    python -m bench.bench_dashboard      # its own scratch database (bench.common)

Creates its own scratch database (bench.common.scratch_database), fills it with
COPY, prints the median and p95 latency of the overview, the filtered case list, the CSV
export and the case page (engine queries and pages through the Flask test client), then
drops the database. Prints a note and exits if PostgreSQL is unreachable.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import engine.store.models  # noqa: F401
import processes.registry
import processes.registry_forum
import processes.registry_review  # noqa: F401  (the processes' tables: start_case writes them)
from bench.common import scratch_database, timed
from engine.access.users import actor, create_user
from engine.bootstrap import session_factory
from engine.definitions.deployment import deploy, files_from_paths
from engine.read.case_page import HISTORY_PAGE, case_detail
from engine.read.dashboard import CaseFilters, case_csv_rows, case_page
from engine.read.process_stats import overview_counts
from engine.runtime.cases import start_case
from engine.store.db import Base, make_engine
from engine.store.models import ProcessDefinition
from engine.store.models.tasks import offer_text

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
CASES, HISTORY, REAL_HISTORY = 100_000, 1_000_000, 1_000
STATUSES = ("running",) * 6 + ("completed", "completed", "cancelled", "suspended")
REPEAT = 20


def _group(task: int) -> str:
    """The group task number `task` is offered to."""
    return "secretariat" if task % 2 == 0 else "proposing_entity"


def generate(url: str) -> int:
    """Bulk rows plus one real case (with REAL_HISTORY history rows); returns its id."""
    eng = make_engine(url)
    Base.metadata.create_all(eng)
    factory = session_factory(eng)
    with factory() as session:
        deploy(session, files_from_paths([PROCESSES]))
        for name, groups in (("sec", ["secretariat"]), ("quanzhou", ["proposing_entity"])):
            create_user(session, name, groups=groups, password="bench-password")
        session.commit()
        defs = {d.process_id: d.id for d in session.query(ProcessDefinition).all()}
    pids = sorted(defs)
    now = datetime.now(UTC)
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY case_instance (id, definition_id, process_id, business_key, title, status, "
                      "state, serializer_version, version, started_by, started_at, updated_at, "
                      "ended_at) FROM STDIN") as copy:
            for i in range(1, CASES + 1):
                pid, status = pids[i % len(pids)], STATUSES[i % len(STATUSES)]
                started = now - timedelta(minutes=CASES - i)
                ended = started + timedelta(days=3) if status in ("completed", "cancelled") else None
                copy.write_row((i, defs[pid], pid, f"K-{i:06d}", f"{pid} case {i} city{i % 97}",
                                status, b"{}", "bench", 1, f"city{i % 97}", started, started, ended))
        task = 0
        with cur.copy("COPY human_task (id, case_id, spiff_task_id, element_id, name, process_id, "
                      "lane, assignee, state, created_at, due_at, completed_at, completed_by, personal, "
                      "offered_to) FROM STDIN") as copy:
            for i in range(1, CASES + 1):
                pid, status = pids[i % len(pids)], STATUSES[i % len(STATUSES)]
                created = now - timedelta(minutes=CASES - i)
                task += 1
                copy.write_row((task, i, "0" * 36, "draft", "Draft", pid, "Proposing Entity",
                                f"city{i % 97}", "completed", created, None, created,
                                f"city{i % 97}", False, offer_text([("group", _group(task))])))
                if status in ("running", "suspended"):
                    task += 1
                    due = created + timedelta(days=(i % 40) - 5)
                    copy.write_row((task, i, "0" * 36, "review", "Review", pid,
                                    "Secretariat" if i % 3 else "Project Board", None, "open",
                                    created, due, None, None, False,
                                    offer_text([("group", _group(task))])))
        with cur.copy("COPY case_participant (case_id, kind, name) FROM STDIN") as copy:
            for i in range(1, CASES + 1):  # its starter and the group its tasks were offered to
                copy.write_row((i, "user", f"city{i % 97}"))
                copy.write_row((i, "group", "secretariat" if i % 2 == 0 else "proposing_entity"))
        with cur.copy("COPY incident (kind, case_id, element_id, error, attempts, created_at) "
                      "FROM STDIN") as copy:
            for i in range(7, CASES + 1, 500):
                copy.write_row(("job", i, "review", "handler failed", 3, now))
        with cur.copy("COPY history_event (case_id, kind, at, \"user\", task_id, element_id, as_operator) "
                      "FROM STDIN") as copy:
            for h in range(HISTORY - REAL_HISTORY):
                copy.write_row(((h % CASES) + 1, "task_completed", now - timedelta(seconds=h),
                                f"city{h % 97}", None, "draft", False))
        for table in ("case_instance", "human_task"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    with factory() as session:
        real = start_case(session, "committee_establishment", user=actor(session, "quanzhou"),
                          business_key="REAL-1", data={"committee_name": "Tourism"})
        session.commit()
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY history_event (case_id, kind, at, \"user\", element_id, data, as_operator) "
                      "FROM STDIN") as copy:
            for _h in range(REAL_HISTORY - 1):
                copy.write_row((real.id, "task_claimed", now, "quanzhou", "draft_tor", None, False))
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    eng.dispose()
    return real.id




def measure(url: str, real_id: int) -> list[tuple[str, float, float]]:
    eng = make_engine(url)
    factory = session_factory(eng)
    out: list[tuple[str, float, float]] = []
    with factory() as session:
        sec, city = actor(session, "sec"), actor(session, "quanzhou")
        queries: list[tuple[str, Callable[[], Any]]] = [
            ("query: overview counts", lambda: overview_counts(session)),
            ("query: list, no filter, page 1", lambda: case_page(session, sec, CaseFilters())),
            ("query: list, page 2000", lambda: case_page(session, sec, CaseFilters(), page=2000)),
            ("query: list, process + running", lambda: case_page(session, sec, CaseFilters(
                process_id="committee_establishment", status="running"))),
            ("query: list, search 'city42'", lambda: case_page(session, sec, CaseFilters(
                search="city42"))),
            ("query: list, overdue", lambda: case_page(session, sec, CaseFilters(overdue=True))),
            ("query: list, incident", lambda: case_page(session, sec, CaseFilters(incident=True))),
            ("query: list, started_by + dates", lambda: case_page(session, sec, CaseFilters(
                started_by="city5", started_from=(datetime.now(UTC) - timedelta(days=30)).date()))),
            ("query: list, participant (own)", lambda: case_page(session, city, CaseFilters())),
            ("query: CSV, search 'city42' (all)", lambda: list(case_csv_rows(
                session, sec, CaseFilters(search="city42")))),
            ("query: case page (1000 history), all of it", lambda: case_detail(
                session, real_id, sec, history_limit=None)),
            (f"query: case page (1000 history), latest {HISTORY_PAGE}",
             lambda: case_detail(session, real_id, sec)),
        ]
        for label, fn in queries:
            median, p95 = timed(fn, REPEAT)
            out.append((label, median, p95))
            session.rollback()
    from web import create_app

    app = create_app({"DB_ENGINE": eng, "SECRET_KEY": "bench-secret-key-123456"})
    client = app.test_client()
    token = re.search(r'csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token is not None
    response = client.post("/login", data={"csrf_token": token.group(1), "username": "sec",
                                           "password": "bench-password"})
    assert response.status_code == 302, response.status_code
    for label, path in (("page: /cases/ (overview)", "/cases/"),
                        ("page: /cases/list?status=running&overdue=1",
                         "/cases/list?status=running&overdue=1"),
                        ("page: /cases/list?q=city42", "/cases/list?q=city42"),
                        (f"page: /cases/{real_id}?history=all", f"/cases/{real_id}?history=all"),
                        (f"page: /cases/{real_id}", f"/cases/{real_id}")):
        def get(p: str = path) -> None:
            assert client.get(p).status_code == 200
        median, p95 = timed(get, REPEAT)
        out.append((label, median, p95))
    eng.dispose()
    return out


def main() -> int:
    with scratch_database("dashboard") as url:
        if url is None:
            return 0
        start = time.perf_counter()
        real_id = generate(url)
        print(f"generated {CASES:,} cases, {HISTORY:,} history rows in "
              f"{time.perf_counter() - start:.1f} s")
        print(f"{'what':45} {'median ms':>10} {'p95 ms':>10}")
        for label, median, p95 in measure(url, real_id):
            print(f"{label:45} {median:10.1f} {p95:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
