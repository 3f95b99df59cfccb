"""Per-process translation files: the words of a process in another language.

A process speaks the reader's language through files beside the BPMN and the forms,
`processes/i18n/<process id>.<language>.json`, keyed by element id and form field id so that
an analyst adds a language without touching the diagram:

    {"process": "committee_establishment", "language": "pt",
     "name": "Criação de comitê",
     "elements": {"draft_tor": "Redigir os termos de referência", "Lane_secretariat": "Secretariado"},
     "forms": {"tor_draft": {"Field_sector": {"label": "Setor", "description": "...",
                                               "options": {"tourism": "Turismo"},
                                               "patternErrorMessage": "..."}}}}

`elements` names flow nodes, lanes and participants; `forms` holds, per form id and
component id, the component's `label`, `description`, `text`, `placeholder`, `dateLabel`,
`timeLabel`, `validate.patternErrorMessage` and its options' labels by option value.
The values in case data stay codes (an option's `value`); only what people read changes.

Translation files are deployed with the definitions and stored like forms (a
`deployment_file` of kind `i18n`); they are not part of a version's content hash: the
latest deployed file of a process and language serves every version of that process, so a
corrected word reaches running cases without a new version. A key the diagram no longer has
is ignored; a string without a translation shows in English (the modeler lists them).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpmn.metadata import ProcessInfo
from engine.errors import Problem
from engine.store.models import DeploymentFile, ProcessDefinition

FOLDER = "i18n"
FILE_NAME = re.compile(r"^(?:.*/)?(?P<process>[A-Za-z_][\w.-]*?)"
                       r"\.(?P<language>[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})?)\.json$")
FIELD_TEXTS = ("label", "description", "text", "placeholder", "dateLabel", "timeLabel")
"""The properties of a form-js component that people read."""
MAX_TEXT = 20_000


@dataclass(frozen=True)
class ProcessTexts:
    """One process's words in one language."""

    process_id: str
    language: str
    name: str | None = None
    elements: dict[str, str] = field(default_factory=dict)
    forms: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def element(self, element_id: str | None, default: str | None) -> str | None:
        return self.elements.get(element_id or "", default) or default

    def lane(self, info: ProcessInfo, lane_name: str | None) -> str | None:
        """A lane's name (as the projections keep it) in this language."""
        lane_id = next((k for k, v in info.lanes.items() if v == lane_name), None)
        return self.element(lane_id, lane_name)

    def flat(self) -> dict[str, str]:
        """Every translated string by key (the keys `translatable_strings` gives)."""
        out = {"name": self.name} if self.name else {}
        out.update({f"elements.{k}": v for k, v in self.elements.items()})
        for form_id, components in self.forms.items():
            for component_id, texts in components.items():
                prefix = f"forms.{form_id}.{component_id}"
                for prop, value in texts.items():
                    if prop == "options" and isinstance(value, dict):
                        out.update({f"{prefix}.options.{k}": v for k, v in value.items()})
                    elif isinstance(value, str):
                        out[f"{prefix}.{prop}"] = value
        return out


def is_translation_file(name: str) -> bool:
    """`i18n/<process>.<language>.json` (how `files_from_paths` and the modeler name them)."""
    return (name.startswith(f"{FOLDER}/") or f"/{FOLDER}/" in name) and bool(FILE_NAME.match(name))


def _problem(name: str, message: str) -> Problem:
    return Problem(message, file=name)


