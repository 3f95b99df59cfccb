"""What a user chooses for themselves: the language they read and the time zone they live in.

The doors offer the languages they have catalogs for (`languages`); the engine checks the
choice, so the profile page, the header switch and the sign-in's browser zone obey one rule.
A time zone the user never chose follows their browser: `adopt_browser_timezone` replaces the
default at sign-in, and stops once the user has chosen one on the profile page. The
browser's language is kept at each sign-in too (`adopt_browser_language`): the worker writes
mails in it for people who chose none.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.orm import Session

from engine.access.users import get_user
from engine.errors import InvalidInput
from engine.i18n import N_, msg
from engine.store.models import User

MAX_ZONE = 64


@lru_cache(maxsize=1)
def time_zones() -> list[str]:
    """Every IANA zone name this machine knows, sorted (what the profile page offers)."""
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


def check_timezone(name: str) -> str:
    """`name` when it is an IANA time zone; InvalidInput naming it otherwise."""
    name = (name or "").strip()
    try:
        if not name or len(name) > MAX_ZONE or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(msg(N_("“%(zone)s” is not a time zone (use a name such as Asia/Shanghai)"),
                               zone=name[:MAX_ZONE]), field="timezone") from None
    return name


def check_language(code: str | None, languages: Collection[str]) -> str | None:
    """`code` when it is one of `languages`; None (the browser's) for an empty choice."""
    if not code:
        return None
    if code not in languages:
        raise InvalidInput(msg(N_("“%(language)s” is not one of the languages offered (%(offered)s)"),
                               language=code[:16], offered=", ".join(languages)), field="language")
    return code


def set_preferences(session: Session, username: str, *, languages: Collection[str],
                    language: str | None, timezone: str) -> User:
    """The user's own choice of language (None: their browser's) and time zone."""
    user = get_user(session, username)
    user.language = check_language(language, languages)
    user.timezone = check_timezone(timezone)
    user.timezone_chosen = True
    return user


def set_language(session: Session, username: str, *, languages: Collection[str],
                 language: str | None) -> User:
    """The language switch in the header: only the language."""
    user = get_user(session, username)
    user.language = check_language(language, languages)
    return user


def adopt_browser_timezone(session: Session, username: str, zone: str | None) -> bool:
    """At sign-in: the browser's zone becomes the user's while they have not chosen one.

    An unreadable zone is ignored (the browser is not the user): True when it was taken."""
    user = get_user(session, username)
    if user.timezone_chosen or not zone:
        return False
    try:
        zone = check_timezone(zone)
    except InvalidInput:
        return False
    user.timezone = zone
    return True


def adopt_browser_language(session: Session, username: str, code: str | None,
                           languages: Collection[str]) -> bool:
    """At sign-in: remember the language the browser reads (one of `languages`), for mail."""
    if not code or code not in languages:
        return False
    user = get_user(session, username)
    user.browser_language = code
    return True


def reading_language(user: User) -> str | None:
    """The language a person reads when the engine writes to them: theirs, else their browser's."""
    return user.language or user.browser_language


__all__ = ["adopt_browser_language", "adopt_browser_timezone", "check_language", "check_timezone",
           "reading_language", "set_language", "set_preferences", "time_zones"]
