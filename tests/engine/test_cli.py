"""The `alliance` command line against a real database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from engine.cli import commands, users  # noqa: F401
from engine.cli.app import cli, load_plugins
from tests.conftest import FIXTURES, REPO

load_plugins()


@pytest.fixture
def run(db_engine: Engine) -> Any:
    url = db_engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(cli, ["--database-url", url, *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        return result

    return invoke


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def test_deploy_start_claim_complete_show(run: Any) -> None:
    bpmn = FIXTURES / "bpmn"
    out = as_json(run("deploy", str(bpmn / "three_steps.bpmn"), str(bpmn / "forms/draft_form.form"),
                      "--operator", "--json"))
    assert out == [{"process_id": "three_steps", "version": 1, "definition_id": 1,
                    "name": "Three steps", "created": True, "approved": True}]
    assert "three_steps version 1 (unchanged)" in run("deploy", str(bpmn / "three_steps.bpmn"),
                                                      str(bpmn / "forms/draft_form.form"),
                                                      "--operator").stdout
    assert as_json(run("definitions", "--json"))[0]["process_id"] == "three_steps"
    run("users", "add", "ana", "--group", "requester", "--password", "pw-ana-123")
    added = as_json(run("users", "add", "rev", "--group", "reviewers", "--json"))
    assert added["groups"] == ["reviewers"] and len(added["password"]) >= 12
    case_id = run("start", "three_steps", "--user", "ana", "--business-key", "REQ-7",
                  "--data", '{"note": "n"}').stdout.strip()
    assert case_id == "1"
    mine = as_json(run("tasks", "--user", "ana", "--json"))
    assert [(t["element_id"], t["tab"]) for t in mine] == [("draft", "assigned")]
    run("complete", str(mine[0]["id"]), "--user", "ana", "--data", '{"title": "T", "amount": 3}')
    claimable = as_json(run("tasks", "--user", "rev", "--tab", "claimable", "--json"))
    assert [t["element_id"] for t in claimable] == ["review"]
    assert "claimed by rev" in run("claim", str(claimable[0]["id"]), "--user", "rev").stdout
    run("complete", str(claimable[0]["id"]), "--user", "rev", "--data", '{"decision": "no"}')
    shown = as_json(run("show", case_id, "--user", "ana", "--json"))
    assert shown["status"] == "completed" and shown["business_key"] == "REQ-7"
    assert [h["kind"] for h in shown["history"]] == [
        "case_started", "task_completed", "task_claimed", "task_completed", "case_completed"]
    listed = as_json(run("cases", "--status", "completed", "--user", "rev", "--json"))
    assert listed["total"] == 1 and listed["cases"][0]["id"] == 1


def test_errors_are_one_clear_line(run: Any) -> None:
    bad = run("deploy", str(FIXTURES / "bpmn" / "three_steps.bpmn"), "--operator", ok=False)
    assert bad.exit_code == 1
    assert "element draft: form 'draft_form' is referenced but not deployed" in bad.stderr
    assert "Traceback" not in bad.output + bad.stderr
    run("users", "add", "ana", "--group", "g")
    missing = run("start", "nope", "--user", "ana", ok=False)
    assert missing.exit_code == 1 and "unknown process 'nope'" in missing.stderr
    malformed = run("start", "nope", "--user", "ana", "--data", "{oops", ok=False)
    assert malformed.exit_code == 2 and "--data is not valid JSON" in malformed.stderr
    unknown = run("complete", "42", "--user", "ana", ok=False)
    assert unknown.exit_code == 1 and "unknown task 42" in unknown.stderr
    nobody = run("tasks", "--user", "ghost", ok=False)
    assert "unknown user 'ghost'" in nobody.stderr
    as_json_error = run("--json", "complete", "42", "--user", "ana", ok=False)
    assert json.loads(as_json_error.stderr)["error"] == "NotFound"


def test_suspend_resume_cancel(run: Any) -> None:
    bpmn = FIXTURES / "bpmn"
    run("deploy", str(bpmn / "three_steps.bpmn"), str(bpmn / "forms/draft_form.form"), "--operator")
    run("users", "add", "sec", "--group", "secretariat")
    run("users", "add", "ana", "--group", "requester")
    refused = run("start", "three_steps", "--user", "sec", ok=False)
    assert refused.exit_code == 1 and "only requester may start" in refused.stderr
    case_id = run("start", "three_steps", "--user", "ana").stdout.strip()
    not_staff = run("suspend", case_id, "--user", "ana", "--reason", "mine", ok=False)
    assert not_staff.exit_code == 1 and "Secretariat" in not_staff.stderr
    assert "suspended" in run("suspend", case_id, "--user", "sec", "--reason", "hold").stdout
    task = as_json(run("tasks", "--user", "ana", "--json"))[0]
    blocked = run("complete", str(task["id"]), "--user", "ana", "--data", "{}", ok=False)
    assert "suspended" in blocked.stderr
    run("resume", case_id, "--user", "sec", "--reason", "budget agreed")
    cancelled = as_json(run("cancel", case_id, "--user", "sec", "--reason", "dup", "--json"))
    assert cancelled["status"] == "cancelled"


def test_seed_registry_and_demo_users(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first = as_json(run("seed", "--demo", "--json"))
    assert first["registry_rows_added"] >= 14 and "sec_wang" in first["demo_users_created"]
    again = as_json(run("seed", "--demo", "--json"))
    assert again["registry_rows_added"] == 0 and again["demo_users_created"] == []
    monkeypatch.setenv("ALLIANCE_ENV", "production")
    refused = run("seed", "--demo", ok=False)
    assert refused.exit_code == 2 and "never created in production" in refused.stderr


def test_a_refused_deploy_prints_one_plain_line_per_problem(run: Any) -> None:
    path = FIXTURES / "bpmn" / "execution" / "compensation.bpmn"
    result = run("deploy", str(path), "--operator", ok=False)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 2
    assert all(line.startswith("error: compensation.bpmn:") and "element " in line
               and "compensation (undoing completed work) is not supported" in line
               for line in lines)
    assert "{" not in result.stderr and "also:" not in result.stderr


def test_refusals_of_the_policy_and_the_forms_exit_non_zero(run: Any) -> None:
    """The reproductions of issue 11 through the command line: each is refused with a reason."""
    run("seed", "--demo")
    run("deploy", str(REPO / "processes"), "--operator")
    needs_a_user = run("cases", ok=False)
    assert needs_a_user.exit_code == 2 and "--operator" in needs_a_user.stderr
    by_hand = run("start", "task_force", "--user", "admin", ok=False)
    assert by_hand.exit_code == 1 and "started by an event" in by_hand.stderr
    wrong_group = run("start", "business_council_membership", "--user", "quanzhou", ok=False)
    assert wrong_group.exit_code == 1 and "may start" in wrong_group.stderr
    case_id = run("start", "committee_establishment", "--user", "quanzhou").stdout.strip()
    draft = as_json(run("tasks", "--user", "quanzhou", "--json"))[0]["id"]
    empty = run("complete", str(draft), "--user", "quanzhou", "--data", "{}", ok=False)
    assert empty.exit_code == 1 and "  committee_name: " in empty.stderr
    other = run("complete", str(draft), "--user", "chongqing", "--data", "{}", ok=False)
    assert other.exit_code == 1 and "may not" in other.stderr
    assert run("show", case_id, "--user", "chongqing", ok=False).exit_code == 1
    shown = as_json(run("show", case_id, "--operator", "--json"))
    assert shown["open_tasks"][0]["id"] == draft and shown["status"] == "running"
