"""A step's hot statements on the driver's own connection, compiled once by SQLAlchemy.

`Session.execute` and even `Connection.execute` spend 25-30 µs of Python on a statement the
driver runs in 7 (an execution context, the cache key, result metadata; bench/bench_engine.py
prints the bare driver's rate beside the engine's): a step runs eight of them. `run_direct`
keeps what matters of that path and drops the rest:

- the SQL, the bind processors (SQLite's datetimes, JSON, booleans) and the result processors
  are SQLAlchemy's, taken from the statement compiled once per dialect and set of parameters;
- the statement runs in the session's transaction (its BEGIN, SQLite's BEGIN IMMEDIATE), after a
  flush of pending changes unless the session says not to (`no_autoflush`), as `Session.execute`;
- `before_cursor_execute` and `after_cursor_execute` listeners see it (statement counts in the
  tests, metrics), and driver errors come out as SQLAlchemy's exceptions (IntegrityError...),
  through the connection's own handling (a lost connection is invalidated).

What it refuses: statements whose parameters expand at execution (`IN` lists) or whose columns
take Python-side defaults the caller did not give. Those go through `Session.execute`.

`run_later` is for the writes whose answer the step does not read at once (history, the state's
UPDATE, jobs, participants; a conditional UPDATE's row count is checked when its answer comes).
With psycopg they wait and go with the next statement in one round trip (engine.store.batch: one
simple-protocol query of statements prepared on the server): a completion's four writes and the
new task's INSERT travel together, where each was a round trip (bench/bench_engine.py;
`bench.driver_floor` shows both shapes on the bare driver). Any other statement on the connection
sends them first, the commit takes the last ones along, a rollback drops them. `send_together`
sets this up on a psycopg engine, with the driver in autocommit mode and the transaction's BEGIN
sent by the engine with its first statement. A conditional write whose rows the transaction
has locked (`locked`: a completion locks its task and case as it reads them) need not be sent
before the commit: a completion is two round trips ([BEGIN, lock, read], [writes, COMMIT]) where
it was nine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from engine.store.batch import send_batch

Params = Mapping[str, Any]
Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Plan:
    statement: ClauseElement  # held: plans are found by the statement's id
    sql: str
    positional: tuple[tuple[str, Processor | None], ...] | None  # SQLite's order, or None: named
    named: tuple[tuple[str, str, Processor | None], ...]  # (bind name, name sent, processor)
    fixed: Mapping[str, Any]  # binds with a value in the statement (a literal in a WHERE)
    columns: tuple[str, ...]  # result columns' keys
    result_processors: tuple[Processor | None, ...]


class DirectStatementError(ValueError):
    """A statement `run_direct` cannot run faithfully: use `Session.execute`."""


@dataclass
class _Plans:
    by_key: dict[tuple[int, str, frozenset[str]], _Plan] = field(default_factory=dict)


_PLANS = _Plans()


def _plan(statement: ClauseElement, dialect: Dialect, keys: frozenset[str]) -> _Plan:
    cache_key = (id(statement), dialect.name, keys)
    found = _PLANS.by_key.get(cache_key)
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
    assert isinstance(compiled, SQLCompiler)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise DirectStatementError(f"parameters expanded at execution in: {compiled.string}")
    missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
    if missing:
        raise DirectStatementError(f"columns {missing} take Python-side defaults: give them")
    binds = compiled.binds
    fixed = {name: bind.effective_value for name, bind in binds.items()
             if name not in keys and not bind.required}
    escaped: Mapping[str, str] = compiled.escaped_bind_names or {}
    columns, result_processors = [], []
    for entry in compiled._result_columns or ():
        columns.append(entry[0])
        result_processors.append(entry[3]._cached_result_processor(dialect, None))
    processors: Mapping[str, Processor] = compiled._bind_processors  # type: ignore[assignment]
    plan = _Plan(statement=statement, sql=compiled.string,
                 positional=(tuple((name, processors.get(name)) for name in compiled.positiontup or ())
                             if compiled.positional else None),
                 named=tuple((name, escaped.get(name, name), processors.get(name)) for name in binds),
                 fixed=fixed, columns=tuple(columns), result_processors=tuple(result_processors))
    _PLANS.by_key[cache_key] = plan
    return plan


def _driver_params(plan: _Plan, params: Params) -> Any:
    values = {**plan.fixed, **params} if plan.fixed else params
    try:
        if plan.positional is not None:
            return tuple(values[name] if processor is None else processor(values[name])
                         for name, processor in plan.positional)
        return {sent: values[name] if processor is None else processor(values[name])
                for name, sent, processor in plan.named}
    except KeyError as missing:
        raise DirectStatementError(f"no value for the parameter {missing} in: {plan.sql}") from None


class DirectResult:
    """What a step reads of a statement's outcome: rows (processed as SQLAlchemy would), the
    count of rows changed."""

    def __init__(self, plan: _Plan, cursor: Any) -> None:
        self._plan, self._cursor = plan, cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount  # type: ignore[no-any-return]

    def _process(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(value if proc is None else proc(value)
                     for proc, value in zip(self._plan.result_processors, row, strict=True))

    def rows(self) -> Iterator[tuple[Any, ...]]:
        for row in self._cursor.fetchall():
            yield self._process(row)

    def first(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone()
        return None if row is None else self._process(row)

    def one(self) -> tuple[Any, ...]:
        row = self.first()
        if row is None:
            raise LookupError("the statement returned no row")
        return row

    def scalar_one(self) -> Any:
        return self.one()[0]

    def mappings(self) -> list[dict[str, Any]]:
        columns = self._plan.columns
        return [dict(zip(columns, row, strict=True)) for row in self.rows()]


def run_direct(session: Session, statement: ClauseElement,
               params: Params | Sequence[Params] | None = None) -> DirectResult:
    """Run `statement` (built once: plans are kept per statement object) with `params`, or
    with each of a list of them (one `executemany`), in the session's transaction."""
    connection, plan, item = _prepared(session, statement, {} if params is None else params)
    if _batched(connection):  # with the writes waiting (run_later), in one round trip
        cursor = _send(connection, [*connection.info.pop(_QUEUE, ()), item])[-1]
    else:
        cursor = execute_on_driver(connection, item.sql, item.sent, many=item.many)
    return DirectResult(plan, cursor)


