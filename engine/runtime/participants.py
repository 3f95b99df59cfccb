"""Who takes part in a case: the `case_participant` rows the access policy reads.

Written in the transaction that changes the case: its starter when it starts, the
assignee and candidates of each task when the task is created, whoever claims, is
assigned or completes a task. Rows are only added (taking part once is enough to keep
seeing the case).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.principals import Principal
from engine.store.models import CaseParticipant

_KNOWN = "alliance.participants"
"""session.info cache: case id -> (kind, name) pairs already stored, for this transaction."""


def add_participants(session: Session, case_id: int, principals: Iterable[Principal]) -> None:
    wanted = {(p.kind, p.name) for p in principals}
    if not wanted:
        return
    cache: dict[int, set[tuple[str, str]]] = session.info.setdefault(_KNOWN, {})
    known = cache.get(case_id)
    if known is None:
        known = {(k, n) for k, n in session.execute(
            select(CaseParticipant.kind, CaseParticipant.name)
            .where(CaseParticipant.case_id == case_id)).all()}
        cache[case_id] = known
    for kind, name in sorted(wanted - known):
        session.add(CaseParticipant(case_id=case_id, kind=kind, name=name))
        known.add((kind, name))


def add_user(session: Session, case_id: int, username: str | None) -> None:
    if username:
        add_participants(session, case_id, [Principal("user", username)])


def forget_cache(session_info: dict[str, object]) -> None:
    """After a commit or rollback: the next transaction reads the rows again."""
    session_info.pop(_KNOWN, None)


__all__ = ["add_participants", "add_user", "forget_cache"]
