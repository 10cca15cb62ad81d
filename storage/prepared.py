"""Statements a start or a completion sends every time, compiled once and run as their SQL
text on the transaction's driver connection.

A prebuilt Core statement still costs SQLAlchemy about 60-120 µs of Python at every
execution (the compiled form found in its cache, the parameters gathered by bind name,
converted, ordered, the execution context and result set up), and its SQL text alone
(``Connection.exec_driver_sql``) about 15 µs, against 4-5 µs for the driver on SQLite.
:class:`Prepared` (writes) and :class:`PreparedRead` (reads) compile the statement once per
dialect and set of parameter keys, work out once where each value goes and how it is
converted, and run the SQL text on a cursor of the connection's own driver connection, in
the transaction SQLAlchemy began on it. A driver error comes back as SQLAlchemy's exception
for it, and a lost connection is invalidated, as SQLAlchemy's execution does (the app
answers 503 to a database lost either way).

While anything listens to the engine's statements (tests that count or explain them, the
benchmarks' counters), the SQL text goes through ``Connection.exec_driver_sql`` instead, so
every statement is seen.

Writes: a result is at most a row count or generated ids, as the driver gives them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CompoundSelect, Select, bindparam, exc
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.dml import Insert, UpdateBase

Params = Mapping[str, Any]
_Query = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]


@dataclass(frozen=True)
class _Slot:
    """Where one bound value comes from: the caller's key (or the bind's own name), else
    the value the statement holds; and the type's conversion, if it has one."""

    key: str
    name: str
    value: Any
    required: bool
    convert: Any  # the type's bind processor, or None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[_Slot, ...]
    positional: bool

    def bind(self, params: Params) -> tuple[Any, ...] | dict[str, Any]:
        values = []
        for slot in self.slots:
            if slot.key in params:
                value = params[slot.key]
            elif slot.name in params:
                value = params[slot.name]
            elif slot.required:
                raise exc.InvalidRequestError(f"A value is required for bind parameter {slot.key!r}")
            else:
                value = slot.value
            values.append(value if slot.convert is None else slot.convert(value))
        if self.positional:
            return tuple(values)
        return {slot.name: value for slot, value in zip(self.slots, values, strict=True)}


def _observed(connection: Connection) -> bool:
    """Whether anything listens to the statements this connection runs."""
    dispatch = connection.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def _run(connection: Connection, sql: str, arguments: Any, many: bool) -> tuple[Sequence[Any] | None, int]:
    """``sql`` run in ``connection``'s transaction: the rows it returned (None for none) and
    the row count. On the driver connection, unless something listens to the statements:
    then through SQLAlchemy's execution of the text, so that every statement is seen."""
    if _observed(connection):
        result = connection.exec_driver_sql(sql, arguments)
        return (result.fetchall() if result.returns_rows else None), result.rowcount
    return _on_driver(connection, sql, arguments, many)


_KEPT_CURSOR = "congressflow_cursor"  # in a pooled connection's info


def kept_cursor(pooled: PoolProxiedConnection) -> Any:
    """The cursor kept for the pooled connection, made at its first use. A psycopg cursor
    works out how to convert each type of value it sends and reads, and keeps that: a new
    cursor for every statement worked it out again each time, 10-17 µs of CPU a statement.
    The pool's ``info`` belongs to the driver connection: emptied when the pool replaces a
    lost one, so a cursor is never used past its connection. A pooled connection serves one
    thread at a time, and every statement run here has its rows fetched before the next."""
    cursor = pooled.info.get(_KEPT_CURSOR)
    if cursor is None:
        cursor = pooled.info[_KEPT_CURSOR] = pooled.cursor()
    return cursor


