"""The checks of one value against its component: text, numbers, yes/no, dates and times.

Each check takes the submitted value and returns the value to keep with the problems
found, as (code, params) pairs of messages.py. Rules mirror form-js 1.23's Validator:
lengths count the trimmed text, `pattern` must match somewhere in the value (as
JavaScript's `test`), min/max/minLength/maxLength may be FEEL, a number's decimalDigits
and increment hold. The server is stricter where form-js trusts its own widgets: values
must have the field's type, text without a maxLength is capped, blank text (spaces only)
does not satisfy `required`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import regex

from engine.forms.conditions import Scope, rule_value
from engine.forms.patterns import EMAIL, PHONE, PatternTimeout, matches
from engine.forms.result import FormLimits

Problem = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Settings:
    """What a check needs besides the value: the limits, the case data, today's date."""

    limits: FormLimits
    context: Mapping[str, Any] | None
    today: date


class Checked(NamedTuple):
    value: Any
    problems: list[Problem]


def problem(code: str, **params: Any) -> Problem:
    return code, params


def is_blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def rules_of(component: dict[str, Any]) -> dict[str, Any]:
    rules = component.get("validate")
    return rules if isinstance(rules, dict) else {}


def _number(value: Any) -> Decimal | None:
    """A number or numeric text as a Decimal; None for anything else (booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and _NUMERIC.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


_LARGEST = Decimal("1e308")  # beyond a JavaScript number
_NUMERIC = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")


def _show(number: Decimal) -> str:
    text = f"{number.normalize():f}"
    return text


def _limit(value: Any, scope: Scope) -> Decimal | None:
    return _number(rule_value(value, scope))


def check_text(component: dict[str, Any], value: Any, required: bool, scope: Scope,
               settings: Settings) -> Checked:
    if value is None:
        return Checked(None, [problem("required")] if required else [])
    if not isinstance(value, str):
        return Checked(value, [problem("not_text")])
    if is_blank(value):
        return Checked(value, [problem("required")] if required else [])
    rules = rules_of(component)
    found: list[Problem] = []
    size = len(value.strip())
    shortest = _limit(rules.get("minLength"), scope)
    longest = _limit(rules.get("maxLength"), scope)
    if shortest is not None and size < shortest:
        found.append(problem("too_short", n=int(shortest)))
    if longest is not None and size > longest:
        found.append(problem("too_long", n=int(longest), size=size))
    elif longest is None and len(value) > settings.limits.max_text_length:
        found.append(problem("too_long", n=settings.limits.max_text_length, size=len(value)))
        return Checked(value, found)  # patterns are not run on text that is too long anyway
    kind = rules.get("validationType")
    if kind in ("email", "phone"):
        found.extend(_pattern(EMAIL if kind == "email" else PHONE, value,
                              settings, problem(str(kind))))
    pattern = rules.get("pattern")
    if isinstance(pattern, str) and pattern:
        custom = rules.get("patternErrorMessage")
        failed = (problem("pattern_custom", message=custom) if isinstance(custom, str) and custom
                  else problem("pattern"))
        found.extend(_pattern(pattern, value, settings, failed))
    return Checked(value, found)


def _pattern(pattern: str | regex.Pattern[str], value: str, settings: Settings,
             failed: Problem) -> list[Problem]:
    try:
        matched = matches(pattern, value, settings.limits.pattern_timeout)
    except PatternTimeout:
        return [problem("pattern_timeout")]
    return [failed] if matched is False else []


def _decimal_places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_number(component: dict[str, Any], value: Any, required: bool, scope: Scope,
                 settings: Settings) -> Checked:
    if value is None or value == "":
        return Checked(None, [problem("required")] if required else [])
    number = _number(value)
    if number is None or abs(number) > _LARGEST:
        return Checked(value, [problem("not_number")])
    found: list[Problem] = []
    digits = component.get("decimalDigits")
    places = _decimal_places(number)
    if isinstance(digits, int) and not isinstance(digits, bool) and digits >= 0 and places > digits:
        found.append(problem("not_integer") if digits == 0 else problem("decimals", n=digits))
    rules = rules_of(component)
    lowest = _limit(rules.get("min"), scope)
    highest = _limit(rules.get("max"), scope)
    if lowest is not None and number < lowest:
        found.append(problem("too_small", n=_show(lowest)))
    if highest is not None and number > highest:
        found.append(problem("too_large", n=_show(highest)))
    step = _number(component.get("increment"))
    if step is not None and step > 0:
        try:
            offset = number % step
        except InvalidOperation:  # too many digits between the two to tell: form-js can't either
            offset = Decimal(0)
        if offset != 0:
            below = number - offset
            found.append(problem("increment", below=_show(below), above=_show(below + step)))
    return Checked(_clean_number(component, value, number), found)


def _clean_number(component: dict[str, Any], value: Any, number: Decimal) -> Any:
    """form-js keeps a number (or its text, with serializeToString); so does the server."""
    if component.get("serializeToString"):
        return value.strip() if isinstance(value, str) else _show(number)
    if isinstance(value, str) and not any(c in value for c in ".eE"):
        return int(number)
    if isinstance(value, str):
        return float(number)
    if isinstance(value, float) and component.get("decimalDigits") == 0:
        return int(number)
    return value


def check_checkbox(component: dict[str, Any], value: Any, required: bool, scope: Scope,
                   settings: Settings) -> Checked:
    if value is None:
        value = False
    if not isinstance(value, bool):
        return Checked(value, [problem("not_boolean")])
    return Checked(value, [problem("must_tick")] if required and value is not True else [])


_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?"
_FORMATS = {"date": re.compile(_DATE), "time": re.compile(_TIME),
            "datetime": re.compile(f"{_DATE}T{_TIME}")}
_BAD = {"date": "bad_date", "time": "bad_time", "datetime": "bad_datetime"}


def _parse(subtype: str, text: str) -> date | None:
    """The date of a date or date-time (a time gives today's date); None if invalid."""
    utc = text.replace("Z", "+00:00")
    try:
        if subtype == "date":
            return date.fromisoformat(utc)
        if subtype == "time":
            time.fromisoformat(utc)
            return date.min
        return datetime.fromisoformat(utc).date()
    except ValueError:
        return None


def check_datetime(component: dict[str, Any], value: Any, required: bool, scope: Scope,
                   settings: Settings) -> Checked:
    """A date `YYYY-MM-DD`, a time `HH:mm[:ss][Z|±hh:mm]`, or both joined by `T`; kept as text.

    `disallowPassedDates` refuses dates before today, with a day's grace for the time
    zones behind UTC (the server does not know the browser's).
    """
    if value is None or value == "":
        return Checked(None, [problem("required")] if required else [])
    subtype = str(component.get("subtype")) if component.get("subtype") in _FORMATS else "date"
    if not isinstance(value, str) or not _FORMATS[subtype].fullmatch(value):
        return Checked(value, [problem(_BAD[subtype])])
    day = _parse(subtype, value)
    if day is None:
        return Checked(value, [problem(_BAD[subtype])])
    if (component.get("disallowPassedDates") and subtype != "time"
            and day < settings.today - timedelta(days=1)):
        return Checked(value, [problem("past_date")])
    return Checked(value, [])


__all__ = ["Checked", "Problem", "Settings", "check_checkbox", "check_datetime", "check_number",
           "check_text", "is_blank", "problem", "rules_of"]
