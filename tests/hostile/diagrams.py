"""The diagrams the hostile suite uploads: each one a case of issue 14."""

from __future__ import annotations

from tests.engine.worker_handlers import flow, process_xml, utask

SLOW_POW = "x = pow(3, int('f' * 6000, 16), int('f' * 4000, 16)) % 7"
HUGE_BYTES = "x = len((0).to_bytes(900000000, 'big'))"
WIDE_FORMAT = "x = '%(a)400000000s' % {'a': 1}"
BIG_STRINGS = "s = 'x' * 900000\nl = [s + str(i) for i in range(1000)]"


def scripted(script: str, *, wait: str | None = None) -> str:
    """start -> [timer] -> script -> user task -> end."""
    timer = (f'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>'
             f"{wait}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
             if wait else "")
    first = "wait" if wait else "script"
    after_timer = flow("wait", "script") if wait else ""
    return f"""
<bpmn:startEvent id="start" />{timer}
<bpmn:scriptTask id="script" name="Hostile script"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
{utask("after")}
<bpmn:endEvent id="end" />
{flow("start", first)}{after_timer}{flow("script", "after")}{flow("after", "end")}"""


def timed(value: str) -> str:
    return f"""
<bpmn:startEvent id="start" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
  <bpmn:timeDuration>{value}</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:intermediateCatchEvent>
{utask("after")}
<bpmn:endEvent id="end" />
{flow("start", "wait")}{flow("wait", "after")}{flow("after", "end")}"""


CONDITION = f"""
<bpmn:startEvent id="start" />
<bpmn:exclusiveGateway id="decide" default="f_other" />
{utask("yes")}{utask("other")}
<bpmn:endEvent id="end" /><bpmn:endEvent id="end2" />
{flow("start", "decide")}
<bpmn:sequenceFlow id="f_yes" sourceRef="decide" targetRef="yes">
  <bpmn:conditionExpression>amount &gt; limit</bpmn:conditionExpression></bpmn:sequenceFlow>
{flow("decide", "other", "f_other")}{flow("yes", "end")}{flow("other", "end2")}"""

PLAIN = f"""
<bpmn:startEvent id="start" />{utask("work")}<bpmn:endEvent id="end" />
{flow("start", "work")}{flow("work", "end")}"""

BODIES = {
    "hostile_pow": scripted(SLOW_POW),
    "hostile_bytes": scripted(HUGE_BYTES),
    "hostile_format": scripted(WIDE_FORMAT),
    "hostile_strings": scripted(BIG_STRINGS),
    "hostile_in_worker": scripted(SLOW_POW, wait="PT0.5S"),
    "timed_1s": timed("PT1S"),
    "timed_1500ms": timed("PT1.5S"),
    "timer_from_data": timed("delay"),
    "condition": CONDITION,
    "plain": PLAIN,
}
HOSTILE_DIAGRAMS = {pid: process_xml(pid, body) for pid, body in BODIES.items()}
