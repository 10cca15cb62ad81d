"""A small select run straight on a pooled DBAPI connection, as a statement of its own.

Authentication reads one row set at every request. Through SQLAlchemy's ``Connection`` the
statement itself is a few microseconds of SQLite's time, but the connection around it
(its object, the "begin" event, BEGIN and ROLLBACK, the result machinery) costs 80-120 µs,
and an ORM session's transaction more: about a fifth of an authenticated no-op request. Here
the statement is compiled once per dialect, with its bind and result processors, and run on
a connection checked out of the same pool (so the pool's pings and limits hold) in
autocommit: on SQLite a lone SELECT reads one consistent snapshot; on PostgreSQL, under READ
COMMITTED, one statement always does. Errors come back as SQLAlchemy's, as a ``Connection``
would raise them: a database out of reach, a lost connection (invalidated), a failing
statement (the app answers 503 to the first two).

Only for reads known to be small and hot; everything else goes through sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order (qmark, format), or None (named)
    binds: Mapping[str, Callable[[Any], Any]]  # name → the type's bind processor, where it has one
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, its type's result processor), where one is


class DriverRead:
    """``statement``, run by ``rows(engine, params)`` outside any transaction."""

    def __init__(self, statement: Select[Any]) -> None:
        self._statement = statement
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)
        found = self._by_dialect.get(key)
        if found is None:
            compiled = self._statement.compile(dialect=dialect)
            binds = {}
            for name, bind in compiled.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    binds[name] = processor
            processors = (
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self._statement.selected_columns
            )
            results = tuple((i, process) for i, process in enumerate(processors) if process is not None)
            positions = tuple(compiled.positiontup or ()) if compiled.positional else None
            found = self._by_dialect[key] = _Compiled(compiled.string, positions, binds, results)
        return found

    def rows(self, engine: Engine, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        dialect = engine.dialect
        compiled = self._compiled(dialect)
        values = {name: compiled.binds[name](v) if name in compiled.binds else v for name, v in params.items()}
        arguments: Sequence[Any] | Mapping[str, Any] = (
            values if compiled.positions is None else tuple(values[name] for name in compiled.positions)
        )
        try:
            pooled = engine.raw_connection()
        except dialect.loaded_dbapi.Error as error:  # no connection to be had: as engine.connect() says it
            raise _as_sqlalchemys(error, dialect, dialect.is_disconnect(error, None, None)) from error
        driver = pooled.driver_connection
        cursor = None
        # SQLite's connections run with the driver's isolation_level None (storage.db): a
        # statement outside BEGIN is its own transaction. psycopg opens one at the first
        # statement unless in autocommit, which an idle connection may switch to and back.
        switch = dialect.name == "postgresql" and not driver.autocommit  # type: ignore[union-attr]
        lost = False
        try:
            if switch:
                driver.autocommit = True  # type: ignore[union-attr]
            cursor = pooled.cursor()
            cursor.execute(compiled.sql, arguments)
            fetched = cursor.fetchall()
            cursor.close()
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, driver, cursor)
            if lost:
                # as a Connection does: this one closed, and every one the pool made before
                # it recycled at its next checkout (the server that closed it closed them too)
                engine.pool._invalidate(pooled, error)
            raise _as_sqlalchemys(error, dialect, lost, compiled.sql, arguments) from error
        finally:
            try:
                if switch and not lost:
                    driver.autocommit = False  # type: ignore[union-attr]  # as the pool's next user expects
            except dialect.loaded_dbapi.Error as error:
                pooled.invalidate(error)  # a connection in an unknown state is not given out again
            pooled.close()
        if not compiled.results:
            return [tuple(row) for row in fetched]
        converted = []
        for row in fetched:
            columns = list(row)
            for i, process in compiled.results:
                columns[i] = process(columns[i])
            converted.append(tuple(columns))
        return converted


def _as_sqlalchemys(
    error: Exception, dialect: Dialect, lost: bool, sql: str | None = None, arguments: Any = None
) -> StatementError:
    """The driver's ``error`` as SQLAlchemy's exception for it (OperationalError, …), saying
    whether the connection was lost: what web/errors.py answers 503 to."""
    return DBAPIError.instance(
        sql, arguments, error, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
    )
