"""What a notification says: a subject and a sentence per kind, and its link.

The texts are English templates marked `N_` (extracted with the web's catalog, see README):
`render(kind, params, translate)` fills them, so that the languages issue only has to pass
each person's `gettext`. Times are shown in the person's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from engine.i18n import show_moment
from engine.notify.kinds import Kind

Translate = Callable[[str], str]


def N_(text: str) -> str:
    return text


SUBJECTS: dict[str, str] = {
    Kind.TASK_OFFERED: N_("New task: %(task)s (%(case)s)"),
    Kind.TASK_ASSIGNED: N_("A task was given to you: %(task)s (%(case)s)"),
    Kind.CASE_NEEDS_YOU: N_("Your case needs you: %(task)s (%(case)s)"),
    Kind.TASK_DUE_SOON: N_("Due tomorrow: %(task)s (%(case)s)"),
    Kind.TASK_OVERDUE: N_("Overdue: %(task)s (%(case)s)"),
    Kind.CASE_FINISHED: N_("Your case was %(outcome)s: %(case)s"),
    Kind.MENTION: N_("%(author)s mentioned you on %(case)s"),
    Kind.INCIDENT: N_("Needs attention: %(case)s"),
    Kind.REMINDER: N_("Reminder: %(subject)s"),
}
SENTENCES: dict[str, str] = {
    Kind.TASK_OFFERED: N_("“%(task)s” in %(process)s is waiting for %(whom)s. Whoever takes it first "
                          "works on it."),
    Kind.TASK_ASSIGNED: N_("“%(task)s” in %(process)s is yours to do."),
    Kind.CASE_NEEDS_YOU: N_("The case you started, %(case)s, is waiting for you: “%(task)s”."),
    Kind.TASK_DUE_SOON: N_("“%(task)s” is due on %(due)s."),
    Kind.TASK_OVERDUE: N_("“%(task)s” was due on %(due)s and is not done yet."),
    Kind.CASE_FINISHED: N_("The case you started, %(case)s (%(process)s), was %(outcome)s."),
    Kind.MENTION: N_("%(author)s wrote: “%(excerpt)s”"),
    Kind.INCIDENT: N_("A step of %(process)s failed at %(element)s: %(error)s"),
    Kind.REMINDER: N_("%(text)s"),
}
OUTCOMES = {"completed": N_("completed"), "cancelled": N_("cancelled")}
WHOM_YOU = N_("you and the others it is offered to")


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    link: str


def show_time(value: str | None, timezone: str, language: str | None = None) -> str:
    """An ISO time in the person's zone and language, the zone named."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
        zone = ZoneInfo(timezone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        return value or ""
    try:
        locale = Locale.parse((language or "en").replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    return show_moment(moment, locale, zone)


def link_for(kind: str, params: dict[str, Any]) -> str:
    """A path in the app: the task for task kinds, else the case."""
    if params.get("task_id") and kind not in (Kind.CASE_FINISHED, Kind.INCIDENT, Kind.MENTION):
        return f"/tasks/{params['task_id']}"
    if params.get("case_id"):
        return f"/cases/{params['case_id']}"
    return "/inbox/"


def render(kind: str, params: dict[str, Any], *, timezone: str = "UTC",
           translate: Translate = N_, language: str | None = None) -> Text:
    """The notification in `language` (`translate` is its gettext), times in `timezone`."""
    values = {k: ("" if v is None else v) for k, v in params.items()}
    values.setdefault("task", "")
    values.setdefault("case", "")
    values.setdefault("process", "")
    values["whom"] = values.get("whom") or translate(WHOM_YOU)
    values["due"] = show_time(params.get("due"), timezone, language)
    values["outcome"] = translate(OUTCOMES.get(str(params.get("outcome")), str(params.get("outcome", ""))))
    for key in ("author", "excerpt", "element", "error", "subject", "text"):
        values.setdefault(key, "")
    subject = translate(SUBJECTS.get(kind, "%(case)s")) % values
    body = translate(SENTENCES.get(kind, "%(case)s")) % values
    return Text(" ".join(subject.split())[:300], body, link_for(kind, params))


__all__ = ["N_", "SENTENCES", "SUBJECTS", "Text", "link_for", "render", "show_time"]
