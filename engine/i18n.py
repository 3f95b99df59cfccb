"""Messages people read, as English templates the doors translate.

The engine speaks English and imports no Flask: a message a person may read is built with
`msg(N_("case %(case)s is %(status)s"), case=7, status=...)`. `N_` only marks the template
so that pybabel extracts it (`-k N_`, see the Makefile's `i18n` target); `Message.text()`
is the English text (what the CLI and the logs show); a door that knows the reader's
language translates the template and fills the same parameters (web.i18n.translate).
A parameter may itself be a `Message` (a verb, a status): it is translated too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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


__all__ = ["N_", "STATE_WORDS", "Message", "msg", "render", "state_word"]
