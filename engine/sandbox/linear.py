"""Expressions and scripts whose cost is linear in the data they read: safe in-process.

The evaluator pool exists because some single operations cost far more than their
inputs' size (`pow`, `*`, `<<`, `int.to_bytes`, %-format widths): one of them runs in
C, where the sandbox's checks between Python steps cannot stop it. An expression
built only from

* names and small literals (strings up to 1,000 characters, integers up to 64 bits,
  floats, booleans, None), tuples/lists of at most 100 of them,
* comparisons (`==`, `<`, `in`, `is` ...), `and`, `or`, `not`, unary minus,
* subscripts by a literal (`data['key']`, `items[0]`) and `len(x)`

has no such operation: its time is linear in the task data it reads (string search
is linear in CPython 3.10+, comparisons walk their operands once) and it allocates
nothing but its result. A script of at most 20 statements, all assignments (`x = ...`, `d['k'] = ...`,
`x += ...`, `x -= ...`), `if`/`else` on such expressions or `pass`, whose values are
such expressions, `+`/`-` of one of them and a literal (`count + 1`), or small
dict/list displays of them, is linear in the same way: each statement copies at most
the data it reads.

These are the conditions and bookkeeping scripts processes are made of
(`review_decision == 'approve'`, `'request_changes' in endorsements`,
`count = count + 1`); they run in-process in the same restricted evaluator, through the
same policy and guards (SandboxLimits.inline_linear turns this off). Everything else
(loops, comprehensions, calls, `*`, `**`, `%`, f-strings ...) runs in an evaluator
process. bench/bench_sandbox.py shows what this saves.
"""

from __future__ import annotations

import ast
import textwrap
from functools import lru_cache

_MAX_STRING = 1000
_MAX_INT = 2**63
_MAX_ITEMS = 100
_MAX_STATEMENTS = 20
_COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In,
                ast.NotIn)


def _constant(value: object) -> bool:
    if value is None or isinstance(value, bool | float):
        return True
    if isinstance(value, int):
        return -_MAX_INT <= value <= _MAX_INT
    if isinstance(value, str):
        return len(value) <= _MAX_STRING
    return False


def _linear(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Constant):
        return _constant(node.value)
    if isinstance(node, ast.Compare):
        return (all(isinstance(op, _COMPARISONS) for op in node.ops)
                and _linear(node.left) and all(_linear(c) for c in node.comparators))
    if isinstance(node, ast.BoolOp):
        return all(_linear(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not | ast.USub) and _linear(node.operand)
    if isinstance(node, ast.Subscript):
        return (isinstance(node.slice, ast.Constant) and _constant(node.slice.value)
                and _linear(node.value))
    if isinstance(node, ast.Tuple | ast.List):
        return (isinstance(node.ctx, ast.Load) and len(node.elts) <= _MAX_ITEMS
                and all(isinstance(e, ast.Constant) and _constant(e.value) for e in node.elts))
    if isinstance(node, ast.Call):
        return (isinstance(node.func, ast.Name) and node.func.id == "len" and not node.keywords
                and len(node.args) == 1 and _linear(node.args[0]))
    return False


def _value(node: ast.AST) -> bool:
    """What a linear script may assign: a linear expression, + or - of values, displays."""
    if isinstance(node, ast.BinOp):  # one side a literal: `count + 1`, `name + ' (copy)'`
        literal = [isinstance(side, ast.Constant) and _constant(side.value)
                   for side in (node.left, node.right)]
        return (isinstance(node.op, ast.Add | ast.Sub) and any(literal)
                and _value(node.left) and _value(node.right))
    if isinstance(node, ast.Dict):
        return (len(node.keys) <= _MAX_ITEMS
                and all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                        and _constant(k.value) for k in node.keys)
                and all(_value(v) for v in node.values))
    if isinstance(node, ast.List) and isinstance(node.ctx, ast.Load):
        return len(node.elts) <= _MAX_ITEMS and all(_value(e) for e in node.elts)
    return _linear(node)


def _target(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return True
    return (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
            and _constant(node.slice.value) and _linear(node.value))


def _statement(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        return all(_target(t) for t in node.targets) and _value(node.value)
    if isinstance(node, ast.AugAssign):
        return isinstance(node.op, ast.Add | ast.Sub) and _target(node.target) and _value(node.value)
    if isinstance(node, ast.If):
        return (_linear(node.test) and all(_statement(s) for s in node.body)
                and all(_statement(s) for s in node.orelse))
    return isinstance(node, ast.Pass)


@lru_cache(maxsize=2048)
def is_linear_script(script: str) -> bool:
    """True when `script` may be executed in-process (see the module's docstring)."""
    if not isinstance(script, str) or len(script) > 10 * _MAX_STRING:
        return False
    try:
        tree = ast.parse(textwrap.dedent(script), mode="exec")
        statements = sum(isinstance(n, ast.stmt) for n in ast.walk(tree))
        return statements <= _MAX_STATEMENTS and all(_statement(s) for s in tree.body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


@lru_cache(maxsize=2048)
def is_linear(expression: str) -> bool:
    """True when `expression` may be evaluated in-process (see the module's docstring)."""
    if not isinstance(expression, str) or len(expression) > 4 * _MAX_STRING:
        return False
    try:
        tree = ast.parse(expression.strip(), mode="eval")
        return _linear(tree.body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


__all__ = ["is_linear", "is_linear_script"]
