"""What leaves a script: plain JSON data, measured against a byte budget.

`measure` and `to_json_data` are iterative or depth-bounded and charge every item to a
budget, so shared references and cycles cost at most the budget. A refusal is a
`SandboxInterrupt`, a `BaseException` the script cannot catch.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from datetime import time as dtime
from typing import Any


class SandboxInterrupt(BaseException):
    """A run-time refusal; uncatchable by the script, converted to ScriptRefused."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooBig(Exception):
    """Raised while measuring or converting: the value exceeds the byte budget."""


def measure(value: Any, budget: int) -> int:
    """Approximate JSON size of `value`; raises TooBig as soon as it exceeds `budget`.

    Iterative and budget-bounded, so shared references ([[0]*1000]*1000) and cycles
    cost at most `budget` steps instead of exploding.
    """
    total = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 2
        elif isinstance(item, dict):
            total += 2 + len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 1
        else:
            total += 8
        if total > budget:
            raise TooBig
    return total


def to_json_data(value: Any, where: str, budget: list[int], depth: int = 0) -> Any:
    """Return `value` as plain JSON data, or raise SandboxInterrupt naming `where`.

    Decision: datetime/date/time values become ISO 8601 strings, tuples become lists;
    sets, non-string dict keys, NaN/Infinity and any other object are refused.
    `budget` is a one-element list holding the bytes left.
    """
    if depth > 64:
        raise SandboxInterrupt(f"{where} is nested more than 64 levels deep")
    if isinstance(value, datetime | date | dtime):
        value = value.isoformat()
    if value is None or isinstance(value, bool | str):
        out: Any = value
        budget[0] -= len(value) + 2 if isinstance(value, str) else 5
    elif isinstance(value, int):
        out = value
        budget[0] -= value.bit_length() // 3 + 1
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise SandboxInterrupt(f"{where} is {value}, which is not JSON data")
        out, budget[0] = value, budget[0] - 24
    elif isinstance(value, list | tuple):
        budget[0] -= 2 + len(value)
        if budget[0] < 0:
            raise TooBig
        out = [to_json_data(v, f"{where}[{i}]", budget, depth + 1) for i, v in enumerate(value)]
    elif isinstance(value, dict):
        budget[0] -= 2 + len(value)
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise SandboxInterrupt(
                    f"{where} has the key {key!r}; JSON object keys must be strings")
            budget[0] -= len(key) + 3
            out[key] = to_json_data(v, f"{where}[{key!r}]", budget, depth + 1)
    else:
        raise SandboxInterrupt(
            f"{where} holds a {type(value).__name__}, which is not JSON data "
            "(use dict, list, str, int, float, bool or None)")
    if budget[0] < 0:
        raise TooBig
    return out


__all__ = ["SandboxInterrupt", "TooBig", "measure", "to_json_data"]
