"""Backup and restore of the whole database (every table: engine, registry, and
documents once they are stored).

- SQLite: Python's online backup API (`sqlite3.Connection.backup`): a consistent copy
  while the app and workers keep writing. The backup is itself a SQLite file.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore`, found on PATH (their major
  version must be at least the server's). The connection comes from the database URL
  through PG* environment variables, so no password shows in the process list.

A restore goes into an empty database only (a new SQLite file, or a freshly created
PostgreSQL database): it never overwrites data. It refuses a backup of the other kind
of database. After a restore, `alliance init-db` brings an older backup's schema to head.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from engine.errors import StoreOperationFailed
from engine.store.db import make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
TOOL_TIMEOUT = 3600


@dataclass(frozen=True)
class BackupResult:
    file: str
    backend: str
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "backend": self.backend, "size_bytes": self.size_bytes}


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise StoreOperationFailed(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def backup(url: str, file: str | Path) -> BackupResult:
    """Write a consistent backup of the database at `url` to `file` (replaced if it exists)."""
    target = Path(file)
    if target.is_dir():
        raise StoreOperationFailed(f"{target} is a folder; give a file name for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    backend = backend_of(url)
    try:
        if backend == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _run_tool("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                  f"--file={partial}"], make_url(url))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(str(target), backend, target.stat().st_size)


def restore(url: str, file: str | Path) -> BackupResult:
    """Restore `file` into the empty database at `url`."""
    source = Path(file)
    if not source.is_file():
        raise StoreOperationFailed(f"no backup file at {source}")
    backend = backend_of(url)
    kind = _kind_of(source)
    if kind != backend:
        raise StoreOperationFailed(f"{source} is a {kind} backup; it cannot be restored into a "
                                   f"{backend} database")
    _require_empty(url)
    if backend == "sqlite":
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _run_tool("pg_restore", ["--no-owner", "--no-privileges", "--single-transaction",
                                 "--exit-on-error", str(source)], make_url(url), database_flag=True)
    return BackupResult(str(source), backend, source.stat().st_size)


def _kind_of(source: Path) -> str:
    with source.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise StoreOperationFailed(f"{source} is not a backup made by `alliance backup` "
                               "(neither a SQLite file nor a pg_dump archive)")


def _require_empty(url: str) -> None:
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise StoreOperationFailed(
            f"the database {make_url(url).render_as_string(hide_password=True)} is not empty "
            f"({len(tables)} tables, e.g. {sorted(tables)[0]}); restore only into an empty "
            "database (create a new one and point DATABASE_URL at it)")


# --- SQLite ----------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise StoreOperationFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise StoreOperationFailed(f"no SQLite database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreOperationFailed(f"{source} fails SQLite's integrity check")
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()


# --- PostgreSQL ------------------------------------------------------------------------


def _libpq_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    values = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    for key, value in values.items():
        if value is not None:
            env[key] = str(value)
    for key, given in url.query.items():  # e.g. ?sslmode=require -> PGSSLMODE
        if key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"):
            env[f"PG{key.upper()}"] = given if isinstance(given, str) else given[-1]
    return env


def _run_tool(tool: str, args: list[str], url: URL, *, database_flag: bool = False) -> None:
    path = shutil.which(tool)
    if path is None:
        raise StoreOperationFailed(f"{tool} is not on PATH; install the PostgreSQL client tools "
                                   "(same major version as the server or newer)")
    env = _libpq_env(url)
    command = [path, *args]
    if database_flag:
        command.insert(1, f"--dbname={url.database}")
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        raise StoreOperationFailed(f"{tool} did not finish within {TOOL_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise StoreOperationFailed(f"{tool} failed (exit {done.returncode}): "
                                   f"{lines[0] if lines else 'no message'}",
                                   tool=tool, stderr=done.stderr[-2000:])
