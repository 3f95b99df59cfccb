"""Live workflows: the deserialized state of recently changed cases, kept between steps.

An entry is exactly the committed state of (case id, version). A writer takes the entry
out (nobody else can then touch the object), changes it, and the session puts it back
only after its commit (engine.bootstrap wires the session events); a rollback drops it.
"""

from __future__ import annotations

import threading
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow


class LiveWorkflows:
    def __init__(self, size: int = 512) -> None:
        self._items: dict[int, tuple[int, BpmnWorkflow]] = {}
        self._size = size
        self._lock = threading.Lock()

    def take(self, case_id: int, version: int) -> BpmnWorkflow | None:
        with self._lock:
            item = self._items.pop(case_id, None)
        if item is not None and item[0] == version:
            return item[1]
        return None

    def put(self, case_id: int, version: int, workflow: BpmnWorkflow) -> None:
        with self._lock:
            current = self._items.get(case_id)
            if current is not None and current[0] > version:
                return  # a newer state is already here
            if current is None and len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[case_id] = (version, workflow)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


PENDING_KEY = "alliance.live_pending"
"""session.info key: (case id, version, workflow) triples to publish after the commit."""
WRITTEN_KEY = "alliance.cases_written"
"""session.info key: ids of the cases saved in the current transaction."""


def publish_pending(session_info: dict[str, Any], live: LiveWorkflows) -> None:
    """After a commit: what the transaction saved is now the committed state."""
    session_info.pop(WRITTEN_KEY, None)
    for case_id, version, workflow in session_info.pop(PENDING_KEY, []):
        live.put(case_id, version, workflow)


def drop_pending(session_info: dict[str, Any]) -> None:
    """After a rollback: nothing the transaction saved happened."""
    session_info.pop(WRITTEN_KEY, None)
    session_info.pop(PENDING_KEY, None)


__all__ = ["PENDING_KEY", "WRITTEN_KEY", "LiveWorkflows", "drop_pending", "publish_pending"]
