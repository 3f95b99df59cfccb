"""Validate a set of uploaded files before anything is stored.

`validate_files` runs every check deployment runs and returns the parsed
result or the full list of problems, so the modeler can show them all at once.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.bpmn import normalize, schema_errors, unsupported
from engine.bpmn.dmn import DecisionFile, is_dmn, read_decision
from engine.bpmn.metadata import ProcessInfo, read_embedded_forms, read_processes
from engine.bpmn.specs import EngineBpmnParser
from engine.bpmn.xmlfile import (
    NOT_EXECUTABLE,
    check_structure,
    executable_process_ids,
    parse_xml,
    parse_xml_document,
)
from engine.definitions.script_checks import check_scripts
from engine.definitions.translations import ProcessTexts, is_translation_file, read_translation
from engine.errors import Problem


@dataclass
class UploadedFile:
    name: str
    content: bytes

    @property
    def is_translation(self) -> bool:
        """`i18n/<process>.<language>.json` (engine.definitions.translations)."""
        return is_translation_file(self.name)

    @property
    def is_form(self) -> bool:
        return self.name.endswith((".form", ".json")) and not self.is_translation

    @property
    def is_dmn(self) -> bool:
        return self.name.endswith(".dmn")


@dataclass
class ParsedProcess:
    process_id: str
    name: str | None
    file: UploadedFile
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    info: ProcessInfo
    forms: dict[str, dict[str, Any]]
    decisions: dict[str, bytes] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Covers the file, the forms and the decision tables the process uses."""
        digest = hashlib.sha256()
        digest.update(self.process_id.encode())
        digest.update(b"\0")
        digest.update(self.file.content)
        for form_id in sorted(self.forms):
            digest.update(b"\0")
            digest.update(json.dumps(self.forms[form_id], sort_keys=True).encode())
        for decision_id in sorted(self.decisions):
            digest.update(b"\0dmn\0" + decision_id.encode() + b"\0")
            digest.update(self.decisions[decision_id])
        return digest.hexdigest()


