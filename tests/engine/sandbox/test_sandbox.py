"""The restricted script environment: what runs, what is refused, and the limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from engine.clock import FakeClock, set_clock
from engine.errors import ScriptRefused
from engine.sandbox.evaluator import (
    HELPERS,
    SandboxEnvironment,
    SandboxScriptEngine,
    check_expression,
    check_script,
)
from engine.sandbox.policy import CodeCache


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment()


@pytest.fixture
def fixed_clock() -> Iterator[datetime]:
    moment = datetime(2027, 1, 31, 22, 30, tzinfo=UTC)
    previous = set_clock(FakeClock(moment))
    yield moment
    set_clock(previous)


def run(env: SandboxEnvironment, script: str, **data: Any) -> dict[str, Any]:
    env.execute(script, data)
    return data


# ----------------------------------------------------------------------------- works


@pytest.mark.parametrize(("script", "expected"), [
    ("x = 2 + 3 * 4 - 10 / 5", {"x": 12.0}),
    ("x = 7 // 2\ny = 7 % 3\nz = 2 ** 10", {"x": 3, "y": 1, "z": 1024}),
    ("ok = 3 > 2 and 'a' < 'b' and 1 == 1.0 and not (2 != 2)", {"ok": True}),
    ("d = {'a': 1}\nd['b'] = 2\nv = d.get('c', 0)\nks = sorted(d.keys())",
     {"d": {"a": 1, "b": 2}, "v": 0, "ks": ["a", "b"]}),
    ("l = [3, 1]\nl.append(2)\nl.sort()\nl2 = l[1:]", {"l": [1, 2, 3], "l2": [2, 3]}),
    ("s = 'Hello World'.upper().split()\nj = '-'.join(s)\nr = 'a,b'.replace(',', ';')",
     {"s": ["HELLO", "WORLD"], "j": "HELLO-WORLD", "r": "a;b"}),
    ("sq = [i * i for i in range(5) if i % 2 == 0]\nm = {k: v for k, v in [('a', 1)]}",
     {"sq": [0, 4, 16], "m": {"a": 1}}),
    ("n = len([1, 2]) + sum([1, 2, 3]) + max(1, 5) + min([4, 2]) + abs(-1)\nr = round(2.567, 2)",
     {"n": 16, "r": 2.57}),
    ("name = 'Ana'\namount = 12.5\ntext = f'{name} owes {amount:.2f} ({amount!r})'",
     {"name": "Ana", "amount": 12.5, "text": "Ana owes 12.50 (12.5)"}),
    ("total = 0\nfor i in range(10):\n    total += i\nwhile total > 40:\n    total -= 1",
     {"total": 40, "i": 9}),
    ("def double(v):\n    return v * 2\nx = double(21)\ny = list(map(lambda v: v + 1, [1]))",
     {"x": 42, "y": [2]}),
    ("a, (b, c) = 1, (2, 3)\npairs = [[k, v] for k, v in enumerate('xy')]\nz = list(zip([1], [2]))",
     {"a": 1, "b": 2, "c": 3, "pairs": [[0, "x"], [1, "y"]], "z": [[1, 2]]}),
    ("ok = isinstance('a', str) and isinstance(1, (int, float)) and str(5) == '5'\n"
     "t = tuple([1])\nu = sorted(set([2, 1, 2]))\nb = bool(0)\nrv = list(reversed([1, 2]))\n"
     "f = list(filter(None, [0, 1]))\nan = any([0, 1]) and all([1])\nfl = float('1.5') + int('2')",
     {"ok": True, "t": [1], "u": [1, 2], "b": False, "rv": [2, 1], "f": [1], "an": True,
      "fl": 3.5}),
    ("try:\n    x = 1 / 0\nexcept ZeroDivisionError:\n    x = 'caught'", {"x": "caught"}),
    ("print('debug output is dropped')\nx = 1", {"x": 1}),
])
def test_scripts_that_must_work(env: SandboxEnvironment, script: str,
                                expected: dict[str, Any]) -> None:
    assert run(env, script) == expected


@pytest.mark.parametrize(("expression", "data", "expected"), [
    ("amount > 100 and not rejected", {"amount": 150, "rejected": False}, True),
    ("status in ('new', 'open')", {"status": "closed"}, False),
    ("len(items) * 2", {"items": [1, 2, 3]}, 6),
    ("[i['v'] for i in rows if i['v'] > 1]", {"rows": [{"v": 1}, {"v": 2}]}, [2]),
    ("f'{first} {last}'.strip()", {"first": "Li", "last": "Wei"}, "Li Wei"),
    ("'P1D'", {}, "P1D"),
    ("add_days(start, 3)", {"start": "2027-02-27"}, "2027-03-02"),
])
def test_expressions_that_must_work(env: SandboxEnvironment, expression: str,
                                    data: dict[str, Any], expected: Any) -> None:
    assert env.evaluate(expression, data) == expected


def test_helpers(fixed_clock: datetime) -> None:
    assert HELPERS["now_iso"]() == "2027-01-31T22:30:00+00:00"
    assert HELPERS["today_iso"]() == "2027-01-31"
    assert HELPERS["add_days"]("2027-01-31T22:30:00+00:00", 1) == "2027-02-01T22:30:00+00:00"
    assert HELPERS["add_months"]("2027-01-31", 1) == "2027-02-28"
    assert HELPERS["add_months"]("2027-03-15", -3) == "2026-12-15"
    assert HELPERS["add_years"]("2028-02-29", 1) == "2029-02-28"
    assert HELPERS["days_between"]("2027-01-01", "2027-03-01") == 59
    assert HELPERS["days_between"]("2027-01-02T12:00:00Z", "2027-01-01T00:00:00Z") == -1
    assert HELPERS["parse_date"]("2027-01-15T09:00:00Z") == "2027-01-15T09:00:00+00:00"
    assert HELPERS["parse_date"](" 2027-01-15 ") == "2027-01-15"
    assert HELPERS["format_date"]("2027-01-15", "%d.%m.%Y") == "15.01.2027"
    with pytest.raises(ValueError):
        HELPERS["parse_date"]("15/01/2027")


def test_helpers_from_scripts_and_clock(env: SandboxEnvironment, fixed_clock: datetime) -> None:
    data = run(env, "due = add_days(today_iso(), 14)\nstamp = now_iso()")
    assert data == {"due": "2027-02-14", "stamp": "2027-01-31T22:30:00+00:00"}


def test_assigned_variables_land_in_data_and_helpers_do_not(env: SandboxEnvironment) -> None:
    data = {"amount": 10, "keep": "me"}
    env.execute("amount = amount + 1\nnew = add_days\ndef f():\n    return 1\nr = f()", data)
    assert data == {"amount": 11, "keep": "me", "r": 1}
    for name in [*HELPERS, "__builtins__", "_getattr_", "_print", "f", "new"]:
        assert name not in data


def test_del_removes_a_variable(env: SandboxEnvironment) -> None:
    assert run(env, "del tmp\nx = 1", tmp=5) == {"x": 1}


def test_failed_script_leaves_data_untouched(env: SandboxEnvironment) -> None:
    data = {"items": [1], "n": 1}
    with pytest.raises(ZeroDivisionError):
        env.execute("items.append(2)\nn = 2\nx = 1 / 0", data)
    assert data == {"items": [1], "n": 1}


def test_custom_helpers_and_overwrite_check() -> None:
    engine = SandboxScriptEngine(helpers={"vat": lambda amount: round(amount * 0.2, 2)})
    data: dict[str, Any] = {"net": 10}
    engine.environment.execute("tax = vat(net)", data)
    assert data == {"net": 10, "tax": 2.0}
    with pytest.raises(ValueError, match="vat"):
        engine.environment.execute("x = 1", {"vat": 1})
    with pytest.raises(ValueError, match="invalid helper"):
        SandboxEnvironment({"_hidden": len})


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("script", "error"), [
    ("x = 1 / 0", ZeroDivisionError),
    ("x = undefined_name", NameError),
    ("x = {}['missing']", KeyError),
    ("x = [][1]", IndexError),
    ("x = int('abc')", ValueError),
    ("x = 'a' + 1", TypeError),
    ("x = {}.nope", AttributeError),
])
def test_script_errors_keep_their_type(env: SandboxEnvironment, script: str,
                                       error: type[Exception]) -> None:
    with pytest.raises(error):
        env.execute(script, {})


# ----------------------------------------------------------------------------- refused


STATIC_REFUSALS = [
    ("import os", "import"),
    ("from os import path", "import"),
    ("x = __import__('os')", "__import__"),
    ("x = open('/etc/passwd').read()", "open"),
    ("x = ().__class__.__base__.__subclasses__()", "__class__"),
    ("x = eval('1')", "eval"),
    ("exec('x=1')", "exec"),
    ("x = compile('1', 'f', 'eval')", "compile"),
    ("x = getattr(1, '__class__')", "getattr"),
    ("setattr(a, 'b', 1)", "setattr"),
    ("x = globals()", "globals"),
    ("x = locals()", "locals"),
    ("x = vars()", "vars"),
    ("x = type(1)", "type"),
    ("breakpoint()", "breakpoint"),
    ("x = input()", "input"),
    ("x = __builtins__", "__builtins__"),
    ("x = (1).__class__", "__class__"),
    ("x = a.__dict__", "__dict__"),
    ("x = '{0.__class__}'.format(1)", "format"),
    ("x = '{a}'.format_map({})", "format_map"),
    ("x = (i for i in []).gi_frame", "gi_frame"),
    ("class A:\n    pass", "class"),
    ("a.b = 1", "assigning"),
    ("try:\n    x = 1\nexcept:\n    pass", "except"),
    ("try:\n    x = 1\nfinally:\n    pass", "finally"),
    ("try:\n    x = 1\nexcept BaseException:\n    pass", "BaseException"),
    ("with a as b:\n    pass", "with"),
    ("x = f'{a:{b}}'", "format spec"),
    ("x = f'{a:>1000000000}'", "width"),
    ("x = 1\ny = (\n", "SyntaxError"),
]


@pytest.mark.parametrize(("source", "named"), STATIC_REFUSALS)
def test_check_script_refuses(source: str, named: str) -> None:
    with pytest.raises(ScriptRefused) as info:
        check_script(source, element_id="Task_1")
    assert named in str(info.value)
    assert info.value.element_id == "Task_1"
    assert info.value.line is not None


@pytest.mark.parametrize(("source", "named"), STATIC_REFUSALS[:10])
def test_execute_refuses_before_running(env: SandboxEnvironment, source: str, named: str) -> None:
    with pytest.raises(ScriptRefused, match=named):
        env.execute(source, {})


def test_refusal_names_the_line() -> None:
    with pytest.raises(ScriptRefused) as info:
        check_script("x = 1\ny = 2\nimport os\n")
    assert info.value.line == 3
    assert str(info.value) == "line 3: import statements are not allowed"
    with pytest.raises(ScriptRefused) as syntax:
        check_script("x = 1\n\nif x\n    y = 2")
    assert syntax.value.line == 3


@pytest.mark.parametrize(("source", "named"), [
    ("__import__('os').system('id')", "__import__"),
    ("().__class__.__bases__[0]", "__class__"),
    ("eval('1')", "eval"),
    ("open('x')", "open"),
    ("x.__class__", "__class__"),
    ("amount >", "SyntaxError"),
    ("x = 1", "SyntaxError"),
    ("'{0.__class__}'.format(x)", "format"),
])
def test_check_expression_refuses(source: str, named: str) -> None:
    with pytest.raises(ScriptRefused, match=named):
        check_expression(source, element_id="Flow_1")


def test_check_accepts_ordinary_sources() -> None:
    check_script("total = sum(item['price'] for item in items)\nlabel = f'{total:.2f}'")
    check_expression("amount > 100 and status == 'open'")
    check_expression("  approved  \n")
    check_script("    x = 1\n    y = x + 1\n")  # indented script text from XML


def test_is_defined_idiom_is_allowed(env: SandboxEnvironment) -> None:
    """`'x' in vars()` (SpiffWorkflow's own examples) tests names only; values stay out of reach."""
    condition = "'should_escalate' in vars() or 'should_escalate' in globals()"
    check_expression(condition)
    assert env.evaluate(condition, {}) is False
    assert env.evaluate(condition, {"should_escalate": True}) is True
    assert run(env, "seen = 'a' in locals() and 'b' not in vars()", a=1) == {"a": 1, "seen": True}
    for source in ["x = vars()", "x = globals()['a']", "x = 'a' in vars(y)", "x = locals"]:
        with pytest.raises(ScriptRefused, match="only `'name' in vars\\(\\)` is"):
            check_script(source)


def test_type_as_a_data_name_is_fine(env: SandboxEnvironment) -> None:
    assert env.evaluate("type == 'invoice'", {"type": "invoice"}) is True


def test_time_limit(env: SandboxEnvironment) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptRefused, match="script took more than 1 s"):
        env.execute("while True: pass", {})
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("script", [
    "try:\n    while True:\n        pass\nexcept Exception:\n    x = 1",
    "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(60)",
    "f = lambda n: f(n - 1) + f(n - 1) if n else 1\nx = f(60)",
    "x = [a + b for a in range(400000) for b in range(400000)]",
])
def test_time_limit_cannot_be_dodged(script: str) -> None:
    env = SandboxEnvironment(time_limit=0.3)
    started = time.monotonic()
    with pytest.raises(ScriptRefused, match=r"script took more than 0\.3 s"):
        env.execute(script, {})
    assert time.monotonic() - started < 2


