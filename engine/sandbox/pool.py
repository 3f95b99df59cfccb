"""Evaluator processes: where every script and expression of a case actually runs.

The restricted evaluator checks its limits between Python steps, so one C-level
operation (`pow(3, huge, huge)`, a 900 MB `to_bytes`) would run to its end inside the
server, holding its thread, its memory and (on SQLite) the write lock. So the engine
runs them in a pool of long-lived evaluator processes (`engine.sandbox.process`,
fresh interpreters started with `subprocess`, never forked from a threaded server):

* each process caps its own address space (`RLIMIT_AS`) and CPU time (`RLIMIT_CPU`);
* the caller waits at most `time_limit` (+ a short grace) for the answer; past that
  the process is killed, the step fails with "script took more than 1 s", and a
  fresh process replaces it in the background;
* a caller takes an idle process, or starts one (up to `max_processes`), so other
  requests, cases and timers never queue behind a hostile script.

One pool per runtime (engine.bootstrap builds it); processes start on first use and
stop with `close()` (or when the pool is collected, or at interpreter exit).
Cost: one round trip per evaluation, about 0.1 ms (bench/bench_sandbox.py).
"""

from __future__ import annotations

import builtins
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import weakref
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import Any

from engine import clock
from engine.errors import ScriptRefused
from engine.sandbox.environment import DEFAULT_MAX_BYTES, DEFAULT_TIME_LIMIT, SandboxEnvironment
from engine.sandbox.linear import is_linear, is_linear_script
from engine.sandbox.process import EVALUATE, EXECUTE

TIMEOUT, DIED, GONE = "timeout", "died", "gone"
GRACE = 0.25
"""Seconds past the time limit before the parent kills: the process's own guards
usually stop a Python-level loop at the limit and answer; C-level work is killed."""


@dataclass(frozen=True)
class SandboxLimits:
    time_limit: float = DEFAULT_TIME_LIMIT
    memory_mb: int = 256
    max_bytes: int = DEFAULT_MAX_BYTES
    processes: int = 2
    """Processes kept ready once the pool is in use (a killed one is replaced)."""
    max_processes: int = 8
    """More start when every process is busy; beyond this, callers wait for one."""
    inline_linear: bool = True
    """Evaluate in-process what engine.sandbox.linear shows to be linear in its data."""


class ScriptError(Exception):
    """A script error whose type is not a built-in exception (kept by name)."""


_BUILTIN_ERRORS = {name: value for name, value in vars(builtins).items()
                   if isinstance(value, type) and issubclass(value, Exception)}


class _Evaluator:
    """One evaluator process and its two pipe ends."""

    def __init__(self, limits: SandboxLimits) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.sandbox.process", json.dumps(asdict(limits))],
                stdin=request_read, stdout=reply_write, close_fds=True,
                start_new_session=True)  # no SIGINT from the terminal: the parent decides
        finally:
            os.close(request_read)
            os.close(reply_write)
        self.requests = Connection(request_write, readable=False)
        self.replies = Connection(reply_read, writable=False)

    def call(self, payload: bytes, wait: float) -> dict[str, Any] | str:
        """The reply, or TIMEOUT (no answer in `wait` seconds), DIED, or GONE (it had died
        while idle, before this request: nothing of it ran)."""
        try:
            self.requests.send_bytes(payload)
        except OSError:
            return GONE
        try:
            if not self.replies.poll(wait):
                return TIMEOUT
            reply: dict[str, Any] = json.loads(self.replies.recv_bytes())
        except (EOFError, OSError, ValueError):
            return DIED
        return reply

    def died_of_cpu_limit(self) -> bool:
        return self.process.returncode == -signal.SIGXCPU

    def stop(self, *, kill: bool) -> None:
        try:
            if kill:
                self.process.kill()
            self.requests.close()  # an idle process reads EOF and exits
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            self.replies.close()


