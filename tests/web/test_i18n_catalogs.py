"""Every string people read is marked for translation, and every catalog has every message.

Fails when a template has text outside `_()` (in an element or a human attribute), when
a fresh extraction finds a message a catalog lacks (all three languages complete), or when
a translation drops or renames a placeholder. `make i18n` then lists what to translate.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from web import catalogs

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "web" / "templates"
HUMAN_ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt|label)\s*=\s*"([^"]*)"')
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
LETTERS = re.compile(r"[^\W\d_]{2,}")
NOT_WORDS = {"SVG", "JSON", "CSV", "BPMN", "DMN", "FEEL", "YYYY", "MM", "DD", "nbsp", "middot", "rarr",
             "larr", "hellip", "mdash", "ndash", "times", "amp", "lt", "gt", "quot", "Authorization",
             "Bearer"}
"""Tokens that are the same in every language (formats and entities)."""


def unmarked_text(source: str) -> list[str]:
    """Text in a template's HTML that does not go through _() (scripts and styles aside)."""
    Environment().parse(source)  # a template that does not parse fails here, not silently below
    html = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "\x00", source, flags=re.S)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    found: list[str] = []
    for attribute in HUMAN_ATTRIBUTES.findall(html):
        found.extend(w for w in LETTERS.findall(attribute) if w not in NOT_WORDS)
    text = re.sub(r"<[^>]*>", " ", html)
    found.extend(w for w in LETTERS.findall(text) if w not in NOT_WORDS)
    return found


def test_the_check_finds_unmarked_text() -> None:
    assert unmarked_text('<p>{{ _("Inbox") }}</p><td title="{{ _(\'Due\') }}">{{ x }}</td>') == []
    assert unmarked_text("<p>Inbox</p>") == ["Inbox"]
    assert unmarked_text('<input placeholder="Search">') == ["Search"]
    assert unmarked_text("<h1>{{ _('A') }} · 收件箱</h1>") == ["收件箱"]
    assert unmarked_text("<script>var x = 'not for people';</script>") == []


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix()
                                            for p in TEMPLATES.rglob("*.html")))
def test_every_template_string_is_marked(template: str) -> None:
    words = unmarked_text((TEMPLATES / template).read_text(encoding="utf-8"))
    assert not words, f"{template}: text not marked for translation (wrap it in _()): {words}"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """What `make i18n` would extract now (web, the engine's N_ templates, the processes)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "web/babel.cfg",
                    "-k", "_", "-k", "gettext", "-k", "N_", "-k", "lazy_gettext", "-o", str(pot),
                    "web", "engine", "processes"], cwd=ROOT, check=True)
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id and isinstance(m.id, str)}


def test_the_three_catalogs_exist() -> None:
    assert {"en", "pt", "zh"} <= set(catalogs.locales())


@pytest.mark.parametrize("locale", ["en", "pt", "zh"])
def test_every_message_is_in_every_catalog(locale: str, extracted: set[str]) -> None:
    catalog = catalogs.read(catalogs.po_path(locale), locale)
    lacking = sorted(m for m in extracted if catalog.get(m) is None
                     or (locale != "en" and (not catalog.get(m).string or catalog.get(m).fuzzy)))
    assert not lacking, (f"{locale} lacks {len(lacking)} messages; run `make i18n` and translate "
                         f"them in web/translations/{locale}/LC_MESSAGES/messages.po: {lacking[:20]}")


@pytest.mark.parametrize("locale", ["pt", "zh"])
def test_translations_keep_their_placeholders(locale: str) -> None:
    catalog = catalogs.read(catalogs.po_path(locale), locale)
    broken = [m.id for m in catalog if m.id and m.string
              and sorted(PLACEHOLDER.findall(str(m.id))) != sorted(PLACEHOLDER.findall(str(m.string)))]
    assert not broken


def test_untranslated_lists_a_missing_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The script the lead runs after merging (`python -m web.catalogs`) names what is missing."""
    (tmp_path / "xx" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "messages.pot").write_text('msgid ""\nmsgstr ""\n\nmsgid "Inbox"\nmsgstr ""\n\n'
                                           'msgid "Cases"\nmsgstr ""\n', encoding="utf-8")
    (tmp_path / "xx" / "LC_MESSAGES" / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "Inbox"\nmsgstr "Caixa"\n', encoding="utf-8")
    monkeypatch.setattr(catalogs, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(catalogs, "TEMPLATE", tmp_path / "messages.pot")
    assert catalogs.untranslated("xx") == ["Cases"]
    assert catalogs.main([]) == 1
