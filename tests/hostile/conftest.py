"""The hostile-input suite's stack: a real gunicorn serving the app and a real worker.

One stack per run of tests/hostile (package scope): the database (a SQLite file, or
the PostgreSQL test database when DATABASE_URL says so) gets the Alliance's processes,
its demo users, extra users for the lockout cases and the hostile diagrams; gunicorn
(2 workers x 4 threads) listens on a free port and `alliance worker` polls every
0.2 s. Every case of issue 14 is then replayed over HTTP against them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, text

import engine.store.models  # noqa: F401
import processes.registry
import processes.registry_forum  # noqa: F401  (action plans and the Cities Forum)
from engine.access.tokens import create_token
from engine.access.users import create_user
from engine.bootstrap import build_runtime
from engine.bootstrap import session_factory as engine_session_factory
from engine.definitions.deployment import deploy
from engine.definitions.validation import UploadedFile
from engine.store.db import Base, make_engine
from tests.databases import postgres_url, scratch_database, seed_alliance
from tests.hostile.diagrams import HOSTILE_DIAGRAMS
from tests.web.conftest import PASSWORDS

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
LOCK_USERS = ("lock_a", "lock_b", "lock_c", "revoke_d", "revoke_e")
PASSWORD = "hostile-pass-1"
TOKEN_USERS = ("quanzhou", "sec_wang", "analyst", "admin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    url: str
    database_url: str
    db: Engine
    tokens: dict[str, str]
    server: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]

    def api(self, user: str) -> requests.Session:
        client = requests.Session()
        client.headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return client

    def browser(self, username: str | None = None, password: str | None = None) -> requests.Session:
        """A signed-in web session (cookies), or an anonymous one."""
        client = requests.Session()
        if username is not None:
            answer = self.sign_in(client, username, password or PASSWORDS.get(username, PASSWORD))
            assert answer.status_code == 302, answer.text[:300]
        return client

    def csrf(self, client: requests.Session, path: str = "/login") -> str:
        found = CSRF_META.search(client.get(self.url + path).text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, client: requests.Session, username: str, password: str,
                token: str | None = None) -> requests.Response:
        return client.post(self.url + "/login", allow_redirects=False, data={
            "csrf_token": token or self.csrf(client), "username": username, "password": password})

    def post_form(self, client: requests.Session, path: str, data: dict[str, str],
                  page: str = "/inbox/") -> requests.Response:
        return client.post(self.url + path, data={"csrf_token": self.csrf(client, page), **data},
                           allow_redirects=False)

    def query(self, sql: str, **params: Any) -> Any:
        with self.db.connect() as conn:
            return conn.execute(text(sql), params).all()

    def server_pids(self) -> list[int]:
        """gunicorn's master and its workers."""
        found = subprocess.run(["pgrep", "-P", str(self.server.pid)], capture_output=True,
                               text=True, check=False).stdout.split()
        return [self.server.pid, *(int(p) for p in found)]


@contextmanager
def _database(tmp: Path) -> Iterator[tuple[str, Engine]]:
    """A database of the suite's own: a scratch PostgreSQL database, or a SQLite file."""
    if postgres_url() is not None:
        with scratch_database("hostile") as url:
            db = make_engine(url)
            Base.metadata.create_all(db)
            try:
                yield url, db
            finally:
                db.dispose()
        return
    url = f"sqlite:///{tmp / 'hostile.db'}"
    db = make_engine(url)
    Base.metadata.create_all(db)
    try:
        yield url, db
    finally:
        db.dispose()


def _seed(db: Engine) -> dict[str, str]:
    runtime = build_runtime()
    try:
        with engine_session_factory(db, runtime)() as session:
            seed_alliance(session)
            for name in LOCK_USERS:
                create_user(session, name, groups=["staff"], password=PASSWORD)
            deploy(session, [UploadedFile(f"{pid}.bpmn", xml.encode())
                             for pid, xml in HOSTILE_DIAGRAMS.items()])
            tokens = {user: create_token(session, user, name="hostile").secret for user in TOKEN_USERS}
            session.commit()
    finally:
        runtime.close()
    return tokens


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/login", timeout=30).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or slow to answer on a busy machine
            pass
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start ({process.returncode})")
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with _database(tmp_path_factory.mktemp("hostile")) as (database_url, db):
        yield from _serve(database_url, db)


def _serve(database_url: str, db: Engine) -> Iterator[Stack]:
    tokens = _seed(db)
    env = {**os.environ, "DATABASE_URL": database_url, "ALLIANCE_ENV": "development",
           "SECRET_KEY": "hostile-suite-secret-key"}
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "web:create_app()"], cwd=REPO, env=env)
    worker = subprocess.Popen([str(BIN / "alliance"), "worker", "--poll", "0.2", "--concurrency", "2"],
                              cwd=REPO, env=env)
    try:
        _wait_for(f"http://127.0.0.1:{port}", server)
        yield Stack(f"http://127.0.0.1:{port}", database_url, db, tokens, server, worker)
    finally:
        _stop(worker)
        _stop(server)