def _batched(connection: Connection) -> bool:
    return connection.dialect.driver == "psycopg"


def sends_later(session: Session) -> bool:
    """Whether `run_later`'s writes wait for a round trip (psycopg) rather than run at once: a
    change that can avoid a round trip of its own (locking what it reads, taking ids ahead) does
    it only then."""
    return session.get_bind().dialect.driver == "psycopg"


def _prepared(session: Session, statement: ClauseElement, params: Params | Sequence[Params], *,
              expect_rows: int | None = None, conflict: Callable[[], Exception] | None = None,
              locked: bool = False) -> tuple[Connection, _Plan, _Queued]:
    """The statement ready for the driver, after a flush of pending changes unless the session
    says not to (`no_autoflush`), as `Session.execute` does."""
    if session.autoflush:
        session.flush()  # returns at once when nothing is pending
    rows: Sequence[Params] = params if isinstance(params, Sequence) else [params]
    if not rows:
        raise ValueError("an empty list of parameters")
    many = len(rows) > 1  # one row is one execute
    connection = _connection(session)
    plan = _plan(statement, connection.dialect, frozenset(rows[0]))
    sent = [_driver_params(plan, row) for row in rows] if many else _driver_params(plan, rows[0])
    return connection, plan, _Queued(plan.sql, sent, many, expect_rows, conflict, locked)


