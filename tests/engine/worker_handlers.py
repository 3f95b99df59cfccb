"""Service handlers and small BPMN builders for the worker tests.

`HANDLERS` is what a worker subprocess loads with
ALLIANCE_HANDLERS=tests.engine.worker_handlers:HANDLERS.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from engine.definitions.deployment import deploy
from engine.definitions.validation import UploadedFile

CALLS: Counter[str] = Counter()
IN_FLIGHT: Counter[str] = Counter()
OVERLAPS: list[str] = []
_lock = threading.Lock()


def reset() -> None:
    with _lock:
        CALLS.clear()
        IN_FLIGHT.clear()
        OVERLAPS.clear()


def echo(session: Session, call: Any) -> dict[str, Any]:
    with _lock:
        CALLS[call.idempotency_key] += 1
    return {"echoed": call.data.get("value"), "attempt_seen": call.attempt,
            "key_seen": call.idempotency_key}


def flaky(session: Session, call: Any) -> dict[str, Any]:
    """Fails while `call.attempt <= fail_times` (from the case data)."""
    with _lock:
        CALLS[call.idempotency_key] += 1
    if call.attempt <= int(call.data.get("fail_times", 1)):
        raise ValueError(f"registry unavailable (attempt {call.attempt})")
    return {"flaky_ok": call.attempt}


def needs_amount(session: Session, call: Any) -> dict[str, Any]:
    if "amount" not in call.data:
        raise ValueError("missing value for 'amount'")
    return {"doubled": call.data["amount"] * 2}


def exclusive(session: Session, call: Any) -> dict[str, Any]:
    """Detects two workers running the same job at once."""
    key = call.idempotency_key
    with _lock:
        IN_FLIGHT[key] += 1
        CALLS[key] += 1
        if IN_FLIGHT[key] > 1:
            OVERLAPS.append(key)
    time.sleep(0.002)
    with _lock:
        IN_FLIGHT[key] -= 1
    return {"ran": True}


def slow_notify(session: Session, call: Any) -> dict[str, Any]:
    """Sleeps $WORKER_TEST_SLEEP seconds, then writes one notification row (idempotent)."""
    from processes.handlers import notify

    time.sleep(float(os.environ.get("WORKER_TEST_SLEEP", "0")))
    return notify(session, call)


HANDLERS = {"echo": echo, "flaky": flaky, "needs_amount": needs_amount, "exclusive": exclusive,
            "slow_notify": slow_notify}

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="Definitions_{pid}" targetNamespace="http://bpmn.io/schema/bpmn">
"""


def process_xml(pid: str, body: str, extra: str = "") -> str:
    return (_HEAD.format(pid=pid) + f'<bpmn:process id="{pid}" isExecutable="true">\n{body}\n'
            f"</bpmn:process>\n{extra}\n</bpmn:definitions>\n")


def deploy_xml(session: Session, pid: str, body: str, extra: str = "") -> None:
    deploy(session, [UploadedFile(f"{pid}.bpmn", process_xml(pid, body, extra).encode())])
    session.commit()


def flow(source: str, target: str, fid: str | None = None) -> str:
    flow_id = fid or f"f_{source}_{target}"
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'


def utask(tid: str, name: str | None = None) -> str:
    """A user task the `staff` group may work."""
    return (f'<bpmn:userTask id="{tid}" name="{name or tid}"><bpmn:extensionElements>'
            '<zeebe:assignmentDefinition candidateGroups="staff" /></bpmn:extensionElements>'
            "</bpmn:userTask>")
