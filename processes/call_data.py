"""What handlers share: the call they receive, their error, and readers of case data values.

Readers turn loosely typed form data (text, numbers as strings, lists or lines of names) into
the values the registry stores, raising `HandlerError` with the field named.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from engine import clock
from engine.store.models import Case


class HandlerError(ValueError):
    """The case data cannot be processed by this handler."""


Row = TypeVar("Row")


def row_by_id(session: Session, model: type[Row], raw: Any, field: str, what: str) -> Row:
    """The registry row whose id the case data holds in `field` (`raw`); HandlerError naming the
    field when the value is not an id or no such row exists."""
    try:
        row = session.get(model, int(raw)) if raw is not None else None
    except (TypeError, ValueError) as exc:
        raise HandlerError(f"{field}: bad value {raw!r}") from exc
    if row is None:
        raise HandlerError(f"{field}: unknown {what} {raw!r}")
    return row


def now() -> datetime:
    return clock.now()


def text(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise HandlerError(f"missing value for {key!r}")
        return None
    return str(value).strip()


def required(data: dict[str, Any], key: str) -> str:
    value = text(data, key, required=True)
    assert value is not None
    return value


def parse_time(value: Any) -> datetime:
    """An ISO datetime (as stored in case data) as a datetime."""
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise HandlerError(f"not a date and time: {value!r}") from exc


def money(data: dict[str, Any], key: str) -> Decimal:
    value = data.get(key)
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise HandlerError(f"{key!r} is not an amount: {value!r}") from exc
    if amount < 0:
        raise HandlerError(f"{key!r} must not be negative")
    return amount


def names(value: Any) -> list[str]:
    """A list of names from a list, or from text with one name per line (or comma-separated)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).replace(",", "\n").splitlines()
    seen: list[str] = []
    for item in items:
        name = "" if item is None else str(item).strip()
        if name and name not in seen:
            seen.append(name)
    return seen


def one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def case_starter(session: Session, case_id: int) -> str | None:
    """Who started the case (the engine's `Case.started_by`): the proposing entity, when the
    case data does not name one."""
    case = session.get(Case, case_id)
    return case.started_by if case is not None else None
