"""A lock on a name, held by the session's transaction until it ends: for a check that reads
before it inserts (no running case holds this 编号 yet) and that no row or constraint can
make race-free without a schema change.

On PostgreSQL a transaction-level advisory lock (``pg_advisory_xact_lock``): a second
transaction asking for the same name waits until the first commits or rolls back, and its
next statement (READ COMMITTED: a snapshot of its own) sees what the first wrote. On SQLite
nothing: a writer's transaction begins ``IMMEDIATE`` (storage/db.py), so writers run one at a
time already and the check and the insert are never interleaved with another writer's."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import text
from sqlalchemy.orm import Session

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def advisory_key(*names: str) -> int:
    """A signed 64-bit key (PostgreSQL's ``bigint``) for ``names``, the same in every process
    and every run: Python's ``hash()`` of a string is salted per process, so two workers would
    lock different keys for one name. The names are encoded as a JSON list, so that no two
    different lists of names give the same text ("a|b", "c" and "a", "b|c")."""
    encoded = json.dumps(list(names), ensure_ascii=False).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "big", signed=True)


def lock_until_transaction_ends(session: Session, *names: str) -> None:
    """Take the lock named ``names`` in the session's transaction (beginning it, if need be),
    waiting while another transaction holds it; released when the transaction ends. Two
    different names sharing a key (one chance in 2^64) only make their transactions wait for
    each other, never wrong."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"key": advisory_key(*names)})
