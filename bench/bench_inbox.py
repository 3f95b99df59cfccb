"""Inbox latency at scale: 100,000 open tasks in one user's groups, 1,000,000 history rows.

    python -m bench.bench_inbox          # its own scratch database (bench.common)

Generates the data into PostgreSQL with COPY (a few tens of seconds), then prints the
median and p95 latency of the inbox query (engine.read.inbox.inbox_page) and of the inbox
page through the Flask test client. Prints a note and exits if PostgreSQL is unreachable.
"""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import engine.store.models  # noqa: F401
from bench.common import scratch_database, timed
from engine.access.users import actor, create_user
from engine.bootstrap import session_factory
from engine.definitions.deployment import deploy, files_from_paths
from engine.read.inbox import inbox_page
from engine.store.db import Base, make_engine
from engine.store.models import ProcessDefinition
from engine.store.models.tasks import offer_text

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
USER, GROUPS = "bench_user", ["secretariat", "committee"]
OPEN_MINE, OPEN_OTHERS, COMPLETED, ASSIGNED = 100_000, 50_000, 100_000, 300
HISTORY = 1_000_000
REPEAT = 30




def _group(task: int) -> str:
    """The group task number `task` is offered to."""
    return (GROUPS[task % 2] if task <= OPEN_MINE else
            "project_board" if task <= OPEN_MINE + OPEN_OTHERS else "proposing_entity")


def generate(url: str) -> None:
    eng = make_engine(url)
    Base.metadata.create_all(eng)
    factory = session_factory(eng)
    with factory() as session:
        deploy(session, files_from_paths([PROCESSES]))
        create_user(session, USER, groups=GROUPS, password="bench-password")
        session.commit()
        definition = session.query(ProcessDefinition).filter_by(
            process_id="committee_establishment").one()
        def_id = definition.id
    now = datetime.now(UTC)
    total_tasks = OPEN_MINE + OPEN_OTHERS + COMPLETED
    cases = total_tasks // 2
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY case_instance (id, definition_id, process_id, business_key, title, status, "
                      "state, serializer_version, version, started_by, started_at, updated_at) "
                      "FROM STDIN") as copy:
            for i in range(1, cases + 1):
                started = now - timedelta(minutes=cases - i)
                copy.write_row((i, def_id, "committee_establishment", f"TOR-{i:06d}",
                                f"Committee proposal {i}", "running", b"{}", "bench", 1,
                                USER if i % 500 == 0 else f"city{i % 97}", started, started))
        with cur.copy("COPY human_task (id, case_id, spiff_task_id, element_id, name, process_id, "
                      "lane, assignee, form_id, state, created_at, due_at, completed_at, personal, "
                      "offered_to) FROM STDIN") as copy:
            for t in range(1, total_tasks + 1):
                case_id = (t - 1) % cases + 1
                created = now - timedelta(seconds=total_tasks - t)
                due = created + timedelta(days=(t % 60) - 10) if t % 3 else None
                if t <= OPEN_MINE:
                    assignee, state = (USER if t <= ASSIGNED else None), "open"
                    name = "Review terms of reference" if t % 2 else "Submit activity"
                elif t <= OPEN_MINE + OPEN_OTHERS:
                    assignee, state, name = None, "open", "Board decision"
                else:
                    assignee, state, name = f"city{t % 97}", "completed", "Draft terms of reference"
                copy.write_row((t, case_id, "00000000-0000-0000-0000-000000000000", "task", name,
                                "committee_establishment", "Secretariat", assignee, None, state,
                                created, due, now if state == "completed" else None, False,
                                offer_text([("group", _group(t))])))
        with cur.copy("COPY history_event (case_id, kind, at, \"user\", task_id, element_id, as_operator) "
                      "FROM STDIN") as copy:
            for h in range(HISTORY):
                copy.write_row(((h % cases) + 1, "task_completed", now - timedelta(seconds=h),
                                f"city{h % 97}", (h % total_tasks) + 1, "task", False))
        for table in ("case_instance", "human_task"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    eng.dispose()




def measure(url: str) -> list[tuple[str, float, float]]:
    eng = make_engine(url)
    factory = session_factory(eng)
    results: list[tuple[str, float, float]] = []
    with factory() as session:
        user = actor(session, USER)
        cases: list[tuple[str, dict[str, Any]]] = [
            ("query: my tasks (300)", {"tab": "assigned"}),
            ("query: group tab, oldest first", {"tab": "claimable"}),
            ("query: group tab, page 1000", {"tab": "claimable", "page": 1000}),
            ("query: group tab, by due date", {"tab": "claimable", "sort": "due"}),
            ("query: group tab, overdue only", {"tab": "claimable", "overdue": True}),
            ("query: group tab, search 'TOR-0421'", {"tab": "claimable", "search": "TOR-0421"}),
            ("query: cases I started", {"tab": "started"}),
        ]
        for label, kwargs in cases:
            median, p95 = timed(lambda kw=kwargs: inbox_page(session, user, **kw), REPEAT)  # type: ignore[misc]
            results.append((label, median, p95))
            session.rollback()
    from web import create_app

    app = create_app({"DB_ENGINE": eng, "SECRET_KEY": "bench-secret-key-123456"})
    client = app.test_client()
    token = re.search(r'csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token is not None
    response = client.post("/login", data={"csrf_token": token.group(1), "username": USER,
                                           "password": "bench-password"})
    assert response.status_code == 302, response.status_code
    for label, path in (("page: /inbox/ (my tasks)", "/inbox/"),
                        ("page: /inbox/?tab=claimable", "/inbox/?tab=claimable"),
                        ("page: group tab, overdue, by due", "/inbox/?tab=claimable&overdue=1&sort=due")):
        def get(p: str = path) -> None:
            assert client.get(p).status_code == 200
        median, p95 = timed(get, REPEAT)
        results.append((label, median, p95))
    eng.dispose()
    return results


def main() -> int:
    with scratch_database("inbox") as url:
        if url is not None:
            _measure_all(url)
    return 0


def _measure_all(url: str) -> None:
    start = time.perf_counter()
    generate(url)
    print(f"generated {OPEN_MINE + OPEN_OTHERS + COMPLETED:,} tasks ({OPEN_MINE:,} open in the user's "
          f"groups, {ASSIGNED} assigned to the user), {HISTORY:,} history rows in "
          f"{time.perf_counter() - start:.1f} s")
    print(f"{'what':45} {'median ms':>10} {'p95 ms':>10}")
    for label, median, p95 in measure(url):
        print(f"{label:45} {median:10.1f} {p95:10.1f}")


if __name__ == "__main__":
    sys.exit(main())
