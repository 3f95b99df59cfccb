"""SQL constructs the engine's queries need on both databases."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Boolean, CursorResult, Executable
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.functions import FunctionElement

T = TypeVar("T")


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
    """A statement built once, on the session's connection, past the ORM's execution path (its
    compile state, loading and result set-up): for a step's hot statements (bench/bench_engine.py),
    whose rows the session does not need as objects. Pending changes are flushed first unless
    the session says not to (`no_autoflush`), as `Session.execute` does."""
    if session.autoflush:
        session.flush()  # returns at once when nothing is pending
    return session.connection().execute(statement, params)


def as_loaded(session: Session, cls: type[T], values: dict[str, Any]) -> T:
    """The object of a row read or written by a Core statement, in the session as if the ORM had
    loaded it: the one already in the identity map (as a query would return it), or a new one
    with these column values (columns left out are expired: read when first used)."""
    existing = session.identity_map.get(identity_key(cls, values["id"]))
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    obj = cls(**values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


__all__ = ["as_loaded", "contains_exactly", "run_core"]
