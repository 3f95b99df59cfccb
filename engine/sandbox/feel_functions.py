"""The FEEL built-in functions, as plain Python helpers the sandbox offers to translated FEEL.

`engine.bpmn.feel` translates FEEL into Python that calls these (`feel_` names, so a
data field cannot hide them by accident: the sandbox refuses task data that would
overwrite a helper). They take and return JSON data, follow FEEL's conventions where
they differ from Python's (1-based positions, null on a missing path), and do nothing
that could escape the sandbox's limits: no regular expressions (`matches`, `replace`,
`split` would run analyst-written patterns; they are refused at translation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from statistics import median
from typing import Any

from engine.sandbox import dates

Namespace = Callable[[], dict[str, Any] | None]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def feel_get(value: Any, key: str) -> Any:
    """`a.b`: a context's entry (None if missing); on a list, the entry of each element."""
    if isinstance(value, list):
        return [feel_get(item, key) for item in value]
    if isinstance(value, dict):
        return value.get(key)
    return None


def feel_index(value: Any, position: int) -> Any:
    """`xs[1]` is the first element, `xs[-1]` the last; None outside the list."""
    items = _list(value)
    index = position - 1 if position > 0 else len(items) + position
    return items[index] if 0 <= index < len(items) and position != 0 else None


def feel_in(value: Any, test: Any) -> bool:
    """`x in y`: membership when y is a list, else equality."""
    if isinstance(test, list):
        return value in test
    return bool(value == test)


def feel_range(low: int, high: int) -> list[int]:
    step = 1 if high >= low else -1
    if abs(high - low) > 100_000:
        raise ValueError("FEEL range longer than 100000 items")
    return list(range(low, high + step, step))


def feel_temporal(text: str) -> str:
    """`@"2027-01-15"`, `date("...")`: dates and date-times stay ISO strings (task data is
    JSON), normalised so that comparisons between them order correctly."""
    if not isinstance(text, str):
        raise TypeError("a FEEL date needs a string")
    if text.startswith(("P", "-P")):
        raise ValueError(f"durations ({text}) are not supported in expressions")
    if "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    return date.fromisoformat(text).isoformat()


def feel_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def feel_number(value: Any) -> int | float | None:
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() and "." not in str(value) else number


def feel_substring(text: str, start: int, length: int | None = None) -> str:
    begin = start - 1 if start > 0 else len(text) + start
    return text[begin:] if length is None else text[begin:begin + int(length)]


def feel_substring_before(text: str, match: str) -> str:
    return text.split(match, 1)[0] if match in text else ""


def feel_substring_after(text: str, match: str) -> str:
    return text.split(match, 1)[1] if match in text else ""


def feel_sublist(items: list[Any], start: int, length: int | None = None) -> list[Any]:
    items = _list(items)
    begin = start - 1 if start > 0 else len(items) + start
    return items[begin:] if length is None else items[begin:begin + int(length)]


def feel_append(items: list[Any], *more: Any) -> list[Any]:
    return [*_list(items), *more]


def feel_concatenate(*lists: list[Any]) -> list[Any]:
    return [item for items in lists for item in _list(items)]


def feel_distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in _list(items):
        if item not in out:
            out.append(item)
    return out


def feel_flatten(items: Any) -> list[Any]:
    if not isinstance(items, list):
        return [items]
    return [leaf for item in items for leaf in feel_flatten(item)]


def feel_index_of(items: list[Any], match: Any) -> list[int]:
    return [i + 1 for i, item in enumerate(_list(items)) if item == match]


def _numbers(args: tuple[Any, ...]) -> list[Any]:
    return _list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)


def feel_min(*args: Any) -> Any:
    values = _numbers(args)
    return min(values) if values else None


def feel_max(*args: Any) -> Any:
    values = _numbers(args)
    return max(values) if values else None


def feel_sum(*args: Any) -> Any:
    values = _numbers(args)
    return sum(values) if values else None


def feel_mean(*args: Any) -> Any:
    values = _numbers(args)
    return sum(values) / len(values) if values else None


def feel_median(*args: Any) -> Any:
    values = _numbers(args)
    return median(values) if values else None


def feel_product(*args: Any) -> Any:
    values = _numbers(args)
    result = 1
    for value in values:
        result *= value
    return result if values else None


def feel_all(*args: Any) -> bool:
    return all(_numbers(args))


