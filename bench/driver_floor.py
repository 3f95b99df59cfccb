"""The store's floor for bench_engine's process: the same statements, through the bare driver.

Each case of three user tasks does what the engine's steps do, with nothing of the engine but
SpiffWorkflow: start (insert the case with its state, history, the first task (its candidates
on its row), its notification job, the participant; commit), then per task read who is asking,
read the task with its case, close the task, run it, write history and the state (version
checked), open the next task and its job, the participants; commit. The live
workflow stays in memory between steps (as the engine's live cache keeps it). What the engine
adds over this is the cost of its own layers (SQLAlchemy, projections, policy).

`together=True` (psycopg only) sends a step as the engine does (engine.store.direct): in the
driver's autocommit mode, BEGIN with the first statement (who is asking); the task's UPDATE,
history and the state's UPDATE with the new task's INSERT, whose id comes back, in one round
trip; its job and the participants with the COMMIT in another.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Engine

from engine.runtime.serialization import dump_state

_SQL = {
    "user": "SELECT active FROM user_account WHERE username = :username",
    "case": "INSERT INTO case_instance (definition_id, process_id, status, state, serializer_version, "
            "version, started_by, started_at, updated_at, background) VALUES (:definition_id, "
            "'bench_three_tasks', 'running', :state, 'floor', 1, 'bench', :now, :now, :false) RETURNING id",
    "history": "INSERT INTO history_event (case_id, kind, at, \"user\", task_id, element_id, data, "
               "as_operator) VALUES (:case_id, :kind, :now, 'bench', :task_id, :element_id, :data, :false)",
    "task": "INSERT INTO human_task (case_id, spiff_task_id, element_id, name, process_id, state, "
            "created_at, personal, offered_to) VALUES (:case_id, :spiff_id, :element_id, :element_id, "
            "'bench_three_tasks', 'open', :now, :false, :offered) RETURNING id",
    "job": "INSERT INTO job (key, kind, status, due_at, attempts, max_attempts, payload, created_at) "
           "VALUES (:key, 'notify', 'ready', :now, 0, 5, :payload, :now)",
    "participant": "INSERT INTO case_participant (case_id, kind, name) VALUES (:case_id, 'user', 'bench') "
                   "ON CONFLICT DO NOTHING",
    "read": "SELECT human_task.id, human_task.spiff_task_id, human_task.state, case_instance.version "
            "FROM human_task JOIN case_instance ON case_instance.id = human_task.case_id "
            "WHERE human_task.id = :task_id",
    "close": "UPDATE human_task SET state = 'completed', completed_by = 'bench', completed_at = :now "
             "WHERE id = :task_id AND state = 'open'",
    "save": "UPDATE case_instance SET state = :state, version = :version, status = :status, "
            "updated_at = :now WHERE id = :case_id AND version = :read_version",
}


def _driver_sql(postgres: bool) -> dict[str, str]:
    if not postgres:
        return _SQL
    import re
    return {k: re.sub(r":(\w+)", r"%(\1)s", v) for k, v in _SQL.items()}


def floor_rate(db: Engine, spec: Any, subprocess_specs: Any, definition_id: int, n: int, *,
               together: bool = False) -> float:
    """Cases/s for `n` cases of the three-task process, each step its own transaction."""
    postgres = db.dialect.name == "postgresql"
    if together and not postgres:
        raise ValueError("writes sent together need psycopg's pipeline mode")
    sql = _driver_sql(postgres)
    raw = db.raw_connection()
    conn: Any = raw.driver_connection
    if not postgres:
        conn.isolation_level = None  # explicit BEGIN IMMEDIATE, as the engine's SQLite set-up
    else:  # together: the engine's shape (BEGIN with the first statement, COMMIT with the last)
        conn.autocommit = together
        conn.prepare_threshold = 5  # psycopg's default (the engine's connections prepare their own)

    def begin(cur: Any) -> None:
        if not postgres:
            cur.execute("BEGIN IMMEDIATE")

    def now() -> Any:
        moment = datetime.now(UTC)
        return moment if postgres else moment.isoformat(" ")

    def completed(case_id: int, task_id: int, task: Any) -> dict[str, Any]:
        """The history row of a completed task."""
        return {"case_id": case_id, "kind": "task_completed", "now": now(), "task_id": task_id,
                "element_id": task.task_spec.bpmn_id, "false": False,
                "data": json.dumps({"step": task.task_spec.bpmn_id})}

    def saved(case_id: int, workflow: BpmnWorkflow, version: int) -> dict[str, Any]:
        """The state's UPDATE, checked against the version read."""
        return {"state": dump_state(workflow).encode(), "version": version + 1,
                "status": "completed" if workflow.is_completed() else "running",
                "now": now(), "case_id": case_id, "read_version": version}

    def insert_task(cur: Any, case_id: int, task: Any) -> None:
        cur.execute(sql["task"], {"case_id": case_id, "spiff_id": str(task.id),
                                  "element_id": task.task_spec.bpmn_id, "now": now(), "false": False,
                                  "offered": "\x1fgroup:bench\x1f"})

    def insert_job(cur: Any, case_id: int, task_id: int) -> None:
        payload = json.dumps({"event": {"kind": "task_offered", "case_id": case_id}})
        cur.execute(sql["job"], {"key": f"notify:task:{task_id}", "now": now(), "payload": payload})

    def open_task(cur: Any, case_id: int, task: Any) -> int:
        insert_task(cur, case_id, task)
        task_id = int(cur.fetchone()[0])
        insert_job(cur, case_id, task_id)
        return task_id

    def complete_together(case_id: int, task_id: int, task: Any, workflow: BpmnWorkflow,
                          version: int) -> int | None:
        """The step's writes as the engine sends them: two round trips (the new task's id between)."""
        nxt = ready(workflow)
        with conn.pipeline():
            close, history, save, opened = (conn.cursor() for _ in range(4))
            close.execute(sql["close"], {"task_id": task_id, "now": now()})
            history.execute(sql["history"], completed(case_id, task_id, task))
            save.execute(sql["save"], saved(case_id, workflow, version))
            if nxt is not None:
                insert_task(opened, case_id, nxt)
        assert close.rowcount == 1 and save.rowcount == 1
        new_id = int(opened.fetchone()[0]) if nxt is not None else None
        with conn.pipeline():
            cur = conn.cursor()
            if new_id is not None:
                insert_job(cur, case_id, new_id)
            cur.execute(sql["participant"], {"case_id": case_id})
            cur.execute("COMMIT")
        return new_id

    def start_together(workflow: BpmnWorkflow) -> tuple[int, int]:
        """A start as the engine sends it: BEGIN with the case's INSERT, history with the task's
        INSERT, its job and the participant with the COMMIT."""
        with conn.pipeline():
            cur = conn.cursor()
            cur.execute("BEGIN")
            cur.execute(sql["case"], {"definition_id": definition_id, "now": now(), "false": False,
                                      "state": dump_state(workflow).encode()})
        case_id = int(cur.fetchone()[0])
        with conn.pipeline():
            history, opened = conn.cursor(), conn.cursor()
            history.execute(sql["history"], {"case_id": case_id, "kind": "case_started", "now": now(),
                                             "task_id": None, "element_id": None, "data": "{}",
                                             "false": False})
            insert_task(opened, case_id, ready(workflow))
        task_id = int(opened.fetchone()[0])
        with conn.pipeline():
            cur = conn.cursor()
            insert_job(cur, case_id, task_id)
            cur.execute(sql["participant"], {"case_id": case_id})
            cur.execute("COMMIT")
        return case_id, task_id

    def ready(workflow: BpmnWorkflow) -> Any:
        tasks = workflow.get_tasks(state=TaskState.READY)
        return tasks[0] if tasks else None

    started = time.perf_counter()
    try:
        for _ in range(n):
            cur = conn.cursor()
            workflow = BpmnWorkflow(spec, subprocess_specs)
            workflow.do_engine_steps()
            if together:
                (case_id, task_id), version, task = start_together(workflow), 1, ready(workflow)
            while together and task is not None:
                with conn.pipeline():
                    cur.execute("BEGIN")
                    cur.execute(sql["user"], {"username": "bench"})
                cur.fetchone()
                cur.execute(sql["read"], {"task_id": task_id})
                cur.fetchone()
                task.data["step"] = task.task_spec.bpmn_id
                task.run()
                workflow.do_engine_steps()
                new_id = complete_together(case_id, task_id, task, workflow, version)
                version += 1
                task = ready(workflow)
                task_id = new_id if new_id is not None else task_id
            if together:
                continue
            begin(cur)
            cur.execute(sql["case"], {"definition_id": definition_id, "state": dump_state(workflow).encode(),
                                      "now": now(), "false": False})
            case_id, version = int(cur.fetchone()[0]), 1
            cur.execute(sql["history"], {"case_id": case_id, "kind": "case_started", "now": now(),
                                         "task_id": None, "element_id": None, "data": "{}", "false": False})
            task = ready(workflow)
            task_id = open_task(cur, case_id, task)
            cur.execute(sql["participant"], {"case_id": case_id})
            conn.commit()
            while task is not None:
                begin(cur)
                cur.execute(sql["user"], {"username": "bench"})
                cur.fetchone()
                cur.execute(sql["read"], {"task_id": task_id})
                cur.fetchone()
                cur.execute(sql["close"], {"task_id": task_id, "now": now()})
                task.data["step"] = task.task_spec.bpmn_id
                task.run()
                workflow.do_engine_steps()
                cur.execute(sql["history"], completed(case_id, task_id, task))
                cur.execute(sql["save"], saved(case_id, workflow, version))
                assert cur.rowcount == 1
                version += 1
                task = ready(workflow)
                if task is not None:
                    task_id = open_task(cur, case_id, task)
                cur.execute(sql["participant"], {"case_id": case_id})
                conn.commit()
            cur.close()
    finally:
        if postgres:
            conn.rollback()
            raw.invalidate()  # the engine's connections are set up as engine.store.direct says
        raw.close()
    return n / (time.perf_counter() - started)


__all__ = ["floor_rate"]
