"""Starting a case: the list of startable processes, start forms, rights."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.store.models import Case
from tests.web.conftest import post

Login = Callable[[str], FlaskClient]


def startable(client: FlaskClient) -> list[str]:
    return re.findall(r'<a href="/start/([a-z_]+)">', client.get("/start/").get_data(as_text=True))


def test_each_user_sees_what_they_may_start(login_as: Login) -> None:
    assert startable(login_as("quanzhou")) == ["committee_establishment", "committee_membership",
                                               "alliance_withdrawal"]  # a member city
    assert sorted(startable(login_as("sec_wang"))) == [
        "activity_follow_up", "annual_work_plan", "cities_forum", "committee_review"]
    assert sorted(startable(login_as("committee_trade"))) == ["action_plan", "initiative_incubation"]
    assert sorted(startable(login_as("admin"))) == [
        "action_plan", "activity_follow_up", "alliance_membership", "alliance_withdrawal", "annual_work_plan",
        "business_council_membership", "cities_forum", "committee_establishment",
        "committee_membership", "committee_review", "initiative_incubation"]
    assert "There is no process you may start" in login_as("dg_chen").get("/start/").get_data(as_text=True)


def test_start_rights_are_enforced(login_as: Login) -> None:
    client = login_as("quanzhou")
    assert client.get("/start/annual_work_plan").status_code == 403
    assert post(client, "/start/annual_work_plan", {"data": "{}"}).status_code == 403
    assert client.get("/start/no_such_process").status_code == 404
    assert login_as("admin").get("/start/task_force").status_code == 403


def test_start_without_form_goes_to_the_first_task(login_as: Login, seeded: sessionmaker[Any]) -> None:
    client = login_as("quanzhou")
    response = post(client, "/start/committee_establishment", {"business_key": "TOR-42", "data": "{}"})
    assert response.status_code == 302 and response.location.startswith("/tasks/")
    page = client.get(response.location).get_data(as_text=True)
    assert "Draft terms of reference" in page and "Your first task" in page
    with seeded() as session:
        case = session.scalar(select(Case))
        assert case is not None and case.business_key == "TOR-42" and case.started_by == "quanzhou"


def test_start_form_is_validated(login_as: Login, seeded: sessionmaker[Any]) -> None:
    client = login_as("sec_wang")
    form = client.get("/start/annual_work_plan").get_data(as_text=True)
    assert '"id": "work_plan_call"' in form or '"id":"work_plan_call"' in form
    out_of_range = post(client, "/start/annual_work_plan", {"data": json.dumps(
        {"year": 1990, "deadline": "2018-03-31T00:00:00Z"})})
    assert out_of_range.status_code == 422
    assert "Enter a number of at least 2015." in out_of_range.get_data(as_text=True)
    bad_date = post(client, "/start/annual_work_plan", {"data": json.dumps(
        {"year": 2018, "deadline": "tomorrow"})})
    assert bad_date.status_code == 422 and "Enter a valid date" in bad_date.get_data(as_text=True)
    long_key = post(client, "/start/annual_work_plan", {"business_key": "k" * 300, "data": json.dumps(
        {"year": 2018, "deadline": "2018-03-31T00:00:00Z"})})
    assert long_key.status_code == 422
    with seeded() as session:
        assert session.scalar(select(Case)) is None


def test_start_form_with_options_and_pattern(login_as: Login, seeded: sessionmaker[Any]) -> None:
    client = login_as("silkroad_trading")
    good = {"applicant_name": "Silk Road Trading Co.", "applicant_kind": "company",
            "sector": "investment_trade", "contact_email": "office@silkroad.example",
            "motivation": "We trade along the maritime silk road since 1998."}
    bad = post(client, "/start/business_council_membership", {"data": json.dumps(
        {**good, "applicant_kind": "government", "contact_email": "not-an-email"})})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Choose one of the options offered." in text and "expected format" in text
    ok = post(client, "/start/business_council_membership", {"data": json.dumps(good)})
    assert ok.status_code == 302 and ok.location == "/inbox/?tab=started"
    with seeded() as session:
        case = session.scalar(select(Case))
        assert case is not None and case.title == "Silk Road Trading Co."
