"""Which expressions and scripts are linear in their data (evaluated in-process)."""

from __future__ import annotations

import pytest

from engine.sandbox.linear import is_linear, is_linear_script


@pytest.mark.parametrize("expression", [
    "review_decision == 'approve'", "'request_changes' in endorsements", "count >= limit",
    "done", "not done", "a and (b or not c)", "len(items) > 0", "data['kind'] == 'group'",
    "x in ('a', 'b')", "amount > -1", "value is None", "  approved  ",
])
def test_linear_expressions(expression: str) -> None:
    assert is_linear(expression)


@pytest.mark.parametrize("expression", [
    "x ** 2 > 1", "pow(3, x, y)", "a * b", "a + b", "'%s' % a", "a.b", "f'{a}'", "sorted(x)",
    "[y for y in x]", "x[1:2]", "lambda: 1", "x == " + str(2**70), "s == '" + "x" * 2000 + "'",
    "not " * 5000 + "x", "x in (" + ", ".join(["1"] * 200) + ")", "(1,)[0] if a else b", "1 +",
])
def test_other_expressions_go_to_a_process(expression: str) -> None:
    assert not is_linear(expression)


@pytest.mark.parametrize("script", [
    "count = count + 1", "count = 0", "x = y = z - 1", "d['k'] += 1", "label = name + ' (copy)'",
    "r = {'a': b, 'c': [1, d]}\nif r:\n    y = 1\nelse:\n    pass", "approved = decision == 'ok'",
])
def test_linear_scripts(script: str) -> None:
    assert is_linear_script(script)


@pytest.mark.parametrize("script", [
    "x = a * 2", "for i in r:\n    pass", "x = f'{a}'", "x = pow(3, a, b)", "l = l + l",
    "x = len((0).to_bytes(9, 'big'))", "def f():\n    pass", "a, b = c", "x = s.upper()",
    "\n".join(f"x{i} = {i}" for i in range(21)), "import os",
])
def test_other_scripts_go_to_a_process(script: str) -> None:
    assert not is_linear_script(script)
