"""The case's history as people read it: events and comments, oldest first, each naming who
by their display name and showing the data's fields and codes by their labels."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import get_translations
from flask_babel import gettext as _
from markupsafe import Markup

from engine.collab.comments import CommentView
from engine.runtime.history import HistoryEntry
from web.i18n import time_shower
from web.process_texts import ProcessWords, shown_value, words
from web.viewmodels import event_label, show_time


@dataclass(frozen=True)
class HistoryLine:
    when: str
    who: str
    what: str
    element_id: str
    reason: str
    data: str
    comment_html: Markup | None = None
    """A comment's sanitised HTML (engine.collab.markdown), shown among the events."""


@dataclass(frozen=True)
class Reading:
    """What a timeline needs of the request, looked up once for all its events (a timeline of
    200 events looked each up 200 times): the processes' words, the translations, the word for
    the engine acting, the reader's time format."""

    texts: ProcessWords
    translations: Any
    system: str
    when: Callable[[datetime | None], str]

    @classmethod
    def current(cls) -> Reading:
        return cls(words(), get_translations(), _("the system"), time_shower())


def history_line(entry: HistoryEntry, reading: Reading, process_id: str = "",
                 people: dict[str, str] | None = None,
                 labels: dict[str, tuple[str, dict[str, str]]] | None = None) -> HistoryLine:
    """One event as people read it: who by their display name, the data's fields by their
    labels and the codes in it by their options' labels (in the reader's language)."""
    element = reading.texts.element(process_id, entry.element_id,
                                    entry.element_name or entry.element_id or "")
    what = event_label(entry.kind, element, reading.translations)
    who = (people or {}).get(entry.user, entry.user) if entry.user else reading.system
    return HistoryLine(reading.when(entry.at), who, what, entry.element_id or "", entry.reason or "",
                       shown_data(entry.data, labels or {}))


def shown_data(data: Any, labels: dict[str, tuple[str, dict[str, str]]]) -> str:
    """Event data, one "label: value" line per field (empty ones left out); structures
    (a handler's lists and records) stay JSON."""
    if not data:
        return ""
    if not isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False, indent=1, default=str)
    lines = []
    for key, value in data.items():
        if value is None:
            continue
        label, options = labels.get(key, ("", {}))
        simple = not isinstance(value, dict) and not (
            isinstance(value, list) and any(isinstance(v, dict | list) for v in value))
        shown = shown_value(value, options) if simple and not isinstance(value, bool) \
            else json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{label or key}: {shown}")
    return "\n".join(lines)


def comment_line(comment: CommentView) -> HistoryLine:
    what = (_("commented on “%(task)s”", task=comment.task_name) if comment.task_name
            else _("commented"))
    return HistoryLine(show_time(comment.created_at), comment.author_name, what, "", "", "",
                       Markup(comment.html))  # sanitised by nh3 in the engine (engine.collab.markdown)


def timeline(history: list[HistoryEntry], comments: list[CommentView], process_id: str = "",
             people: dict[str, str] | None = None,
             labels: dict[str, tuple[str, dict[str, str]]] | None = None) -> list[HistoryLine]:
    """Events and comments, oldest first."""
    reading = Reading.current()
    items: list[tuple[datetime, int, HistoryLine]] = [
        (e.at, 0, history_line(e, reading, process_id, people, labels)) for e in history]
    items += [(c.created_at, 1, comment_line(c)) for c in comments]
    return [line for _at, _order, line in sorted(items, key=lambda item: (item[0], item[1]))]


__all__ = ["HistoryLine", "Reading", "comment_line", "history_line", "shown_data", "timeline"]
