"""How many SQL statements the case page costs: each of the case's projections read once.

Counted like tests/web/api/test_api_statements.py. For the Secretariat (staff: no participant
check), a case with a short history: the signed-in user and their groups (2); the case (1); its
human tasks and its jobs, read once for the page and for what it waits on (2); the definition
(1); its message subscriptions (1); its history and, as it is shorter than a page, its archive
(2); incidents (1); the diagram (1); linked cases (1); the forms (1); people's names (1);
comments and documents (2); the bell's unread count (1). A case whose history is longer than a
page reads, instead of the archive, its count, its completed elements and its archive
(bench/bench_dashboard.py)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine

from tests.web.api.test_api_statements import statements

MAX_STATEMENTS = 17
"""Lower it when a statement goes; a statement added (a projection read twice) fails this test."""


def test_the_case_page_reads_each_projection_once(login_as: Any, cases: dict[str, int],
                                                  db_engine: Engine) -> None:
    client = login_as("sec_wang")
    path = f"/cases/{cases['review']}"
    assert client.get(path).status_code == 200  # warm: the definition parsed
    with statements(db_engine) as seen:
        page = client.get(path)
    assert page.status_code == 200
    if os.environ.get("SHOW_STATEMENTS"):
        for n, sql in enumerate(seen, 1):
            print(f"--- {n}\n{sql[:300]}")
    assert len(seen) <= MAX_STATEMENTS, "\n\n".join(s[:300] for s in seen)