class _State:
    """What the finalizer needs (it must not hold the pool itself)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.idle: list[_Evaluator] = []
        self.alive: set[_Evaluator] = set()
        self.closed = False
        self.started = 0
        self.starting = 0
        self.killed = 0

    def close(self) -> None:
        with self.lock:
            self.closed = True
            busy = self.alive - set(self.idle)
            idle, self.idle = self.idle, []
            self.alive.clear()
            self.lock.notify_all()
        for evaluator in idle:
            evaluator.stop(kill=False)
        for evaluator in busy:
            evaluator.stop(kill=True)


@dataclass(frozen=True)
class PoolStats:
    started: int
    killed: int
    alive: int
    idle: int


class EvaluatorPool:
    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self._pid = os.getpid()
        self._state = _State()
        self._finalizer = weakref.finalize(self, self._state.close)

    def _forked(self) -> None:
        """In a forked child (gunicorn --preload): the parent's processes are not ours."""
        self._pid = os.getpid()
        self._finalizer.detach()
        self._state = _State()
        self._finalizer = weakref.finalize(self, self._state.close)

    # -- the two operations SpiffWorkflow's environments offer
    def evaluate(self, expression: str, context: dict[str, Any],
                 external: dict[str, Any] | None = None) -> Any:
        return self._run(EVALUATE, expression, context, external)

    def execute(self, script: str, context: dict[str, Any],
                external: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._run(EXECUTE, script, context, external)
        return result

    def close(self) -> None:
        self._finalizer()

    def process_ids(self) -> list[int]:
        with self._state.lock:
            return [evaluator.process.pid for evaluator in self._state.alive]

    @property
    def stats(self) -> PoolStats:
        state = self._state
        with state.lock:
            return PoolStats(state.started, state.killed, len(state.alive), len(state.idle))

    # -- running one request
    def _run(self, op: str, source: str, context: dict[str, Any],
             external: dict[str, Any] | None) -> Any:
        what = "expression" if op == EVALUATE else "script"
        try:
            payload = pickle.dumps((op, source, context, external or None, clock.now().isoformat()),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise ScriptRefused(f"the {what}'s data cannot be sent to the evaluator: {exc}",
                                source=source) from None
        reply: dict[str, Any] | str = GONE
        for _attempt in range(2):  # a process found dead while idle is replaced once
            evaluator = self._acquire()
            reply = DIED
            try:
                reply = evaluator.call(payload, self.limits.time_limit + GRACE)
            finally:
                healthy = isinstance(reply, dict) and not reply.get("memory")
                self._release(evaluator, healthy=healthy)
            if reply != GONE:
                break
        limits = self.limits
        if reply == TIMEOUT or (reply == DIED and evaluator.died_of_cpu_limit()):
            raise ScriptRefused(f"{what} took more than {limits.time_limit:g} s", source=source)
        if not isinstance(reply, dict):  # died otherwise: it ran out of memory where it could
            raise ScriptRefused(f"{what} used more than {limits.memory_mb} MB", source=source)
        return decode_reply(reply, what, limits, source)

    def _acquire(self) -> _Evaluator:
        if self._pid != os.getpid():
            self._forked()
        state = self._state
        with state.lock:
            while True:
                if state.closed:
                    raise ScriptRefused("the script evaluator is shut down")
                if state.idle:
                    return state.idle.pop()
                if len(state.alive) + state.starting < self.limits.max_processes:
                    state.starting += 1
                    break
                state.lock.wait()
        try:
            evaluator = _Evaluator(self.limits)
        finally:
            with state.lock:
                state.starting -= 1
                state.lock.notify()
        with state.lock:
            state.started += 1
            closed = state.closed
            if not closed:
                state.alive.add(evaluator)
        if closed:
            evaluator.stop(kill=True)
            raise ScriptRefused("the script evaluator is shut down")
        return evaluator

    def _release(self, evaluator: _Evaluator, *, healthy: bool) -> None:
        state = self._state
        with state.lock:
            if healthy and not state.closed:
                state.idle.append(evaluator)
                state.lock.notify()
                return
            state.alive.discard(evaluator)
            state.killed += 0 if healthy else 1
            replace = (not state.closed
                       and len(state.alive) + state.starting < self.limits.processes)
            state.lock.notify()
        evaluator.stop(kill=True)
        if replace:
            threading.Thread(target=self._replace, name="evaluator-replace", daemon=True).start()

    def _replace(self) -> None:
        """Start a process in the background so that the next caller finds one ready."""
        try:
            evaluator = self._acquire()
        except (ScriptRefused, OSError):
            return
        self._release(evaluator, healthy=True)


def decode_reply(reply: dict[str, Any], what: str, limits: SandboxLimits, source: str) -> Any:
    if "ok" in reply:
        return reply["ok"]
    if reply.get("memory"):
        raise ScriptRefused(f"{what} used more than {limits.memory_mb} MB", source=source)
    if "refused" in reply:
        raise ScriptRefused(str(reply["refused"]), line=reply.get("line"), source=source)
    name = str(reply.get("error"))
    args = reply.get("args") or []
    error: Exception
    try:
        error = _BUILTIN_ERRORS[name](*args)
    except (KeyError, TypeError):
        error = ScriptError(f"{name}: {reply.get('message', '')}")
    error.script_line = reply.get("line")  # type: ignore[attr-defined]
    raise error


class PooledEnvironment:
    """SpiffWorkflow's script-environment interface, answered by an `EvaluatorPool`.

    Expressions and scripts whose cost is linear in the data they read
    (engine.sandbox.linear: the usual gateway conditions and bookkeeping assignments)
    are evaluated in-process by the same restricted evaluator, with the pool's limits;
    everything else goes to an evaluator process.
    """

    def __init__(self, pool: EvaluatorPool) -> None:
        self.pool = pool
        self.inline = SandboxEnvironment(time_limit=pool.limits.time_limit,
                                         max_bytes=pool.limits.max_bytes)
        self.globals: dict[str, Any] = self.inline.globals  # what scripts can call

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        if self.pool.limits.inline_linear and is_linear(expression):
            return self.inline.evaluate(expression, context, external_context)
        return self.pool.evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        if self.pool.limits.inline_linear and is_linear_script(script):
            return self.inline.execute(script, context, external_context)
        result = self.pool.execute(script, context, external_context)
        context.clear()
        context.update(result)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are run by the engine, not by scripts")


__all__ = [
    "GRACE",
    "EvaluatorPool",
    "PoolStats",
    "PooledEnvironment",
    "SandboxLimits",
    "ScriptError",
    "decode_reply",
]