def _on_driver(connection: Connection, sql: str, arguments: Any, many: bool) -> tuple[Sequence[Any] | None, int]:
    """``sql`` run on ``connection``'s driver connection, in its transaction: the rows it
    returned (None for none) and the row count."""
    dialect = connection.dialect
    pooled = connection.connection  # PendingRollbackError on an invalidated one, as SQLAlchemy's execution
    cursor = None
    try:
        cursor = kept_cursor(pooled)
        if many:
            cursor.executemany(sql, arguments)
        else:
            cursor.execute(sql, arguments)
        rows = cursor.fetchall() if cursor.description is not None else None
        count = cursor.rowcount
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, pooled.driver_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise as_sqlalchemys(error, dialect, lost, sql, arguments) from error
    return rows, count


def as_sqlalchemys(
    error: Exception, dialect: Dialect, lost: bool, sql: str | None = None, arguments: Any = None
) -> exc.StatementError:
    """The driver's ``error`` as SQLAlchemy's exception for it (OperationalError, …), saying
    whether the connection was lost: what web/errors.py answers 503 to."""
    return exc.DBAPIError.instance(
        sql, arguments, error, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
    )


@dataclass(frozen=True)
class Written:
    """What a write run on the driver returned: as much of a ``CursorResult`` as writes use."""

    rows: Sequence[Any] | None
    rowcount: int

    def scalar_one(self) -> Any:
        """The one row's first column (an id a RETURNING gave), as ``CursorResult.scalar_one``."""
        if not self.rows:
            raise exc.NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0][0]


# A few rows an INSERT writes at once (a case's new timers, a task's groups) go in one
# statement of as many VALUES: psycopg runs an executemany in a pipeline of its own, which cost
# about 5 % of a server's CPU at 16 clients for the three timers a completion arms. More rows
# than this (an import, a backfill) stay an executemany: one text per count of rows is kept.
ROWS_IN_ONE_INSERT = 8


class Prepared:
    """``statement`` (an INSERT, UPDATE or DELETE built once with bound parameters), run
    as SQL text compiled for the connection's dialect and driver. A statement this cannot
    run faithfully (an expanding ``IN``, values computed at execution: Python-side column
    defaults, callables) runs through Core."""

    def __init__(self, statement: UpdateBase):
        self.statement = statement
        self._compiled: dict[tuple[str, str, str, tuple[str, ...]], _Compiled | None] = {}
        self._several: dict[tuple[int, tuple[str, ...]], Prepared] = {}  # (rows, keys) → one INSERT of them all
        self._rows_in_one = _inserts_values(statement)

    def execute(self, connection: Connection, params: Params | Sequence[Params]) -> CursorResult[Any] | Written:
        """``params``: one mapping, or several for an executemany (all with the same keys)."""
        rows = [params] if isinstance(params, Mapping) else list(params)
        if self._rows_in_one and 1 < len(rows) <= ROWS_IN_ONE_INSERT:
            numbered = {f"{key}_m{n}": value for n, row in enumerate(rows) for key, value in row.items()}
            return self._in_one_insert(len(rows), tuple(rows[0])).execute(connection, numbered)
        compiled = _compiled_for(self._compiled, self.statement, connection.dialect, tuple(rows[0]) if rows else ())
        if compiled is None:
            return connection.execute(self.statement, params)
        # a list of one row is run as one statement too (not an executemany: see above)
        many = len(rows) > 1
        arguments = [compiled.bind(row) for row in rows] if many else compiled.bind(rows[0])
        return Written(*_run(connection, compiled.sql, arguments, many))

    def _in_one_insert(self, count: int, keys: tuple[str, ...]) -> Prepared:
        """The INSERT of ``count`` rows with ``keys`` in one VALUES, bound as ``<key>_m<n>``."""
        found = self._several.get((count, keys))
        if found is None:
            insert = cast(Insert, self.statement)
            columns = insert.table.c  # each row's values typed as their columns (SQLAlchemy types only the first's)
            values: list[dict[str, Any]] = [
                {key: bindparam(f"{key}_m{n}", type_=columns[key].type) for key in keys} for n in range(count)
            ]
            found = self._several[count, keys] = Prepared(insert.values(values))
        return found


