"""What the sandbox lets a script or expression say: the compile-time policy.

Uploaded BPMN is untrusted, and SpiffWorkflow evaluates its expressions with
`eval`/`exec`. Every source text is compiled by RestrictedPython with a stricter
policy (`_Policy`) that

* refuses statically what can be seen: imports, names starting with "_" (dunders),
  eval/exec/compile/getattr/... , class and with statements, `finally`, bare
  `except:` (both could swallow the uncatchable time-limit interrupt), attribute
  assignment, `str.format`, computed or huge f-string format specs;
* rewrites attribute access, item writes, `*`, `**`, `+`, `%`, `<<`, augmented
  assignment and f-string values into guard calls (`engine.sandbox.guards.Guards`)
  that refuse results over the size limit *before* they are built;
* inserts `_tick_()` at the top of every loop body, function, lambda and
  comprehension clause: it raises once the deadline has passed.

The deploy step calls `check_script`/`check_expression` (static refusals); the
evaluator processes (engine.sandbox.pool) compile with the same cache at run time.
"""

from __future__ import annotations

import ast
import re
import textwrap
import threading
from collections import OrderedDict
from types import CodeType
from typing import Any, Literal, cast

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from engine.errors import ScriptRefused

FILENAME = "<string>"  # SpiffWorkflow looks for this name in tracebacks to find the line

