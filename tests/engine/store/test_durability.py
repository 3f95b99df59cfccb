"""A committed step survives the crash of the process that wrote it (issue 15).

SQLite runs in WAL mode with `synchronous=NORMAL` (engine.store.db): a commit is in the
write-ahead log, in the operating system's cache, before the request answers, so a process
killed the moment after its answer loses nothing (only a crash of the OS or a power cut may
lose the last commits; FULL would fsync each one). Here a real gunicorn serves a completion
over HTTP and is killed with SIGKILL as soon as the answer arrives; the step is then in the
database file: the task completed, its history row, the case's new version and next task.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import requests
from sqlalchemy import text

from engine.access.tokens import create_token
from engine.bootstrap import build_runtime, session_factory
from engine.store.db import Base, make_engine
from tests.conftest import REPO
from tests.databases import seed_alliance
from tests.hostile.conftest import BIN, free_port
from tests.web.flows import TOR


def _pragmas(url: str) -> tuple[str, int]:
    db = make_engine(url)
    try:
        with db.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            level = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        db.dispose()
    return str(mode), int(level or 0)


def test_sqlite_runs_in_wal_mode_with_synchronous_normal(tmp_path: Path) -> None:
    assert _pragmas(f"sqlite:///{tmp_path / 'pragmas.db'}") == ("wal", 1)  # 1 = NORMAL


def test_a_completion_survives_killing_the_server_right_after_it_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    db = make_engine(url)
    Base.metadata.create_all(db)
    runtime = build_runtime()
    with session_factory(db, runtime)() as session:
        seed_alliance(session)
        token = create_token(session, "quanzhou", name="crash").secret
        session.commit()
    runtime.close()
    db.dispose()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "ALLIANCE_ENV": "development",
           "SECRET_KEY": "crash-test-secret-key"}
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "web:create_app()"],
                              cwd=REPO, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {token}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                started = client.post(f"{base}/process-definitions/committee_establishment/start",
                                      json={"business_key": "CRASH-1"}, timeout=30)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert started.status_code == 201, started.text
        case_id, task_id = started.json()["id"], started.json()["open_tasks"][0]["id"]
        done = client.post(f"{base}/tasks/{task_id}/complete", json={"variables": TOR}, timeout=30)
        os.killpg(server.pid, signal.SIGKILL)  # the moment the answer is in: no clean shutdown
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    assert done.status_code == 200, done.text
    next_task = done.json()["open_tasks"][0]["id"]
    after = make_engine(url)
    try:
        with after.connect() as conn:
            state = conn.execute(text("SELECT state, completed_by FROM human_task WHERE id = :t"),
                                 {"t": task_id}).one()
            kinds = conn.execute(text("SELECT kind FROM history_event WHERE case_id = :c ORDER BY id"),
                                 {"c": case_id}).scalars().all()
            version = conn.execute(text("SELECT version FROM case_instance WHERE id = :c"),
                                   {"c": case_id}).scalar()
            waiting = conn.execute(text("SELECT state FROM human_task WHERE id = :t"),
                                   {"t": next_task}).scalar()
    finally:
        after.dispose()
    assert tuple(state) == ("completed", "quanzhou")
    assert "task_completed" in kinds
    assert version == done.json()["version"] and waiting == "open"
