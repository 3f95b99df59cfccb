"""Date helpers available to scripts: ISO strings in, ISO strings out (task data stays JSON).

They read the engine's one clock (`engine.clock`); tests move it with `engine.clock.set_clock`.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from engine import clock as engine_clock


def _now() -> datetime:
    moment = engine_clock.now()
    if moment.tzinfo is None:
        raise ValueError("the engine clock must return a timezone-aware datetime")
    return moment


def _parse(value: str) -> date | datetime:
    """An ISO date ('2027-01-15') stays a date; anything with a time is a datetime."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date string, got {type(value).__name__}")
    text = value.strip()
    if len(text) <= 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)


def now_iso() -> str:
    """The current moment as an ISO 8601 string with its UTC offset."""
    return _now().isoformat()


def today_iso() -> str:
    """Today's date (in the clock's time zone, UTC by default) as 'YYYY-MM-DD'."""
    return _now().date().isoformat()


def add_days(value: str, days: int | float) -> str:
    return (_parse(value) + timedelta(days=days)).isoformat()


def add_months(value: str, months: int) -> str:
    """Calendar months; the day is clamped to the target month's length (Jan 31 + 1 = Feb 28)."""
    if not isinstance(months, int):
        raise TypeError("months must be an integer")
    moment = _parse(value)
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day).isoformat()


def add_years(value: str, years: int) -> str:
    """Calendar years; Feb 29 becomes Feb 28 in a non-leap year."""
    if not isinstance(years, int):
        raise TypeError("years must be an integer")
    return add_months(value, years * 12)


def days_between(start: str, end: str) -> int:
    """Whole days from `start` to `end` (negative if `end` is earlier), truncated toward zero.

    If either value is a plain date, both are compared as calendar dates.
    """
    a, b = _parse(start), _parse(end)
    if not isinstance(a, datetime) or not isinstance(b, datetime):
        a_day = a.date() if isinstance(a, datetime) else a
        b_day = b.date() if isinstance(b, datetime) else b
        return (b_day - a_day).days
    return int((b - a).total_seconds() / 86400)


def parse_date(value: str) -> str:
    """Normalize an ISO date or date-time ('2027-01-15T09:00:00Z' -> '...+00:00')."""
    return _parse(value).isoformat()


def format_date(value: str, fmt: str = "%Y-%m-%d") -> str:
    if not isinstance(fmt, str) or len(fmt) > 200:
        raise ValueError("format must be a string of at most 200 characters")
    return _parse(value).strftime(fmt)


HELPERS: dict[str, Callable[..., Any]] = {
    "now_iso": now_iso,
    "today_iso": today_iso,
    "add_days": add_days,
    "add_months": add_months,
    "add_years": add_years,
    "days_between": days_between,
    "parse_date": parse_date,
    "format_date": format_date,
}
