"""The service handler of tests/fixtures/bpmn/ops_flow.bpmn, for worker processes.

    alliance worker --handlers tests.ops.handlers:HANDLERS

`ops_record` inserts one row per run into `ops_effect` (no unique key on purpose): a
job run twice to effect would leave two rows for one case, so the tests can count. It
takes $OPS_HANDLER_SECONDS (default 0) like a call to another system, so that a worker
killed under load is caught holding jobs.
"""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

EFFECT_TABLE = """CREATE TABLE IF NOT EXISTS ops_effect (
    case_id INTEGER NOT NULL, idempotency_key VARCHAR(100) NOT NULL, worker VARCHAR(100) NOT NULL)"""


def create_effect_table(connection: Connection) -> None:
    connection.execute(text(EFFECT_TABLE))


def ops_record(session: Session, call: Any) -> dict[str, Any]:
    time.sleep(float(os.environ.get("OPS_HANDLER_SECONDS", "0")))
    session.execute(text("INSERT INTO ops_effect (case_id, idempotency_key, worker) VALUES (:c, :k, :w)"),
                    {"c": call.case_id, "k": call.idempotency_key, "w": os.environ.get("OPS_NODE", "?")})
    return {"recorded": True}


HANDLERS = {"ops_record": ops_record}
