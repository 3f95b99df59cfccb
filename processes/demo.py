"""Demo users: one or more per role the Alliance's processes name.

Groups are the lane slugs of the BPMN files ("Proposing Entity" -> proposing_entity ...),
plus `analysts` (the modeler) and `admins`. The passwords are for demonstrations only and
are printed in the README: never load these users into a production database.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from sqlalchemy.orm import Session

from processes.demo_board import BOARD_DEMO_USERS, seed_board_demo
from processes.demo_forum import seed_forum_demo
from processes.demo_membership import MEMBERSHIP_DEMO_USERS, seed_membership_demo
from processes.demo_review import seed_review_demo


class CreateUser(Protocol):
    def __call__(self, session: Session, username: str, *, groups: list[str], password: str,
                 display_name: str, email: str | None = None) -> Any: ...


DEMO_MAIL_DOMAIN = "demo.alliance.example"
"""Demo users' addresses (`quanzhou@demo.alliance.example`): `make run`'s mail sink keeps them."""


DEMO_USERS: list[dict[str, Any]] = [
    {"username": "sec_wang", "display_name": "Wang Li (Secretariat, Beijing)",
     "groups": ["secretariat"], "password": "demo-secretariat-1"},
    {"username": "sec_silva", "display_name": "Ana Silva (Secretariat)",
     "groups": ["secretariat"], "password": "demo-secretariat-2"},
    {"username": "dg_chen", "display_name": "Chen Hong (Director General)",
     "groups": ["director_general"], "password": "demo-director-general"},
    {"username": "bc_chair", "display_name": "Business Council Chair",
     "groups": ["business_council_chair"], "password": "demo-business-council-chair"},
    {"username": "board_munich", "display_name": "Project Board member (Munich)",
     "groups": ["project_board"], "password": "demo-project-board-1"},
    {"username": "board_jakarta", "display_name": "Project Board member (Jakarta)",
     "groups": ["project_board"], "password": "demo-project-board-2"},
    {"username": "board_tehran", "display_name": "Project Board member (Tehran)",
     "groups": ["project_board"], "password": "demo-project-board-3"},
    {"username": "quanzhou", "display_name": "Quanzhou Municipal Government",
     "groups": ["proposing_entity", "partner_cities"], "password": "demo-city-quanzhou"},
    {"username": "chongqing", "display_name": "Chongqing Municipal Government",
     "groups": ["proposing_entity", "partner_cities"], "password": "demo-city-chongqing"},
    {"username": "iran_chamber", "display_name": "Iran Chamber of Commerce",
     "groups": ["partner_institutions"], "password": "demo-partner-1"},
    {"username": "bavaria_forum", "display_name": "Bavaria-Chongqing Smart City Cooperation Forum",
     "groups": ["partner_institutions"], "password": "demo-partner-2"},
    {"username": "mongolia_logistics", "display_name": "China-Mongolia-Russia Logistics Information Centre",
     "groups": ["partner_institutions"], "password": "demo-partner-3"},
    {"username": "committee_sports", "display_name": "Focal point, Sports and Outdoor Activities Committee",
     "groups": ["committee"], "password": "demo-committee-1"},
    {"username": "committee_trade", "display_name": "Focal point, Investment and Trade Committee",
     "groups": ["committee"], "password": "demo-committee-2"},
    {"username": "silkroad_trading", "display_name": "Silk Road Trading Co. (observer applicant)",
     "groups": ["applicant"], "password": "demo-applicant"},
    {"username": "analyst", "display_name": "Process analyst",
     "groups": ["analysts"], "password": "demo-analyst"},
    {"username": "admin", "display_name": "Administrator",
     "groups": ["admins"], "password": "demo-admin"},
]
DEMO_USERS.extend(MEMBERSHIP_DEMO_USERS)
DEMO_USERS.extend(BOARD_DEMO_USERS)

# Every group a demo user belongs to; the lanes of processes/*.bpmn must be among these.
DEMO_GROUPS: frozenset[str] = frozenset(g for user in DEMO_USERS for g in user["groups"])


def seed_demo(session: Session, create_user: CreateUser, *, existing: Collection[str] = ()) -> list[str]:
    """Create every demo user with `create_user`; returns the usernames created.

    `create_user(session, username, *, groups, password, display_name, email)` is the engine's
    user-creating function, passed in so that this module does not import the engine.
    Usernames in `existing` are skipped, so a caller that passes the users it already has
    can run the seed twice. Does not commit.
    """
    created: list[str] = []
    for user in DEMO_USERS:
        if user["username"] in existing:
            continue
        create_user(session, user["username"], groups=list(user["groups"]), password=user["password"],
                    display_name=user["display_name"], email=f"{user['username']}@{DEMO_MAIL_DOMAIN}")
        created.append(user["username"])
    seed_membership_demo(session)
    seed_forum_demo(session)  # processes/demo_forum.py: an approved action plan to start from
    seed_board_demo(session)  # processes/demo_board.py: the Project Board's chair and seats
    seed_review_demo(session)  # processes/demo_review.py: an approved 2017 work plan to follow up and review
    return created


__all__ = ["DEMO_GROUPS", "DEMO_MAIL_DOMAIN", "DEMO_USERS", "CreateUser", "seed_demo"]
