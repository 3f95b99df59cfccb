"""The iterative parser builds exactly the specs SpiffWorkflow's recursive one builds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser

from engine.bpmn import normalize, parsing
from engine.bpmn.specs import EngineBpmnParser
from engine.bpmn.xmlfile import executable_process_ids, parse_xml
from engine.definitions.validation import UploadedFile, validate_files
from engine.runtime.serialization import dump_specs
from tests.conftest import CORPUS, FIXTURES, REPO

FILES = sorted([*REPO.glob("processes/*.bpmn"), *(FIXTURES / "bpmn").glob("*.bpmn"),
                *CORPUS.rglob("*.bpmn")])  # the invalid ones too: the same errors must come out
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def linear_process(tasks: int, kind: str = "scriptTask") -> bytes:
    """A process of `tasks` script tasks (or user tasks for whoever started it) in a line."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
             'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">'
             '<bpmn:process id="deep" isExecutable="true">'
             '<bpmn:startEvent id="s"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>']
    for i in range(tasks):
        script = f"<bpmn:script>x = {i}</bpmn:script>" if kind == "scriptTask" else ""
        starter = ('<bpmn:extensionElements><zeebe:assignmentDefinition assignee="initiator"/>'
                   '</bpmn:extensionElements>' if kind == "userTask" else "")
        parts.append(f'<bpmn:{kind} id="t{i}">{starter}<bpmn:incoming>f{i}</bpmn:incoming>'
                     f'<bpmn:outgoing>f{i + 1}</bpmn:outgoing>{script}</bpmn:{kind}>')
        parts.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{"s" if i == 0 else f"t{i - 1}"}" '
                     f'targetRef="t{i}"/>')
    parts.append(f'<bpmn:endEvent id="e"><bpmn:incoming>f{tasks}</bpmn:incoming></bpmn:endEvent>'
                 f'<bpmn:sequenceFlow id="f{tasks}" sourceRef="t{tasks - 1}" targetRef="e"/>'
                 '</bpmn:process></bpmn:definitions>')
    return "".join(parts).encode()


@pytest.fixture
def recursive_parser() -> Iterator[None]:
    """SpiffWorkflow's own ProcessParser.parse_node, for the length of one test."""
    parsing.install()
    ProcessParser.parse_node = parsing._ORIGINAL_PARSE_NODE  # type: ignore[method-assign]
    try:
        yield
    finally:
        ProcessParser.parse_node = parsing.parse_node  # type: ignore[method-assign]


def _specs(path: Path) -> dict[str, str] | str:
    root, problems = parse_xml(path.name, path.read_bytes())
    if root is None:
        return f"unreadable: {problems}"
    parser = EngineBpmnParser()
    out: dict[str, str] = {}
    try:
        parser.add_bpmn_xml(normalize.for_spiff(root), filename=path.name)
        for pid in executable_process_ids(root):
            out[pid] = dump_specs(parser.get_spec(pid), parser.get_subprocess_specs(pid))
    except Exception as exc:  # the same error either way is what the test compares
        return _ADDRESS.sub("", f"{type(exc).__name__}: {exc}")
    return out


def test_every_known_diagram_parses_to_the_same_specs(recursive_parser: None) -> None:
    assert len(FILES) > 50
    expected = {path: _specs(path) for path in FILES}
    ProcessParser.parse_node = parsing.parse_node  # type: ignore[method-assign]
    for path in FILES:
        assert _specs(path) == expected[path], path


def test_a_process_of_3000_tasks_in_a_line_validates() -> None:
    result = validate_files([UploadedFile("deep.bpmn", linear_process(3000))])
    assert result.problems == []
    assert len(result.processes[0].spec.task_specs) > 3000


def test_install_refuses_a_different_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(parsing.EXPECTED_SOURCES, "TaskParser.parse_node", "0" * 64)
    monkeypatch.setattr(ProcessParser, "parse_node", parsing._ORIGINAL_PARSE_NODE)
    with pytest.raises(parsing.ParserMismatch, match=r"TaskParser\.parse_node"):
        parsing.install()
