"""The restricted environment every script, condition and timer value runs in.

Uploaded BPMN is untrusted, and SpiffWorkflow evaluates its expressions with
`eval`/`exec`. Here every source text is compiled by RestrictedPython with a
stricter policy (`_Policy`) that

* refuses statically what can be seen: imports, names starting with "_" (dunders),
  eval/exec/compile/getattr/... , class and with statements, `finally`, bare
  `except:` (both could swallow the uncatchable time-limit interrupt), attribute
  assignment, `str.format`, computed or huge f-string format specs;
* rewrites attribute access, item writes, `*`, `**`, `+`, `%`, `<<`, augmented
  assignment and f-string values into guard calls (`engine.sandbox.guards.Guards`)
  that refuse results over the size limit *before* they are built;
* inserts `_tick_()` at the top of every loop body, function, lambda and
  comprehension clause: it raises once the wall-clock deadline has passed. No
  signals and no `sys.settrace`, so it works in any thread and costs little.

Run-time refusals are `SandboxInterrupt` (a BaseException the script cannot catch);
they leave the environment as `ScriptRefused`. Errors of the script itself
(NameError, ZeroDivisionError ...) propagate with their own type so SpiffWorkflow
can report them with the line number.
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import CodeType, TracebackType
from typing import Any, Literal, cast

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine

from engine.errors import ScriptRefused
from engine.sandbox.dates import HELPERS
from engine.sandbox.feel_functions import helpers as feel_helpers
from engine.sandbox.guards import (
    Guards,
    SandboxInterrupt,
    _TooBig,
    to_json_data,
)

FILENAME = "<string>"  # SpiffWorkflow looks for this name in tracebacks to find the line
DEFAULT_TIME_LIMIT = 1.0
DEFAULT_MAX_BYTES = 1_000_000

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


class _CodeCache:
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


_CACHE = _CodeCache()


def check_script(source: str, *, element_id: str | None = None) -> None:
    """Refuse (ScriptRefused) a script the sandbox would not run; the deploy step calls this."""
    _CACHE.get("exec", source, element_id)


def check_expression(source: str, *, element_id: str | None = None) -> None:
    """Same for an expression: conditions, timer values, multi-instance collections."""
    _CACHE.get("eval", source, element_id)


def _script_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# --------------------------------------------------------------------------- running


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Drop-in for SpiffWorkflow's TaskDataEnvironment, restricted and limited.

    `self.globals` holds the helper functions (as in TaskDataEnvironment). Unlike it,
    `execute` works on a deep copy of the task data and writes back only on success,
    so a failed or refused script leaves the data untouched. Task data after a
    script must be JSON: datetime/date/time values are converted to ISO strings and
    tuples to lists; sets, non-string keys, NaN and other objects are refused.
    """

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, *,
                 time_limit: float = DEFAULT_TIME_LIMIT, max_bytes: int = DEFAULT_MAX_BYTES,
                 cache_size: int = 1024) -> None:
        super().__init__(dict(HELPERS))
        self.time_limit = time_limit
        self.max_bytes = max_bytes
        self._guards = Guards(max_bytes)
        self._guards.time_limit = time_limit
        self._guard_globals = self._guards.globals()
        self._cache = _CodeCache(cache_size)
        self.globals.update(feel_helpers(lambda: self._guards.local.namespace))
        self.add_helpers(helpers or {})

    def add_helpers(self, helpers: Mapping[str, Callable[..., Any]]) -> None:
        for name, func in helpers.items():
            if not name.isidentifier() or name.startswith("_") or not callable(func):
                raise ValueError(f"invalid helper {name!r}: needs a public name and a callable")
        self.globals.update(helpers)

    @contextmanager
    def _limits(self, source: str, namespace: dict[str, Any]) -> Iterator[None]:
        """Set this thread's deadline; turn sandbox interrupts into ScriptRefused."""
        local = self._guards.local
        previous, previous_namespace = local.deadline, local.namespace
        local.deadline = min(previous, time.monotonic() + self.time_limit)
        local.namespace = namespace
        try:
            yield
        except SandboxInterrupt as exc:
            raise ScriptRefused(exc.message, line=_script_line(exc.__traceback__),
                                source=source) from None
        except _TooBig:
            raise ScriptRefused(f"size limit of {self.max_bytes} bytes exceeded: task data too "
                                "large", source=source) from None
        finally:
            local.deadline, local.namespace = previous, previous_namespace

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        code = self._cache.get("eval", expression)
        namespace = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        namespace.update(self._guard_globals)
        with self._limits(expression, namespace):
            result = eval(code, namespace)  # restricted code object
            self._guards.check_size(result, "expression result too large")
        return result

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        external = external_context or {}
        self.check_for_overwrite(context, external)
        code = self._cache.get("exec", script)
        data = copy.deepcopy(context)
        namespace = dict(self.globals)
        namespace.update(external)
        namespace.update(data)
        namespace.update(self._guard_globals)
        with self._limits(script, namespace):
            exec(code, namespace)  # restricted code object
            result = self._task_data(namespace, data, external)
        context.clear()
        context.update(result)
        return True

    def _task_data(self, namespace: dict[str, Any], before: dict[str, Any],
                   external: Mapping[str, Any]) -> dict[str, Any]:
        """What the script leaves behind: its variables, minus helpers, guards, functions."""
        budget = [self.max_bytes]
        result: dict[str, Any] = {}
        for name, value in namespace.items():
            if name in self._guard_globals or name in self.globals or name in external:
                continue
            if name.startswith("_") and name not in before:
                continue  # RestrictedPython's temporaries (_print, _tmp0)
            if callable(value):
                continue  # functions defined by the script, as in TaskDataEnvironment
            result[name] = to_json_data(value, f"variable {name}", budget)
        return result

    def check_for_overwrite(self, context: Mapping[str, Any],
                            external_context: Mapping[str, Any]) -> None:
        """As TaskDataEnvironment: a data field must not hide a helper function."""
        clash = (set(self.globals) | set(external_context)).intersection(context)
        if clash:
            raise ValueError("task data overwrites predefined function(s); rename the "
                             f"variable(s) or field(s): {sorted(clash)}")

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are run by the engine, not by scripts")


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine running everything in a `SandboxEnvironment`."""

    def __init__(self, environment: SandboxEnvironment | None = None,
                 helpers: dict[str, Callable[..., Any]] | None = None) -> None:
        env = environment if environment is not None else SandboxEnvironment(helpers)
        if environment is not None and helpers:
            env.add_helpers(helpers)
        super().__init__(environment=env)

    def validate(self, expression: str) -> None:
        """SyntaxError first (SpiffWorkflow's DMN engine relies on it), then the sandbox check."""
        ast.parse(expression.strip())
        check_expression(expression)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "SandboxScriptEngine does not call services: the engine runs service tasks itself")