@dataclass
class ValidationResult:
    processes: list[ParsedProcess] = field(default_factory=list)
    forms: dict[str, tuple[UploadedFile, dict[str, Any]]] = field(default_factory=dict)
    decisions: dict[str, DecisionFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    translations: list[ProcessTexts] = field(default_factory=list)

    @property
    def descriptive_only(self) -> bool:
        """Well-formed BPMN whose processes are all marked non-executable: a draft to open
        and edit in the modeler, not something to deploy."""
        return bool(self.problems) and all(p.message.startswith(NOT_EXECUTABLE)
                                           for p in self.problems)


def validate_files(files: list[UploadedFile],
                   known_forms: dict[str, dict[str, Any]] | None = None,
                   known_decisions: dict[str, bytes] | None = None) -> ValidationResult:
    """Check every file; `known_forms` and `known_decisions` (DMN text by decision id) are
    already deployed and may be referenced by the processes."""
    result = ValidationResult()
    if not files:
        result.problems.append(Problem("no files given"))
        return result
    trees: list[tuple[UploadedFile, etree._Element]] = []
    for f in files:
        if f.is_translation:
            texts, problems = read_translation(f.name, f.content)
            result.problems.extend(problems)
            result.translations.extend([texts] if texts else [])
            continue
        if f.is_form:
            _read_form(f, result)
            continue
        if f.is_dmn:
            _read_dmn(f.name, f.content, result)
            continue
        root, problems = parse_xml(f.name, f.content)
        result.problems.extend(problems)
        if root is None:
            continue
        structural = check_structure(f.name, root)
        if structural and all(p.message.startswith(NOT_EXECUTABLE) for p in structural):
            structural = _schema_problems(f.name, root) or structural
        result.problems.extend(structural)
        if structural:
            continue
        result.problems.extend(unsupported.refusals(f.name, root))
        result.problems.extend(check_scripts(f.name, root))
        for form_id, (body, line) in read_embedded_forms(root).items():
            _read_form(UploadedFile(f.name, body.encode()), result, form_id, line)
        trees.append((f, root))
    if result.problems:
        return result
    forms = {**(known_forms or {}), **{k: v[1] for k, v in result.forms.items()}}
    for decision_id, content in (known_decisions or {}).items():
        if decision_id not in result.decisions:
            _read_dmn(f"{decision_id}.dmn", content, result, known=True)
    _parse_with_spiff(trees, forms, result)
    return result


def _schema_problems(name: str, root: etree._Element) -> list[Problem]:
    """A descriptive model opens as a draft only if it is valid BPMN 2.0 (the XSD)."""
    try:
        VALIDATOR.validate(copy.deepcopy(root), name)
    except ValidationException as exc:
        return [_from_validation(exc, name, root=root)]
    return []


def _read_dmn(name: str, content: bytes, result: ValidationResult, known: bool = False) -> None:
    root, problems = parse_xml_document(name, content)
    if root is not None and not is_dmn(root):
        problems = [Problem("not a DMN file: the root element is not DMN <definitions>",
                            file=name, line=root.sourceline)]
    if not problems and root is not None:
        decision, problems = read_decision(name, content, root)
        if decision is not None:
            if decision.decision_id in result.decisions and not known:
                problems = [Problem(f"decision '{decision.decision_id}' is defined twice "
                                    f"(also in {result.decisions[decision.decision_id].name})",
                                    file=name)]
            else:
                result.decisions[decision.decision_id] = decision
    if not known:
        result.problems.extend(problems)


def _read_form(f: UploadedFile, result: ValidationResult, embedded_id: str | None = None,
               embedded_line: int | None = None) -> None:
    """A form-js file, or (`embedded_id`) a form embedded in a BPMN file (`zeebe:userTaskForm`)."""
    what = f"embedded form '{embedded_id}'" if embedded_id else "form"
    try:
        schema = json.loads(f.content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        if embedded_line and line:
            line = embedded_line + line - 1
        message = getattr(exc, "msg", str(exc))
        result.problems.append(Problem(f"{what} is not valid JSON: {message}", file=f.name,
                                       line=line, element_id=embedded_id))
        return
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        result.problems.append(Problem(f"{what} has no 'components' list (not a form-js schema)",
                                       file=f.name, line=embedded_line, element_id=embedded_id))
        return
    form_id = embedded_id or schema.get("id")
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


def _parse_with_spiff(trees: list[tuple[UploadedFile, etree._Element]],
                      forms: dict[str, dict[str, Any]], result: ValidationResult) -> None:
    parser = EngineBpmnParser()
    for decision in result.decisions.values():
        try:
            parser.add_dmn_xml(decision.translated, filename=decision.name)
        except ValidationException as exc:
            result.problems.append(_from_validation(exc, decision.name))
    infos: dict[str, tuple[UploadedFile, ProcessInfo]] = {}
    for f, root in trees:
        try:
            parser.add_bpmn_xml(normalize.for_spiff(root, f.name)[0], filename=f.name)
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
            used_decisions = {d: result.decisions[d].content
                              for d in sorted(_decision_refs(pid, subs, infos)) if d in result.decisions}
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
                                                  info, used_forms, used_decisions))


def _decision_refs(pid: str, subs: dict[str, BpmnProcessSpec],
                   infos: dict[str, tuple[UploadedFile, ProcessInfo]]) -> set[str]:
    """Ids of the decisions the process (and the processes it calls) run."""
    refs: set[str] = set()
    for process_id in [pid, *subs]:
        if process_id in infos:
            refs.update(e.decision_id for e in infos[process_id][1].elements.values()
                        if e.decision_id)
    return refs


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
    message = " ".join(message.split())
    missing = _MISSING_PROCESS.match(message)
    if missing and root is not None:
        calls = root.xpath("//*[local-name()='callActivity'][@calledElement=$p]", p=missing.group(1))
        if calls:
            element_id, line = calls[0].get("id"), calls[0].sourceline
        message = (f"the called process '{missing.group(1)}' is not in this deployment: deploy the "
                   "file that defines it together with this one")
    return Problem(message, file=exc.file_name or name, line=line, element_id=element_id,
                   process_id=pid)


_MISSING_PROCESS = re.compile(r"The process '([^']+)' was not found")