def _strings(value: Any, where: str, name: str, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(_problem(name, f"{where} must be an object of texts by id"))
        return {}
    out: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            problems.append(_problem(name, f"{where}.{key} must be a text of at most {MAX_TEXT} characters"))
        elif text.strip():
            out[str(key)] = text
    return out


def _form_texts(value: Any, name: str, problems: list[Problem]) -> dict[str, dict[str, dict[str, Any]]]:
    if not isinstance(value, dict):
        problems.append(_problem(name, "'forms' must be an object: form id -> component id -> texts"))
        return {}
    forms: dict[str, dict[str, dict[str, Any]]] = {}
    for form_id, components in value.items():
        if not isinstance(components, dict):
            problems.append(_problem(name, f"forms.{form_id} must be an object of components by id"))
            continue
        for component_id, texts in components.items():
            where = f"forms.{form_id}.{component_id}"
            if not isinstance(texts, dict):
                problems.append(_problem(name, f"{where} must be an object (label, description, options)"))
                continue
            entry: dict[str, Any] = {}
            for prop, text in texts.items():
                if prop == "options":
                    entry["options"] = _strings(text, f"{where}.options", name, problems)
                elif prop in (*FIELD_TEXTS, "patternErrorMessage"):
                    entry.update(_strings({prop: text}, where, name, problems))
                else:
                    problems.append(_problem(name, f"{where}: unknown property '{prop}' (use "
                                                   f"{', '.join((*FIELD_TEXTS, 'patternErrorMessage'))}"
                                                   " or options)"))
            forms.setdefault(str(form_id), {})[str(component_id)] = entry
    return forms


def read_translation(name: str, content: bytes) -> tuple[ProcessTexts | None, list[Problem]]:
    """A translation file, checked: its name, its JSON, and that it holds only texts."""
    match = FILE_NAME.match(name)
    if match is None:
        return None, [_problem(name, "a translation file is named i18n/<process id>.<language>.json")]
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Problem(f"translation is not valid JSON: {getattr(exc, 'msg', exc)}", file=name,
                              line=getattr(exc, "lineno", None))]
    if not isinstance(data, dict):
        return None, [_problem(name, "a translation file holds one JSON object")]
    problems: list[Problem] = []
    process_id, language = match.group("process"), match.group("language")
    for key, expected in (("process", process_id), ("language", language)):
        if data.get(key, expected) != expected:
            problems.append(_problem(name, f"'{key}' is {data.get(key)!r} but the file name says "
                                           f"{expected!r}"))
    unknown = set(data) - {"process", "language", "name", "elements", "forms"}
    if unknown:
        problems.append(_problem(name, f"unknown keys {', '.join(sorted(unknown))} (use process, language, "
                                       "name, elements, forms)"))
    title = data.get("name")
    if title is not None and not isinstance(title, str):
        problems.append(_problem(name, "'name' must be a text"))
        title = None
    texts = ProcessTexts(process_id, language, title or None,
                         _strings(data.get("elements", {}), "elements", name, problems),
                         _form_texts(data.get("forms", {}), name, problems))
    return (None if problems else texts), problems


# -- what a process has to translate --------------------------------------------------------

def _components(components: Any) -> Iterator[dict[str, Any]]:
    for component in components or []:
        if isinstance(component, dict):
            yield component
            yield from _components(component.get("components"))


def form_strings(form_id: str, form: dict[str, Any]) -> dict[str, str]:
    """The English strings of a form people read, by translation key."""
    out: dict[str, str] = {}
    for component in _components(form.get("components")):
        component_id = component.get("id")
        if not isinstance(component_id, str):
            continue
        prefix = f"forms.{form_id}.{component_id}"
        for prop in FIELD_TEXTS:
            if isinstance(component.get(prop), str) and component[prop].strip():
                out[f"{prefix}.{prop}"] = component[prop]
        custom = (component.get("validate") or {}).get("patternErrorMessage")
        if isinstance(custom, str) and custom.strip():
            out[f"{prefix}.patternErrorMessage"] = custom
        for option in component.get("values") or []:
            if isinstance(option, dict) and isinstance(option.get("label"), str):
                out[f"{prefix}.options.{option.get('value')}"] = option["label"]
    return out


