"""One case on the dashboard (engine.read.case_page) and the Secretariat's actions on it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import clock
from engine.access.users import actor
from engine.errors import CaseNotActive, InvalidInput, PermissionDenied
from engine.read.case_page import case_detail
from engine.runtime import case_admin, case_status
from engine.runtime.cases import start_case
from engine.runtime.history import EventKind
from engine.runtime.tasks import complete_task
from engine.store.models import Case, HistoryEvent, HumanTask, Incident
from tests.web.flows import TOR, start_committee, to_review


@pytest.fixture
def alliance(seeded: sessionmaker[Any]) -> sessionmaker[Any]:
    return seeded


def events(session: Session, case_id: int, kind: str) -> list[HistoryEvent]:
    return list(session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == case_id,
                                                           HistoryEvent.kind == kind)).all())


def test_detail_marks_completed_active_and_links(alliance: sessionmaker[Any]) -> None:
    case_id, _review = to_review(alliance)
    with alliance() as session:
        child = start_case(session, "committee_establishment", user=actor(session, "quanzhou"),
                           business_key="CHILD", parent_case_id=case_id)
        session.execute(update(Case).where(Case.id == case_id).values(failed_element_id="register_committee"))
        detail = case_detail(session, case_id, actor(session, "sec_wang"))
        assert {"draft_tor", "endorse_tor"} <= set(detail.completed_elements)
        assert [a.task.element_id for a in detail.active_tasks] == ["review_tor"]
        assert detail.failed_elements == ["register_committee"]
        assert [(link.case_id, link.relation) for link in detail.linked] == [(child.id, "child")]
        assert detail.case.data["committee_name"] == TOR["committee_name"]
        assert detail.field_types["committee_name"] == "string"
        assert detail.field_types["partner_institutions"] == "array"
        assert detail.may_admin
        kinds = [e.kind for e in detail.history]
        assert kinds[0] == "case_started" and kinds.count("task_completed") == 2
        back = case_detail(session, child.id, actor(session, "quanzhou"))
        assert [(link.case_id, link.relation) for link in back.linked] == [(case_id, "parent")]
        assert not back.may_admin
        with pytest.raises(PermissionDenied):
            case_detail(session, case_id, actor(session, "silkroad_trading"))
        session.rollback()


def test_actions_need_staff_and_reason(alliance: sessionmaker[Any]) -> None:
    case_id, task_id = start_committee(alliance)
    with alliance() as session:
        participant = actor(session, "quanzhou")
        version = session.get(Case, case_id).version  # type: ignore[union-attr]
        for call in (lambda: case_status.suspend_case(session, case_id, user=participant, reason="x"),
                     lambda: case_status.cancel_case(session, case_id, user=participant, reason="x"),
                     lambda: case_admin.reassign(session, case_id, task_id, user=participant,
                                                 assignee="chongqing", reason="x"),
                     lambda: case_admin.correct_case_data(session, case_id, user=participant,
                                                          field="committee_name", value='"X"',
                                                          reason="x")):
            with pytest.raises(PermissionDenied):
                call()
        sec = actor(session, "sec_wang")
        for reason in ("", "   "):
            with pytest.raises(InvalidInput):
                case_status.suspend_case(session, case_id, user=sec, reason=reason)
        session.rollback()
        case = session.get(Case, case_id)
        assert case is not None and case.status == "running" and case.version == version


def test_suspend_resume_cancel_write_history(alliance: sessionmaker[Any]) -> None:
    case_id, task_id = start_committee(alliance)
    with alliance() as session:
        sec = actor(session, "sec_wang")
        case_status.suspend_case(session, case_id, user=sec, reason="waiting for the mayor")
        session.commit()
        with pytest.raises(CaseNotActive):
            complete_task(session, task_id, user=actor(session, "quanzhou"), data=TOR)
        session.rollback()
        case_status.resume_case(session, case_id, user=sec, reason="mayor replied")
        case_status.cancel_case(session, case_id, user=sec, reason="withdrawn")
        session.commit()
        assert session.get(Case, case_id).status == "cancelled"  # type: ignore[union-attr]
        assert [e.reason for e in events(session, case_id, "case_suspended")] == ["waiting for the mayor"]
        assert [e.reason for e in events(session, case_id, "case_resumed")] == ["mayor replied"]
        assert [(e.reason, e.user) for e in events(session, case_id, "case_cancelled")] == [
            ("withdrawn", "sec_wang")]


def test_reassign(alliance: sessionmaker[Any]) -> None:
    case_id, task_id = start_committee(alliance)
    with alliance() as session:
        case_admin.reassign(session, case_id, task_id, user=actor(session, "sec_silva"),
                            assignee="chongqing", reason="Quanzhou asked Chongqing to draft")
        session.commit()
        assert session.get(HumanTask, task_id).assignee == "chongqing"  # type: ignore[union-attr]
        [event] = events(session, case_id, EventKind.TASK_ASSIGNED)
        assert event.reason == "Quanzhou asked Chongqing to draft"
        assert event.data == {"assignee": "chongqing"}


def test_correct_case_data_typed(alliance: sessionmaker[Any]) -> None:
    case_id, _review = to_review(alliance)
    with alliance() as session:
        sec = actor(session, "sec_wang")
        version = session.get(Case, case_id).version  # type: ignore[union-attr]
        for field, value in (("committee_name", "12"), ("committee_name", "not json"),
                             ("partner_institutions", '"iran_chamber"'), ("no_such_field", "1"),
                             ("_private", "1")):
            with pytest.raises(InvalidInput):
                case_admin.correct_case_data(session, case_id, user=sec, field=field, value=value,
                                             reason="typo")
        data = case_admin.correct_case_data(session, case_id, user=sec, field="committee_name",
                                            value='"Tourism and Culture"', reason="official name")
        assert data["committee_name"] == "Tourism and Culture"
        # declared by a form (review_tor's form has review_decision) though not yet in the data
        case_admin.correct_case_data(session, case_id, user=sec, field="last_review_comment",
                                     value='"see minutes"', reason="note")
        session.commit()
        case = session.get(Case, case_id)
        assert case is not None and case.version == version + 2
        first = events(session, case_id, EventKind.DATA_CORRECTED)[0]
        assert first.reason == "official name" and first.user == "sec_wang"
        assert first.data == {"changes": {"committee_name": "Tourism and Culture"},
                              "before": {"committee_name": TOR["committee_name"]}}
        detail = case_detail(session, case_id, sec)
        assert detail.case.data["committee_name"] == "Tourism and Culture"


def test_retry_incident_with_reason(alliance: sessionmaker[Any]) -> None:
    case_id, _task = start_committee(alliance)
    with alliance() as session:
        session.execute(update(Case).where(Case.id == case_id).values(status="failed"))
        incident = Incident(kind="step", case_id=case_id, element_id="draft_tor", error="boom",
                            attempts=1, created_at=clock.now())
        session.add(incident)
        session.commit()
        with pytest.raises(PermissionDenied):
            case_admin.retry(session, case_id, incident.id, user=actor(session, "quanzhou"),
                             reason="x")
        case_admin.retry(session, case_id, incident.id, user=actor(session, "sec_wang"),
                         reason="handler fixed")
        session.commit()
        assert session.get(Case, case_id).status == "running"  # type: ignore[union-attr]
        assert session.get(Incident, incident.id).resolved_at is not None  # type: ignore[union-attr]
        [event] = events(session, case_id, EventKind.CASE_RETRIED)
        assert event.reason is not None and event.reason.startswith("handler fixed")
