"""Run-time guards of the script sandbox (size accounting: engine.sandbox.data).

`engine.sandbox.evaluator` compiles scripts with RestrictedPython and a policy that rewrites
risky operations into calls of the guards defined here (`_binop_`, `_tick_`,
`_getattr_` ...). Everything a guard refuses is raised as `SandboxInterrupt`, a
`BaseException`: the script cannot catch it (bare `except:` and `BaseException`
are refused statically), and `engine.sandbox.evaluator` turns it into `ScriptRefused`.
"""

from __future__ import annotations

import math
import operator
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from engine.sandbox.data import SandboxInterrupt, TooBig, measure

# --------------------------------------------------------------------------- guards

_FORMAT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_AMPLIFYING_STR = {"join", "replace", "ljust", "rjust", "center", "zfill", "expandtabs",
                   "translate"}
_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "&": operator.and_, "|": operator.or_, "^": operator.xor,
    "@": operator.matmul,
}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv,
    "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow, "<<": operator.ilshift,
    ">>": operator.irshift, "&": operator.iand, "|": operator.ior, "^": operator.ixor,
    "@": operator.imatmul,
}
_VALUE_TYPES = (str, bytes, dict, list, tuple, set, frozenset, int, float, complex, bool,
                type(None), BaseException, range)


class _Deadline(threading.local):
    """Per thread: one environment serves all worker threads at once."""

    deadline = math.inf
    namespace: dict[str, Any] | None = None
    what = "script"


