"""Evaluator processes: C-level work is killed, memory is capped, nothing waits behind it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.clock import FakeClock, set_clock
from engine.errors import ScriptRefused
from engine.sandbox.pool import EvaluatorPool, PooledEnvironment, SandboxLimits, ScriptError, decode_reply
from engine.sandbox.process import address_space

SLOW_POW = "x = pow(3, int('f' * 6000, 16), int('f' * 4000, 16)) % 7"


@pytest.fixture
def pool() -> Iterator[EvaluatorPool]:
    started = EvaluatorPool()
    yield started
    started.close()


def test_evaluates_and_executes(pool: EvaluatorPool) -> None:
    assert pool.evaluate("a * 2 + b", {"a": 20, "b": 2}) == 42
    assert pool.execute("total = sum(x['n'] for x in items)", {"items": [{"n": 1}, {"n": 2}]}) \
        == {"items": [{"n": 1}, {"n": 2}], "total": 3}


def test_a_c_level_operation_is_killed_and_the_process_replaced(pool: EvaluatorPool) -> None:
    pool.evaluate("1", {})
    with pytest.raises(ScriptRefused, match=r"^script took more than 1 s$"):
        pool.execute(SLOW_POW, {})
    assert pool.stats.killed == 1
    assert pool.execute("y = 2 ** 10", {}) == {"y": 1024}  # a fresh process answers


def test_a_huge_allocation_hits_the_memory_limit(pool: EvaluatorPool) -> None:
    with pytest.raises(ScriptRefused, match=r"^script used more than 256 MB$"):
        pool.execute("x = len((0).to_bytes(900000000, 'big'))", {})
    with pytest.raises(ScriptRefused, match="used more than 256 MB"):
        pool.execute("s = 'x' * 900000\nl = [s + str(i) for i in range(1000)]", {})
    assert pool.evaluate("len('ok')", {}) == 2


def test_percent_format_with_a_mapping_key_is_refused_before_it_allocates(
        pool: EvaluatorPool) -> None:
    with pytest.raises(ScriptRefused, match="%-format width"):
        pool.execute("x = '%(a)400000000s' % {'a': 1}", {})
    assert pool.stats.killed == 0  # refused by the guard: the process lives on


def test_an_expression_is_named_as_such() -> None:
    pool = EvaluatorPool(SandboxLimits(time_limit=0.5))
    try:
        with pytest.raises(ScriptRefused, match=r"^expression took more than 0\.5 s$"):
            pool.evaluate("pow(3, int('f' * 6000, 16), int('f' * 4000, 16))", {})
    finally:
        pool.close()


@pytest.mark.parametrize(("script", "error", "line"), [
    ("x = 1\ny = x / 0", ZeroDivisionError, 2),
    ("x = undefined_name", NameError, 1),
    ("x = {}['missing']", KeyError, 1),
    ("x = 1\n\nx = int('abc')", ValueError, 3),
])
def test_script_errors_keep_their_type_and_line(pool: EvaluatorPool, script: str,
                                                error: type[Exception], line: int) -> None:
    with pytest.raises(error) as info:
        pool.execute(script, {})
    assert getattr(info.value, "script_line", None) == line


def test_an_error_that_is_no_builtin_keeps_its_name() -> None:
    reply = {"error": "IllegalMonthError", "args": ["bad month 13"], "message": "bad month 13",
             "line": 4}
    with pytest.raises(ScriptError, match="IllegalMonthError: bad month 13") as info:
        decode_reply(reply, "script", SandboxLimits(), "x = 1")
    assert info.value.script_line == 4  # type: ignore[attr-defined]


def test_non_json_results_are_refused(pool: EvaluatorPool) -> None:
    with pytest.raises(ScriptRefused, match="holds a set"):
        pool.evaluate("set([1, 2])", {})
    with pytest.raises(ScriptRefused, match="cannot be stored as JSON"):
        pool.execute("x = 10 ** 5000", {})


def test_scripts_read_the_engine_clock(pool: EvaluatorPool) -> None:
    previous = set_clock(FakeClock(datetime(2031, 5, 6, 7, 8, tzinfo=UTC)))
    try:
        assert pool.evaluate("today_iso()", {}) == "2031-05-06"
    finally:
        set_clock(previous)


def test_other_evaluations_do_not_wait_behind_a_hostile_one(pool: EvaluatorPool) -> None:
    pool.evaluate("1", {})
    outcome: list[BaseException] = []
    hostile_started = threading.Event()

    def hostile() -> None:
        hostile_started.set()
        try:
            pool.execute(SLOW_POW, {})
        except ScriptRefused as exc:
            outcome.append(exc)

    thread = threading.Thread(target=hostile)
    thread.start()
    hostile_started.wait()
    answers = [pool.evaluate(f"{n} * 3", {}) for n in range(5)]
    still_running = thread.is_alive()
    thread.join()
    assert answers == [0, 3, 6, 9, 12]
    assert still_running, "the other evaluations finished while the hostile one was running"
    assert "took more than" in str(outcome[0])


def _limit(pid: int, name: str) -> str:
    for row in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if row.startswith(name):
            return row[len(name):].split()[0]
    raise AssertionError(f"no {name} in /proc/{pid}/limits")


def test_the_processes_run_under_os_limits(pool: EvaluatorPool) -> None:
    assert address_space() is not None  # Linux: /proc/self/statm
    pool.execute("x = 1", {})
    pid = pool.process_ids()[0]
    ceiling = int(_limit(pid, "Max address space"))
    assert 256 * 2**20 < ceiling < 2 * 2**30  # its own size + 256 MB
    assert _limit(pid, "Max cpu time") != "unlimited"
    assert _limit(os.getpid(), "Max address space") == "unlimited"  # the server is untouched


def test_close_stops_every_process_and_refuses_new_work() -> None:
    pool = EvaluatorPool(SandboxLimits(processes=1))
    pool.evaluate("1", {})
    assert pool.stats.alive == 1
    pool.close()
    assert pool.stats.alive == 0
    with pytest.raises(ScriptRefused, match="shut down"):
        pool.evaluate("1", {})


def test_pooled_environment_runs_linear_work_in_process() -> None:
    pool = EvaluatorPool()
    env = PooledEnvironment(pool)
    try:
        data = {"decision": "approve", "count": 1}
        assert env.evaluate("decision == 'approve'", data) is True
        env.execute("count = count + 1", data)
        assert data["count"] == 2
        assert pool.stats.started == 0  # nothing needed a process
        env.execute("label = f'turn {count}'", data)
        assert data["label"] == "turn 2"
        assert pool.stats.started == 1
    finally:
        pool.close()


def test_pooled_environment_without_the_linear_shortcut() -> None:
    pool = EvaluatorPool(SandboxLimits(inline_linear=False))
    try:
        assert PooledEnvironment(pool).evaluate("decision == 'approve'", {"decision": "no"}) is False
        assert pool.stats.started == 1
    finally:
        pool.close()


def test_a_forked_server_worker_starts_its_own_processes(pool: EvaluatorPool) -> None:
    """gunicorn --preload forks workers from a master that may hold a pool."""
    assert pool.evaluate("2 * 21", {}) == 42
    parent_pids = pool.process_ids()
    child = os.fork()
    if child == 0:  # the forked worker: its own process answers, none of the parent's is used
        ok = pool.evaluate("2 * 21", {}) == 42 and not set(pool.process_ids()) & set(parent_pids)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pool.evaluate("1 + 1", {}) == 2 and pool.process_ids() == parent_pids


def test_a_process_that_died_while_idle_is_replaced_without_failing_the_script(
        pool: EvaluatorPool) -> None:
    assert pool.evaluate("1 + 1", {}) == 2
    os.kill(pool.process_ids()[0], 9)  # e.g. the system's OOM killer, between two requests
    time.sleep(0.2)
    assert pool.execute("x = 3 * 3", {}) == {"x": 9}
