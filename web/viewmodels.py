"""Small helpers that turn engine values into what templates print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from engine.bpmn.metadata import group_slug
from web.i18n import show_time

__all__ = ["PageLink", "event_label", "group_label", "iso", "lane_group", "pagination", "role_label",
           "show_time"]


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def event_label(kind: str, element: str) -> str:
    """What a history event says, in the reader's language."""
    labels = {
        "case_started": _("started the case"),
        "case_completed": _("the case was completed"),
        "case_cancelled": _("cancelled the case"),
        "case_suspended": _("suspended the case"),
        "case_resumed": _("resumed the case"),
        "case_failed": _("a step failed: %(element)s", element=element),
        "case_retried": _("retried the case"),
        "task_claimed": _("took “%(element)s”", element=element),
        "task_unclaimed": _("gave back “%(element)s”", element=element),
        "task_assigned": _("assigned “%(element)s”", element=element),
        "task_completed": _("completed “%(element)s”", element=element),
        "data_corrected": _("corrected the case data"),
        "service_completed": _("“%(element)s” was done automatically", element=element),
        "timer_fired": _("the time of “%(element)s” came", element=element),
        "message_received": _("a message arrived at “%(element)s”", element=element),
    }
    return labels.get(kind, kind)


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