def _inserts_values(statement: UpdateBase) -> bool:
    """An INSERT whose rows come from its parameters, returning nothing."""
    return (
        isinstance(statement, Insert)
        and not statement._returning
        and not statement._multi_values
        and statement.select is None
        and not statement._values
    )


class PreparedRead:
    """``statement`` (a SELECT, or a UNION of them, built once with bound parameters), run
    in a session's transaction as SQL text, its columns converted by their types (a
    timestamp read back as an aware datetime, an enum as its member). Rows come back as
    tuples."""

    def __init__(self, statement: _Query):
        self.statement = statement
        self._compiled: dict[tuple[str, str, str, tuple[str, ...]], _Compiled | None] = {}
        self._results: dict[tuple[str, str], tuple[tuple[int, Any], ...]] = {}

    def rows(self, session: Session, params: Params | None = None) -> list[tuple[Any, ...]]:
        """What the session holds unwritten is flushed first, as its autoflush would."""
        session.flush()
        connection = session.connection()
        params = params or {}
        compiled = self.compiled(connection.dialect, tuple(params))
        if compiled is None:
            return [tuple(row) for row in connection.execute(self.statement, params)]
        fetched, _count = _run(connection, compiled.sql, compiled.bind(params), many=False)
        return self.converted(fetched or (), connection.dialect)

    def compiled(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
        """The SQL text for ``dialect`` and the parameters named ``keys``, and how each value
        is bound; None when the text alone cannot carry the statement (run it through Core)."""
        return _compiled_for(self._compiled, self.statement, dialect, keys)

    def converted(self, fetched: Sequence[Any], dialect: Dialect) -> list[tuple[Any, ...]]:
        """The driver's rows with each column converted by its type, as Core's result does."""
        results = self._results.get((dialect.name, dialect.driver))
        if results is None:
            results = self._results[dialect.name, dialect.driver] = _result_processors(self.statement, dialect)
        if not results:
            return [tuple(row) for row in fetched]
        converted = []
        for row in fetched:
            columns = list(row)
            for i, process in results:
                columns[i] = process(columns[i])
            converted.append(tuple(columns))
        return converted


def _compiled_for(
    found: dict[tuple[str, str, str, tuple[str, ...]], _Compiled | None],
    statement: UpdateBase | _Query,
    dialect: Dialect,
    keys: tuple[str, ...],
) -> _Compiled | None:
    # the paramstyle is the driver's (and configurable): the text differs with it
    cache_key = (dialect.name, dialect.driver, dialect.paramstyle, keys)
    try:
        return found[cache_key]
    except KeyError:
        compiled = found[cache_key] = _compile(statement, dialect, keys)
        return compiled


def _result_processors(statement: _Query, dialect: Dialect) -> tuple[tuple[int, Any], ...]:
    processors = (
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns
    )
    return tuple((i, process) for i, process in enumerate(processors) if process is not None)


def _compile(statement: UpdateBase | _Query, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
    """The statement's SQL for ``dialect`` and the parameter keys given (an INSERT's
    columns are the keys), with a slot per bound value in the order the SQL takes them;
    None when the SQL text alone cannot carry it."""
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
    if (
        compiled.escaped_bind_names
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or getattr(compiled, "_collected_params", None)  # values given by .params()
        or compiled.insert_prefetch  # a column default computed in Python at each execution
        or compiled.update_prefetch
        or any(bind.callable is not None or bind.expanding for bind in compiled.bind_names)
    ):
        return None
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    names = compiled.positiontup if compiled.positional else list(by_name)
    slots = []
    for name in names:
        bind = by_name[name]
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        slots.append(_Slot(bind.key, name, bind.value, bool(bind.required), convert))
    return _Compiled(compiled.string, tuple(slots), bool(compiled.positional))
