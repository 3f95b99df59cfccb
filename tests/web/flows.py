"""Drive the committee-establishment process through the engine, for web tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import actor
from engine.runtime.cases import start_case
from engine.runtime.tasks import complete_task, open_task_ids

TOR = {"establishment_kind": "new", "committee_name": "Tourism Routes", "sector": "tourism",
       "objectives": "Promote maritime heritage tourism between member cities.",
       "scope": "Member cities of the Alliance.", "membership": "Quanzhou, Chongqing",
       "resource_mobilization_plan": "Seed funding and city contributions.",
       "partner_institutions": ["iran_chamber"]}


def start_committee(factory: sessionmaker[Any], key: str = "TOR-1") -> tuple[int, int]:
    """A committee case started by quanzhou: (case id, draft task id)."""
    with factory() as session:
        case = start_case(session, "committee_establishment", user=actor(session, "quanzhou"),
                          business_key=key)
        session.commit()
        return case.id, case.open_tasks[0].id


def only_task(session: Session, case_id: int) -> int:
    [task_id] = open_task_ids(session, case_id)
    return task_id


def to_review(factory: sessionmaker[Any], key: str = "TOR-1") -> tuple[int, int]:
    """Drafted and endorsed: (case id, the Secretariat's review task id)."""
    case_id, draft = start_committee(factory, key)
    with factory() as session:
        complete_task(session, draft, user=actor(session, "quanzhou"), data=TOR)
        session.commit()
        complete_task(session, only_task(session, case_id), user=actor(session, "iran_chamber"),
                      data={"endorsement_decision": "endorse"})
        session.commit()
        return case_id, only_task(session, case_id)
