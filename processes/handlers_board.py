"""Service-task handlers of the Project Board (processes/registry_board.py).

In the annual work plan, each activity accepted by the Secretariat goes to the Board:
`convene_board` rotates the seats (so a term that ended has been handed on), lists the members
sitting now for the chair's form (`board_members`, options of the checklist
`board_members_present`) and makes the case visible to every sitting member (the body
`project_board`); the chair (role `chair` of that body, and only them) records the Board's
decision with the members present; `record_board_decision` checks the quorum (a majority of
the sitting representatives, at least two) and that everyone marked present sits on the Board
now, then stores the decision on the activity (`work_plan_handlers.record_activity`) and the
Board's record (who chaired, who was present, who sat). Without a quorum nothing is stored and
the decision goes back to the chair (`board_quorum_missing`, `board_quorum_message`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.principals import Principal
from engine.runtime.handlers import Handler, ServiceCall
from engine.runtime.participants import add_participants
from engine.store.models import Case
from processes import call_data, work_plan_handlers
from processes.call_data import HandlerError
from processes.registry_board import (
    BOARD_BODY,
    MIN_SITTING,
    RegistryBoardDecision,
    board_members,
    quorum,
    rotate,
)


def convene_board(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Seat whoever's turn it is, and list the Board as it sits now."""
    rotate(session)
    members = board_members(session)
    representatives = [m for m in members if m.role == "representative"]
    if not any(m.role == "chair" for m in members):
        raise HandlerError("the Project Board has no chair (role 'chair' of the body 'project_board')")
    if len(representatives) < MIN_SITTING:
        raise HandlerError(f"the Project Board has {len(representatives)} sitting representatives; it needs "
                           f"at least {MIN_SITTING}: committees name them (committee_establishment) and "
                           "each must be linked to a user (alliance board link)")
    if session.get(Case, call.case_id) is not None:  # every sitting member may read the case
        add_participants(session, call.case_id, [Principal("body", BOARD_BODY)])
    options = [{"label": f"{m.label} ({m.committee})", "value": m.username} for m in representatives]
    return {"board_members": options, "board_quorum": quorum(len(representatives)),
            "board_members_present": [], "board_quorum_missing": False, "board_quorum_message": None}


def record_board_decision(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Store the chair's record of the Board's decision if the Board was quorate."""
    d = call.data
    members = board_members(session)
    sitting = {m.username for m in members if m.role == "representative"}
    present = call_data.names(d.get("board_members_present"))
    strangers = sorted(set(present) - sitting)
    needed = quorum(len(sitting))
    valid = sorted(set(present) & sitting)
    if strangers or len(valid) < needed:
        message = (f"Not a Board decision: {len(valid)} of the {len(sitting)} sitting representatives "
                   f"present, {needed} needed.")
        if strangers:
            message += f" Not sitting on the Board now: {', '.join(strangers)}."
        return {"board_quorum_missing": True, "board_quorum_message": message}
    outcome = work_plan_handlers.record_activity(session, call)
    activity_id = outcome["activity_outcome"]["activity_id"]
    row = session.scalar(select(RegistryBoardDecision)
                         .where(RegistryBoardDecision.activity_id == activity_id))
    if row is None:
        row = RegistryBoardDecision(activity_id=activity_id, decision="")
        session.add(row)
    row.case_id = call.case_id
    row.decision = str(d.get("board_decision"))
    row.comment = call_data.text(d, "board_comment")
    row.chair = [m.username for m in members if m.role == "chair"]
    row.members_present = valid
    row.members_sitting = sorted(sitting)
    row.decided_at = call_data.now()
    session.flush()
    return {**outcome, "board_quorum_missing": False, "board_quorum_message": None,
            "activity_outcome": {**outcome["activity_outcome"], "members_present": valid}}


WORK_PLAN_BOARD_HANDLERS: dict[str, Handler] = {f.__name__: f for f in (convene_board, record_board_decision)}
"""Guarded by `annual_work_plan` (processes.handlers)."""

__all__ = ["WORK_PLAN_BOARD_HANDLERS", "convene_board", "record_board_decision"]