def translatable_strings(info: ProcessInfo, forms: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Every English string of a process people read, by translation key: its name, its
    lanes, its named elements, the forms it uses."""
    out = {"name": info.name} if info.name else {}
    out.update({f"elements.{k}": v for k, v in info.lanes.items() if v})
    for element_id, element in info.elements.items():
        if element.name:
            out[f"elements.{element_id}"] = element.name
    for form_id in sorted(info.form_ids()):
        if form_id in forms:
            out.update(form_strings(form_id, forms[form_id]))
    return out


def missing(strings: dict[str, str], texts: ProcessTexts | None) -> list[str]:
    """Keys of `strings` the translation lacks (every key without one)."""
    have = texts.flat() if texts else {}
    return [key for key in strings if not have.get(key)]


# -- using them ----------------------------------------------------------------------------

def translate_form(form: dict[str, Any] | None, texts: ProcessTexts | None,
                   form_id: str | None = None) -> dict[str, Any] | None:
    """A copy of a form-js schema with the reader's words (what the browser gets); keys,
    option values and rules are untouched, so what is submitted is the same."""
    if form is None or texts is None:
        return form
    own = texts.forms.get(form_id or str(form.get("id")), {})
    if not own:
        return form
    out = copy.deepcopy(form)
    for component in _components(out.get("components")):
        entry = own.get(str(component.get("id")))
        if not entry:
            continue
        for prop in FIELD_TEXTS:
            if entry.get(prop) and prop in component:
                component[prop] = entry[prop]
        if entry.get("patternErrorMessage") and isinstance(component.get("validate"), dict):
            component["validate"]["patternErrorMessage"] = entry["patternErrorMessage"]
        options = entry.get("options") or {}
        for option in component.get("values") or []:
            if isinstance(option, dict) and str(option.get("value")) in options:
                option["label"] = options[str(option.get("value"))]
    return out


@dataclass(frozen=True)
class TranslationStatus:
    """How far one language covers a process version: the strings it lacks (key, English)."""

    language: str
    total: int
    missing: list[tuple[str, str]]

    @property
    def translated(self) -> int:
        return self.total - len(self.missing)


def translation_status(session: Session, definition: ProcessDefinition,
                       languages: list[str]) -> list[TranslationStatus]:
    """For each of `languages`, which of the version's strings have no translation (what the
    modeler shows an analyst)."""
    info = ProcessInfo.from_dict(json.loads(definition.metadata_json))
    strings = translatable_strings(info, json.loads(definition.forms_json or "{}"))
    stored = latest_translations(session, [definition.process_id])
    return [TranslationStatus(language, len(strings),
                              [(key, strings[key]) for key in missing(strings, stored.get(
                                  (definition.process_id, language)))])
            for language in languages]


def stored_name(process_id: str, language: str) -> str:
    return f"{FOLDER}/{process_id}.{language}.json"


def latest_translations(session: Session, process_ids: list[str] | None = None
                        ) -> dict[tuple[str, str], ProcessTexts]:
    """The latest deployed translation of each (process id, language)."""
    query = select(DeploymentFile.name, DeploymentFile.content).where(DeploymentFile.kind == "i18n")
    rows = session.execute(query.order_by(DeploymentFile.id)).all()
    out: dict[tuple[str, str], ProcessTexts] = {}
    wanted = set(process_ids) if process_ids is not None else None
    for name, content in rows:
        match = FILE_NAME.match(name)
        if match is None or (wanted is not None and match.group("process") not in wanted):
            continue
        texts, _problems = read_translation(name, content.encode())
        if texts is not None:
            out[(texts.process_id, texts.language)] = texts
    return out


def latest_process_info(session: Session, process_id: str) -> ProcessInfo:
    """What the latest version of a process says of itself (names of lanes and elements)."""
    latest = select(func.max(ProcessDefinition.version)).where(
        ProcessDefinition.process_id == process_id).scalar_subquery()
    raw = session.scalar(select(ProcessDefinition.metadata_json).where(
        ProcessDefinition.process_id == process_id, ProcessDefinition.version == latest))
    return ProcessInfo.from_dict(json.loads(raw)) if raw else ProcessInfo(process_id, None, {})


def changed_translations(session: Session, files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The translation files whose content differs from the latest stored one of that name."""
    names = [name for name, _content in files]
    stored: dict[str, str] = {}
    for name, content in session.execute(
            select(DeploymentFile.name, DeploymentFile.content)
            .where(DeploymentFile.kind == "i18n", DeploymentFile.name.in_(names))
            .order_by(DeploymentFile.id)).all():
        stored[name] = content
    return [(name, content) for name, content in files
            if stored.get(name) != content.decode("utf-8", errors="replace")]


__all__ = [
    "FOLDER",
    "ProcessTexts",
    "TranslationStatus",
    "changed_translations",
    "form_strings",
    "is_translation_file",
    "latest_translations",
    "missing",
    "read_translation",
    "stored_name",
    "translatable_strings",
    "translate_form",
    "translation_status",
]