#: Refused wherever they appear: no data field has any business being called so.
FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "breakpoint", "memoryview", "super", "__import__", "BaseException",
    "GeneratorExit", "KeyboardInterrupt", "SystemExit",
})
#: Refused when called; as plain names they are common form-field names (`type`, `id`).
FORBIDDEN_CALLS = frozenset({
    "open", "type", "input", "dir", "help", "object", "format", "id", "hasattr",
    "property", "classmethod", "staticmethod", "exit", "quit", "iter", "next",
})
_NAMESPACE_CALLS = frozenset({"vars", "globals", "locals"})
_GUARDED_OPS: dict[type[ast.operator], str] = {
    ast.Mult: "*", ast.Pow: "**", ast.Add: "+", ast.Mod: "%", ast.LShift: "<<",
}
_MAX_FORMAT_WIDTH = 10000


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the engine's refusals and guard rewrites."""

    def _tick(self, node: ast.stmt) -> ast.Expr:
        stmt = ast.Expr(_call("_tick_"))
        copy_locations(stmt, node)
        ast.fix_missing_locations(stmt)
        return stmt

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "import statements are not allowed")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "import statements are not allowed")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed")
        return node

    def visit_With(self, node: ast.With) -> ast.AST:
        self.error(node, "'with' statements are not allowed")
        return node

    def visit_Try(self, node: ast.Try) -> Any:
        if node.finalbody:
            self.error(node, "'finally' blocks are not allowed")
        for handler in node.handlers:
            if handler.type is None:
                self.error(handler, "a bare 'except:' is not allowed; write 'except Exception:'")
        return super().visit_Try(node)

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in FORBIDDEN_NAMES:
            hint = " (only `'name' in vars()` is)" if node.id in _NAMESPACE_CALLS else ""
            self.error(node, f'"{node.id}" is not allowed{hint}')
        return super().visit_Name(node)

    def visit_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.error(node, f'calling "{node.func.id}" is not allowed')
        return super().visit_Call(node)

    def visit_Compare(self, node: ast.Compare) -> Any:
        """`'name' in vars()` (also globals()/locals()): the SpiffWorkflow idiom for "is
        this variable set". Rewritten to `_names_()`, which yields names only, no values."""
        swapped: list[tuple[int, ast.expr]] = []
        for index, (op, right) in enumerate(zip(node.ops, node.comparators, strict=True)):
            if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.Call) \
                    and isinstance(right.func, ast.Name) and right.func.id in _NAMESPACE_CALLS \
                    and not right.args and not right.keywords:
                names = _call("_names_")
                copy_locations(names, right)
                swapped.append((index, ast.fix_missing_locations(names)))
                node.comparators[index] = ast.Constant(None)  # placeholder while visiting
        node = cast(ast.Compare, super().visit_Compare(node))
        for index, replacement in swapped:
            node.comparators[index] = replacement
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr in ("format", "format_map"):
            self.error(node, f'str.{node.attr}() is not allowed (it can reach "_" attributes); '
                             "use an f-string")
        if not isinstance(node.ctx, ast.Load):
            self.error(node, f'assigning or deleting attribute "{node.attr}" is not allowed')
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = cast(ast.BinOp, super().visit_BinOp(node))
        symbol = _GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        new = _call("_binop_", ast.Constant(symbol), node.left, node.right)
        copy_locations(new, node)
        return ast.fix_missing_locations(new)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr):
            if not all(isinstance(v, ast.Constant) for v in spec.values):
                self.error(node, "computed f-string format specs are not allowed")
            text = "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
            if any(int(n) > _MAX_FORMAT_WIDTH for n in re.findall(r"\d+", text)):
                self.error(node, f"f-string width or precision above {_MAX_FORMAT_WIDTH}")
        node = cast(ast.FormattedValue, super().visit_FormattedValue(node))
        wrapped = _call("_fmt_", node.value)
        copy_locations(wrapped, node.value)
        node.value = ast.fix_missing_locations(wrapped)
        return node

    def visit_While(self, node: ast.While) -> Any:
        node = cast(ast.While, super().visit_While(node))
        node.body.insert(0, self._tick(node))
        return node

    def visit_For(self, node: ast.For) -> Any:
        node = cast(ast.For, super().visit_For(node))
        node.body.insert(0, self._tick(node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        node.body.insert(0, self._tick(node))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = cast(ast.Lambda, super().visit_Lambda(node))
        body = ast.BoolOp(op=ast.And(), values=[_call("_tick_"), node.body])
        copy_locations(body, node.body)
        node.body = ast.fix_missing_locations(body)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node = cast(ast.comprehension, super().visit_comprehension(node))
        tick = _call("_tick_")
        copy_locations(tick, node.iter)
        node.ifs.insert(0, ast.fix_missing_locations(tick))
        return node


# --------------------------------------------------------------------------- compiling

_LINE = re.compile(r"^Line (\d+): (.*)$", re.S)


class CodeCache:
    """LRU of compiled code objects by (mode, source): conditions are evaluated often."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str], CodeType] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, mode: Literal["exec", "eval"], source: str,
            element_id: str | None = None) -> CodeType:
        key = (mode, source)
        with self._lock:
            code = self._items.get(key)
            if code is not None:
                self._items.move_to_end(key)
                return code
        code = _compile(mode, source, element_id)
        with self._lock:
            self._items[key] = code
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return code


def _compile(mode: Literal["exec", "eval"], source: str, element_id: str | None) -> CodeType:
    if not isinstance(source, str):
        raise ScriptRefused(f"expected source text, got {type(source).__name__}",
                            element_id=element_id)
    text = source.strip() if mode == "eval" else textwrap.dedent(source)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(text, filename=FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        raise _refusal(result.errors or ["could not compile"], element_id, source)
    return result.code


def _refusal(errors: list[str] | tuple[str, ...] | Any, element_id: str | None,
             source: str) -> ScriptRefused:
    located: list[tuple[int | None, str]] = []
    for error in errors:
        match = _LINE.match(error)
        if match and match.group(1).isdigit():
            located.append((int(match.group(1)), match.group(2).strip()))
        else:
            located.append((None, str(error)))
    line, first = located[0]
    more = "".join(f"; line {n}: {m}" if n else f"; {m}" for n, m in located[1:])
    return ScriptRefused(first + more, line=line, element_id=element_id, source=source)


_CACHE = CodeCache()


def check_script(source: str, *, element_id: str | None = None) -> None:
    """Refuse (ScriptRefused) a script the sandbox would not run; the deploy step calls this."""
    _CACHE.get("exec", source, element_id)


def check_expression(source: str, *, element_id: str | None = None) -> None:
    """Same for an expression: conditions, timer values, multi-instance collections."""
    _CACHE.get("eval", source, element_id)


__all__ = ["FILENAME", "FORBIDDEN_CALLS", "FORBIDDEN_NAMES", "CodeCache", "check_expression",
           "check_script"]
