"""What a registry page shows: sections of entries, each with facts and links to its cases.

Shared by the registry's page modules (web/registry_pages.py and the sections beside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _


@dataclass(frozen=True)
class CaseLink:
    label: str
    url: str


@dataclass(frozen=True)
class Entry:
    title: str
    facts: list[tuple[str, str]]
    cases: list[CaseLink]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    entries: list[Entry]


def case_links(case_id: int | None) -> list[CaseLink]:
    if case_id is None:
        return []
    return [CaseLink(_("Case %(id)d", id=case_id), url_for("dashboard.case", case_id=case_id))]


def day(value: date | None) -> str:
    return format_date(value) if value else ""


def money(value: Decimal | None) -> str:
    return format_decimal(value or 0, format="#,##0.00")


__all__ = ["CaseLink", "Entry", "Section", "case_links", "day", "money"]
