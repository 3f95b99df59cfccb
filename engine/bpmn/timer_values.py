"""Timer values (ISO 8601 durations, dates and cycles), bounded and computed in closed form.

SpiffWorkflow 3.2.0 turns a duration of months into days by stepping month by
month, so `P99999999999999Y` loops for ever (holding a request, the SQLite write lock
or a worker). The functions here replace its computation (installed by
engine.runtime.spiff_patches) and are what deploy-time validation checks literal
values with:

* a duration, a date (relative to now) and a cycle's interval span at most
  `MAX_YEARS` years; a cycle repeats at most `MAX_REPETITIONS` times and its
  interval is longer than zero (each firing adds one occurrence: missed ones
  collapse, engine.runtime.spiff_patches);
* months and years are calendar-aware exactly as SpiffWorkflow computes them (the
  days of the months crossed, counted from the start or back from the end), but by
  arithmetic on month indexes instead of a loop;
* a fraction is allowed on the last element only (`PT1.5H`, `P0.5M`), as in SpiffWorkflow.

Every refusal is a `TimerValueError` (a ValueError) saying what is wrong in plain words.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import LOCALTZ

from engine import clock

MAX_YEARS = 100
MAX_SPAN = timedelta(days=round(365.25 * MAX_YEARS))
MAX_REPETITIONS = 10_000
MAX_TEXT = 100

_NUMBER = r"(\d{1,20}(?:[.,]\d{1,9})?)"
_DURATION = re.compile(
    rf"^P(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:(T)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$", re.IGNORECASE)
_PARTS = ("years", "months", "weeks", "days", "t", "hours", "minutes", "seconds")
#: The most of each part that can fit in MAX_YEARS (checked before any arithmetic).
_PART_CEILING = {"years": MAX_YEARS, "months": 12 * MAX_YEARS, "weeks": 53 * MAX_YEARS,
                 "days": MAX_SPAN.days, "hours": MAX_SPAN.days * 24,
                 "minutes": MAX_SPAN.days * 1440, "seconds": MAX_SPAN.days * 86400}
_WEEK_DATE = re.compile(r"^(\d{4})W(\d{2})(\d)(T.+)?$")


class TimerValueError(ValueError):
    """A timer value that is malformed or out of bounds."""


def _too_long(text: str, what: str) -> TimerValueError:
    return TimerValueError(f"{what} '{_shown(text)}' is longer than {MAX_YEARS} years")


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def parse_duration(expression: str) -> dict[str, int | float]:
    """`P1Y2M`, `PT10M`, `P2W` ... as SpiffWorkflow's parts dict, refusing more than MAX_YEARS."""
    if not isinstance(expression, str):
        raise TimerValueError(f"a duration must be text, not {type(expression).__name__}")
    text = expression.strip()
    if len(text) > MAX_TEXT:
        raise TimerValueError(f"duration '{_shown(text)}' is too long to be a duration")
    match = _DURATION.match(text)
    if match is None or not any(g for i, g in enumerate(match.groups()) if _PARTS[i] != "t"):
        raise TimerValueError(f"'{_shown(text)}' is not an ISO 8601 duration (such as P30D or PT10M)")
    values = dict(zip(_PARTS, match.groups(), strict=True))
    has_t = values.pop("t") is not None
    present = [name for name in _PARTS if name != "t" and values.get(name) is not None]
    if has_t and not any(n in present for n in ("hours", "minutes", "seconds")):
        raise TimerValueError(f"'{_shown(text)}' has a T but no hours, minutes or seconds")
    if "weeks" in present and any(n in present for n in ("years", "months", "days")):
        raise TimerValueError(f"'{_shown(text)}' mixes weeks with years, months or days")
    parsed: dict[str, int | float] = {}
    for name in present:
        raw = str(values[name]).replace(",", ".")
        if "." in raw and name != present[-1]:
            raise TimerValueError(f"'{_shown(text)}': only the last part may have a fraction")
        number: int | float = float(raw) if "." in raw else int(raw)
        if number > _PART_CEILING[name]:
            raise _too_long(text, "duration")
        parsed[name] = number
    if _rough_span(parsed) > MAX_SPAN:
        raise _too_long(text, "duration")
    return parsed


def _rough_span(parsed: dict[str, int | float]) -> timedelta:
    """An upper bound of the duration (31-day months, 366-day years)."""
    days = (parsed.get("years", 0) * 366 + parsed.get("months", 0) * 31
            + parsed.get("weeks", 0) * 7 + parsed.get("days", 0))
    seconds = parsed.get("hours", 0) * 3600 + parsed.get("minutes", 0) * 60 + parsed.get("seconds", 0)
    return timedelta(days=days, seconds=seconds)


def _month_index(moment: date) -> int:
    return moment.year * 12 + moment.month - 1


def _days_in(index: int) -> int:
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise TimerValueError("the timer falls outside the calendar (years 1 to 9999)")
    return monthrange(year, month + 1)[1]


