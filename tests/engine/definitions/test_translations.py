"""Per-process translation files: checked, deployed with the definitions, used on forms."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.definitions.deployment import deploy, files_from_paths, find_definition
from engine.definitions.translations import (
    latest_translations,
    missing,
    read_translation,
    translatable_strings,
    translate_form,
    translation_status,
)
from engine.definitions.validation import UploadedFile, ValidationResult, validate_files
from engine.store.models import DeploymentFile, ProcessDefinition

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
LANGUAGES = ("pt", "zh")
PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


@cache
def _shipped() -> ValidationResult:
    """The processes, forms and translation files of processes/, checked as a deployment is."""
    return validate_files(files_from_paths([PROCESSES]))


def test_a_bad_translation_file_is_refused_by_name() -> None:
    texts, problems = read_translation("i18n/p.pt.json", b'{"language": "zh", "elements": {"a": 3}}')
    assert texts is None
    messages = [str(p) for p in problems]
    assert any("'language' is 'zh' but the file name says 'pt'" in m for m in messages)
    assert any("elements.a must be a text" in m for m in messages)
    assert all(m.startswith("i18n/p.pt.json") for m in messages)
    _none, broken = read_translation("i18n/p.pt.json", b"{nope")
    assert "not valid JSON" in str(broken[0])


def test_a_form_is_translated_and_keeps_its_codes() -> None:
    form = {"id": "f", "components": [
        {"id": "F1", "key": "sector", "type": "select", "label": "Sector",
         "values": [{"label": "Tourism", "value": "tourism"}], "validate": {"required": True}}]}
    texts, problems = read_translation("i18n/p.pt.json", json.dumps(
        {"forms": {"f": {"F1": {"label": "Setor", "options": {"tourism": "Turismo"}}}}}).encode())
    assert not problems
    out = translate_form(form, texts, "f")
    assert out is not None and out["components"][0]["label"] == "Setor"
    assert out["components"][0]["values"] == [{"label": "Turismo", "value": "tourism"}]
    assert form["components"][0]["label"] == "Sector"  # the stored form is untouched


def test_deployed_with_the_processes_and_corrected_without_a_new_version(session: Session) -> None:
    deploy(session, files_from_paths([PROCESSES]))
    stored = latest_translations(session, ["committee_establishment"])
    assert stored[("committee_establishment", "zh")].elements["draft_tor"] == "起草职责范围"
    definition = find_definition(session, "committee_establishment")
    [pt, zh] = translation_status(session, definition, ["pt", "zh"])
    assert pt.total > 50 and not pt.missing and not zh.missing
    versions = session.scalar(select(func.count()).select_from(ProcessDefinition))

    path = PROCESSES / "i18n" / "committee_establishment.pt.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["elements"]["draft_tor"] = "Redigir os TdR"
    del data["elements"]["review_tor"]
    files = [f for f in files_from_paths([PROCESSES]) if f.name != "i18n/committee_establishment.pt.json"]
    files.append(UploadedFile("i18n/committee_establishment.pt.json", json.dumps(data).encode()))
    deploy(session, files)
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == versions
    assert latest_translations(session)[("committee_establishment", "pt")].elements["draft_tor"] \
        == "Redigir os TdR"
    [pt] = translation_status(session, definition, ["pt"])
    assert ("elements.review_tor", "Review terms of reference") in pt.missing
    deploy(session, files)  # the same again: nothing new stored
    assert session.scalar(select(func.count()).select_from(DeploymentFile).where(
        DeploymentFile.name == "i18n/committee_establishment.pt.json")) == 2


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("bpmn", sorted(p.name for p in PROCESSES.glob("*.bpmn")))
def test_every_shipped_process_is_translated_completely(bpmn: str, language: str) -> None:
    """Each process in processes/ has every string people read (name, lanes, tasks, events,
    gateways, form texts and options) in Portuguese and Chinese, with its placeholders kept:
    what the modeler would list as missing for that language is empty."""
    result = _shipped()
    assert not result.problems
    processes = [p for p in result.processes if p.file.name == bpmn]
    assert processes, f"{bpmn} defines no executable process"
    texts = {(t.process_id, t.language): t for t in result.translations}
    for parsed in processes:
        strings = translatable_strings(parsed.info, parsed.forms)
        translation = texts.get((parsed.process_id, language))
        assert translation is not None, f"no i18n/{parsed.process_id}.{language}.json"
        assert missing(strings, translation) == []
        translated = translation.flat()
        changed = [key for key, english in strings.items()
                   if sorted(PLACEHOLDER.findall(translated[key])) != sorted(PLACEHOLDER.findall(english))]
        assert changed == [], "placeholders differ from the English"
