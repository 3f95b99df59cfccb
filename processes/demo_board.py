"""Demo data of the Project Board: its chair (UNOSSC) and four committees' representatives.

On 1 January 2018 the Board's three rotating seats go to the Business Council, Investment and
Trade, and Smart Cities and Emerging Industries (committees named on the same day rotate in
alphabetical order); their terms end on 1 January 2019, when Sports and Outdoor Activities (which
has not sat yet) comes in with the Business Council and Investment and Trade, and Smart Cities
waits for the next turn.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

BOARD_FROM = datetime(2018, 1, 1, tzinfo=UTC)
BOARD_CHAIR = "unossc_ny"

BOARD_DEMO_USERS: list[dict[str, Any]] = [
    {"username": BOARD_CHAIR, "display_name": "UNOSSC New York (Project Board chair)",
     "groups": ["project_board"], "password": "demo-project-board-chair"},
    {"username": "board_quanzhou", "display_name": "Project Board member (Quanzhou)",
     "groups": ["project_board"], "password": "demo-project-board-4"},
]

DEMO_NOMINEES: tuple[tuple[str, str], ...] = (
    ("Business Council", "board_quanzhou"),
    ("Investment and Trade", "board_tehran"),
    ("Smart Cities and Emerging Industries", "board_munich"),
    ("Sports and Outdoor Activities", "board_jakarta"),
)


def seed_board_demo(session: Session) -> None:
    """The chair's membership and the committees' nominees, seated from 1 January 2018.

    Idempotent (memberships and nominees are matched). Does not commit."""
    from engine.access import bodies
    from processes.registry_board import BOARD_BODY, ensure_board, name_nominees

    ensure_board(session)
    bodies.set_organisation(session, BOARD_CHAIR, "unossc")
    bodies.add_member(session, BOARD_BODY, f"user:{BOARD_CHAIR}", role="chair", valid_from=BOARD_FROM)
    for committee, username in DEMO_NOMINEES:
        name_nominees(session, committee, [username], None, at=BOARD_FROM)


__all__ = ["BOARD_CHAIR", "BOARD_DEMO_USERS", "DEMO_NOMINEES", "seed_board_demo"]