def _days_between_months(first: int, last: int) -> int:
    """Days from the 1st of month index `first` to the 1st of month index `last`."""
    for index in (first, last):
        if not 12 <= index < 12 * 10000:
            raise TimerValueError("the timer falls outside the calendar (years 1 to 9999)")
    start = date(first // 12, first % 12 + 1, 1)
    end = date(last // 12, last % 12 + 1, 1)
    return (end - start).days


def _bounded(delta: timedelta, what: str) -> timedelta:
    if delta > MAX_SPAN:
        raise TimerValueError(f"{what} is longer than {MAX_YEARS} years")
    return delta


def timedelta_from_start(parsed: dict[str, int | float], start: datetime | None = None) -> timedelta:
    """The duration as a timedelta, its months counted forward from `start` (default: now)."""
    start = start or now()
    parts = dict(parsed)
    months = parts.pop("months", 0) + parts.pop("years", 0) * 12
    days = float(parts.pop("days", 0))
    whole = int(months)
    first = _month_index(start)
    days += _days_between_months(first, first + whole)
    if months != whole:
        days += (months - whole) * _days_in(first + whole)
    return _bounded(timedelta(days=days, **parts), "the duration")


def timedelta_from_end(parsed: dict[str, int | float], end: datetime) -> timedelta:
    """The duration as a timedelta, its months counted back from `end`."""
    parts = dict(parsed)
    months = parts.pop("months", 0) + parts.pop("years", 0) * 12
    days = float(parts.pop("days", 0))
    whole = int(months)
    last = _month_index(end)
    days += _days_between_months(last - whole, last)
    if months != whole:
        days += (months - whole) * _days_in(last - whole - 1)
    return _bounded(timedelta(days=days, **parts), "the duration")


def now() -> datetime:
    return clock.now().astimezone(UTC)


def parse_date(expression: str, *, reference: datetime | None = None,
               zone: tzinfo = LOCALTZ) -> datetime:
    """An ISO date or date-time (or ISO week date) in UTC, at most MAX_YEARS from now
    (`reference`); without an offset it is read in `zone` (SpiffWorkflow: the server's)."""
    if not isinstance(expression, str):
        raise TimerValueError(f"a date must be text, not {type(expression).__name__}")
    text = expression.strip()
    if len(text) > MAX_TEXT:
        raise TimerValueError(f"'{_shown(text)}' is too long to be a date")
    week = _WEEK_DATE.match(text.upper().replace("-", ""))
    try:
        if week and "W" in text.upper():
            year, number, day, rest = week.groups()
            day_text = datetime.fromisocalendar(int(year), int(number), int(day)).strftime("%Y-%m-%d")
            moment = datetime.fromisoformat(day_text + (rest or ""))
        else:
            moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = datetime.combine(moment.date(), moment.time(), zone)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise TimerValueError(f"'{_shown(text)}' is not an ISO 8601 date or date-time "
                              f"({exc})") from None
    reference = reference or now()
    if abs(moment - reference) > MAX_SPAN:
        raise TimerValueError(f"the date {moment.date().isoformat()} is more than {MAX_YEARS} "
                              "years away")
    return moment


def parse_time_or_duration(expression: str) -> datetime | dict[str, int | float]:
    """As SpiffWorkflow: a duration's parts (text starting with P), else a date."""
    if isinstance(expression, str) and expression.strip().upper().startswith("P"):
        return parse_duration(expression)
    return parse_date(expression)


def parse_cycle(expression: str) -> tuple[int, datetime, timedelta]:
    """`R[n]/duration`, `R[n]/start/duration`, `R[n]/duration/end` -> (repetitions, first, interval).

    Repetitions -1 means unbounded; the first firing of `R/duration` is one interval after now.
    """
    if not isinstance(expression, str):
        raise TimerValueError(f"a cycle must be text, not {type(expression).__name__}")
    text = expression.strip()
    if len(text) > 2 * MAX_TEXT + 10:
        raise TimerValueError(f"'{_shown(text)}' is too long to be a cycle")
    components = text.upper().replace("--", "/").strip("R").split("/")
    if not text.upper().startswith("R") or len(components) not in (2, 3):
        raise TimerValueError(f"'{_shown(text)}' is not an ISO 8601 cycle (such as R/P1D or "
                              "R3/PT10M)")
    count = components[0]
    if count and not (count.isdigit() or count == "-1"):
        raise TimerValueError(f"'{_shown(text)}': the number of repetitions must be a whole number")
    if len(count) > 12 or (count.isdigit() and int(count) > MAX_REPETITIONS):
        raise TimerValueError(f"'{_shown(text)}' repeats more than {MAX_REPETITIONS} times")
    cycles = int(count) if count else -1
    first = parse_time_or_duration(components[1])
    second = parse_time_or_duration(components[2]) if len(components) == 3 else None
    if isinstance(first, datetime) and isinstance(second, dict):
        start, interval = first, timedelta_from_start(second, first)
    elif isinstance(first, dict) and isinstance(second, datetime):
        interval = timedelta_from_end(first, second)
        start = second - interval
    elif isinstance(first, dict) and second is None:
        interval = timedelta_from_start(first)
        start = now() + interval
    else:
        raise TimerValueError(f"'{_shown(text)}' is not a valid cycle (give one duration and "
                              "at most one date)")
    if interval <= timedelta(0):
        raise TimerValueError(f"'{_shown(text)}': the interval of a cycle must be longer than zero")
    return cycles, start, interval


def check(kind: str, value: Any) -> str | None:
    """Why a literal timer value is refused (None when it is fine): the deploy-time check.

    `kind` is the BPMN element: timeDuration, timeDate or timeCycle.
    """
    try:
        if kind == "timeDuration":
            if not str(value).strip().upper().startswith("P"):
                return f"timeDuration '{_shown(str(value))}' is not a duration (such as P30D or PT10M)"
            timedelta_from_start(parse_duration(value))
        elif kind == "timeDate":
            if str(value).strip().upper().startswith("P"):
                return (f"timeDate '{_shown(str(value))}' is a duration; use timeDuration, or give "
                        "a date such as 2027-01-15T09:00:00Z")
            parse_date(value)
        elif kind == "timeCycle":
            parse_cycle(value)
    except TimerValueError as exc:
        return str(exc)
    return None


__all__ = ["MAX_REPETITIONS", "MAX_SPAN", "MAX_YEARS", "TimerValueError", "check", "parse_cycle",
           "parse_date", "parse_duration", "parse_time_or_duration", "timedelta_from_end",
           "timedelta_from_start"]
