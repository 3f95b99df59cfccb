"""psycopg: a transaction's waiting statements in one simple-protocol round trip, each one a
statement prepared on the server.

`engine.store.direct` sends a step's writes together (the BEGIN, the writes, the COMMIT). psycopg's
pipeline mode does that in its extended protocol, at 20-30 µs of Python per statement plus a
sync of its own; here the same statements go as one query text, `BEGIN;EXECUTE s1(...);
EXECUTE s2(...);COMMIT`, in the simple query protocol (one message, one answer per statement),
and each statement is prepared on the server once per connection (`PREPARE`, as psycopg prepares
a statement it sees often), so the server neither parses nor plans it again. A batch of four
writes costs 55-60 µs of the client's CPU where the pipeline cost 125-130, and its round trip is
a fifth shorter (bench/bench_engine.py prints the engine's rate; `python -m bench.bench_step_costs
--postgres` where it goes).

The arguments are quoted by psycopg's own adapters (`Transformer.as_literal`, what its client-side
cursor uses): values never become SQL. A prepared statement takes the parameter types psycopg
would send for its first values (integers widened to bigint, so a later larger value fits; text
and NULL left for the server to infer from where they stand, as psycopg leaves them), and a
statement the server cannot prepare fails as its execution would have failed with psycopg.

Prepared statements outlive a rollback (they are not transactional) and die with the connection:
the names prepared are kept in the connection's `info`, which SQLAlchemy's pool keeps with the
driver's connection and clears when it is replaced. psycopg's own preparing is off on these
connections (engine.store.direct): it sends DEALLOCATE ALL after any ROLLBACK it sees, which took
these along. If they vanish all the same (a DEALLOCATE ALL or DISCARD ALL from elsewhere), the
batch fails with the server's error and the next one prepares them again. A pooler in
transaction mode (PgBouncer's) does not keep a session's prepared statements: not supported.

Every statement the engine runs through `run_direct` is prepared so; statements SQLAlchemy runs
itself (the ORM's, the pages') are planned at each run, as psycopg did until it had seen one five
times in a connection, and as it did again after every rollback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any, Protocol

from psycopg import abc
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy import Connection

_PREPARED = "alliance.batch.prepared"
"""connection.info: SQL text -> the name of its prepared statement on this connection."""

_TRANSFORMER = "alliance.batch.transformer"
"""connection.info: psycopg's adapters for the connection (they cache a dumper per type)."""

# int2, int4 and their arrays: psycopg picks the smallest type that fits the first value
_WIDENED = {21: "int8", 23: "int8", 1005: "int8[]", 1007: "int8[]"}
_PLACEHOLDER = re.compile(r"%\(([^)]+)\)s|%%")
_NAMES = count(1)
_UNKNOWN_STATEMENT = "26000"  # invalid_sql_statement_name


class Statement(Protocol):
    @property
    def sql(self) -> str: ...  # psycopg's `%(name)s` placeholders, or a bare BEGIN/COMMIT

    @property
    def sent(self) -> Any: ...  # the driver's parameters: a mapping, or a list of them when `many`

    @property
    def many(self) -> bool: ...


@dataclass(frozen=True)
class _Prepared:
    """A statement in the server's terms: `$n` placeholders, the names they stand for in order."""
    server_sql: str
    names: tuple[str, ...]


@dataclass
class Answer:
    """One statement's answer: its rows (driver values) and the count of rows it changed."""
    rows: list[Any]
    rowcount: int

    def fetchall(self) -> list[Any]:
        rows, self.rows = self.rows, []
        return rows

    def fetchone(self) -> Any:
        return self.rows.pop(0) if self.rows else None


_SERVER_FORM: dict[str, _Prepared] = {}


def _server_form(sql: str) -> _Prepared:
    found = _SERVER_FORM.get(sql)
    if found is None:
        names: list[str] = []

        def placeholder(match: re.Match[str]) -> str:
            if match.group(1) is None:
                return "%"
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        found = _SERVER_FORM[sql] = _Prepared(_PLACEHOLDER.sub(placeholder, sql), tuple(names))
    return found


def _bare(sql: str) -> bool:
    return sql in ("BEGIN", "COMMIT")


def send_batch(connection: Connection, items: Sequence[Statement], run: Any) -> list[Answer]:
    """The items in one round trip; each one's answer (a `many` item's row counts summed).

    `run(connection, text)` runs a query text on the driver's cursor (returned), its errors
    SQLAlchemy's; cursor listeners are the caller's to call, per statement (the PREPAREs, as
    psycopg's own, are not statements of the step's)."""
    dbapi_connection: Any = connection.connection.dbapi_connection
    info = connection.info
    transformer = info.get(_TRANSFORMER)
    if transformer is None:
        transformer = info[_TRANSFORMER] = Transformer(dbapi_connection)
    prepared: dict[str, str] = info.setdefault(_PREPARED, {})
    parts: list[bytes] = []
    per_item: list[int] = []
    for item in items:
        if _bare(item.sql):
            parts.append(item.sql.encode())
            per_item.append(1)
            continue
        form = _server_form(item.sql)
        rows: Sequence[Any] = item.sent if item.many else [item.sent]
        name = prepared.get(item.sql)
        if name is None:
            name = _prepare(connection, transformer, form, rows[0], run)
            prepared[item.sql] = name
        for sent in rows:
            values = b",".join(transformer.as_literal(sent[key]) for key in form.names)
            parts.append(b"EXECUTE " + name.encode() + (b"(" + values + b")" if form.names else b""))
        per_item.append(len(rows))
    try:
        cursor = run(connection, b";".join(parts))
    except Exception as error:
        if getattr(getattr(error, "orig", None), "sqlstate", None) == _UNKNOWN_STATEMENT:
            info.pop(_PREPARED, None)  # deallocated behind our back: prepared again next time
        raise
    return list(_answers(cursor, per_item))


def _prepare(connection: Connection, transformer: abc.Transformer, form: _Prepared,
             first: Any, run: Any) -> str:
    name = f"alliance_{next(_NAMES)}"
    values = [first[key] for key in form.names]
    transformer.dump_sequence(values, [PyFormat.TEXT] * len(values))
    types = connection.connection.dbapi_connection.adapters.types  # type: ignore[union-attr]
    names = []
    for oid in transformer.types or ():
        known = types.get(oid) if oid else None
        if oid in _WIDENED or known is None:
            names.append(_WIDENED.get(oid, "unknown"))
        else:  # the registry answers an array's oid with its element's type
            names.append(f"{known.name}[]" if oid == known.array_oid else known.name)
    declared = f" ({', '.join(names)})" if names else ""
    run(connection, f"PREPARE {name}{declared} AS {form.server_sql}".encode())
    return name


def _answers(cursor: Any, per_item: list[int]) -> Iterator[Answer]:
    for statements in per_item:
        rows: list[Any] = []
        changed = 0
        for _ in range(statements):
            if cursor.pgresult is not None and cursor.pgresult.ntuples:
                rows.extend(cursor.fetchall())
            changed += max(cursor.rowcount, 0)
            cursor.nextset()
        yield Answer(rows, changed)


__all__ = ["Answer", "send_batch"]
