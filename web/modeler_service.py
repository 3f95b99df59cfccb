"""The modeler's work behind the routes: the library, payloads, validation, diffs, deploys.

Everything here takes the request's session and plain values; web/modeler.py turns
requests into calls and results into pages or JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from engine.access.policy import may_deploy
from engine.access.users import Actor
from engine.bpmn.xmlfile import executable_process_ids, parse_xml
from engine.definitions.deployment import (
    deploy,
    find_definition,
    known_decisions,
    known_forms,
    validate,
)
from engine.definitions.diff import DiagramDiff, diff_bpmn
from engine.definitions.validation import UploadedFile
from engine.errors import DeploymentRefused, InvalidInput, NotFound, Problem
from engine.store.models import ProcessDefinition

MAX_FORMS = 200
MAX_DECISIONS = 100
NEW_DIAGRAM = Path(__file__).parent / "templates" / "modeler" / "new_diagram.bpmn"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Submission:
    """What the editor sends: one diagram and the forms it references."""

    xml: str
    name: str
    forms: dict[str, dict[str, Any]]
    comment: str | None = None
    decisions: dict[str, str] = field(default_factory=dict)

    def files(self) -> list[UploadedFile]:
        files = [UploadedFile(self.name, self.xml.encode("utf-8"))]
        for form_id, schema in sorted(self.forms.items()):
            files.append(UploadedFile(f"{safe_name(form_id)}.form",
                                      json.dumps(schema, ensure_ascii=False, indent=2).encode()))
        for decision_id, dmn in sorted(self.decisions.items()):
            files.append(UploadedFile(f"{safe_name(decision_id)}.dmn", dmn.encode("utf-8")))
        return files


def may_model(user: Actor) -> bool:
    return may_deploy(user)


def safe_name(name: str) -> str:
    return _SAFE_NAME.sub("_", name).strip("._") or "diagram"


def version_xml(session: Session, process_id: str, version: int | None) -> tuple[ProcessDefinition, str]:
    definition = find_definition(session, process_id, version)
    return definition, definition.bpmn_file.content


def editor_forms(session: Session, definition: ProcessDefinition | None) -> dict[str, Any]:
    """The forms the editor starts from: the latest of each, overlaid with the version's own."""
    forms: dict[str, Any] = known_forms(session)
    if definition is not None:
        forms.update(json.loads(definition.forms_json))
    return forms


def editor_decisions(session: Session) -> dict[str, str]:
    """The latest deployed DMN of every decision, for the editor's decision tables."""
    return {decision_id: content.decode() for decision_id, content in known_decisions(session).items()}


@dataclass(frozen=True)
class Draft:
    """A BPMN file opened in the editor without deploying it (any well-formed BPMN 2.0)."""

    xml: str
    name: str
    note: str


def read_draft(session: Session, name: str, content: bytes) -> Draft:
    """Open any well-formed BPMN file; say whether it can be deployed as it is."""
    root, problems = parse_xml(name, content)
    if root is None:
        raise DeploymentRefused(problems)
    result = validate(session, [UploadedFile(safe_name(name) or "diagram.bpmn", content)])
    if not result.problems:
        note = "deployable"
    elif result.descriptive_only:
        note = "descriptive"
    else:
        note = "problems"
    return Draft(content.decode("utf-8", errors="replace"), safe_name(name), note)


def read_submission(payload: Any, *, with_comment: bool = False) -> Submission:
    """Check the shape of the editor's JSON; the content is checked by the engine."""
    if not isinstance(payload, dict):
        raise InvalidInput("expected a JSON object")
    xml = payload.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise InvalidInput("the diagram ('xml') is missing")
    forms = payload.get("forms")
    forms = {} if forms is None else forms
    if not isinstance(forms, dict) or len(forms) > MAX_FORMS or not all(
            isinstance(k, str) and isinstance(v, dict) for k, v in forms.items()):
        raise InvalidInput("'forms' must map form ids to form-js schemas")
    decisions = payload.get("decisions")
    decisions = {} if decisions is None else decisions
    if not isinstance(decisions, dict) or len(decisions) > MAX_DECISIONS or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in decisions.items()):
        raise InvalidInput("'decisions' must map decision ids to DMN XML")
    name = payload.get("name")
    name = safe_name(name) if isinstance(name, str) else "diagram"
    if not name.endswith(".bpmn"):
        name += ".bpmn"
    comment = payload.get("comment") if with_comment else None
    if comment is not None and not isinstance(comment, str):
        raise InvalidInput("'comment' must be text")
    return Submission(xml, name, forms, (comment or "").strip()[:2000] or None, decisions)




def problems_of(session: Session, submission: Submission) -> list[Problem]:
    """The engine's deployment checks."""
    return validate(session, submission.files()).problems


def diff_against_latest(session: Session, xml: str) -> list[tuple[str, int | None, DiagramDiff | None]]:
    """For each executable process in `xml`: (process id, latest version, diff or None if new)."""
    root, problems = parse_xml("diagram", xml.encode("utf-8"))
    if root is None:
        raise DeploymentRefused(problems)
    out: list[tuple[str, int | None, DiagramDiff | None]] = []
    for process_id in executable_process_ids(root):
        try:
            definition, old_xml = version_xml(session, process_id, None)
        except NotFound:
            out.append((process_id, None, None))
            continue
        out.append((process_id, definition.version, diff_bpmn(old_xml, xml)))
    return out


def diff_versions(session: Session, process_id: str, version: int) -> tuple[int | None, DiagramDiff | None]:
    """What version `version` changed against the version before it."""
    _definition, new_xml = version_xml(session, process_id, version)
    if version <= 1:
        return None, None
    try:
        _previous, old_xml = version_xml(session, process_id, version - 1)
    except NotFound:
        return None, None
    return version - 1, diff_bpmn(old_xml, new_xml)


def deploy_submission(session: Session, submission: Submission, user: Actor) -> dict[str, Any]:
    """Deploy as new versions; the diff is computed against the versions before this deploy."""
    diffs = diff_against_latest(session, submission.xml)
    deployed = deploy(session, submission.files(), user=user, comment=submission.comment)
    return {"deployed": [{"process_id": d.process_id, "version": d.version, "created": d.created,
                          "name": d.name, "approved": d.approved} for d in deployed],
            "changes": [diff_to_json(pid, version, diff) for pid, version, diff in diffs]}


def diff_to_json(process_id: str, previous: int | None, diff: DiagramDiff | None) -> dict[str, Any]:
    if diff is None:
        return {"process_id": process_id, "previous_version": previous, "new_process": True,
                "elements": []}
    return {"process_id": process_id, "previous_version": previous, "new_process": False,
            "elements": [{"id": e.element_id, "type": e.kind, "name": e.name, "status": e.status,
                          "changes": [{"path": c.path, "old": c.old, "new": c.new}
                                      for c in e.changes]} for e in diff.elements]}


def new_diagram(process_id: str, name: str) -> str:
    """A minimal executable diagram: a start event, one user task, an end event."""
    root = etree.fromstring(NEW_DIAGRAM.read_bytes())
    bpmn_ns = "http://www.omg.org/spec/BPMN/20100524/MODEL"
    process = root.find(f"{{{bpmn_ns}}}process")
    plane = root.find(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNPlane")
    assert process is not None and plane is not None
    process.set("id", process_id)
    process.set("name", name)
    plane.set("bpmnElement", process_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()
