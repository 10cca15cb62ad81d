"""Whether this process can serve (for load balancers and monitoring): ``/readyz`` asks
``readiness``. Ready means the database answers and its schema is the one this code expects
(a process started before ``congressflow db upgrade`` ran must not take traffic). Whether a
scheduler holds the leadership is reported, not required: the scheduler may run as a service of
its own, and a web process serves officers whether or not deadlines are being fired right now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from storage import migrate

from .leadership import leader_present


@dataclass(frozen=True)
class Readiness:
    database: bool
    revision: str | None  # the schema's migration; None when unknown or never migrated
    head: str  # the migration this code expects
    scheduler_leader: bool | None  # None: not knowable (an in-memory database)
    problem: str = ""

    @property
    def ready(self) -> bool:
        return self.database and self.revision == self.head


def readiness(engine: Engine) -> Readiness:
    head = migrate.head_revision()
    try:
        with engine.connect() as connection:
            revision = migrate.current_revision(connection)
    except Exception as exc:  # any failure to reach the database is "not ready", said
        return Readiness(False, None, head, None, f"database: {type(exc).__name__}: {exc}"[:300])
    url = engine.url.render_as_string(hide_password=False)
    try:
        leader = leader_present(url)
    except Exception:  # the lock table cannot be read: unknown, which does not make us unready
        leader = None
    problem = "" if revision == head else f"schema at {revision}, this code expects {head}: run congressflow db upgrade"
    return Readiness(True, revision, head, leader, problem)
