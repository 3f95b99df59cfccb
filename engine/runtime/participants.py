"""Who takes part in a case: the `case_participant` rows the access policy reads.

Written in the transaction that changes the case: its starter when it starts, the
assignee and candidates of each task when the task is created, whoever claims, is
assigned or completes a task. Rows are only added (taking part once is enough to keep
seeing the case).

Nothing is read first: the rows wanted are gathered in the session and written in one
`INSERT ... ON CONFLICT DO NOTHING` (SQLite and PostgreSQL) by the case's save, or before
the commit of a change that saves no case (a claim, an assignment).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.access.principals import Principal
from engine.store.direct import run_later

_PENDING = "alliance.participants"
"""session.info: (case id, kind, name) rows wanted and not yet written in this transaction."""
_WRITTEN = "alliance.participants.written"
"""session.info: rows written in this transaction, or read with the case (not written again)."""


_INSERT = text("INSERT INTO case_participant (case_id, kind, name) VALUES (:case_id, :kind, :name) "
               "ON CONFLICT DO NOTHING")
"""Text, not the dialects' `insert().on_conflict_do_nothing()`, which SQLAlchemy cannot cache
and compiled anew for every step; the same SQL on SQLite and PostgreSQL."""


def known_participants(session: Session, case_id: int, pairs: Iterable[tuple[str, str]]) -> None:
    """(kind, name) rows the case has, as the change read them: not written again."""
    session.info.setdefault(_WRITTEN, set()).update((case_id, kind, name) for kind, name in pairs)


def add_participants(session: Session, case_id: int, principals: Iterable[Principal]) -> None:
    wanted = {(case_id, p.kind, p.name) for p in principals}
    if wanted:
        written: set[tuple[int, str, str]] = session.info.get(_WRITTEN, set())
        session.info.setdefault(_PENDING, set()).update(wanted - written)


def add_user(session: Session, case_id: int, username: str | None) -> None:
    if username:
        add_participants(session, case_id, [Principal("user", username)])


def write_participants(session: Session) -> None:
    """Write the rows gathered so far: one statement, rows already there are left as they are."""
    pending: set[tuple[int, str, str]] = session.info.pop(_PENDING, set())
    if not pending:
        return
    rows = [{"case_id": c, "kind": k, "name": n} for c, k, n in sorted(pending)]
    run_later(session, _INSERT, rows)
    session.info.setdefault(_WRITTEN, set()).update(pending)


def forget_cache(session_info: dict[str, object]) -> None:
    """After a commit or rollback: nothing pending, nothing known written."""
    session_info.pop(_PENDING, None)
    session_info.pop(_WRITTEN, None)


__all__ = ["add_participants", "add_user", "forget_cache", "known_participants", "write_participants"]
