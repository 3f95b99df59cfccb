"""Who may start which process: the start event's lane groups, everyone, or admins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine.access.start_rights import may_start, require_start, startable_processes
from engine.access.users import Actor
from engine.definitions.deployment import deploy, files_from_paths
from engine.errors import NotFound, PermissionDenied
from tests.conftest import fixture_files

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


@pytest.fixture
def deployed(session: Session) -> None:
    deploy(session, files_from_paths([PROCESSES]))
    session.commit()


def ids(session: Session, user: Actor) -> list[str]:
    return [p.process_id for p in startable_processes(session, user)]


def test_lane_groups_may_start(session: Session, deployed: None, make_user: Callable[..., Actor]) -> None:
    city = make_user("quanzhou", "proposing_entity", "partner_cities")
    secretariat = make_user("sec", "secretariat")
    applicant = make_user("trader", "applicant")
    nobody = make_user("nobody")
    assert ids(session, city) == ["committee_establishment"]
    assert sorted(ids(session, secretariat)) == ["activity_follow_up", "annual_work_plan", "cities_forum",
                                             "committee_review"]
    assert ids(session, applicant) == ["business_council_membership", "alliance_membership"]
    assert ids(session, nobody) == []
    assert may_start(session, city, "committee_establishment")
    assert not may_start(session, city, "annual_work_plan")


def test_admins_may_start_everything_but_message_started_processes(
        session: Session, deployed: None, make_user: Callable[..., Actor]) -> None:
    admin = make_user("root", "admins")
    assert set(ids(session, admin)) == {"annual_work_plan", "business_council_membership",
                                        "committee_establishment", "initiative_incubation",
                                        "alliance_membership", "alliance_withdrawal", "committee_membership",
                                        "action_plan", "cities_forum", "activity_follow_up",
                                        "committee_review"}
    with pytest.raises(PermissionDenied, match="started by an event"):
        require_start(session, admin, "task_force")


def test_start_form_and_errors(session: Session, deployed: None, make_user: Callable[..., Actor]) -> None:
    sec = make_user("sec", "secretariat")
    start = require_start(session, sec, "annual_work_plan")
    assert start.process.start_form_id == "work_plan_call"
    assert start.form is not None and start.form["id"] == "work_plan_call"
    assert start.process.groups == ["secretariat"]
    assert require_start(session, make_user("c", "proposing_entity"),
                         "committee_establishment").form is None
    with pytest.raises(PermissionDenied):
        require_start(session, sec, "committee_establishment")
    with pytest.raises(NotFound):
        require_start(session, sec, "no_such_process")


def test_start_event_outside_any_lane_is_open_to_everyone(
        session: Session, make_user: Callable[..., Actor]) -> None:
    deploy(session, fixture_files("script_loop.bpmn"))
    session.commit()
    anyone = make_user("anyone")
    process = startable_processes(session, anyone)
    assert len(process) == 1 and process[0].groups == []


def test_start_event_in_a_lane_needs_the_lane_group(
        session: Session, make_user: Callable[..., Actor]) -> None:
    deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"))
    session.commit()
    assert startable_processes(session, make_user("anyone")) == []
    [process] = startable_processes(session, make_user("req", "requester"))
    assert process.groups == ["requester"]
