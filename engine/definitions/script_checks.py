"""Static checks of what a diagram asks the engine to evaluate, before anything is parsed.

Cron timers, empty timers, decision-less business rule tasks and non-Python scripts are
refused by name; every script and expression goes through the sandbox's static check on the
copy normalised for SpiffWorkflow; literal timer values and due dates must lie within the
engine's bounds (engine.bpmn.timer_values). Each problem names file, line and element.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from lxml import etree

from engine.bpmn import normalize, timer_values
from engine.bpmn.xmlfile import CAMUNDA_NS, NS, ZEEBE_NS, bpmn
from engine.errors import Problem, ScriptRefused
from engine.sandbox.evaluator import check_expression, check_script

_CRON = re.compile(r"^[0-9*?/,LW#-]+( +[0-9A-Za-z*?/,LW#-]+){4,6}$")
_PYTHON_FORMATS = {"python", "py", "python3", "text/x-python", "application/x-python", ""}
_EXPRESSION_TAGS = ("conditionExpression", "completionCondition", "loopCondition",
                    "loopCardinality", "timeDuration", "timeDate", "timeCycle", "condition")


def check_scripts(name: str, root: etree._Element) -> list[Problem]:
    """Refuse, before parsing, any script or expression the sandbox would refuse."""
    problems: list[Problem] = []
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        for el in root.iter(bpmn(kind)):
            if _CRON.match((el.text or "").strip()):
                owner = _owner(el)
                problems.append(Problem(
                    f"cron expression '{(el.text or '').strip()}' in {kind} is not supported; "
                    "write an ISO 8601 value such as R/PT5M or P1D", file=name, line=el.sourceline,
                    element_id=owner.get("id") if owner is not None else None))
    for timer in root.iter(bpmn("timerEventDefinition")):
        if not any(timer.find(bpmn(k)) is not None and (timer.find(bpmn(k)).text or "").strip()
                   for k in ("timeDuration", "timeDate", "timeCycle")):
            owner = _owner(timer)
            problems.append(Problem("timer has no timeDuration, timeDate or timeCycle value",
                                    file=name, line=timer.sourceline,
                                    element_id=owner.get("id") if owner is not None else None))
    for task in root.iter(bpmn("businessRuleTask")):
        if not _in_executable_process(task):
            continue
        ext = task.find(bpmn("extensionElements"))
        called = ext.find(f"{{{ZEEBE_NS}}}calledDecision") if ext is not None else None
        has_ref = task.get(f"{{{CAMUNDA_NS}}}decisionRef") or (
            called is not None and called.get("decisionId")) or (
            ext is not None and ext.find("spiffworkflow:calledDecisionId", NS) is not None)
        if not has_ref:
            problems.append(Problem(
                "business rule task names no decision: choose a DMN decision table (Called "
                "decision / decision id) and deploy its .dmn file with the diagram",
                file=name, line=task.sourceline, element_id=task.get("id")))
    for task in root.iter(bpmn("scriptTask")):
        fmt = (task.get("scriptFormat") or "python").strip().lower()
        if fmt not in _PYTHON_FORMATS:
            problems.append(Problem(f"script format '{fmt}' is not supported; scripts run as Python",
                                    file=name, line=task.sourceline, element_id=task.get("id")))
    if problems:
        return problems
    spiff_doc, problems = normalize.for_spiff(root, name)
    if problems:
        return problems
    for script in spiff_doc.iter(bpmn("script")):
        owner = script.getparent()
        problems.extend(_sandbox_problem(check_script, script.text or "", name, owner,
                                         script.sourceline))
    for tag in ("preScript", "postScript"):
        for el in spiff_doc.iterfind(f".//spiffworkflow:{tag}", NS):
            owner = el.getparent().getparent()
            problems.extend(_sandbox_problem(check_script, el.text or "", name, owner, el.sourceline))
    for tag in _EXPRESSION_TAGS:
        for el in spiff_doc.iter(bpmn(tag)):
            if not (el.text or "").strip():
                continue
            owner = _owner(el)
            problems.extend(_sandbox_problem(check_expression, el.text or "", name, owner,
                                             el.sourceline))
    return problems or _check_timer_values(name, spiff_doc)


def _literal(text: str | None) -> str | None:
    """The string a timer expression is, when it is a literal (else None: known at run time)."""
    try:
        value = ast.literal_eval((text or "").strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _check_timer_values(name: str, spiff_doc: etree._Element) -> list[Problem]:
    """Literal timer values and due dates within the engine's bounds (engine.bpmn.timer_values)."""
    problems: list[Problem] = []
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        for el in spiff_doc.iter(bpmn(kind)):
            value = _literal(el.text)
            reason = timer_values.check(kind, value) if value is not None else None
            if reason:
                owner = _owner(el)
                problems.append(Problem(reason, file=name, line=el.sourceline,
                                        element_id=owner.get("id") if owner is not None else None))
    for el in spiff_doc.iterfind(".//zeebe:taskSchedule", NS):
        due = (el.get("dueDate") or "").strip()
        kind = "timeDuration" if due.upper().startswith("P") else "timeDate"
        reason = timer_values.check(kind, due) if due[:1].isdigit() or kind == "timeDuration" \
            else None
        if reason:
            owner = _owner(el)
            problems.append(Problem(f"due date: {reason}", file=name, line=el.sourceline,
                                    element_id=owner.get("id") if owner is not None else None))
    return problems


def _in_executable_process(el: etree._Element) -> bool:
    process = next((a for a in el.iterancestors(bpmn("process"))), None)
    return process is None or (process.get("isExecutable") or "").lower() != "false"


def _owner(el: etree._Element) -> etree._Element | None:
    owner = el.getparent()
    while owner is not None and not owner.get("id"):
        owner = owner.getparent()
    return owner


def _sandbox_problem(check: Any, source: str, name: str, owner: etree._Element | None,
                     line: int | None) -> list[Problem]:
    element_id = owner.get("id") if owner is not None else None
    try:
        check(source, element_id=element_id)
    except ScriptRefused as exc:
        script_line = (line + exc.line - 1) if (line and exc.line) else line
        return [Problem(exc.message, file=name, line=script_line, element_id=element_id)]
    return []


__all__ = ["check_scripts"]
