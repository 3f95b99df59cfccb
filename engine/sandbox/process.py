"""One evaluator process: `python -m engine.sandbox.process '<limits as JSON>'`.

Started by `engine.sandbox.pool` (a fresh interpreter, never a fork of the server),
it sets its own operating-system limits before reading any request:

* `RLIMIT_AS`: its address space may grow by `memory_mb` beyond what it uses once
  started, so a single C-level allocation (`(0).to_bytes(900000000, 'big')`, a
  comprehension of big strings) fails with MemoryError instead of growing the server;
* `RLIMIT_CPU`: before each evaluation the soft limit is set a little above the time
  limit, so a process whose parent is gone cannot spin for ever.

The parent enforces the wall-clock deadline itself: it kills the process and starts
another. Requests arrive on stdin, replies leave on the original stdout (fd 1 is
then pointed at stderr, so nothing else can write into the reply stream).

Wire format, both ways framed by multiprocessing's Connection:
request = pickle of (op, source, context, external context, now as ISO text) from
the trusted parent; reply = JSON (the parent never unpickles what a script could
influence): {"ok": value} | {"refused": message, "line": n} |
{"error": type name, "args": [...], "message": text, "line": n} | {"memory": true}.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import resource
import sys
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from engine import clock
from engine.errors import ScriptRefused
from engine.sandbox.data import SandboxInterrupt, to_json_data
from engine.sandbox.environment import SandboxEnvironment, script_line

EVALUATE, EXECUTE = "eval", "exec"


def address_space() -> int | None:
    """Bytes of address space this process uses now (Linux), or None when unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def limit_memory(extra_mb: int) -> None:
    used = address_space()
    if used is None:
        return
    ceiling = used + extra_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def limit_cpu(seconds: float) -> None:
    """Let the next evaluation use about `seconds` of CPU time, no more."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = usage.ru_utime + usage.ru_stime
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(spent + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


class RequestClock:
    """The parent's clock reading, so `now_iso()` in a script sees the engine's clock."""

    def __init__(self) -> None:
        self.moment = datetime.now().astimezone()

    def now(self) -> datetime:
        return self.moment


def _json_args(exc: BaseException) -> list[Any]:
    try:
        json.dumps(list(exc.args), allow_nan=False)
    except (TypeError, ValueError):
        return [str(exc)]
    return list(exc.args)


def answer(env: SandboxEnvironment, op: str, source: str, context: dict[str, Any],
           external: dict[str, Any] | None) -> dict[str, Any]:
    """Run one request; the reply as a JSON-ready dict (never raises but MemoryError)."""
    try:
        if op == EVALUATE:
            value = env.evaluate(source, context, external)
            try:
                value = to_json_data(value, "the expression's value", [env.max_bytes])
            except SandboxInterrupt as exc:
                return {"refused": exc.message, "line": None}
        elif op == EXECUTE:
            env.execute(source, context, external)
            value = context
        else:
            return {"error": "ValueError", "args": [f"unknown operation {op!r}"], "line": None}
    except ScriptRefused as exc:
        return {"refused": exc.reason, "line": exc.line}
    except MemoryError:
        raise
    except Exception as exc:  # the script's own error: NameError, ZeroDivisionError ...
        return {"error": type(exc).__name__, "args": _json_args(exc), "message": str(exc),
                "line": script_line(exc.__traceback__)}
    return {"ok": value}


def encode(reply: dict[str, Any]) -> bytes:
    try:
        return json.dumps(reply, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:  # e.g. an integer of more than 4300 digits
        return json.dumps({"refused": f"the result cannot be stored as JSON data ({exc})",
                           "line": None}).encode()


def serve(limits: dict[str, Any]) -> None:
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    requests = Connection(0, writable=False)
    request_clock = RequestClock()
    clock.set_clock(request_clock)
    env = SandboxEnvironment(time_limit=float(limits["time_limit"]),
                             max_bytes=int(limits["max_bytes"]))
    env.evaluate("1", {})  # compile and warm up before the memory limit is measured
    limit_memory(int(limits["memory_mb"]))
    while True:
        try:
            op, source, context, external, now_iso = pickle.loads(requests.recv_bytes())
        except EOFError:
            return
        request_clock.moment = datetime.fromisoformat(now_iso)
        limit_cpu(env.time_limit + 1)
        try:
            reply = encode(answer(env, op, source, context, external))
        except MemoryError:
            context = external = None
            replies.send_bytes(b'{"memory": true}')
            return  # the heap may be in pieces: the parent starts a fresh process
        replies.send_bytes(reply)


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
