"""Small helpers that turn engine values into what templates print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import get_translations
from flask_babel import gettext as _

from engine.bpmn.metadata import group_slug
from engine.i18n import N_
from web.i18n import show_time

__all__ = ["PageLink", "event_label", "group_label", "iso", "lane_group", "pagination", "role_label",
           "show_time"]


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


_EVENT_LABELS: dict[str, str] = {
    "case_started": N_("started the case"),
    "case_completed": N_("the case was completed"),
    "case_cancelled": N_("cancelled the case"),
    "case_suspended": N_("suspended the case"),
    "case_resumed": N_("resumed the case"),
    "case_failed": N_("a step failed: %(element)s"),
    "case_retried": N_("retried the case"),
    "task_claimed": N_("took “%(element)s”"),
    "task_unclaimed": N_("gave back “%(element)s”"),
    "task_assigned": N_("assigned “%(element)s”"),
    "task_completed": N_("completed “%(element)s”"),
    "data_corrected": N_("corrected the case data"),
    "service_completed": N_("“%(element)s” was done automatically"),
    "timer_fired": N_("the time of “%(element)s” came"),
    "message_received": N_("a message arrived at “%(element)s”"),
}


def event_label(kind: str, element: str, translations: Any = None) -> str:
    """What a history event says, in the reader's language. Only its own label is translated
    (a timeline of 200 events translated all fifteen for each: most of the case page's time);
    a timeline passes the request's `translations` once (flask_babel.get_translations)."""
    template = _EVENT_LABELS.get(kind)
    if template is None:
        return kind
    translated = (translations or get_translations()).gettext(template)
    return translated % {"element": element} if "%(" in translated else translated


def role_label(lane: str | None) -> str:
    return lane or ""


def group_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def lane_group(lane: str | None) -> str | None:
    return group_slug(lane) if lane else None


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str | None
    current: bool = False


def pagination(endpoint: str, args: dict[str, Any], page: int, pages: int) -> list[PageLink]:
    """Previous, a window of page numbers, next; `url` is None for the current or a disabled link."""
    def link(number: int) -> str:
        return url_for(endpoint, **{**args, "page": number})

    if pages <= 1:
        return []
    links = [PageLink(_("Previous"), link(page - 1) if page > 1 else None)]
    window = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    previous = 0
    for number in window:
        if number - previous > 1:
            links.append(PageLink("…", None))
        links.append(PageLink(str(number), None if number == page else link(number), number == page))
        previous = number
    links.append(PageLink(_("Next"), link(page + 1) if page < pages else None))
    return links
