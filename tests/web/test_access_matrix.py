"""The access matrix: every role x every action x own/other/unrelated case or task, asked through
the web pages, the REST API and the command line. Each door must give the answer the policy
gives (engine.access.policy), and the three must agree.

Actions are probes that change nothing: a completion or a start is sent with data its form
refuses, so "allowed" shows as the form's refusal (the rights check comes first) and "denied"
as a refusal of the user; a resume is asked of a running case, so staff get a conflict.
Outcomes: ok (allowed; a form refusal counts), denied, conflict; for lists: listed or not.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from engine.access.tokens import create_token
from engine.access.users import actor
from engine.cli import cli
from engine.runtime.cases import start_case, view_case
from tests.processes.test_scenario_membership import SILK_ROAD_TRADING
from tests.web.conftest import CSRF_META, PASSWORDS, csrf_token

API = "/api/v1"
ROLES = ("quanzhou", "chongqing", "iran_chamber", "silkroad_trading", "bc_chair", "sec_wang",
         "analyst", "admin")
STAFF = {"sec_wang", "admin"}
BAD_TOR = {"committee_name": "x"}
BROKEN_BPMN = "<definitions>not BPMN</definitions>"


@dataclass(frozen=True)
class World:
    committee: int
    draft: int
    application: int


@pytest.fixture
def world(seeded: sessionmaker[Any]) -> World:
    with seeded() as session:
        committee = start_case(session, "committee_establishment", user=actor(session, "quanzhou"),
                               business_key="ACC-A")
        application = start_case(session, "business_council_membership",
                                 user=actor(session, "silkroad_trading"), business_key="ACC-B",
                                 data=SILK_ROAD_TRADING)
        session.commit()
    return World(committee.id, committee.open_tasks[0].id, application.id)


# -- the three doors ---------------------------------------------------------------------------


def _status_outcome(status: int) -> str:
    if status < 400 or status == 422:  # a page that acted redirects (302)
        return "ok"
    return {403: "denied", 404: "denied", 409: "conflict"}.get(status, f"status {status}")


class Web:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.clients: dict[str, FlaskClient] = {}

    def client(self, user: str) -> FlaskClient:
        if user not in self.clients:
            client = self.app.test_client()
            token = csrf_token(client, "/login")
            signed = client.post("/login", data={"csrf_token": token, "username": user,
                                                 "password": PASSWORDS[user]})
            assert signed.status_code == 302
            self.clients[user] = client
        return self.clients[user]

    def _post(self, user: str, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> int:
        client = self.client(user)
        found = CSRF_META.search(client.get("/inbox/").get_data(as_text=True))
        assert found
        return int(client.post(url, data={"csrf_token": found.group(1), **(data or {})},
                               **kwargs).status_code)

    def outcome(self, user: str, action: str, w: World) -> str | bool | None:
        c = self.client(user)
        if action == "view_case":
            return _status_outcome(c.get(f"/cases/{w.committee}").status_code)
        if action == "view_application":
            return _status_outcome(c.get(f"/cases/{w.application}").status_code)
        if action == "view_task":
            return _status_outcome(c.get(f"/tasks/{w.draft}").status_code)
        if action == "complete":
            return _status_outcome(self._post(user, f"/tasks/{w.draft}", {"data": json.dumps(BAD_TOR)}))
        if action == "claim":
            return _status_outcome(self._post(user, f"/tasks/{w.draft}/claim"))
        if action == "give_back":
            return _status_outcome(self._post(user, f"/tasks/{w.draft}/unclaim"))
        if action == "resume":
            return _status_outcome(self._post(user, f"/cases/{w.committee}/resume", {"reason": "probe"}))
        if action == "start_committee":
            return _status_outcome(self._post(user, "/start/committee_establishment",
                                              {"data": json.dumps(BAD_TOR)}))
        if action == "start_task_force":
            return _status_outcome(self._post(user, "/start/task_force", {"data": "{}"}))
        if action == "deploy":
            token = csrf_token(c, "/modeler/")
            return _status_outcome(c.post("/modeler/api/deploy", json={
                "xml": BROKEN_BPMN, "name": "x.bpmn", "comment": "probe"},
                headers={"X-CSRFToken": token}).status_code)
        if action == "case_listed":
            page = c.get("/cases/list?q=ACC-A").get_data(as_text=True)
            return f'href="/cases/{w.committee}"' in page
        if action == "task_listed":
            pages = [c.get(f"/inbox/?tab={tab}").get_data(as_text=True) for tab in ("assigned", "claimable")]
            return any(f'href="/tasks/{w.draft}"' in page for page in pages)
        return None  # the web has no page for this action


class Api:
    def __init__(self, client: FlaskClient, factory: sessionmaker[Any]) -> None:
        self.client, self.factory = client, factory
        self.tokens: dict[str, str] = {}

    def _call(self, method: str, user: str, path: str, **kwargs: Any) -> Any:
        if user not in self.tokens:
            with self.factory() as session:
                self.tokens[user] = create_token(session, user, name="matrix").secret
                session.commit()
        return self.client.open(API + path, method=method,
                                headers={"Authorization": f"Bearer {self.tokens[user]}"}, **kwargs)

    def outcome(self, user: str, action: str, w: World) -> str | bool | None:
        def status(method: str, path: str, **kwargs: Any) -> str:
            return _status_outcome(self._call(method, user, path, **kwargs).status_code)

        if action == "view_case":
            return status("GET", f"/process-instances/{w.committee}")
        if action == "view_application":
            return status("GET", f"/process-instances/{w.application}")
        if action == "view_task":
            return status("GET", f"/tasks/{w.draft}")
        if action == "complete":
            return status("POST", f"/tasks/{w.draft}/complete", json={"variables": BAD_TOR})
        if action == "claim":
            return status("POST", f"/tasks/{w.draft}/claim")
        if action == "give_back":
            return status("POST", f"/tasks/{w.draft}/unclaim")
        if action == "resume":
            return status("POST", f"/process-instances/{w.committee}/resume", json={"reason": "probe"})
        if action == "start_committee":
            return status("POST", "/process-definitions/committee_establishment/start",
                          json={"variables": BAD_TOR})
        if action == "start_task_force":
            return status("POST", "/process-definitions/task_force/start", json={"variables": {}})
        if action == "deploy":
            return status("POST", "/deployments", data={"files": [(_bytes(BROKEN_BPMN), "x.bpmn")]},
                          content_type="multipart/form-data")
        if action == "incidents":
            return status("GET", "/incidents")
        if action == "case_listed":
            items = self._call("GET", user, "/process-instances?search=ACC-A").get_json()["items"]
            return any(item["id"] == w.committee for item in items)
        if action == "task_listed":
            items = self._call("GET", user, "/tasks?per_page=200").get_json()["items"]
            return any(item["id"] == w.draft for item in items)
        return None


def _bytes(text: str) -> Any:
    return io.BytesIO(text.encode())


CLI_OUTCOMES = {"PermissionDenied": "denied", "NotFound": "denied", "FormInvalid": "ok",
                "InvalidInput": "ok", "DeploymentRefused": "ok", "TaskHeldByOther": "conflict",
                "CaseNotActive": "conflict", "Conflict": "conflict"}


class Cli:
    def __init__(self, url: str) -> None:
        self.url = url

    def _run(self, user: str, *args: str) -> Any:
        return CliRunner().invoke(cli, ["--database-url", self.url, "--json", *args, "--user", user])

    def _outcome(self, user: str, *args: str) -> str:
        result = self._run(user, *args)
        if result.exit_code == 0:
            return "ok"
        error = json.loads(result.stderr or result.output)["error"]
        return CLI_OUTCOMES.get(error, error)

    def outcome(self, user: str, action: str, w: World) -> str | bool | None:
        if action == "view_case":
            return self._outcome(user, "show", str(w.committee))
        if action == "view_application":
            return self._outcome(user, "show", str(w.application))
        if action == "complete":
            return self._outcome(user, "complete", str(w.draft), "--data", json.dumps(BAD_TOR))
        if action == "claim":
            return self._outcome(user, "claim", str(w.draft))
        if action == "give_back":
            return self._outcome(user, "unclaim", str(w.draft))
        if action == "resume":
            return self._outcome(user, "resume", str(w.committee), "--reason", "probe")
        if action == "start_committee":
            return self._outcome(user, "start", "committee_establishment", "--data", json.dumps(BAD_TOR))
        if action == "start_task_force":
            return self._outcome(user, "start", "task_force")
        if action == "incidents":
            return self._outcome(user, "incidents")
        if action == "case_listed":
            result = self._run(user, "cases")
            return any(c["id"] == w.committee for c in json.loads(result.output)["cases"])
        if action == "task_listed":
            result = self._run(user, "tasks")
            return any(t["id"] == w.draft for t in json.loads(result.output))
        return None


# -- what the policy says ------------------------------------------------------------------------


def expected(user: str, action: str) -> str | bool:
    staff = user in STAFF
    owner = user == "quanzhou"
    return {
        "view_case": "ok" if owner or staff else "denied",
        "view_application": "ok" if user == "silkroad_trading" or staff else "denied",
        "view_task": "ok" if owner or staff else "denied",
        "complete": "ok" if owner else "denied",  # a personal draft: not even staff fill it in
        "claim": "ok" if owner else ("conflict" if staff else "denied"),
        "give_back": "denied",  # the process gave the draft to its initiator
        "resume": "conflict" if staff else "denied",  # staff may, but the case is running
        "start_committee": "ok" if user in {"quanzhou", "chongqing", "admin"} else "denied",
        "start_task_force": "denied",  # started by a message, never by hand
        "deploy": "ok" if user in {"analyst", "admin"} else "denied",
        "incidents": "ok" if staff else "denied",
        "case_listed": owner or staff,
        "task_listed": owner,  # staff see every case, but a person's draft is not in their inbox
    }[action]


ACTIONS = ("view_case", "view_application", "view_task", "complete", "claim", "give_back", "resume",
           "start_committee", "start_task_force", "deploy", "incidents", "case_listed", "task_listed")


@pytest.fixture
def doors(app: Flask, client: FlaskClient, seeded: sessionmaker[Any], db_engine: Engine
          ) -> Iterator[dict[str, Callable[[str, str, World], Any]]]:
    url = db_engine.url.render_as_string(hide_password=False)
    yield {"web": Web(app).outcome, "api": Api(client, seeded).outcome, "cli": Cli(url).outcome}


def test_every_door_gives_the_policys_answer(world: World,
                                             doors: dict[str, Callable[[str, str, World], Any]]) -> None:
    wrong: list[str] = []
    for user in ROLES:
        for action in ACTIONS:
            want = expected(user, action)
            for door, ask in doors.items():
                got = ask(user, action, world)
                if got is not None and got != want:
                    wrong.append(f"{door}: {user} {action} -> {got}, the policy says {want}")
    assert wrong == []


def test_the_probes_changed_nothing(world: World, doors: dict[str, Callable[[str, str, World], Any]],
                                    seeded: sessionmaker[Any]) -> None:
    for ask in doors.values():
        for user in ("quanzhou", "sec_wang", "chongqing"):
            for action in ("complete", "claim", "give_back", "resume"):
                ask(user, action, world)
    with seeded() as session:
        committee = view_case(session, world.committee)
        assert committee.status == "running"
        assert [(t.id, t.assignee) for t in committee.open_tasks] == [(world.draft, "quanzhou")]
        assert "committee_name" not in committee.data
