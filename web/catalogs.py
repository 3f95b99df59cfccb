"""The message catalogs: which messages each language still lacks, and compiling them.

    python -m web.catalogs            # per language: the messages without a translation
    python -m web.catalogs --compile  # build the .mo files that are older than their .po

`make i18n` (extract -> update -> compile) prints the same list; the test
tests/web/test_i18n_catalogs.py fails while any language lacks a message.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"


def locales() -> list[str]:
    """The languages that have a catalog (folder names under web/translations)."""
    return sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists())


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def untranslated(locale: str) -> list[str]:
    """Messages of the template (messages.pot) that `locale`'s catalog lacks, leaves empty or
    marks fuzzy (English counts as translated: its messages are their own translation)."""
    template = read(TEMPLATE)
    catalog = read(po_path(locale), locale)
    out: list[str] = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        if locale == "en" and found is not None:
            continue
        strings = (found.string if isinstance(found.string, (tuple, list)) else (found.string,)) \
            if found is not None else ("",)
        if found is None or found.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def compile_catalogs(force: bool = False) -> list[str]:
    """Write each messages.mo that is missing or older than its .po; the locales compiled."""
    done: list[str] = []
    for locale in locales():
        po, mo = po_path(locale), po_path(locale).with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read(po, locale)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        done.append(locale)
    return done


def main(argv: list[str]) -> int:
    if "--compile" in argv:
        print("compiled:", ", ".join(compile_catalogs(force="--force" in argv)) or "nothing to do")
        return 0
    missing_any = False
    for locale in locales():
        missing = untranslated(locale)
        missing_any = missing_any or bool(missing)
        print(f"{locale}: {len(missing)} untranslated")
        for message in missing:
            print(f"  {message!r}")
    return 1 if missing_any else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
