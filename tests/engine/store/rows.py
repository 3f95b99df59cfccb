"""Rows the store's tests write: a job with every column given (run_direct refuses statements
whose Python-side defaults would be left out); the round trips a test's statements take."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.store import direct

DUE = datetime(2026, 11, 30, 9, 30, 5, 123456, tzinfo=UTC)


def job_row(key: str, **values: Any) -> dict[str, Any]:
    row = {"key": key, "kind": "test", "status": "parked", "case_id": None, "element_id": None,
           "spiff_task_id": None, "handler": None, "due_at": DUE, "attempts": 0, "max_attempts": 1,
           "locked_by": None, "locked_until": None, "last_error": None, "payload": {"a": [1, "é"]},
           "created_at": DUE}
    row.update(values)
    return row


def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The queries sent to the driver from now on by engine.store.direct's batches (PostgreSQL; a
    batch is one), each as its count of statements; not the PREPAREs, sent once per statement and
    connection (whichever connection the pool gives a transaction)."""
    sent: list[int] = []
    run = direct._run_text

    def counted(connection: Any, query: bytes) -> Any:
        if not query.startswith(b"PREPARE "):
            sent.append(query.count(b";") + 1)
        return run(connection, query)

    monkeypatch.setattr(direct, "_run_text", counted)
    return sent