class _StrMeta(type):
    """Makes `SafeStr` behave like `str` for isinstance() while guarding str(container)."""

    guard: Guards | None = None

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, str)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, str)

    def __call__(cls, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        if args and cls.guard is not None:
            cls.guard.check_text(args[0])
        return str(*args, **kwargs)


class Guards:
    """The guard functions and builtins one environment installs, bound to its limits."""

    def __init__(self, max_bytes: int, max_int_bits: int = 65536) -> None:
        self.max_bytes = max_bytes
        self.max_items = max(max_bytes // 2, 1)
        self.max_int_bits = max_int_bits
        self.time_limit = 0.0
        self.local = _Deadline()
        safe_str = _StrMeta("str", (), {})
        safe_str.guard = self  # type: ignore[attr-defined]
        self.safe_str = safe_str

    # -- limits
    def size_refusal(self, what: str) -> SandboxInterrupt:
        return SandboxInterrupt(f"size limit of {self.max_bytes} bytes exceeded: {what}")

    def tick(self) -> bool:
        """Called at the top of every loop body, function, lambda and comprehension."""
        if time.monotonic() > self.local.deadline:
            raise SandboxInterrupt(f"{self.local.what} took more than {self.time_limit:g} s")
        return True

    def names(self) -> frozenset[str]:
        """What `'x' in vars()` tests against: the names currently defined (no values)."""
        namespace = self.local.namespace or {}
        return frozenset(k for k in namespace if not k.startswith("_"))

    def check_size(self, value: Any, what: str) -> Any:
        if isinstance(value, str | bytes):
            if len(value) > self.max_bytes:
                raise self.size_refusal(what)
        elif isinstance(value, list | tuple | dict | set | frozenset):
            try:
                measure(value, self.max_bytes)
            except TooBig:
                raise self.size_refusal(what) from None
        return value

    def check_text(self, value: Any) -> Any:
        """Before str()/repr()/f-string/print of `value`: its text must fit the limit."""
        return self.check_size(value, "text of a value")

    def _deep(self, value: Any) -> int:
        try:
            return measure(value, self.max_bytes)
        except TooBig:
            raise self.size_refusal("sequence too large") from None

    # -- operators
    def binop(self, op: str, a: Any, b: Any, inplace: bool = False) -> Any:
        func = (_INPLACE if inplace else _BINOPS)[op]
        if op == "*":
            self._check_repeat(a, b)
            self._check_repeat(b, a)
            if _is_int(a) and _is_int(b) and a.bit_length() + b.bit_length() > self.max_int_bits:
                raise self.size_refusal("integer product too large")
        elif op == "**" and _is_int(a) and _is_int(b) and b > 0 and abs(a) > 1:
            if a.bit_length() * b > self.max_int_bits:
                raise self.size_refusal(f"a power of a {a.bit_length()}-bit number to {b}")
        elif op == "<<" and _is_int(a) and _is_int(b) and a.bit_length() + b > self.max_int_bits:
            raise self.size_refusal(f"shifting a {a.bit_length()}-bit number by {b}")
        elif op == "+":
            if isinstance(a, str | bytes) and isinstance(b, str | bytes):
                if len(a) + len(b) > self.max_bytes:
                    raise self.size_refusal("string too long")
            elif isinstance(a, list | tuple) and isinstance(b, list | tuple) and (
                    len(a) + len(b) > self.max_items
                    or self._deep(a) + self._deep(b) > self.max_bytes):
                raise self.size_refusal("sequence too large")
        elif op == "%" and isinstance(a, str | bytes):
            self._check_percent(a, b)
            return self.check_size(func(a, b), "formatted string too long")
        return func(a, b)

    def inplacevar(self, op: str, a: Any, b: Any) -> Any:
        return self.binop(op.rstrip("="), a, b, inplace=True)

    def _check_repeat(self, seq: Any, times: Any) -> None:
        if not _is_int(times) or times <= 1:
            return
        if isinstance(seq, str | bytes) and len(seq) * times > self.max_bytes:
            raise self.size_refusal(f"repeating a string of length {len(seq)} {times} times")
        if isinstance(seq, list | tuple) and (
                len(seq) * times > self.max_items or self._deep(seq) * times > self.max_bytes):
            raise self.size_refusal(f"repeating a sequence of length {len(seq)} {times} times")

    def _check_percent(self, fmt: str | bytes, args: Any) -> None:
        text = fmt if isinstance(fmt, str) else fmt.decode("latin-1")
        for match in _FORMAT_SPEC.finditer(text):
            for width in match.groups():
                if width == "*" or (width and int(width) > 10000):
                    raise self.size_refusal("%-format width or precision too large")
        self.check_text(args)

    # -- access
    def getattr(self, obj: Any, name: str, default: Any = None) -> Any:
        if not isinstance(name, str) or name.startswith("_") or name in INSPECT_ATTRIBUTES:
            raise SandboxInterrupt(f"access to attribute {name!r} is not allowed")
        if name in ("format", "format_map"):
            raise SandboxInterrupt(f"str.{name}() is not allowed; use an f-string")
        if obj is self.safe_str:
            obj = str
        if isinstance(obj, type):
            if obj not in _VALUE_TYPES or name in ("mro",) or (
                    obj in (str, bytes) and name in _AMPLIFYING_STR):
                raise SandboxInterrupt(f"access to {obj.__name__}.{name} is not allowed")
        elif not isinstance(obj, _VALUE_TYPES):
            raise SandboxInterrupt(
                f"access to attributes of {type(obj).__name__} objects is not allowed")
        value = getattr(obj, name)
        if isinstance(obj, str | bytes) and name in _AMPLIFYING_STR:
            return self._guard_str_method(obj, name, value)
        if isinstance(obj, list) and name == "extend":
            return self._guard_extend(obj)
        return value

    def _guard_str_method(self, s: str | bytes, name: str, method: Callable[..., Any]
                          ) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            estimate = len(s)
            if name == "join":
                parts = self._bounded_list(args[0])
                estimate = sum(len(p) for p in parts if isinstance(p, str | bytes))
                estimate += len(s) * max(len(parts) - 1, 0)
                args = (parts,)
            elif name == "replace" and len(args) >= 2:
                old, new = args[0], args[1]
                count = (len(s) + 1) if not old else s.count(old)
                estimate = len(s) + count * max(len(new) - len(old), 0)
            elif name in ("ljust", "rjust", "center", "zfill") and args and _is_int(args[0]):
                estimate = max(len(s), args[0])
            elif name == "expandtabs":
                tab = args[0] if args and _is_int(args[0]) else 8
                tabs = s.count("\t") if isinstance(s, str) else s.count(b"\t")
                estimate = len(s) + tabs * tab
            elif name == "translate" and args and isinstance(args[0], dict):
                longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
                estimate = len(s) * max(longest, 1)
            if estimate > self.max_bytes:
                raise self.size_refusal(f"str.{name}() result too long")
            return method(*args)
        return call

    def _guard_extend(self, target: list[Any]) -> Callable[[Iterable[Any]], None]:
        def extend(items: Iterable[Any]) -> None:
            parts = self._bounded_list(items)
            if len(target) + len(parts) > self.max_items:
                raise self.size_refusal("list too long")
            target.extend(parts)
        return extend

    def _bounded_list(self, items: Iterable[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            out.append(item)
            if len(out) > self.max_items:
                raise self.size_refusal("too many items")
        return out

    def write(self, obj: Any) -> Any:
        return _ListWriter(obj, self) if isinstance(obj, list) else obj

    # -- builtins
    def range(self, *args: int) -> range:
        result = range(*args)
        if len(result) > self.max_items:
            raise self.size_refusal(f"range of {len(result)} items")
        return result

    def pow(self, base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is not None:
            return pow(base, exp, mod)
        return self.binop("**", base, exp)

    def repr(self, value: Any) -> str:
        self.check_text(value)
        return repr(value)

    def round(self, number: Any, ndigits: int | None = None) -> Any:
        if ndigits is not None and _is_int(ndigits) and abs(ndigits) > 100:
            raise self.size_refusal("round() to more than 100 digits")
        return round(number, ndigits)

    def sum(self, items: Iterable[Any], start: Any = 0) -> Any:
        if not isinstance(start, int | float):
            raise TypeError("sum() only adds numbers in scripts")
        return sum(items, start)

    def builtins(self) -> dict[str, Any]:
        allowed = dict(safe_builtins)
        for name in ("__build_class__", "setattr", "delattr", "_getattr_", "BaseException",
                     "GeneratorExit", "KeyboardInterrupt", "SystemExit", "id"):
            allowed.pop(name, None)
        allowed.update(
            len=len, min=min, max=max, abs=abs, sorted=sorted, any=any, all=all,
            enumerate=enumerate, zip=zip, list=list, dict=dict, set=set, tuple=tuple,
            int=int, float=float, bool=bool, isinstance=isinstance, map=map, filter=filter,
            reversed=reversed, str=self.safe_str, range=self.range, pow=self.pow,
            repr=self.repr, round=self.round, sum=self.sum)
        return allowed

    def globals(self) -> dict[str, Any]:
        """The names RestrictedPython's generated code calls, plus our own guards."""
        return {
            "__builtins__": self.builtins(),
            "_getattr_": self.getattr,
            "_getitem_": operator.getitem,
            "_getiter_": iter,
            "_write_": self.write,
            "_inplacevar_": self.inplacevar,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_apply_": _apply,
            "_print_": self._printer,
            "_binop_": self.binop,
            "_tick_": self.tick,
            "_names_": self.names,
            "_fmt_": self.check_text,
        }

    def _printer(self, _getattr: Any = None) -> _DiscardPrint:
        return _DiscardPrint(self)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


class _ListWriter:
    """What `_write_(a_list)` returns: item and slice assignment with a length check."""

    def __init__(self, target: list[Any], guards: Guards) -> None:
        self._target = target
        self._guards = guards

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = self._guards._bounded_list(value)
            if len(self._target) + len(value) > self._guards.max_items:
                raise self._guards.size_refusal("list too long")
        self._target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._target[key]


class _DiscardPrint:
    """`print()` in scripts is accepted (Spiff examples use it) and its output dropped."""

    def __init__(self, guards: Guards) -> None:
        self._guards = guards

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        for obj in objects:
            self._guards.check_text(obj)

    def __call__(self) -> str:
        return ""
