"""The restricted evaluator itself: runs one script or expression in this process.

`SandboxEnvironment` has the interface of SpiffWorkflow's script environments
(`evaluate`, `execute`). The engine does not run it in the server's own process:
the evaluator processes of `engine.sandbox.pool` do, where the operating system
bounds the memory and the CPU time and the parent kills what runs too long. Here,
between Python steps, the guards enforce the same time limit (so an ordinary
endless loop ends cleanly, without killing the process) and the size limits.

Run-time refusals are `SandboxInterrupt` (a BaseException the script cannot catch);
they leave the environment as `ScriptRefused`. Errors of the script itself
(NameError, ZeroDivisionError ...) propagate with their own type so SpiffWorkflow
can report them with the line number.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from engine.errors import ScriptRefused
from engine.sandbox.data import SandboxInterrupt, TooBig, to_json_data
from engine.sandbox.dates import HELPERS
from engine.sandbox.feel_functions import helpers as feel_helpers
from engine.sandbox.guards import Guards
from engine.sandbox.policy import FILENAME, CodeCache

DEFAULT_TIME_LIMIT = 1.0
DEFAULT_MAX_BYTES = 1_000_000


def script_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# --------------------------------------------------------------------------- running


class SandboxEnvironment:
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
        self.globals: dict[str, Any] = dict(HELPERS)
        self.time_limit = time_limit
        self.max_bytes = max_bytes
        self._guards = Guards(max_bytes)
        self._guards.time_limit = time_limit
        self._guard_globals = self._guards.globals()
        self._cache = CodeCache(cache_size)
        self.globals.update(feel_helpers(lambda: self._guards.local.namespace))
        self.add_helpers(helpers or {})

    def add_helpers(self, helpers: Mapping[str, Callable[..., Any]]) -> None:
        for name, func in helpers.items():
            if not name.isidentifier() or name.startswith("_") or not callable(func):
                raise ValueError(f"invalid helper {name!r}: needs a public name and a callable")
        self.globals.update(helpers)

    @contextmanager
    def _limits(self, source: str, namespace: dict[str, Any], what: str) -> Iterator[None]:
        """Set this thread's deadline; turn sandbox interrupts into ScriptRefused."""
        local = self._guards.local
        previous, previous_namespace, previous_what = local.deadline, local.namespace, local.what
        local.deadline = min(previous, time.monotonic() + self.time_limit)
        local.namespace, local.what = namespace, what
        try:
            yield
        except SandboxInterrupt as exc:
            raise ScriptRefused(exc.message, line=script_line(exc.__traceback__),
                                source=source) from None
        except TooBig:
            raise ScriptRefused(f"size limit of {self.max_bytes} bytes exceeded: task data too "
                                "large", source=source) from None
        finally:
            local.deadline, local.namespace, local.what = (previous, previous_namespace,
                                                           previous_what)

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        code = self._cache.get("eval", expression)
        namespace = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        namespace.update(self._guard_globals)
        with self._limits(expression, namespace, "expression"):
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
        with self._limits(script, namespace, "script"):
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


__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIME_LIMIT", "HELPERS", "SandboxEnvironment", "script_line"]
