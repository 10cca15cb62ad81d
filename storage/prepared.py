"""Writes a completion sends every time, compiled once and run as their SQL text.

A prebuilt Core statement still costs SQLAlchemy about 60-120 µs of Python at every
execution (the compiled form found in its cache, the parameters gathered by bind name,
converted, ordered, the execution context and result set up), against 40-70 µs for
the driver alone. :class:`Prepared` compiles the statement once per dialect and set of
parameter keys, works out once where each value goes and how it is converted, and runs
the SQL text through ``Connection.exec_driver_sql``: still SQLAlchemy's connection, so
the cursor events (statement counting, metrics), error translation and transaction are
the same as for any other statement; only the compiling and the generic parameter
handling are skipped.

Only for writes whose result is at most a row count or generated ids: a result's values
come back as the driver gives them, without SQLAlchemy's result conversions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql.dml import UpdateBase

Params = Mapping[str, Any]


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


class Prepared:
    """``statement`` (an INSERT, UPDATE or DELETE built once with bound parameters), run
    as SQL text compiled for the connection's dialect and driver. A statement this cannot
    run faithfully (an expanding ``IN``, values computed at execution: Python-side column
    defaults, callables) runs through Core."""

    def __init__(self, statement: UpdateBase):
        self.statement = statement
        self._compiled: dict[tuple[str, str, str, tuple[str, ...]], _Compiled | None] = {}

    def execute(self, connection: Connection, params: Params | Sequence[Params]) -> CursorResult[Any]:
        """``params``: one mapping, or several for an executemany (all with the same keys)."""
        rows = [params] if isinstance(params, Mapping) else list(params)
        keys = tuple(rows[0]) if rows else ()
        dialect = connection.dialect
        # the paramstyle is the driver's (and configurable): the text differs with it
        cache_key = (dialect.name, dialect.driver, dialect.paramstyle, keys)
        try:
            compiled = self._compiled[cache_key]
        except KeyError:
            compiled = self._compiled[cache_key] = _compile(self.statement, dialect, keys)
        if compiled is None:
            return connection.execute(self.statement, params)
        if isinstance(params, Mapping):
            return connection.exec_driver_sql(compiled.sql, compiled.bind(params))
        return connection.exec_driver_sql(compiled.sql, [compiled.bind(row) for row in rows])


def _compile(statement: UpdateBase, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
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
