"""Deploying process definitions and reading them back.

Use cases take a session and plain values and never commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, class_mapper

from engine import clock
from engine.access.policy import is_admin, require_admin, require_deploy
from engine.access.users import Actor
from engine.bpmn.metadata import ProcessInfo, process_documentation
from engine.definitions.cache import LoadedDefinition
from engine.definitions.translations import FOLDER as TRANSLATIONS
from engine.definitions.translations import changed_translations
from engine.definitions.validation import UploadedFile, ValidationResult, validate_files
from engine.errors import DeploymentRefused, NotFound, Problem
from engine.i18n import N_, msg
from engine.runtime.context import runtime_of
from engine.runtime.serialization import dump_specs, load_specs
from engine.store.direct import run_direct
from engine.store.models import Deployment, DeploymentFile, ProcessDefinition
from engine.store.sql import as_loaded


@dataclass(frozen=True)
class DeployedProcess:
    process_id: str
    version: int
    definition_id: int
    name: str | None
    created: bool
    approved: bool = True


@dataclass(frozen=True)
class DefinitionSummary:
    definition_id: int
    process_id: str
    version: int
    name: str | None
    deployed_at: str
    deployed_by: str | None
    content_hash: str




def files_from_paths(paths: Sequence[str | Path]) -> list[UploadedFile]:
    """Read files; a directory contributes its *.bpmn and *.dmn files, forms/*.form and its
    translation files i18n/*.json (named `i18n/<process>.<language>.json`)."""
    files: list[UploadedFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in (sorted(path.glob("*.bpmn")) + sorted(path.glob("*.dmn"))
                          + sorted(path.glob("forms/*.form"))):
                files.append(UploadedFile(child.name, child.read_bytes()))
            for child in sorted(path.glob(f"{TRANSLATIONS}/*.json")):
                files.append(UploadedFile(f"{TRANSLATIONS}/{child.name}", child.read_bytes()))
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


def guarded_calls(session: Session, parsed: Any) -> tuple[list[Problem], list[str]]:
    """Problems with the guarded handlers a process calls, and the guarded handlers it calls."""
    handlers = runtime_of(session).handlers
    problems: list[Problem] = []
    used: list[str] = []
    for element in parsed.info.elements.values():
        allowed = handlers.guard(element.handler) if element.handler else None
        if allowed is None:
            continue
        used.append(str(element.handler))
        if parsed.process_id not in allowed:
            problems.append(Problem(
                f"service task calls '{element.handler}', which changes the registry and may only "
                f"be called by {', '.join(sorted(allowed)) or 'no process'}",
                file=parsed.file.name, line=element.line, element_id=element.element_id,
                process_id=parsed.process_id))
    return problems, sorted(set(used))


def deploy(session: Session, files: list[UploadedFile], *, user: Actor | None = None,
           comment: str | None = None) -> list[DeployedProcess]:
    """Validate, then store new versions; identical content returns the existing versions.

    `user` is the deploying person (analysts and admins may); None is the engine's own
    set-up (the operator). A version calling a guarded handler runs once an admin has
    approved it: at once when an admin (or the operator) deploys it.
    """
    if user is not None:
        require_deploy(user)
    result = validate(session, files)
    guarded: dict[str, list[str]] = {}
    for parsed in result.processes:
        problems, used = guarded_calls(session, parsed)
        result.problems.extend(problems)
        guarded[parsed.process_id] = used
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
                                            existing.name, created=False,
                                            approved=existing.approved_at is not None))
        else:
            new.append(parsed)
    translations = {name for name, _content in changed_translations(
        session, [(f.name, f.content) for f in files if f.is_translation])}
    if not new and not translations:
        return deployed
    now = clock.now()
    username = user.username if user is not None else None
    trusted = user is None or is_admin(user)
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f.name.encode() + b"\0" + f.content + b"\0")
    deployment = session.scalar(select(Deployment).where(Deployment.content_hash == digest.hexdigest()))
    if deployment is None:
        deployment = Deployment(content_hash=digest.hexdigest(), deployed_by=username, comment=comment,
                                created_at=now)
        session.add(deployment)
        session.flush()
    stored: dict[str, DeploymentFile] = {}
    for f in files:
        if (f.is_translation and f.name not in translations) or (not new and not f.is_translation):
            continue  # stored already (translations are kept apart from the versions' content)
        form_id = result.forms[k][1]["id"] if (k := _form_key(f, result)) else None
        decision_id = next((d.decision_id for d in result.decisions.values() if d.name == f.name),
                           None) if f.is_dmn else None
        kind = "i18n" if f.is_translation else "form" if f.is_form else "dmn" if f.is_dmn else "bpmn"
        row = DeploymentFile(deployment_id=deployment.id, name=f.name, kind=kind, form_id=form_id,
                             decision_id=decision_id,
                             content=f.content.decode("utf-8", errors="replace"))
        session.add(row)
        stored[f.name] = row
    session.flush()
    for parsed in new:
        latest = session.scalar(select(func.max(ProcessDefinition.version))
                                .where(ProcessDefinition.process_id == parsed.process_id)) or 0
        approved = trusted or not guarded[parsed.process_id]
        definition = ProcessDefinition(
            process_id=parsed.process_id, version=latest + 1, name=parsed.name,
            content_hash=parsed.content_hash, deployment_id=deployment.id,
            bpmn_file_id=stored[parsed.file.name].id,
            spec_json=dump_specs(parsed.spec, parsed.subprocess_specs),
            metadata_json=json.dumps(parsed.info.to_dict()),
            forms_json=json.dumps(parsed.forms), created_at=now,
            approved_at=now if approved else None, approved_by=username if approved else None)
        session.add(definition)
        session.flush()
        deployed.append(DeployedProcess(definition.process_id, definition.version, definition.id,
                                        definition.name, created=True, approved=approved))
    return deployed


def approve_definition(session: Session, process_id: str, version: int, *,
                       user: Actor) -> DeployedProcess:
    """An admin lets a version that calls guarded handlers run."""
    require_admin(user, msg(N_("approve a process version")))
    definition = find_definition(session, process_id, version)
    if definition.approved_at is None:
        definition.approved_at, definition.approved_by = clock.now(), user.username
    return DeployedProcess(definition.process_id, definition.version, definition.id,
                           definition.name, created=False, approved=True)


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


_LOADED = tuple(attr.key for attr in class_mapper(ProcessDefinition).column_attrs if not attr.deferred)
"""A definition's columns a look-up reads (the spec, metadata and forms are read when used)."""


@cache
def _definition_query(by_version: bool, runnable: bool) -> Select[Any]:
    """Built once per kind of look-up (every start reads it); run past the ORM
    (engine.store.direct): its loading of the row was a twentieth of a case's start."""
    table = ProcessDefinition.__table__.c
    query = select(*(table[key] for key in _LOADED)).where(table.process_id == bindparam("process_id"))
    if by_version:
        query = query.where(table.version == bindparam("version"))
    if runnable:
        query = query.where(table.approved_at.is_not(None))
    return query.order_by(table.version.desc()).limit(1)


def find_definition(session: Session, process_id: str, version: int | None = None, *,
                    runnable: bool = False) -> ProcessDefinition:
    """A version (the latest when `version` is None); `runnable`: the latest approved one."""
    row = run_direct(session, _definition_query(version is not None, runnable),
                     {"process_id": process_id, "version": version}).first()
    if row is None:
        what = (msg(N_("process '%(process)s' version %(version)s"), process=process_id, version=version)
                if version is not None else msg(N_("process '%(process)s'"), process=process_id))
        if runnable and session.scalar(select(ProcessDefinition.id).where(
                ProcessDefinition.process_id == process_id).limit(1)) is not None:
            raise NotFound(msg(N_("%(what)s has no version approved to run yet (an admin approves "
                                  "versions that call guarded handlers)"), what=what), process_id=process_id)
        raise NotFound(msg(N_("unknown %(what)s"), what=what), process_id=process_id, version=version)
    return as_loaded(session, ProcessDefinition, dict(zip(_LOADED, row, strict=True)))


def cached_definition(session: Session, definition_id: int, content_hash: str | None
                      ) -> LoadedDefinition | None:
    """The parsed definition from the runtime's cache, when its content hash is known and cached."""
    if content_hash is None:
        return None
    cached = runtime_of(session).specs.get(content_hash)
    return cached if cached is not None and cached.definition_id == definition_id else None


def load_definition(session: Session, definition: ProcessDefinition) -> LoadedDefinition:
    """The parsed spec of a definition, from the runtime's spec cache when possible."""
    specs = runtime_of(session).specs
    cached = specs.get(definition.content_hash)
    if cached is not None and cached.definition_id == definition.id:
        return cached
    spec, subs = load_specs(definition.spec_json)
    metadata = json.loads(definition.metadata_json)
    info = ProcessInfo.from_dict(metadata)
    if "documentation" not in metadata:  # deployed before the metadata kept it
        info.documentation = process_documentation(definition.bpmn_file.content, definition.process_id)
    loaded = LoadedDefinition(definition.id, definition.process_id, definition.version,
                              definition.content_hash, spec, subs, info,
                              json.loads(definition.forms_json))
    specs.put(definition.content_hash, loaded)
    return loaded
