from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.access.users import Actor
from engine.definitions import deployment as defs
from engine.definitions.validation import UploadedFile
from engine.errors import DeploymentRefused, NotFound
from engine.store.models import Deployment, ProcessDefinition
from tests.conftest import FIXTURES, fixture_files


def test_deploy_stores_version_one(session: Session, make_user: Callable[..., Actor]) -> None:
    ana = make_user("ana", "analysts")
    result = defs.deploy(session, fixture_files("three_steps.bpmn", "forms/draft_form.form"), user=ana)
    session.commit()
    assert [(r.process_id, r.version, r.created) for r in result] == [("three_steps", 1, True)]
    listed = defs.list_definitions(session)
    assert [(d.process_id, d.version, d.deployed_by) for d in listed] == [("three_steps", 1, "ana")]


def test_identical_content_is_a_no_op(session: Session) -> None:
    files = fixture_files("three_steps.bpmn", "forms/draft_form.form")
    defs.deploy(session, files)
    again = defs.deploy(session, files)
    assert [(r.version, r.created) for r in again] == [(1, False)]
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 1
    assert session.scalar(select(func.count()).select_from(Deployment)) == 1


def test_changed_content_gets_next_version(session: Session) -> None:
    files = fixture_files("three_steps.bpmn", "forms/draft_form.form")
    defs.deploy(session, files)
    changed = files[0].content.replace(b'name="Review the request"', b'name="Review it"')
    result = defs.deploy(session, [UploadedFile("three_steps.bpmn", changed), files[1]])
    assert [(r.version, r.created) for r in result] == [(2, True)]
    assert defs.find_definition(session, "three_steps").version == 2
    assert defs.find_definition(session, "three_steps", 1).version == 1
    assert len(defs.list_definitions(session, latest_only=False)) == 2
    assert len(defs.list_definitions(session, latest_only=True)) == 1


def test_missing_form_is_refused_with_element(session: Session) -> None:
    with pytest.raises(DeploymentRefused) as info:
        defs.deploy(session, fixture_files("three_steps.bpmn"))
    problem = info.value.problems[0]
    assert "draft_form" in problem.message and problem.element_id == "draft"
    assert problem.file == "three_steps.bpmn" and problem.line
    assert session.scalar(select(func.count()).select_from(Deployment)) == 0


def test_form_deployed_earlier_is_found(session: Session) -> None:
    defs.deploy(session, fixture_files("forms/draft_form.form", "loop.bpmn"))
    result = defs.deploy(session, fixture_files("three_steps.bpmn"))
    assert result[0].process_id == "three_steps"


def test_spec_cache_returns_same_object(session: Session) -> None:
    defs.deploy(session, fixture_files("loop.bpmn"))
    row = defs.find_definition(session, "looping")
    assert defs.load_definition(session, row) is defs.load_definition(session, row)


def test_unknown_process_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="unknown process 'nope'"):
        defs.find_definition(session, "nope")


def test_directory_deploys_bpmn_and_forms(session: Session) -> None:
    files = defs.files_from_paths([FIXTURES / "bpmn"])
    names = {f.name for f in files}
    assert {"three_steps.bpmn", "draft_form.form"} <= names


@pytest.mark.parametrize("script, fragment", [
    ("import os", "import"),
    ("x = ().__class__", "__class__"),
    ("open('/etc/passwd')", "open"),
])
def test_unsafe_script_refused_at_deploy(session: Session, script: str, fragment: str) -> None:
    xml = (FIXTURES / "bpmn" / "script_loop.bpmn").read_text().replace("count = count + 1", script)
    with pytest.raises(DeploymentRefused) as info:
        defs.deploy(session, [UploadedFile("bad.bpmn", xml.encode())])
    problem = info.value.problems[0]
    assert fragment in problem.message
    assert problem.element_id == "count_up" and problem.file == "bad.bpmn" and problem.line


def test_unsafe_condition_refused_at_deploy(session: Session) -> None:
    xml = (FIXTURES / "bpmn" / "script_loop.bpmn").read_text().replace(
        "count &gt;= limit", "__import__('os').system('true')")
    with pytest.raises(DeploymentRefused) as info:
        defs.deploy(session, [UploadedFile("bad.bpmn", xml.encode())])
    assert info.value.problems[0].element_id == "f_done"


def test_gateway_without_outgoing_flow_is_refused(session: Session) -> None:
    xml = (FIXTURES / "bpmn" / "script_loop.bpmn").read_text().replace(
        '<bpmn:outgoing>f_again</bpmn:outgoing><bpmn:outgoing>f_done</bpmn:outgoing>', '').replace(
        '<bpmn:sequenceFlow id="f_done" name="Done" sourceRef="more" targetRef="end">',
        '<bpmn:sequenceFlow id="f_done" name="Done" sourceRef="count_up" targetRef="end">').replace(
        '<bpmn:sequenceFlow id="f_again" name="Again" sourceRef="more" targetRef="join" />', '')
    with pytest.raises(DeploymentRefused) as info:
        defs.deploy(session, [UploadedFile("dead_end.bpmn", xml.encode())])
    assert any(p.element_id == "more" and "no outgoing sequence flow" in p.message
               for p in info.value.problems)
