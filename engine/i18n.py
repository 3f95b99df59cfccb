"""Messages people read, as English templates the doors translate.

The engine speaks English and imports no Flask: a message a person may read is built with
`msg(N_("case %(case)s is %(status)s"), case=7, status=...)`. `N_` only marks the template
so that pybabel extracts it (`-k N_`, see the Makefile's `i18n` target); `Message.text()`
is the English text (what the CLI and the logs show); a door that knows the reader's
language translates the template and fills the same parameters (web.i18n.translate).
A parameter may itself be a `Message` (a verb, a status): it is translated too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.support import NullTranslations, Translations


def N_(template: str) -> str:
    """Mark `template` for extraction without translating it (the engine speaks English)."""
    return template


@dataclass(frozen=True)
class Message:
    """An English template (`%(name)s` placeholders) and the values that fill it."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The message in English, placeholders filled in."""
        return render(self, lambda template: template)

    def __str__(self) -> str:
        return self.text()


def msg(template: str, **params: Any) -> Message:
    """A message: `template` must be marked with N_ at the call (so pybabel finds it)."""
    return Message(template, params)


STATE_WORDS = {"running": N_("running"), "completed": N_("completed"), "cancelled": N_("cancelled"),
               "suspended": N_("suspended"), "failed": N_("failed"), "open": N_("open")}
"""The words for case and task states, as they appear inside a sentence."""


def state_word(state: str) -> Message | str:
    """A case or task state inside a message (translated by the door), or the state as is."""
    return Message(STATE_WORDS[state]) if state in STATE_WORDS else state


def render(message: Message, gettext: Any) -> str:
    """`message` through `gettext` (a function template -> translated template), nested
    messages too; a translation that breaks its placeholders falls back to English."""
    values = {k: render(v, gettext) if isinstance(v, Message) else v for k, v in message.params.items()}
    translated = gettext(message.template)
    try:
        return translated % values if values or "%(" in translated else translated
    except (KeyError, ValueError, TypeError):
        return message.template % values if values else message.template


def show_moment(moment: datetime, locale: Locale, zone: tzinfo) -> str:
    """A time in `zone` and `locale`, the zone named: the locale's medium date, a 24-hour time,
    the locale's way of joining them ("Nov 29, 2026, 18:30 GMT+8", "29 de nov. de 2026 18:30
    GMT+8", "2026年11月29日 18:30 GMT+8"). The pages and the notifications say times alike."""
    local = moment.astimezone(zone)
    text = _day_pattern(local.date(), str(locale)).replace("{0}", f"{local:%H:%M}")
    return f"{text} {gmt_offset(local)}"


@lru_cache(maxsize=1024)
def _day_pattern(day: date, locale: str) -> str:
    """The locale's date-and-time pattern with the day filled in ("{0}" left for the time,
    which is HH:mm with Latin digits in every language served): a timeline of 200 events
    mostly repeats a few days, and Babel's formatting was a third of the case page's time."""
    parsed = Locale.parse(locale)
    joined = str(parsed.datetime_formats.get("medium", "{1} {0}"))
    return joined.replace("{1}", format_date(day, "medium", locale=parsed))


def gmt_offset(moment: datetime) -> str:
    """The offset of an aware time, the way CLDR's short form writes it in English, Portuguese
    and Chinese alike: "GMT+8", "GMT-3", "GMT+5:30", "GMT"."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if not minutes:
        return "GMT"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"GMT{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


@lru_cache(maxsize=32)
def _catalog(directory: str, language: str) -> NullTranslations:
    return Translations.load(directory, [language], domain="messages")


def catalog_gettext(directory: Path | None, language: str | None) -> Callable[[str], str]:
    """`gettext` of the compiled catalog for `language` under `directory` (the web's
    translations: one catalog for the doors and the engine's N_ templates), for what the
    engine writes on its own in a person's language (notifications and their mails). English,
    a language without a catalog or no directory: the template as is."""
    if directory is None or not language or language == "en":
        return N_
    return _catalog(str(directory), language).gettext


__all__ = ["N_", "STATE_WORDS", "Message", "catalog_gettext", "gmt_offset", "msg", "render",
           "show_moment", "state_word"]
