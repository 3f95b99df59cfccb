"""SQL constructs the engine's queries need on both databases."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, class_mapper
from sqlalchemy.orm.attributes import instance_state
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


class unindexed(FunctionElement[Any]):
    """`column`, kept out of SQLite's index choice (its documented unary `+`); itself elsewhere.

    For a term that filters rows an index on another column already found: the completion's
    read finds a case's tasks by case, and with `state` in the choice SQLite's plan took 65 µs
    for the 11 µs of the one without (bench/bench_engine.py)."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(next(iter(element.clauses)), **kw)  # type: ignore[no-any-return]


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(next(iter(element.clauses)), **kw)}"


def as_loaded(session: Session, cls: type[T], values: dict[str, Any]) -> T:
    """The object of a row read or written by a Core statement, in the session as if the ORM had
    loaded it: the one already in the identity map (as a query would return it), or a new one
    with these column values (columns left out are expired: read when first used).

    Made as SQLAlchemy's loader makes an object from a row (sqlalchemy/orm/loading.py, 2.0.58):
    the constructor's attribute events, `make_transient_to_detached` and `Session.add`'s cascade
    walk were a twelfth of a step on PostgreSQL, for a row that needs none of them (the models
    have no validators, and a new object has no related objects to cascade to)."""
    key = (cls, (values["id"],), None)
    identity_map = session.identity_map
    existing = identity_map.get(key)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    obj = class_mapper(cls).class_manager.new_instance()
    state = instance_state(obj)
    state.dict.update(values)
    state.key, state.identity_token = key, None
    state._commit_all(state.dict)
    state._expire_attributes(state.dict, state.unloaded)
    state.session_id = session.hash_key
    identity_map._add_unpresent(state, key)
    if session.dispatch.loaded_as_persistent:  # as the loader tells listeners
        session.dispatch.loaded_as_persistent(session, state)
    return obj


__all__ = ["as_loaded", "contains_exactly", "unindexed"]
