"""The registry seed and the service-task handlers: each handler run twice leaves one row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.db import Base, make_engine, make_session_factory
from processes.handlers import HANDLERS, HandlerError
from processes.registry import (
    RegistryBusinessCouncilMember,
    RegistryCommittee,
    RegistryCommitteeChange,
    RegistryInitiative,
    RegistryNotification,
    RegistryTaskForce,
    RegistryTaskForceReport,
    RegistryWorkPlan,
    RegistryWorkPlanActivity,
    seed_registry,
)


@dataclass(frozen=True)
class Call:
    handler: str
    data: dict[str, Any]
    case_id: int = 1
    element_id: str = "element"
    idempotency_key: str = "case-1/element/1"
    attempt: int = 1


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Session]:
    """A fresh SQLite database with the whole schema, seeded."""
    engine = make_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        seed_registry(session)
        session.commit()
        yield session
        session.rollback()
    engine.dispose()


def run_twice(session: Session, handler: str, data: dict[str, Any], *, case_id: int = 1,
              key: str | None = None) -> dict[str, Any]:
    """Run a handler twice with the same call (a retried job); both runs must return the same."""
    call = Call(handler, dict(data), case_id=case_id, element_id=handler,
                idempotency_key=key or f"case-{case_id}/{handler}/1")
    first = HANDLERS[handler](session, call)
    session.flush()
    second = HANDLERS[handler](session, Call(handler, dict(data), case_id=case_id, element_id=handler,
                                             idempotency_key=call.idempotency_key, attempt=2))
    session.flush()
    assert first == second
    return first


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_gives_five_established_and_nine_preparatory_committees(registry: Session) -> None:
    rows = registry.execute(select(RegistryCommittee.status, func.count()).group_by(RegistryCommittee.status))
    statuses: dict[str, int] = {status: n for status, n in rows}
    assert statuses == {"established": 5, "preparatory": 9}
    members = count(registry, RegistryBusinessCouncilMember)
    assert 0 < members < 10  # a handful of named demo members, not the 82 of 2016
    assert seed_registry(registry) == 0
    registry.commit()
    assert count(registry, RegistryCommittee) == 14
    assert count(registry, RegistryBusinessCouncilMember) == members


def test_register_committee_promotes_a_preparatory_committee(registry: Session) -> None:
    tourism = registry.scalar(select(RegistryCommittee).where(RegistryCommittee.name == "Tourism"))
    assert tourism is not None
    choices = run_twice(registry, "list_committee_choices", {})["preparatory_committees"]
    assert {"label": "Tourism", "value": str(tourism.id)} in choices and len(choices) == 9
    data = {"establishment_kind": "preparatory", "preparatory_committee": str(tourism.id),
            "partner_institutions": ["iran_chamber"],
            "objectives": "Promote Maritime Silk Road tourism routes", "initiator": "quanzhou"}
    result = run_twice(registry, "register_committee", data, case_id=7)
    registry.refresh(tourism)
    assert tourism.status == "established" and result["committee_id"] == tourism.id
    assert result["committee_change"] == "promoted"
    assert tourism.partner_institutions == ["iran_chamber"] and tourism.updated_by_case_id == 7
    assert tourism.proposing_entity == "quanzhou" and tourism.sector == "tourism"
    assert count(registry, RegistryCommittee) == 14
    run_twice(registry, "register_committee", {"committee_name": "Maritime Heritage", "sector": "other",
                                               "sector_other": "Maritime heritage"}, case_id=8)
    assert count(registry, RegistryCommittee) == 15
    heritage = registry.scalar(select(RegistryCommittee).where(RegistryCommittee.name == "Maritime Heritage"))
    assert heritage is not None and heritage.sector == "Maritime heritage"
    listed = run_twice(registry, "list_established_committees", {})
    assert len(listed["committees"]) == 7 and "Tourism" in listed["committees"]
    changes = registry.scalars(select(RegistryCommitteeChange).order_by(RegistryCommitteeChange.id)).all()
    assert [(c.kind, c.case_id) for c in changes] == [("promoted", 7), ("created", 8)]


def test_an_existing_committee_is_amended_only_when_the_secretariat_chose_so(registry: Session) -> None:
    data = {"establishment_kind": "new", "committee_name": "investment and trade",
            "sector": "investment_trade", "objectives": "A second set of terms",
            "partner_institutions": ["bavaria_forum"]}
    with pytest.raises(HandlerError, match="already in the registry"):
        HANDLERS["register_committee"](registry, Call("register_committee", dict(data), case_id=9))
    collected = run_twice(registry, "collect_endorsements", data, case_id=9)
    assert collected["existing_committee"]["name"] == "Investment and Trade"
    assert collected["endorsement_notes"] == [] and collected["review_decision"] is None
    result = run_twice(registry, "register_committee", {**data, "existing_committee_action": "amend"},
                       case_id=9)
    assert result["committee_change"] == "amended" and result["case_outcome"] == "amended"
    [change] = registry.scalars(select(RegistryCommitteeChange)).all()
    assert change.before is not None and change.before["partner_institutions"] == []
    assert change.after is not None and change.after["partner_institutions"] == ["bavaria_forum"]
    assert count(registry, RegistryCommittee) == 14


def test_board_representatives_are_two_or_three(registry: Session) -> None:
    data = {"committee_name": "Sports and Outdoor Activities", "representative_1": "Li Na, Quanzhou",
            "representative_2": "Budi Santoso, Jakarta", "representative_3": ""}
    assert run_twice(registry, "set_board_representatives", data)["board_representatives"] == [
        "Li Na, Quanzhou", "Budi Santoso, Jakarta"]
    with pytest.raises(HandlerError):
        HANDLERS["set_board_representatives"](registry, Call("set_board_representatives",
                                                             {**data, "representative_2": None}))


def test_list_established_committees_for_the_multi_instance(registry: Session) -> None:
    committees = run_twice(registry, "list_established_committees", {})["committees"]
    assert committees == sorted(["Business Council", "Education, Science and Culture",
                                 "Sports and Outdoor Activities", "Smart Cities and Emerging Industries",
                                 "Investment and Trade"])


def test_notify_writes_one_notice_per_idempotency_key(registry: Session) -> None:
    run_twice(registry, "notify", {"committee_name": "Tourism"}, key="case-3/remind_secretariat/1")
    assert count(registry, RegistryNotification) == 1
    run_twice(registry, "notify", {"committee_name": "Tourism"}, key="case-3/remind_secretariat/2")
    assert count(registry, RegistryNotification) == 2


def test_observer_then_member(registry: Session) -> None:
    data = {"applicant_name": "Silk Road Trading Co.", "applicant_kind": "company", "sector": "business",
            "contact_email": "info@silkroad.example"}
    observer = run_twice(registry, "register_observer", data, case_id=11)
    since, eligible = (date.fromisoformat(observer[k]) for k in ("observer_since", "eligible_from"))
    assert eligible.year == since.year + 1
    assert (eligible.month, eligible.day) in {(since.month, since.day), (2, 28)}
    before = count(registry, RegistryBusinessCouncilMember)
    found = run_twice(registry, "find_business_council_member", data, case_id=11)
    assert found["registry_kind"] == "observer" and found["eligible_from"] == observer["eligible_from"]
    with pytest.raises(HandlerError):  # a single company is not a group
        HANDLERS["register_member"](registry, Call("register_member", {
            **data, "membership_kind": "group_member", "organisation_type": "company"}, case_id=11))
    with pytest.raises(HandlerError):  # an individual membership names its person
        HANDLERS["register_member"](registry, Call("register_member", {
            **data, "membership_kind": "individual_member"}, case_id=11))
    member = run_twice(registry, "register_member", {**data, "membership_kind": "group_member",
                                                     "organisation_type": "business_association"}, case_id=11)
    assert member["member_kind"] == "group_member"
    assert count(registry, RegistryBusinessCouncilMember) == before
    row = registry.scalar(select(RegistryBusinessCouncilMember)
                          .where(RegistryBusinessCouncilMember.name == "Silk Road Trading Co."))
    assert row is not None and row.kind == "group_member"
    with pytest.raises(HandlerError):  # a member is not registered as observer again
        HANDLERS["register_observer"](registry, Call("register_observer", data, case_id=12))
    assert run_twice(registry, "find_business_council_member", data, case_id=12)["registry_kind"] == "member"
    assert run_twice(registry, "find_business_council_member", {"applicant_name": "Nobody"},
                     case_id=13) == {"registry_kind": "new"}


def test_work_plan_records_each_activity_once(registry: Session) -> None:
    opened = run_twice(registry, "open_work_plan_call", {"year": 2018}, case_id=5)
    assert opened["call_refused"] is False and "Tourism" in opened["committees"]
    assert len(opened["committees"]) == 14
    expo = {"activity_title": "4th Quanzhou Maritime Silk Road brand expo",
            "activity_description": "Take part in preparing the expo and hold the 3rd Chairman meeting",
            "requested_seed_funding": 50000, "co_funding_mobilized": 120000,
            "activity_partner_cities": ["quanzhou"]}
    academy = {"activity_title": "Silk Road Sports Academy", "requested_seed_funding": 80000}
    submitted = run_twice(registry, "record_submission", {
        "year": 2018, "committee": "Sports and Outdoor Activities", "activities": [expo, academy]}, case_id=5)
    assert [a["activity_title"] for a in submitted["submitted_activities"]] == [
        expo["activity_title"], academy["activity_title"]]
    first, second = submitted["submitted_activities"]
    decided = run_twice(registry, "record_activity", {"activity": first, "board_decision": "approve"},
                        case_id=5)
    assert decided["activity_outcome"]["status"] == "approved"
    run_twice(registry, "record_activity", {"activity": second, "board_decision": "partly_approve",
                                            "approved_seed_funding": 30000}, case_id=5)
    with pytest.raises(HandlerError):  # a partial approval names its amount
        HANDLERS["record_activity"](registry, Call("record_activity", {
            "activity": second, "board_decision": "partly_approve"}, case_id=5))
    run_twice(registry, "mark_submission_late", {"year": 2018, "committee": "Investment and Trade"},
              case_id=5)
    assert count(registry, RegistryWorkPlanActivity) == 3
    plan = run_twice(registry, "record_work_plan", {"year": 2018}, case_id=5)
    assert plan["approved_budget"] == 80000.0 and plan["approved_activities"] == 2
    assert count(registry, RegistryWorkPlan) == 1
    stored = registry.scalar(select(RegistryWorkPlan).where(RegistryWorkPlan.year == 2018))
    assert stored is not None and stored.status == "approved"
    assert stored.approved_budget == Decimal("80000.00")
    # Another case for 2018 is refused, unless it amends the plan.
    assert run_twice(registry, "open_work_plan_call", {"year": 2018}, case_id=6)["call_refused"] is True
    assert run_twice(registry, "open_work_plan_call", {"year": 2018, "amends_work_plan": True},
                     case_id=7)["call_refused"] is False
    assert stored.status == "amending" and stored.amended_by_case_id == 7


def test_initiative_lifecycle(registry: Session) -> None:
    data = {"initiative_title": "Cross-border e-commerce export zone",
            "committee_name": "Investment and Trade", "partner_cities": ["quanzhou", "chongqing"]}
    initiative_id = run_twice(registry, "register_initiative", data, case_id=21)["initiative_id"]
    assert count(registry, RegistryInitiative) == 1
    with_id = {**data, "initiative_id": initiative_id}
    for handler, status in (("incubate_initiative", "incubated"), ("reject_initiative", "rejected"),
                            ("start_initiative_implementation", "implementing")):
        assert run_twice(registry, handler, with_id, case_id=21) == {"initiative_status": status}
    closed = run_twice(registry, "close_initiative", {**with_id, "implementation_outcome": "completed",
                                                      "outcome_summary": "Open and trading."}, case_id=21)
    assert closed == {"initiative_status": "closed", "initiative_outcome": "completed",
                      "task_force_active": False}
    with pytest.raises(HandlerError, match="implementation_outcome"):
        run_twice(registry, "close_initiative", {**with_id, "implementation_outcome": "abandoned"},
                  case_id=21)
    lapsed = run_twice(registry, "record_no_agreement", with_id, case_id=21)
    assert lapsed["initiative_status"] == "no_agreement" and lapsed["no_agreement_reason"]
    # No history of answers for this case: nothing gathered, nothing invented.
    assert run_twice(registry, "collect_commitments", with_id, case_id=21) == {
        "commitment_notes": [], "commitment_summary": ""}
    run_twice(registry, "set_initiative_status", {**with_id, "initiative_status": "incubated"}, case_id=21)
    run_twice(registry, "record_cooperation_agreement",
              {**with_id, "agreement_title": "Quanzhou-Chongqing e-commerce agreement",
               "agreement_signed_on": "2018-11-20", "signed_at_cities_forum": True,
               "agreement_signatories": "Quanzhou\nChongqing"}, case_id=21)
    initiative = registry.get(RegistryInitiative, initiative_id)
    assert initiative is not None and initiative.status == "incubated"
    assert initiative.agreement and initiative.agreement["signatories"] == ["Quanzhou", "Chongqing"]
    with pytest.raises(HandlerError):
        HANDLERS["incubate_initiative"](registry, Call("incubate_initiative", {"initiative_id": 999}))


def test_task_force_lifecycle(registry: Session) -> None:
    initiative_id = run_twice(registry, "register_initiative", {"initiative_title": "Project database"},
                              case_id=31)["initiative_id"]
    started = {"initiative": {"initiative_id": initiative_id, "initiative_title": "Project database"},
               "task_force_lead": "committee_trade", "task_force_members": "Ana\nBudi\nAna"}
    result = run_twice(registry, "register_task_force", started, case_id=32)
    assert result["initiative_id"] == initiative_id and count(registry, RegistryTaskForce) == 1
    report = {"report_quarter": "2018-Q3", "progress_summary": "Database schema agreed with partner cities"}
    run_twice(registry, "record_progress_report", report, case_id=32)
    run_twice(registry, "record_progress_report", {**report, "report_quarter": "2018-Q4"}, case_id=32)
    assert count(registry, RegistryTaskForceReport) == 2
    run_twice(registry, "close_task_force", {"closure_summary": "Database online"}, case_id=32)
    task_force = registry.scalar(select(RegistryTaskForce))
    assert task_force is not None and task_force.status == "closed" and task_force.members == ["Ana", "Budi"]
    assert task_force.outcome == "completed"
    closure = {"initiative_closure": {"initiative_id": initiative_id, "initiative_outcome": "discontinued",
                                      "outcome_summary": "Stopped."}}
    result = run_twice(registry, "close_task_force_with_initiative", closure, case_id=32)
    assert result["task_force_outcome"] == "discontinued" and result["cancelled_reports"] == []
    assert task_force.closure_reason == result["closure_reason"]


def test_every_handler_is_covered() -> None:
    source = "".join(f.read_text(encoding="utf-8") for pattern in ("test_registry*.py", "test_handlers_*.py")
                     for f in Path(__file__).parent.glob(pattern))
    missing = [name for name in HANDLERS if f'run_twice(registry, "{name}"' not in source
               and f'run_twice(world.session, "{name}"' not in source
               and f'("{name}", "' not in source]
    assert missing == []
