"""The reader's language and time zone, and everything that turns engine values into their words.

Language: the header switch or the profile page (the user's choice, kept on the account
and, before sign-in, in the session) first; otherwise the browser's `Accept-Language`;
English when nothing matches. The API answers by `Accept-Language` alone (no session).
Time zone: the user's (the browser's zone until they choose one, engine.access.preferences).

Engine messages (engine.i18n.Message) are translated here with the catalogs in
web/translations/; the processes' own words come from their translation files
(web.process_texts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from babel import Locale
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_babel import format_timedelta, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import clock
from engine.access.preferences import set_language
from engine.errors import EngineError
from engine.i18n import Message, render, show_moment
from engine.store.db import as_utc
from web.db import get_db, transaction

bp = Blueprint("i18n", __name__)
LANGUAGE_NAMES = {"en": "English", "pt": "Português (Brasil)", "zh": "简体中文"}
"""Each language's name in itself (what the switch shows). Add a fourth language here and in
config LANGUAGES (README: "Adding a language")."""
API_PREFIX = "/api/"


def languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The language of this request (Flask-Babel's locale selector)."""
    offered = languages()
    if not request.path.startswith(API_PREFIX):
        chosen = session.get("lang")
        if current_user and current_user.is_authenticated and current_user.language:
            chosen = current_user.language
        if chosen in offered:
            return str(chosen)
    return request.accept_languages.best_match(offered) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    return current_user.timezone if current_user and current_user.is_authenticated else None


def current_language() -> str:
    return str(get_locale() or "en")


def translate(message: Message | str) -> str:
    """An engine message in the reader's language (plain text is shown as it is)."""
    if isinstance(message, Message):
        return render(message, lambda template: _(template))
    return message


def error_text(exc: EngineError) -> str:
    """An engine error's message in the reader's language."""
    return translate(exc.template) if exc.template is not None else exc.message


def show_time(moment: datetime | None) -> str:
    """A UTC time in the reader's zone and language, the zone named (engine.i18n.show_moment)."""
    return time_shower()(moment)


def time_shower() -> Callable[[datetime | None], str]:
    """`show_time` with the reader's language and zone looked up once, for long lists (a
    timeline of 200 events looked them up 200 times)."""
    locale, zone = get_locale() or Locale("en"), get_timezone()

    def show(moment: datetime | None) -> str:
        return show_moment(as_utc(moment), locale, zone) if moment is not None else ""
    return show


def overdue_label(due: datetime | None) -> str:
    """ "3 days overdue" / "due in 2 hours", in the reader's language; '' without a due time."""
    if due is None:
        return ""
    delta = as_utc(due) - clock.now()
    if delta.total_seconds() < 0:
        return _("%(time)s overdue", time=format_timedelta(-delta, threshold=0.9))
    return _("due in %(time)s", time=format_timedelta(delta, threshold=0.9))


def template_globals() -> dict[str, Any]:
    lang = current_language()
    return {"lang": lang, "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in languages()],
            "html_lang": {"zh": "zh-Hans", "pt": "pt-BR"}.get(lang, lang)}


@bp.route("/language", methods=["POST"])
@transaction
def switch() -> Response:
    """The header's language switch: kept in the session, and on the account when signed in."""
    code = request.form.get("lang") or None
    code = code if code in languages() else None
    session["lang"] = code
    if current_user.is_authenticated:
        set_language(get_db(), current_user.username, languages=languages(), language=code)
    target = request.form.get("next") or ""
    safe = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return redirect(target if safe else url_for("inbox.index"))


__all__ = ["LANGUAGE_NAMES", "bp", "current_language", "error_text", "overdue_label", "select_locale",
           "select_timezone", "show_time", "template_globals", "translate"]
