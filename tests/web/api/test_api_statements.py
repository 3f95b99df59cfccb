"""How many SQL statements one HTTP task completion costs (issue 15: 8).

Counted with SQLAlchemy's `before_cursor_execute` on the app's engine, for a completion with
warm caches (the definition and its forms are parsed once per version and process): the
committee's first task, as its city, over the API. Transaction control is not counted: SQLite's
`BEGIN IMMEDIATE`, and the COMMIT that goes with the last writes on PostgreSQL
(engine.store.direct), where BEGIN and a plain commit are the driver's own, unseen."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from tests.web.api.conftest import ApiClient
from tests.web.flows import TOR

StartFn = Callable[..., dict[str, Any]]
MAX_STATEMENTS = 8
"""Who is asking (0 here: the token's user is kept a second, engine.access.asking; 1 when it is
not); on PostgreSQL the lock of the task and its case (1: it saves the round trip that sent the
checks before the commit, engine.runtime.tasks); the task with its candidates, case, definition
hash, whether it has a draft and the case's open tasks (1); the conditional task update;
history; the state update (with the case's background flag: no job or subscription reads for a
case without any); the new task; the jobs of its notification event (which carries the event:
the worker writes its row) and of its deadline (1); the participants, written without reading
them (1): 8 on PostgreSQL, 7 on SQLite. Lower it when a statement goes; a statement added makes
this test fail."""


@contextmanager
def statements(db: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "COMMIT")):
            seen.append(statement)
        if os.environ.get("SHOW_STACK") and os.environ["SHOW_STACK"] in statement:
            print("".join(traceback.format_stack(limit=40)[:-1]))

    event.listen(db, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db, "before_cursor_execute", count)


def test_one_http_completion_costs_few_statements(api: ApiClient, start_committee: StartFn,
                                                  db_engine: Engine) -> None:
    warm = start_committee("TOR-0")  # the first completion loads the definition and its forms
    api.token("quanzhou")
    assert api.post(f"/tasks/{warm['open_tasks'][0]['id']}/complete", "quanzhou",
                    json={"variables": TOR}).status_code == 200
    task_id = start_committee("TOR-1")["open_tasks"][0]["id"]
    with statements(db_engine) as seen:
        done = api.post(f"/tasks/{task_id}/complete", "quanzhou", json={"variables": TOR})
    assert done.status_code == 200, done.get_json()
    if os.environ.get("SHOW_STATEMENTS"):
        for n, sql in enumerate(seen, 1):
            print(f"--- {n}\n{sql[:600]}")
    assert len(seen) <= MAX_STATEMENTS, "\n\n".join(seen)