def feel_any(*args: Any) -> bool:
    return any(_numbers(args))


def feel_decimal(value: float, scale: int) -> float:
    quantum = Decimal(1).scaleb(-int(scale))
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_EVEN))


def feel_floor(value: float) -> int:
    return int(Decimal(str(value)).to_integral_value(rounding="ROUND_FLOOR"))


def feel_ceiling(value: float) -> int:
    return int(Decimal(str(value)).to_integral_value(rounding="ROUND_CEILING"))


def _contains(text: str, match: str) -> bool:
    return match in text


def _count(items: Iterable[Any]) -> int:
    return len(_list(items))


#: FEEL function name -> sandbox helper name.
FUNCTIONS: dict[str, str] = {
    "string length": "feel_string_length", "upper case": "feel_upper_case",
    "lower case": "feel_lower_case", "contains": "feel_contains", "starts with": "feel_starts_with",
    "ends with": "feel_ends_with", "substring": "feel_substring",
    "substring before": "feel_substring_before", "substring after": "feel_substring_after",
    "string": "feel_string", "number": "feel_number", "string join": "feel_string_join",
    "count": "feel_count", "min": "feel_min", "max": "feel_max", "sum": "feel_sum",
    "mean": "feel_mean", "median": "feel_median", "product": "feel_product", "all": "feel_all",
    "any": "feel_any", "list contains": "feel_list_contains", "append": "feel_append",
    "concatenate": "feel_concatenate", "distinct values": "feel_distinct_values",
    "flatten": "feel_flatten", "index of": "feel_index_of", "reverse": "feel_reverse",
    "sublist": "feel_sublist", "abs": "feel_abs", "floor": "feel_floor",
    "ceiling": "feel_ceiling", "decimal": "feel_decimal", "modulo": "feel_modulo",
    "odd": "feel_odd", "even": "feel_even", "is defined": "feel_is_defined",
    "date": "feel_temporal", "date and time": "feel_temporal", "now": "now_iso",
    "today": "today_iso",
}


def helpers(namespace: Namespace) -> dict[str, Callable[..., Any]]:
    """The helpers, with `feel_var` reading names with spaces from the evaluation's namespace."""

    def feel_var(name: str) -> Any:
        current = namespace() or {}
        if name.startswith("_") or name not in current:
            raise NameError(f"name '{name}' is not defined")
        return current[name]

    def feel_is_defined(value: Any) -> bool:
        return value is not None

    return {
        "feel_var": feel_var, "feel_get": feel_get, "feel_index": feel_index, "feel_in": feel_in,
        "feel_list": _list, "feel_range": feel_range, "feel_temporal": feel_temporal,
        "feel_string_length": lambda text: len(text), "feel_upper_case": lambda text: text.upper(),
        "feel_lower_case": lambda text: text.lower(), "feel_contains": _contains,
        "feel_starts_with": lambda text, match: text.startswith(match),
        "feel_ends_with": lambda text, match: text.endswith(match),
        "feel_substring": feel_substring, "feel_substring_before": feel_substring_before,
        "feel_substring_after": feel_substring_after, "feel_string": feel_string,
        "feel_number": feel_number,
        "feel_string_join": lambda items, delimiter="": delimiter.join(
            str(i) for i in _list(items) if i is not None), "feel_count": _count, "feel_min": feel_min,
        "feel_max": feel_max, "feel_sum": feel_sum, "feel_mean": feel_mean,
        "feel_median": feel_median, "feel_product": feel_product, "feel_all": feel_all,
        "feel_any": feel_any, "feel_list_contains": lambda items, match: match in _list(items),
        "feel_append": feel_append, "feel_concatenate": feel_concatenate,
        "feel_distinct_values": feel_distinct, "feel_flatten": feel_flatten,
        "feel_index_of": feel_index_of, "feel_reverse": lambda items: _list(items)[::-1],
        "feel_sublist": feel_sublist, "feel_abs": abs, "feel_floor": feel_floor,
        "feel_ceiling": feel_ceiling, "feel_decimal": feel_decimal,
        "feel_modulo": lambda a, b: a % b, "feel_odd": lambda n: n % 2 == 1,
        "feel_even": lambda n: n % 2 == 0, "feel_is_defined": feel_is_defined,
        "now_iso": dates.now_iso, "today_iso": dates.today_iso,
    }


__all__ = ["FUNCTIONS", "helpers"]
