"""SQL constructs the engine's queries need on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, CursorResult, Executable
from sqlalchemy.orm import Session
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class contains_exactly(FunctionElement[bool]):
    """`haystack` holds `needle`, byte for byte: `strpos` on PostgreSQL, `instr` on SQLite.

    Not LIKE: SQLite's LIKE ignores ASCII case, and a policy test must not confuse the
    group `Admin` with `admin`."""

    type = Boolean()
    name = "contains_exactly"
    inherit_cache = True


@compiles(contains_exactly)
def _contains_sqlite(element: contains_exactly, compiler: Any, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"(instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)}) > 0)"


@compiles(contains_exactly, "postgresql")
def _contains_postgresql(element: contains_exactly, compiler: Any, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"(strpos({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)}) > 0)"


def run_core(session: Session, statement: Executable, params: Any = None) -> CursorResult[Any]:
    """A Core statement (built on tables, built once) on the session's connection, past the ORM:
    no autoflush, no ORM compile state, no fresh cache key. For the hot writes of a step
    (bench/bench_engine.py), whose rows the session does not need as objects; anything the
    statement depends on that is still pending in the session must be flushed first."""
    return session.connection().execute(statement, params)


__all__ = ["contains_exactly", "run_core"]
