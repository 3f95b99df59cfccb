"""SQL constructs the engine's queries need on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean
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


__all__ = ["contains_exactly"]
