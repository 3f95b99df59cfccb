"""Deploying process definitions and reading them back.

Use cases take a session and plain values and never commit.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.bpmn.metadata import ProcessInfo
from engine.definitions.validation import UploadedFile, ValidationResult, validate_files
from engine.errors import DeploymentRefused, NotFound, Problem
from engine.runtime.serialization import dump_specs, load_specs
from engine.store.models import Deployment, DeploymentFile, ProcessDefinition


@dataclass(frozen=True)
class DeployedProcess:
    process_id: str
    version: int
    definition_id: int
    name: str | None
    created: bool


@dataclass(frozen=True)
class DefinitionSummary:
    definition_id: int
    process_id: str
    version: int
    name: str | None
    deployed_at: str
    deployed_by: str | None
    content_hash: str


@dataclass
class LoadedDefinition:
    """A definition with its parsed spec and metadata, cached by content hash."""

    definition_id: int
    process_id: str
    version: int
    content_hash: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    info: ProcessInfo
    forms: dict[str, dict[str, Any]]


class _SpecCache:
    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[str, LoadedDefinition] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> LoadedDefinition | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, value: LoadedDefinition) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


SPEC_CACHE = _SpecCache()


def files_from_paths(paths: list[str | Path]) -> list[UploadedFile]:
    """Read files; a directory contributes its *.bpmn and *.dmn files and forms/*.form."""
    files: list[UploadedFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in (sorted(path.glob("*.bpmn")) + sorted(path.glob("*.dmn"))
                          + sorted(path.glob("forms/*.form"))):
                files.append(UploadedFile(child.name, child.read_bytes()))
        elif path.exists():
            files.append(UploadedFile(path.name, path.read_bytes()))
        else:
            raise DeploymentRefused([Problem("no such file", file=str(path))])
    return files


def known_forms(session: Session) -> dict[str, dict[str, Any]]:
    """The latest deployed version of every form, by form id."""
    rows = session.execute(
        select(DeploymentFile.form_id, DeploymentFile.content)
        .where(DeploymentFile.kind == "form").order_by(DeploymentFile.id)).all()
    return {form_id: json.loads(content) for form_id, content in rows if form_id}


def known_decisions(session: Session) -> dict[str, bytes]:
    """The latest deployed DMN file of every decision, by decision id."""
    rows = session.execute(
        select(DeploymentFile.decision_id, DeploymentFile.content)
        .where(DeploymentFile.kind == "dmn").order_by(DeploymentFile.id)).all()
    return {decision_id: content.encode() for decision_id, content in rows if decision_id}


def validate(session: Session, files: list[UploadedFile]) -> ValidationResult:
    return validate_files(files, known_forms(session), known_decisions(session))


def deploy(session: Session, files: list[UploadedFile], *, user: str | None = None,
           comment: str | None = None) -> list[DeployedProcess]:
    """Validate, then store new versions; identical content returns the existing versions."""
    result = validate(session, files)
    if result.problems:
        raise DeploymentRefused(result.problems)
    deployed: list[DeployedProcess] = []
    new: list[Any] = []
    for parsed in result.processes:
        existing = session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.process_id == parsed.process_id,
            ProcessDefinition.content_hash == parsed.content_hash))
        if existing is not None:
            deployed.append(DeployedProcess(existing.process_id, existing.version, existing.id,
                                            existing.name, created=False))
        else:
            new.append(parsed)
    if not new:
        return deployed
    now = clock.now()
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f.name.encode() + b"\0" + f.content + b"\0")
    deployment = session.scalar(select(Deployment).where(Deployment.content_hash == digest.hexdigest()))
    if deployment is None:
        deployment = Deployment(content_hash=digest.hexdigest(), deployed_by=user, comment=comment,
                                created_at=now)
        session.add(deployment)
        session.flush()
    stored: dict[str, DeploymentFile] = {}
    for f in files:
        form_id = result.forms[k][1]["id"] if (k := _form_key(f, result)) else None
        decision_id = next((d.decision_id for d in result.decisions.values() if d.name == f.name),
                           None) if f.is_dmn else None
        kind = "form" if f.is_form else "dmn" if f.is_dmn else "bpmn"
        row = DeploymentFile(deployment_id=deployment.id, name=f.name, kind=kind, form_id=form_id,
                             decision_id=decision_id,
                             content=f.content.decode("utf-8", errors="replace"))
        session.add(row)
        stored[f.name] = row
    session.flush()
    for parsed in new:
        latest = session.scalar(select(func.max(ProcessDefinition.version))
                                .where(ProcessDefinition.process_id == parsed.process_id)) or 0
        definition = ProcessDefinition(
            process_id=parsed.process_id, version=latest + 1, name=parsed.name,
            content_hash=parsed.content_hash, deployment_id=deployment.id,
            bpmn_file_id=stored[parsed.file.name].id,
            spec_json=dump_specs(parsed.spec, parsed.subprocess_specs),
            metadata_json=json.dumps(parsed.info.to_dict()),
            forms_json=json.dumps(parsed.forms), created_at=now)
        session.add(definition)
        session.flush()
        deployed.append(DeployedProcess(definition.process_id, definition.version, definition.id,
                                        definition.name, created=True))
    return deployed


def _form_key(f: UploadedFile, result: ValidationResult) -> str | None:
    for key, (form_file, _schema) in result.forms.items():
        if form_file is f:
            return key
    return None


def list_definitions(session: Session, *, latest_only: bool = False) -> list[DefinitionSummary]:
    query = (select(ProcessDefinition, Deployment)
             .join(Deployment, ProcessDefinition.deployment_id == Deployment.id)
             .order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc()))
    rows = session.execute(query).all()
    out: list[DefinitionSummary] = []
    seen: set[str] = set()
    for definition, deployment in rows:
        if latest_only and definition.process_id in seen:
            continue
        seen.add(definition.process_id)
        out.append(DefinitionSummary(definition.id, definition.process_id, definition.version,
                                     definition.name, definition.created_at.isoformat(),
                                     deployment.deployed_by, definition.content_hash))
    return out


def find_definition(session: Session, process_id: str, version: int | None = None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    definition = session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None:
        what = f"process '{process_id}'" + (f" version {version}" if version is not None else "")
        raise NotFound(f"unknown {what}", process_id=process_id, version=version)
    return definition


def load_definition(definition: ProcessDefinition) -> LoadedDefinition:
    """The parsed spec of a definition, from the in-process cache when possible."""
    cached = SPEC_CACHE.get(definition.content_hash)
    if cached is not None and cached.definition_id == definition.id:
        return cached
    spec, subs = load_specs(definition.spec_json)
    loaded = LoadedDefinition(definition.id, definition.process_id, definition.version,
                              definition.content_hash, spec, subs,
                              ProcessInfo.from_dict(json.loads(definition.metadata_json)),
                              json.loads(definition.forms_json))
    SPEC_CACHE.put(definition.content_hash, loaded)
    return loaded
