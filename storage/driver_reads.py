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

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select

from .prepared import PreparedRead, as_sqlalchemys, kept_cursor


class DriverRead:
    """``statement``, run by ``rows(engine, params)`` outside any transaction; compiled, bound
    and its rows converted as the reads a completion runs in its transaction are
    (storage.prepared.PreparedRead)."""

    def __init__(self, statement: Select[Any]) -> None:
        self._read = PreparedRead(statement)

    def rows(self, engine: Engine, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        dialect = engine.dialect
        compiled = self._read.compiled(dialect, tuple(params))
        if compiled is None:  # not a statement the SQL text alone can carry
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(self._read.statement, params)]
        arguments = compiled.bind(params)
        try:
            pooled = engine.raw_connection()
        except dialect.loaded_dbapi.Error as error:  # no connection to be had: as engine.connect() says it
            raise as_sqlalchemys(error, dialect, dialect.is_disconnect(error, None, None)) from error
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
            cursor = kept_cursor(pooled)
            cursor.execute(compiled.sql, arguments)
            fetched = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, driver, cursor)
            if lost:
                # as a Connection does: this one closed, and every one the pool made before
                # it recycled at its next checkout (the server that closed it closed them too)
                engine.pool._invalidate(pooled, error)
            raise as_sqlalchemys(error, dialect, lost, compiled.sql, arguments) from error
        finally:
            try:
                if switch and not lost:
                    driver.autocommit = False  # type: ignore[union-attr]  # as the pool's next user expects
            except dialect.loaded_dbapi.Error as error:
                pooled.invalidate(error)  # a connection in an unknown state is not given out again
            pooled.close()
        return self._read.converted(fetched, dialect)
