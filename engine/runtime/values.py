"""What the engine accepts as a value from outside: the bounds every door applies.

* Text: no NUL character (PostgreSQL cannot store it) and no lone surrogate (not
  encodable as UTF-8): `text_problem`.
* JSON: at most `MAX_DEPTH` levels, finite numbers only (no NaN or Infinity, which are
  not JSON and would be served back as invalid JSON), integers within 64 bits, and
  its strings (keys too) as text above: `json_problem`; `loads` parses JSON text
  under the same rules without ever raising anything but `ValueRefused`.
* Ids and numbers in URLs: within a signed 32-bit integer (`MAX_ID`), the range of
  the database's id columns: `id_problem`.

The doors (web pages, API, CLI) call these and translate a refusal into their own
answer (400); `engine.runtime.data.check_data` applies them to case data.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64
MAX_ID = 2**31 - 1
MAX_INT = 2**63 - 1
_MAX_INT_DIGITS = len(str(MAX_INT)) + 1


class ValueRefused(ValueError):
    """A value from outside that the engine does not accept; the message says why."""


def text_problem(value: str) -> str | None:
    """Why this text is refused (None when it is fine)."""
    if "\x00" in value:
        return "text may not contain a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text may not contain a lone surrogate (an unpaired \\ud800-\\udfff)"
    return None


def id_problem(value: int) -> str | None:
    if not -MAX_ID - 1 <= value <= MAX_ID:
        return f"the number {_short(str(value))} is out of range (at most {MAX_ID})"
    return None


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:20] + "..."


def json_problem(value: Any, what: str = "data") -> str | None:
    """Why this JSON value is refused (None when it is fine); iterative, no recursion."""
    stack: list[tuple[Any, int, str]] = [(value, 0, what)]
    while stack:
        item, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            return f"{what} is nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return f"{where}: {problem}"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_INT:
                return f"{where}: integers must fit in 64 bits"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{where}: {item} is not a JSON number"
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    return f"{where}: object keys must be strings"
                problem = text_problem(key)
                if problem:
                    return f"{where}: a key: {problem}"
                stack.append((child, depth + 1, f"{where}.{_short(key)}"))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1, f"{where}[{i}]") for i, child in enumerate(item))
        else:
            return f"{where}: a {type(item).__name__} is not JSON data"
    return None


def _constant(name: str) -> Any:
    raise ValueRefused(f"{name} is not a JSON number")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueRefused(f"the integer {_short(text)} does not fit in 64 bits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueRefused(f"the number {_short(text)} is not finite")
    return value


def loads(text: str | bytes, what: str = "the JSON body") -> Any:
    """Parse JSON text under the engine's rules; any problem is a ValueRefused."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueRefused(f"{what} is not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_int=_int, parse_float=_float)
    except ValueRefused:
        raise
    except json.JSONDecodeError as exc:
        raise ValueRefused(f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                           f"column {exc.colno})") from None
    except RecursionError:
        raise ValueRefused(f"{what} is nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, OverflowError) as exc:
        raise ValueRefused(f"{what} is not acceptable JSON: {exc}") from None
    problem = json_problem(value, what)
    if problem:
        raise ValueRefused(problem)
    return value


__all__ = ["MAX_DEPTH", "MAX_ID", "MAX_INT", "ValueRefused", "id_problem", "json_problem", "loads",
           "text_problem"]