@dataclass(frozen=True)
class _Queued:
    sql: str
    sent: Any
    many: bool
    expect_rows: int | None = None
    conflict: Callable[[], Exception] | None = None
    locked: bool = False
    """The rows it checks are locked by this transaction (or were inserted by it): the check
    cannot fail, so the write may wait for the commit's round trip."""


_QUEUE = "alliance.direct.queue"
"""connection.info: writes waiting to be sent (run_later)."""


def run_later(session: Session, statement: ClauseElement, params: Params | Sequence[Params], *,
              expect_rows: int | None = None, conflict: Callable[[], Exception] | None = None,
              locked: bool = False) -> None:
    """A write whose outcome the step does not read now: with psycopg it waits, and goes with
    the next statement the step runs (or `send_queued`, or the commit), all of them in one round
    trip (engine.store.batch); elsewhere (SQLite: no round trips) it runs at once. When
    `expect_rows` is given and the write changes another number of rows, `conflict()` is raised
    when it is sent: the check of a conditional UPDATE, made when its answer comes back.
    `locked`: the rows it checks are locked by this transaction (engine.runtime.tasks locks a
    completion's task and case as it reads them) or were inserted by it, so the check cannot
    fail and need not be sent before the commit (`send_queued(checked_only=True)` leaves it)."""
    connection, _, item = _prepared(session, statement, params, expect_rows=expect_rows,
                                    conflict=conflict, locked=locked)
    if _batched(connection):
        connection.info.setdefault(_QUEUE, []).append(item)
    else:
        _check(item, execute_on_driver(connection, item.sql, item.sent, many=item.many))


def send_queued(session: Session, *, checked_only: bool = False) -> None:
    """Send the session's waiting writes now (their conflicts raise here). `checked_only`: only
    when one of them has a check (`expect_rows`) that could fail (not `locked`): the others may
    wait for the commit, which takes them along in its own round trip."""
    connection = _held_connection(session)
    if connection is None:
        return
    queued: list[_Queued] = connection.info.get(_QUEUE, [])
    if not checked_only or any(item.expect_rows is not None and not item.locked for item in queued):
        _send_waiting(connection)


def _send_waiting(connection: Connection) -> None:
    queued = connection.info.pop(_QUEUE, None)
    if queued:
        _send(connection, queued)


def _drop_waiting(connection: Connection) -> None:
    connection.info.pop(_QUEUE, None)


def _send(connection: Connection, items: list[_Queued]) -> list[Any]:
    """psycopg: the items in one round trip (engine.store.batch); their answers, each read as a
    cursor. Cursor listeners see each item as a statement of its own."""
    dispatch = connection.dispatch
    for item in items if dispatch.before_cursor_execute else ():
        for listener in dispatch.before_cursor_execute:
            listener(connection, None, item.sql, item.sent, None, item.many)
    answers = send_batch(connection, items, _run_text)
    for item, answer in zip(items, answers, strict=True) if dispatch.after_cursor_execute else ():
        for listener in dispatch.after_cursor_execute:
            listener(connection, answer, item.sql, item.sent, None, item.many)
    for item, answer in zip(items, answers, strict=True):
        _check(item, answer)
    return answers


def _run_text(connection: Connection, text: bytes) -> Any:
    """A query text without parameters on the driver (no listeners: see `_send`), its errors
    SQLAlchemy's."""
    cursor = _driver_cursor(connection)
    _on_driver(connection, cursor, lambda: cursor.execute(text, prepare=False),
               text.decode(errors="replace"), ())
    return cursor


def _driver_cursor(connection: Connection) -> Any:
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    return dbapi_connection.cursor()


def _on_driver(connection: Connection, cursor: Any, call: Callable[[], Any], sql: str,
               sent: Any) -> None:
    """`call()` on the driver, its errors SQLAlchemy's (through the connection's own handling:
    a lost connection is invalidated)."""
    try:
        call()
    except connection.dialect.loaded_dbapi.Error as error:
        connection._handle_dbapi_exception(error, sql, sent, cursor, None)  # raises SQLAlchemy's
        raise  # pragma: no cover - the line above always raises


