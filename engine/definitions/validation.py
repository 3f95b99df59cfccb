"""Validate a set of uploaded files before anything is stored.

`validate_files` runs every check deployment runs and returns the parsed
result or the full list of problems, so the modeler can show them all at once.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.bpmn import normalize, schema_errors, timer_values
from engine.bpmn.metadata import ProcessInfo, read_processes
from engine.bpmn.specs import EngineBpmnParser
from engine.bpmn.xmlfile import CAMUNDA_NS, NS, bpmn, check_structure, executable_process_ids, parse_xml
from engine.errors import Problem, ScriptRefused
from engine.sandbox.evaluator import check_expression, check_script


@dataclass
class UploadedFile:
    name: str
    content: bytes

    @property
    def is_form(self) -> bool:
        return self.name.endswith((".form", ".json"))


@dataclass
class ParsedProcess:
    process_id: str
    name: str | None
    file: UploadedFile
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    info: ProcessInfo
    forms: dict[str, dict[str, Any]]

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        digest.update(self.process_id.encode())
        digest.update(b"\0")
        digest.update(self.file.content)
        for form_id in sorted(self.forms):
            digest.update(b"\0")
            digest.update(json.dumps(self.forms[form_id], sort_keys=True).encode())
        return digest.hexdigest()


@dataclass
class ValidationResult:
    processes: list[ParsedProcess] = field(default_factory=list)
    forms: dict[str, tuple[UploadedFile, dict[str, Any]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def validate_files(files: list[UploadedFile],
                   known_forms: dict[str, dict[str, Any]] | None = None) -> ValidationResult:
    """Check every file; `known_forms` are forms already deployed that processes may reference."""
    result = ValidationResult()
    if not files:
        result.problems.append(Problem("no files given"))
        return result
    trees: list[tuple[UploadedFile, etree._Element]] = []
    for f in files:
        if f.is_form:
            _read_form(f, result)
            continue
        root, problems = parse_xml(f.name, f.content)
        result.problems.extend(problems)
        if root is None:
            continue
        structural = check_structure(f.name, root)
        result.problems.extend(structural)
        result.problems.extend(_check_scripts(f.name, root))
        if not structural:
            trees.append((f, root))
    if result.problems:
        return result
    forms = {**(known_forms or {}), **{k: v[1] for k, v in result.forms.items()}}
    _parse_with_spiff(trees, forms, result)
    return result


def _read_form(f: UploadedFile, result: ValidationResult) -> None:
    try:
        schema = json.loads(f.content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        result.problems.append(Problem(f"form is not valid JSON: {exc}", file=f.name, line=line))
        return
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        result.problems.append(Problem("form has no 'components' list (not a form-js schema)",
                                       file=f.name))
        return
    form_id = schema.get("id")
    if not isinstance(form_id, str) or not form_id:
        result.problems.append(Problem("form has no 'id'", file=f.name))
        return
    keys: set[str] = set()
    for comp in _components(schema["components"]):
        key = comp.get("key")
        if key is None:
            continue
        if not isinstance(key, str) or key.startswith("_") or "__" in key:
            result.problems.append(Problem(f"form field key {key!r} is not allowed", file=f.name))
        elif key in keys:
            result.problems.append(Problem(f"form field key '{key}' appears twice", file=f.name))
        keys.add(str(key))
    result.forms[form_id] = (f, schema)


def _components(components: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for comp in components:
        if isinstance(comp, dict):
            out.append(comp)
            out.extend(_components(comp.get("components") or []))
    return out


_CRON = re.compile(r"^[0-9*?/,LW#-]+( +[0-9A-Za-z*?/,LW#-]+){4,6}$")
_PYTHON_FORMATS = {"python", "py", "python3", "text/x-python", "application/x-python", ""}
_EXPRESSION_TAGS = ("conditionExpression", "completionCondition", "loopCondition",
                    "loopCardinality", "timeDuration", "timeDate", "timeCycle", "condition")


def _check_scripts(name: str, root: etree._Element) -> list[Problem]:
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
        ext = task.find(bpmn("extensionElements"))
        has_ref = task.get(f"{{{CAMUNDA_NS}}}decisionRef") or (
            ext is not None and ext.find("spiffworkflow:calledDecisionId", NS) is not None)
        if not has_ref:
            problems.append(Problem("business rule task names no decision (DMN); it cannot run",
                                    file=name, line=task.sourceline, element_id=task.get("id")))
    for task in root.iter(bpmn("scriptTask")):
        fmt = (task.get("scriptFormat") or "python").strip().lower()
        if fmt not in _PYTHON_FORMATS:
            problems.append(Problem(f"script format '{fmt}' is not supported; scripts run as Python",
                                    file=name, line=task.sourceline, element_id=task.get("id")))
    if problems:
        return problems
    spiff_doc = normalize.for_spiff(root)
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


def _parse_with_spiff(trees: list[tuple[UploadedFile, etree._Element]],
                      forms: dict[str, dict[str, Any]], result: ValidationResult) -> None:
    parser = EngineBpmnParser()
    infos: dict[str, tuple[UploadedFile, ProcessInfo]] = {}
    for f, root in trees:
        try:
            parser.add_bpmn_xml(normalize.for_spiff(root), filename=f.name)
        except ValidationException as exc:
            result.problems.append(_from_validation(exc, f.name, root=root))
            continue
        except (SpiffWorkflowException, etree.LxmlError, TypeError, ValueError, KeyError) as exc:
            result.problems.append(Problem(f"cannot load: {type(exc).__name__}: {exc}", file=f.name))
            continue
        for pid, info in read_processes(root).items():
            infos[pid] = (f, info)
        for pid in executable_process_ids(root):
            infos.setdefault(pid, (f, ProcessInfo(pid, None, {})))
    if result.problems:
        return
    for f, root in trees:
        for pid in executable_process_ids(root):
            info = infos[pid][1]
            try:
                spec = parser.get_spec(pid)
                subs = parser.get_subprocess_specs(pid)
            except ValidationException as exc:
                result.problems.append(_from_validation(exc, f.name, pid, root))
                continue
            except (SpiffWorkflowException, TypeError, ValueError, KeyError, AttributeError) as exc:
                result.problems.append(Problem(f"cannot parse process: {type(exc).__name__}: {exc}",
                                               file=f.name, process_id=pid))
                continue
            used_forms: dict[str, dict[str, Any]] = {}
            for form_id in sorted(info.form_ids()):
                if form_id in forms:
                    used_forms[form_id] = forms[form_id]
                else:
                    element = next((e for e in info.elements.values() if e.form_id == form_id), None)
                    result.problems.append(Problem(
                        f"form '{form_id}' is referenced but not deployed", file=f.name,
                        line=element.line if element else None,
                        element_id=element.element_id if element else None, process_id=pid))
            result.processes.append(ParsedProcess(pid, info.name or spec.description, f, spec, subs,
                                                  info, used_forms))


def _from_validation(exc: ValidationException, name: str, pid: str | None = None,
                     root: etree._Element | None = None) -> Problem:
    line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number > 0 else None
    element_id = getattr(exc, "id", None) or None
    if line is None and element_id and root is not None:
        found = root.xpath("//*[@id=$id]", id=element_id)
        line = found[0].sourceline if found else None
    message = str(exc.args[0]) if exc.args else str(exc)
    plain = schema_errors.plain_message(message)
    if plain is not None:
        if root is not None and not element_id:
            element_id = schema_errors.element_at(root, line, message)
        message = plain
    return Problem(message, file=exc.file_name or name, line=line, element_id=element_id,
                   process_id=pid)
