"""Deploy-time checks of the engine's bounds: literal timer values and due dates."""

from __future__ import annotations

import pytest

from engine.definitions.validation import UploadedFile, validate_files
from tests.engine.worker_handlers import flow, process_xml, utask


def timer(kind: str, value: str) -> str:
    return f"""
<bpmn:startEvent id="start" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
  <bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>
</bpmn:intermediateCatchEvent>
{utask("after")}
<bpmn:endEvent id="end" />
{flow("start", "wait")}{flow("wait", "after")}{flow("after", "end")}"""


def problems(body: str) -> list[str]:
    result = validate_files([UploadedFile("t.bpmn", process_xml("t", body).encode())])
    return [str(p) for p in result.problems]


@pytest.mark.parametrize(("kind", "value", "reason"), [
    ("timeDuration", "P99999999999999Y", "duration 'P99999999999999Y' is longer than 100 years"),
    ("timeDuration", "=duration(&quot;P200Y&quot;)", "longer than 100 years"),
    ("timeDate", "9999-12-31T00:00:00Z", "more than 100 years away"),
    ("timeDate", "P1D", "is a duration; use timeDuration"),
    ("timeCycle", "R/PT0S", "interval of a cycle must be longer than zero"),
    ("timeCycle", "R99999/PT1M", "repeats more than 10000 times"),
])
def test_literal_timer_values_out_of_bounds_are_refused(kind: str, value: str, reason: str) -> None:
    found = problems(timer(kind, value))
    assert len(found) == 1
    assert found[0].startswith("t.bpmn:11 element wait: ") and reason in found[0], found


@pytest.mark.parametrize(("kind", "value"), [
    ("timeDuration", "P1Y2M"), ("timeDuration", "delay"), ("timeDate", "2027-01-15T09:00:00Z"),
    ("timeCycle", "R3/PT10M"), ("timeCycle", "=cycle_value"),
])
def test_reasonable_or_computed_timer_values_pass(kind: str, value: str) -> None:
    assert problems(timer(kind, value)) == []


def test_a_literal_due_date_is_bounded() -> None:
    body = f"""
<bpmn:startEvent id="start" />
<bpmn:userTask id="review"><bpmn:extensionElements>
  <zeebe:assignmentDefinition candidateGroups="staff" />
  <zeebe:taskSchedule dueDate="P500Y" /></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end" />
{flow("start", "review")}{flow("review", "end")}"""
    found = problems(body)
    assert len(found) == 1 and "element review: due date:" in found[0]
    assert "longer than 100 years" in found[0]
    assert problems(body.replace("P500Y", "P5D")) == []
    assert problems(body.replace("P500Y", "=deadline")) == []
