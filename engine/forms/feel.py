"""Evaluate the FEEL subset of feel_parser.py the way feelin (form-js's FEEL) does.

Three-valued like FEEL: a comparison with null, or between values of different types,
gives null; `and`/`or` follow FEEL's tables; a name that is not in the context is null.
Evaluation never runs code and never raises anything but FeelUnsupported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from engine.forms.feel_parser import FeelUnsupported, Node, parse_expression, parse_unary_tests

_AND = {(True, True): True, (True, False): False, (True, None): None, (False, True): False,
        (False, False): False, (False, None): False, (None, True): None, (None, False): False,
        (None, None): None}
_OR = {(True, True): True, (True, False): True, (True, None): True, (False, True): True,
       (False, False): False, (False, None): None, (None, True): True, (None, False): None,
       (None, None): None}


def feel_type(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "context"
    if isinstance(value, (list, tuple)):
        return "list"
    return "other"


def feel_equals(a: Any, b: Any) -> bool | None:
    """FEEL `=`: null equals only null; values of different types are not comparable (null)."""
    if (a is None) != (b is None):
        return False
    if isinstance(a, (list, tuple)) and len(a) < 2:
        a = a[0] if a else None
    if isinstance(b, (list, tuple)) and len(b) < 2:
        b = b[0] if b else None
    kind = feel_type(a)
    if kind != feel_type(b):
        return None
    if kind == "nil":
        return True
    if kind == "list":
        return len(a) == len(b) and all(feel_equals(x, y) is True for x, y in zip(a, b, strict=True))
    if kind == "context":
        return a.keys() == b.keys() and all(feel_equals(a[k], b[k]) is True for k in a)
    return bool(a == b)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if op == "=":
        return feel_equals(left, right)
    if op == "!=":
        equal = feel_equals(left, right)
        return not equal
    if left is None or right is None:
        return None
    kind = feel_type(left)
    if kind not in ("number", "string") or kind != feel_type(right):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _arith(op: str, left: Any, right: Any) -> Any:
    kind = feel_type(left)
    if kind != feel_type(right) or kind not in ("number", "string") or (kind == "string" and op != "+"):
        return None
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op == "*":
        result = left * right
    else:
        if right == 0:
            return None
        result = left / right
    if isinstance(result, float) and not math.isfinite(result):
        return None
    return result


def _count(args: list[Any]) -> Any:
    return len(args[0]) if feel_type(args[0]) == "list" else None


def _strings(check: Callable[[str, str], Any]) -> Callable[[list[Any]], Any]:
    def run(args: list[Any]) -> Any:
        if len(args) != 2 or not all(isinstance(a, str) for a in args):
            return None
        return check(args[0], args[1])
    return run


def _string(change: Callable[[str], Any]) -> Callable[[list[Any]], Any]:
    def run(args: list[Any]) -> Any:
        return change(args[0]) if len(args) == 1 and isinstance(args[0], str) else None
    return run


def _list_contains(args: list[Any]) -> Any:
    if len(args) != 2 or feel_type(args[0]) != "list":
        return None
    return any(feel_equals(item, args[1]) is True for item in args[0])


def _not(args: list[Any]) -> Any:
    return (not args[0]) if len(args) == 1 and isinstance(args[0], bool) else None


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "not": _not,
    "count": lambda args: _count(args) if len(args) == 1 else None,
    "string length": _string(len),
    "upper case": _string(str.upper),
    "lower case": _string(str.lower),
    "contains": _strings(lambda s, part: part in s),
    "starts with": _strings(str.startswith),
    "ends with": _strings(str.endswith),
    "list contains": _list_contains,
}


def _path(target: Any, name: str) -> Any:
    if isinstance(target, Mapping):
        return target.get(name)
    if isinstance(target, (list, tuple)):
        return [item.get(name) if isinstance(item, Mapping) else None for item in target]
    return None


def _index(target: Any, index: Any) -> Any:
    if target is None:
        return None
    items = list(target) if isinstance(target, (list, tuple)) else [target]
    if isinstance(index, bool):
        return target if index else []
    if not isinstance(index, int):
        raise FeelUnsupported("only whole-number indexes and true/false filters are supported")
    position = len(items) + index if index < 0 else index - 1
    return items[position] if 0 <= position < len(items) else None


def _in(value: Any, tests: Any) -> bool | None:
    if tests is None:
        return None
    options = tests if isinstance(tests, (list, tuple)) else [tests]
    return any(feel_equals(value, option) is True for option in options)


def _evaluate(node: Node, names: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "name":
        return names.get(node[1])
    if kind == "list":
        return [_evaluate(item, names) for item in node[1]]
    if kind == "path":
        return _path(_evaluate(node[1], names), node[2])
    if kind == "index":
        return _index(_evaluate(node[1], names), _evaluate(node[2], names))
    if kind == "neg":
        value = _evaluate(node[1], names)
        return -value if feel_type(value) == "number" else None
    if kind == "arith":
        return _arith(node[1], _evaluate(node[2], names), _evaluate(node[3], names))
    if kind == "cmp":
        return _compare(node[1], _evaluate(node[2], names), _evaluate(node[3], names))
    if kind == "between":
        value = _evaluate(node[1], names)
        low = _compare(">=", value, _evaluate(node[2], names))
        high = _compare("<=", value, _evaluate(node[3], names))
        return _AND[(low, high)]
    if kind == "in":
        return _in(_evaluate(node[1], names), _evaluate(node[2], names))
    if kind in ("and", "or"):
        table = _AND if kind == "and" else _OR
        return table[(_bool(_evaluate(node[1], names)), _bool(_evaluate(node[2], names)))]
    if kind == "call":
        return _FUNCTIONS[node[1]]([_evaluate(arg, names) for arg in node[2]])
    raise FeelUnsupported(f"cannot evaluate {kind!r}")


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """The value of a FEEL expression (`=` optional) over `names`; FeelUnsupported if it can't."""
    try:
        return _evaluate(parse_expression(expression), names)
    except RecursionError:
        raise FeelUnsupported("the expression or its data is nested too deeply") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise FeelUnsupported(str(exc)) from None


def unary_test(expression: str, names: Mapping[str, Any]) -> bool:
    """FEEL unary tests against a null input, as form-js evaluates `conditional.hide`.

    A test that is true or false counts as itself; any other value is compared with the
    input, null: so a test that evaluates to null (an unknown name compared with
    something, say) is *true*, exactly as in form-js.
    """
    negated, tests = parse_unary_tests(expression)
    try:
        results = [_evaluate(test, names) for test in tests]
    except RecursionError:
        raise FeelUnsupported("the expression or its data is nested too deeply") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise FeelUnsupported(str(exc)) from None
    matched = any(
        result if isinstance(result, bool)
        else (None in result) if isinstance(result, list)
        else result is None
        for result in results)
    return not matched if negated else matched


__all__ = ["FeelUnsupported", "evaluate", "feel_equals", "unary_test"]
