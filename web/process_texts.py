"""The processes' own words in the reader's language: names, lanes, tasks, forms and codes.

Read from the processes' translation files (engine.definitions.translations), loaded once
per request for the reader's language. English is the diagrams' and forms' own text. A word
without a translation shows in English; case data keeps its codes, and pages show each
code by its option label in the reader's language (`code_labels`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g
from sqlalchemy.orm import Session

from engine.bpmn.metadata import ProcessInfo
from engine.definitions.translations import (
    ProcessTexts,
    latest_process_info,
    latest_translations,
    translate_form,
)
from engine.forms import input_fields
from web.db import get_db
from web.i18n import current_language

SOURCE_LANGUAGE = "en"


class ProcessWords:
    """One request's view of every process's translation in one language."""

    def __init__(self, session: Session, language: str) -> None:
        self.session = session
        self.language = language
        self._texts: dict[str, ProcessTexts] | None = None
        self._infos: dict[str, ProcessInfo] = {}

    def texts(self, process_id: str) -> ProcessTexts | None:
        if self.language == SOURCE_LANGUAGE:
            return None
        if self._texts is None:
            self._texts = {pid: t for (pid, lang), t in latest_translations(self.session).items()
                           if lang == self.language}
        return self._texts.get(process_id)

    def process(self, process_id: str, default: str | None) -> str:
        texts = self.texts(process_id)
        return (texts.name if texts and texts.name else None) or default or process_id

    def element(self, process_id: str, element_id: str | None, default: str | None) -> str:
        texts = self.texts(process_id)
        return (texts.element(element_id, default) if texts else default) or element_id or ""

    def lane(self, process_id: str, lane_name: str | None) -> str:
        texts = self.texts(process_id)
        if not texts or not lane_name:
            return lane_name or ""
        return texts.lane(self._info(process_id), lane_name) or lane_name

    def form(self, process_id: str, form: dict[str, Any] | None, form_id: str | None = None
             ) -> dict[str, Any] | None:
        """The form-js schema with the reader's words (labels, descriptions, options, messages)."""
        return translate_form(form, self.texts(process_id), form_id)

    def _info(self, process_id: str) -> ProcessInfo:
        if process_id not in self._infos:
            self._infos[process_id] = latest_process_info(self.session, process_id)
        return self._infos[process_id]


def words() -> ProcessWords:
    """The processes' words for this request's reader."""
    found: ProcessWords | None = g.get("process_words")
    if found is None or found.language != current_language():
        found = ProcessWords(get_db(), current_language())
        g.process_words = found
    return found


def code_labels(forms: Mapping[str, dict[str, Any] | None]) -> dict[str, tuple[str, dict[str, str]]]:
    """Data key -> (field label, option value -> option label), over the given (translated) forms."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for form in forms.values():
        for component, info in input_fields(form):
            options = {str(o.get("value")): str(o.get("label"))
                       for o in component.get("values") or [] if isinstance(o, dict)}
            label = component.get("label") or info.key
            if info.key not in out or options:
                out[info.key] = (str(label), options)
    return out


def shown_value(value: Any, options: dict[str, str]) -> str:
    """A value as people read it: each code by its label in the reader's language."""
    if isinstance(value, list):
        return ", ".join(shown_value(v, options) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        return ""
    return options.get(str(value), str(value))


__all__ = ["ProcessWords", "code_labels", "shown_value", "words"]
