"""Translate the expression dialects other modelers write into Python for SpiffWorkflow.

Camunda 7 writes JUEL (`${amount > 100 && !rejected}`), Camunda 8 / Zeebe writes
FEEL (`=amount > 100`), and both write timer values as bare ISO 8601 (`PT10M`).
SpiffWorkflow evaluates every one of them as a Python expression, so the
deployment step rewrites them once. FEEL goes through the translator in
`engine.bpmn.feel` (which refuses what it cannot translate, `FeelError`); the JUEL
translation is token-based and covers the simple forms (comparisons, boolean
operators, literals); anything richer (JUEL ternaries, method calls) is passed on
and left for the sandbox check to accept or refuse.

SpiffWorkflow 3.2.0 timer support (bpmn/specs/event_definitions/timer.py), checked:
* durations: `P[nY][nM][nW][nD][T[nH][nM][nS]]`, case-insensitive; years and
  months are calendar-aware (counted from now); a decimal fraction only on the last
  element; weeks cannot be combined with Y/M/D; no negative durations (`-P1D`).
* dates: `datetime.fromisoformat` (so `Z`, offsets, date-only `2027-01-15`) and ISO
  week dates (`2027-W03-1`); a value without an offset is read in the *server's*
  local time zone; FEEL zone ids (`@Europe/Berlin`) are not supported.
* cycles: `R[n]/duration`, `R[n]/start/duration` and `R[n]/duration/end`; `R/` or
  `R-1/` is unbounded. The first firing of `R/duration` is one interval after now.
  Missed cycles fire all at once after downtime; no cron syntax.
* a timeDate whose value is a duration (or vice versa) fails only at run time.
"""

from __future__ import annotations

import re
from typing import Literal

from engine.bpmn import feel

_TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<space>\s+)
  | (?P<op>&&|\|\||==|!=|<=|>=|=|!|<|>)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_LITERALS = {"true": "True", "false": "False", "null": "None"}
_JUEL_WORDS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
               "and": "and", "or": "or", "not": "not", "empty": "not", "div": "/",
               "mod": "%", **_LITERALS}
_JUEL_OPS = {"&&": "and", "||": "or", "!": "not"}

_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = (rf"P(?=[\dT])(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
             rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?")
_DATETIME = (r"(?:\d{4}-\d{2}-\d{2}|\d{4}-?W\d{2}-?\d)"
             r"(?:T\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?")
_POINT = rf"(?:{_DURATION}|{_DATETIME})"
_ISO = re.compile(rf"^(?:{_POINT}|R\d*/{_POINT}(?:/{_POINT})?)$", re.IGNORECASE)
_FEEL_TEMPORAL = re.compile(
    r'^(?:@|(?:duration|date and time|date|time|cycle)\s*\(\s*)("[^"\\]*"|\'[^\'\\]*\')\s*\)?$')


def _translate(body: str, words: dict[str, str], ops: dict[str, str]) -> str:
    """Rewrite tokens outside string literals; word operators get spaces around them."""
    out: list[str] = []
    space_after = False
    for match in _TOKEN.finditer(body):
        kind, text = match.lastgroup, match.group()
        if space_after and kind != "space" and text != ")":
            out.append(" ")
        space_after = False
        if (kind == "op" and text in ops) or (kind == "name" and text in words):
            text = ops[text] if kind == "op" else words[text]
            if text.isalpha() and text not in _LITERALS.values():
                if out and not out[-1].endswith((" ", "(")):
                    out.append(" ")
                space_after = True
        out.append(text)
    return "".join(out).strip()


def to_python_expression(text: str) -> str:
    """JUEL (`${...}`, `#{...}`) or FEEL (`=...`) to Python; anything else is returned stripped.

    Raises `feel.FeelError` for FEEL the translator does not know."""
    stripped = (text or "").strip()
    if stripped[:2] in ("${", "#{") and stripped.endswith("}"):
        return _translate(stripped[2:-1], _JUEL_WORDS, _JUEL_OPS)
    if stripped.startswith("=") and not stripped.startswith("=="):
        return feel.to_python(stripped[1:])
    return stripped


def to_python_timer(kind: Literal["timeDuration", "timeDate", "timeCycle"], text: str) -> str:
    """A timer value as a Python expression SpiffWorkflow's timer code can evaluate.

    Bare ISO 8601 values ('P1Y', 'R3/PT10M', '2027-01-15T09:00:00Z') become quoted
    string literals; FEEL/JUEL values are translated (FEEL `duration("P1D")`,
    `date and time("...")` and `@"..."` become the string literal); anything else
    (a Python string literal or a variable name) is returned unchanged.
    `kind` is accepted for the caller's clarity; SpiffWorkflow itself decides by the
    element which parser applies.
    """
    stripped = (text or "").strip()
    if _ISO.match(stripped):
        return repr(stripped)
    if stripped.startswith("=") or stripped[:2] in ("${", "#{"):
        inner = stripped[1:].strip() if stripped.startswith("=") else stripped[2:-1].strip()
        if _ISO.match(inner):
            return repr(inner)
        temporal = _FEEL_TEMPORAL.match(inner)
        if temporal:
            return repr(temporal.group(1)[1:-1])
        return to_python_expression(stripped)
    return stripped
