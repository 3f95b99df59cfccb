"""XML Schema errors in plain words, naming the element and the line."""

from __future__ import annotations

import pytest

from engine.bpmn.schema_errors import plain_message
from engine.definitions.validation import UploadedFile, validate_files

NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def document(body: str) -> bytes:
    return ('<?xml version="1.0"?>\n<bpmn:definitions '
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">\n'
            '<bpmn:process id="p" isExecutable="true">\n<bpmn:startEvent id="s0"/>\n'
            f'{body}\n</bpmn:process></bpmn:definitions>').encode()


@pytest.mark.parametrize(("body", "expected"), [
    ('<bpmn:task id="t1" foo="bar"/>', "<bpmn:task> may not have the attribute 'foo'"),
    ('<bpmn:task id="t1"><bpmn:outgoing>f2</bpmn:outgoing><bpmn:incoming>f1</bpmn:incoming>'
     '</bpmn:task>', "<bpmn:incoming> is not allowed at this place"),
    ('<bpmn:task id="t1" isForCompensation="maybe"/>',
     "'maybe' is not true or false (attribute 'isForCompensation')"),
    ('<bpmn:task id="t1">hello</bpmn:task>', "<bpmn:task> contains text"),
])
def test_deploy_names_element_line_and_problem(body: str, expected: str) -> None:
    result = validate_files([UploadedFile("x.bpmn", document(body))])
    problem = result.problems[0]
    assert (problem.file, problem.line, problem.element_id) == ("x.bpmn", 5, "t1")
    assert expected in problem.message
    assert "{http" not in problem.message and "atomic type" not in problem.message


@pytest.mark.parametrize(("message", "expected"), [
    (f"Element '{NS}task': Missing child element(s). Expected is ( {NS}incoming ).",
     "<bpmn:task> is missing a child element: bpmn:incoming"),
    (f"Element '{NS}task', attribute 'id': The attribute 'id' is required but missing.",
     "<bpmn:task> needs the attribute 'id'"),
    (f"Element '{NS}process', attribute 'processType': [facet 'enumeration'] The value 'x' is "
     "not an element of the set {'None', 'Public', 'Private'}.",
     "'x' is not one of None, Public, Private (attribute 'processType')"),
    (f"Element '{NS}task', attribute 'id': '1abc' is not a valid value of the atomic type "
     "'xs:ID'.", "'1abc' is not an id"),
    (f"Element '{NS}weird': Something new happened in {{http://x}}y.",
     "<bpmn:weird>: Something new happened in y"),
])
def test_messages(message: str, expected: str) -> None:
    assert expected in (plain_message(message) or "")


def test_other_messages_are_left_alone() -> None:
    assert plain_message("No start event found") is None
