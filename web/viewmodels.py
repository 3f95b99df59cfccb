"""Small helpers that turn engine values into what templates print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from engine.bpmn.metadata import group_slug

TIME_FORMAT = "d MMM yyyy, HH:mm"


def show_time(moment: datetime | None) -> str:
    """A UTC time in the user's time zone (Flask-Babel's timezone selector), or ''."""
    if moment is None:
        return ""
    return format_datetime(moment, TIME_FORMAT)


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


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