def test_time_limit_in_worker_thread(env: SandboxEnvironment) -> None:
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            env.execute("n = 0\nwhile True:\n    n += 1", {})
            outcome.append(None)
        except BaseException as exc:  # the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert isinstance(outcome[0], ScriptRefused)
    assert "took more than" in str(outcome[0])


def test_time_limit_in_expression() -> None:
    env = SandboxEnvironment(time_limit=0.2)
    with pytest.raises(ScriptRefused, match=r"expression took more than 0\.2 s"):
        env.evaluate("[a for a in range(400000) for b in range(400000)]", {})


@pytest.mark.parametrize(("script", "named"), [
    ("x = 'x' * 10**9", "size limit"),
    ("x = 10**9 * 'x'", "size limit"),
    ("x = [0] * 10**9", "size limit"),
    ("x = list(range(10**9))", "size limit"),
    ("s = ''\nfor i in range(10**7): s += 'xxxxxxxx'", "size limit"),
    ("s = ''\nwhile True:\n    s += 'xxxxxxxx'", "size limit|took more than"),  # quadratic copying
    ("s = 'x'\nwhile True:\n    s = s + s", "size limit"),
    ("l = [1]\nwhile True:\n    l.extend(l)", "size limit"),
    ("l = [1]\nwhile True:\n    l[len(l):] = l", "size limit"),
    ("l = [1]\nwhile True:\n    l += l", "size limit"),
    ("l = [1]\nwhile True:\n    l *= 2", "size limit"),
    ("x = [[0] * 1000] * 1000", "size limit"),
    ("x = 2 ** 10**7", "size limit"),
    ("x = pow(2, 10**7)", "size limit"),
    ("x = 1 << 10**9", "size limit"),
    ("x = '%1000000000d' % 1", "size limit"),
    ("x = 'ab'.ljust(10**9)", "size limit"),
    ("s = 'x' * 1000\nx = s.replace('', s)", "size limit"),
    ("x = ','.join(['x' * 1000] * 2000)", "size limit"),
    ("x = round(1, -10**6)", "size limit"),
    ("a = 'x' * 600000\nb = 'y' * 600000", "size limit"),
    ("x = {1, 2}", "variable x holds a set"),
    ("x = {1: 'a'}", "JSON object keys must be strings"),
    ("x = [1, {'y': float('nan')}]", "x[1]['y'] is nan"),
    ("x = range(3)", "variable x holds a range"),
    ("s = 'a'\nx = s.format", "format"),
])
def test_runtime_refusals(env: SandboxEnvironment, script: str, named: str) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptRefused) as info:
        env.execute(script, {})
    assert any(part in str(info.value) for part in named.split("|"))
    assert time.monotonic() - started < 2


