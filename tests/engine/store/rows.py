"""Rows the store's tests write: a job with every column given (run_direct refuses statements
whose Python-side defaults would be left out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

DUE = datetime(2026, 11, 30, 9, 30, 5, 123456, tzinfo=UTC)


def job_row(key: str, **values: Any) -> dict[str, Any]:
    row = {"key": key, "kind": "test", "status": "parked", "case_id": None, "element_id": None,
           "spiff_task_id": None, "handler": None, "due_at": DUE, "attempts": 0, "max_attempts": 1,
           "locked_by": None, "locked_until": None, "last_error": None, "payload": {"a": [1, "é"]},
           "created_at": DUE}
    row.update(values)
    return row