def _check(item: _Queued, cursor: Any) -> None:
    if item.expect_rows is not None and cursor.rowcount != item.expect_rows:
        if item.locked:
            raise LockedCheckFailed(
                f"a write checked under this transaction's row locks changed {cursor.rowcount} "
                f"rows, not {item.expect_rows}: {item.sql}")
        assert item.conflict is not None
        raise item.conflict()


class LockedCheckFailed(RuntimeError):
    """A `locked` write's check failed: the lock it counted on was not held (a defect, not a
    conflict; when it went with the commit, the transaction is committed)."""


_BEGIN = _Queued("BEGIN", (), False)
_COMMIT = _Queued("COMMIT", (), False)


def _begin_with_next(connection: Connection) -> None:
    connection.info.setdefault(_QUEUE, []).insert(0, _BEGIN)


def _send_with_commit(connection: Connection) -> None:
    """At the commit: the waiting writes and the COMMIT in one round trip (the driver's own
    commit then finds the transaction ended and sends nothing); a transaction that ran nothing
    sends nothing."""
    queued = connection.info.pop(_QUEUE, None)
    if queued and queued != [_BEGIN]:
        _send(connection, [*queued, _COMMIT])


def send_together(engine: Engine) -> None:
    """A psycopg engine's transactions in as few round trips as their statements allow: the
    driver in autocommit mode, and the transaction's BEGIN sent by the engine with its first
    statement (psycopg's own BEGIN is a round trip of its own), `run_later`'s writes with the
    next statement, and the last ones with the COMMIT. Any statement SQLAlchemy runs sends what
    waits first (so its order is kept); a rollback drops what waits, and the driver's rollback
    (a transaction's end, or the pool's reset) ends whatever was sent."""
    event.listen(engine, "connect", _autocommit)
    event.listen(engine, "begin", _begin_with_next)
    event.listen(engine, "before_cursor_execute", lambda conn, *_args: _send_waiting(conn))
    event.listen(engine, "commit", _send_with_commit)
    event.listen(engine, "rollback", _drop_waiting)


def _autocommit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.autocommit = True
    # The step's statements are prepared by engine.store.batch. psycopg's own preparing is off:
    # it ends with a DEALLOCATE ALL after any ROLLBACK it sees, which took ours along.
    dbapi_connection.prepare_threshold = None


_CONNECTION = "alliance.direct.connection"
"""session.info: (the root transaction, its connection): `Session.connection()` costs a fifth of
a statement's run here, to find what the transaction already holds."""


def _held_connection(session: Session) -> Connection | None:
    """The connection of the session's open transaction, when run_direct/run_later used it."""
    transaction = session.get_transaction()
    held = session.info.get(_CONNECTION)
    if transaction is not None and held is not None and held[0] is transaction:
        return held[1]  # type: ignore[no-any-return]
    return None


def _connection(session: Session) -> Connection:
    held = _held_connection(session)
    if held is not None:
        return held
    connection = session.connection()  # begins the transaction if none is open
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection


def execute_on_driver(connection: Connection, sql: str, sent: Any = (), *, many: bool = False) -> Any:
    """`sql` with the driver's parameters on the connection's driver cursor (returned), seen by
    the cursor listeners, its errors SQLAlchemy's."""
    cursor = _driver_cursor(connection)
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute:
        for listener in dispatch.before_cursor_execute:
            listener(connection, cursor, sql, sent, None, many)
    _on_driver(connection, cursor, lambda: (cursor.executemany if many else cursor.execute)(sql, sent),
               sql, sent)
    if dispatch.after_cursor_execute:
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, sql, sent, None, many)
    return cursor


__all__ = [
    "DirectResult",
    "DirectStatementError",
    "LockedCheckFailed",
    "execute_on_driver",
    "run_direct",
    "run_later",
    "send_queued",
    "send_together",
    "sends_later",
]
