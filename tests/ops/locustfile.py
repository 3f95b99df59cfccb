"""Load for the many-nodes test (tests/ops/test_many_nodes.py): run by locust, headless.

Each user starts an `ops_flow` case through the API and completes its task, over and
over, spreading requests over the web nodes listed in $OPS_NODES_FILE (re-read when a
node fails, so a restarted node on a new port is found). A request that fails on the
network or with a 5xx is sent again, to the next node, with the same Idempotency-Key:
a retried start or completion must never happen twice. Every outcome is appended to
$OPS_RESULTS_FILE as one JSON line. Bounded: $OPS_MAX_CASES per user, and locust's -t.
"""

from __future__ import annotations

import itertools
import json
import os
import time
import uuid
from typing import Any

from locust import HttpUser, constant, task
from locust.exception import StopUser

NODES_FILE = os.environ["OPS_NODES_FILE"]
RESULTS_FILE = os.environ["OPS_RESULTS_FILE"]
TOKEN = os.environ["OPS_TOKEN"]
PHASE = os.environ.get("OPS_PHASE", "load")
MAX_CASES = int(os.environ.get("OPS_MAX_CASES", "500"))
RETRY_FOR = 30.0  # seconds a request keeps being retried on other nodes
_serial = itertools.count()


def _nodes() -> list[str]:
    with open(NODES_FILE) as handle:
        nodes: list[str] = json.load(handle)
    return nodes


class GaveUp(Exception):
    pass


class Clerk(HttpUser):
    wait_time = constant(0)
    host = "http://unused"  # every request names its node

    def on_start(self) -> None:
        self.me = f"{PHASE}-{next(_serial)}-{uuid.uuid4().hex[:6]}"
        self.done = 0
        self.retries = 0
        self.turn = next(_serial)

    def call(self, name: str, path: str, body: dict[str, Any], key: str) -> tuple[dict[str, Any], bool]:
        """POST until a node answers below 500; returns (JSON body, replayed). Counts retries."""
        deadline = time.monotonic() + RETRY_FOR
        attempt = 0
        while True:
            nodes = _nodes()
            node = nodes[(self.turn + attempt) % len(nodes)]
            attempt += 1
            with self.client.post(f"{node}{path}", json=body, name=name, timeout=10, catch_response=True,
                                  headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": key,
                                           "X-Request-ID": f"{key}-{attempt}"}) as response:
                if 0 < response.status_code < 500:
                    if response.status_code >= 400:
                        response.failure(f"{response.status_code}: {response.text[:200]}")
                        raise GaveUp(f"{name} {key}: {response.status_code} {response.text[:300]}")
                    response.success()
                    self.retries += attempt - 1
                    return response.json(), response.headers.get("Idempotent-Replayed") == "true"
                response.failure(f"node {node} failed ({response.status_code}); retrying elsewhere")
            if time.monotonic() > deadline:
                raise GaveUp(f"{name} {key}: no node answered for {RETRY_FOR} s")
            time.sleep(0.2)

    def record(self, **fields: Any) -> None:
        with open(RESULTS_FILE, "a") as handle:
            handle.write(json.dumps({"phase": PHASE, "at": time.time(), **fields}) + "\n")

    @task
    def start_and_complete(self) -> None:
        if self.done >= MAX_CASES:
            raise StopUser()
        self.done += 1
        self.turn += 1
        self.retries = 0
        key = f"{self.me}-{self.done}"
        try:
            case, replayed_start = self.call("start", "/api/v1/process-definitions/ops_flow/start",
                                             {"business_key": key}, f"start-{key}")
        except GaveUp as exc:
            self.record(key=key, started=False, completed=False, error=str(exc))
            return
        task_id = case["open_tasks"][0]["id"]
        try:
            _, replayed = self.call("complete", f"/api/v1/tasks/{task_id}/complete", {"variables": {}},
                                    f"complete-{key}")
        except GaveUp as exc:
            self.record(key=key, case_id=case["id"], task_id=task_id, started=True, completed=False,
                        error=str(exc))
            return
        self.record(key=key, case_id=case["id"], task_id=task_id, started=True, completed=True,
                    replayed=replayed or replayed_start, retries=self.retries)