def test_refusals_cannot_be_caught_by_the_script(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptRefused, match="size limit"):
        env.execute("try:\n    x = 'x' * 10**9\nexcept Exception:\n    x = 'caught'", {})


def test_expression_result_size_is_bounded(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptRefused, match="size limit"):
        env.evaluate("x * 10**9", {"x": "a"})
    small = SandboxEnvironment(max_bytes=100)
    with pytest.raises(ScriptRefused, match="size limit of 100 bytes"):
        small.evaluate("big", {"big": "x" * 500})


def test_dates_in_task_data_become_iso_strings(env: SandboxEnvironment) -> None:
    data: dict[str, Any] = {"when": datetime(2027, 1, 15, 9, tzinfo=UTC),
                            "day": date(2027, 1, 15), "pair": (1, 2)}
    env.execute("x = 1", data)
    assert data == {"when": "2027-01-15T09:00:00+00:00", "day": "2027-01-15", "pair": [1, 2],
                    "x": 1}


def test_compiled_code_is_cached() -> None:
    cache = CodeCache(size=2)
    first = cache.get("eval", "a > 1")
    assert cache.get("eval", "a > 1") is first
    cache.get("eval", "b")
    cache.get("eval", "c")
    assert cache.get("eval", "a > 1") is not first  # evicted, recompiled


def test_script_engine_validate_and_call_service() -> None:
    engine = SandboxScriptEngine()
    engine.validate("amount > 100")
    with pytest.raises(SyntaxError):
        engine.validate("> 100")  # SpiffWorkflow's DMN engine relies on SyntaxError here
    with pytest.raises(ScriptRefused, match="__import__"):
        engine.validate("__import__('os')")
    with pytest.raises(NotImplementedError, match="service"):
        engine.call_service(None, operation_name="x")
    custom = SandboxEnvironment(time_limit=0.5)
    assert SandboxScriptEngine(custom).environment is custom
