"""PostgreSQL connections checked before use only when they have been idle a while.

SQLAlchemy's ``pool_pre_ping`` sends a round trip each time the pool hands out a connection:
on a completion, two of about twenty (the request's authentication reads, then its writer
writes), and as many statements in the server. A connection given back less than
``PING_AFTER_IDLE_S`` ago was working then, so it is handed out unchecked, as HikariCP does
(``aliveBypassWindowMs``, 500 ms). One idle longer is pinged and replaced when the server has
closed it (a restart, an idle timeout, a proxy in between), so a quiet server's first request
after a restart still succeeds.

The price: when the server goes away under load, a connection used within the last second fails
at its next statement. That request answers 503, which clients retry. SQLAlchemy then discards
every connection the pool made before the failure, so a process loses at most the requests in
flight at that moment.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError

PING_AFTER_IDLE_S = 1.0
_RETURNED_AT = "congressflow_returned_at"  # in a pooled connection's info (cleared when it is closed)


def ping_when_idle(engine: Engine) -> None:
    """Check ``engine``'s pooled connections on checkout when idle ``PING_AFTER_IDLE_S`` or
    longer (instead of ``pool_pre_ping``'s every time)."""
    dialect = engine.dialect

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = monotonic()

    def handed_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        at = record.info.get(_RETURNED_AT)
        if at is None or monotonic() - at < PING_AFTER_IDLE_S:
            return  # just connected, or working a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            # the pool closes it and connects again (and every connection made before it,
            # which the server has closed as well)
            raise InvalidatePoolError("the server closed an idle connection") from error

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", handed_out)
