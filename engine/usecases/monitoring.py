"""What a monitoring system reads at ``/metrics``: who may (the access policy's
``may_read_metrics``) and the figures counted in the database at each scrape (open and
overdue tasks, in one indexed query). The figures counted as things happen (requests,
completions, timer lateness, the scheduler's leadership) are the web app's (``web.metrics``),
told through ``engine.usecases.observers``.

While the database does not answer, a scrape still reads the process's own figures
(``scrape_without_database``): whoever may read them without a token being checked (a scrape
from this machine) gets them without the database's counts; a token cannot be checked then
(``TokenUnchecked``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import WorkItem

from .. import access, clock
from ..errors import NotAllowed
from . import tokens


@dataclass(frozen=True)
class WorkFigures:
    open_tasks: int  # work items waiting for someone (ready)
    overdue_tasks: int  # of those, the ones past their due date


@dataclass(frozen=True)
class Scrape:
    figures: WorkFigures | None  # None: the database did not answer (scrape_without_database)
    token_to_record: int | None  # a token whose use is to be recorded (tokens.record_use)


class TokenUnchecked(Exception):
    """A scrape that only a token could let in, while the database (which knows the tokens)
    does not answer: neither let in nor refused; to be tried again."""


def scrape(session: Session, bearer_secret: str | None, *, from_loopback: bool, loopback_allowed: bool) -> Scrape:
    """The figures, for whoever may read them: NotAllowed otherwise (an unknown token, a
    person without ``metrics.read``, no token on a scrape from elsewhere than this machine).
    Reads only."""
    bearer = tokens.authenticate_token(session, bearer_secret) if bearer_secret else None
    actor = bearer.actor if bearer is not None else None
    if not access.may_read_metrics(actor, from_loopback=from_loopback, loopback_allowed=loopback_allowed):
        if bearer_secret and actor is None:
            raise NotAllowed(tokens.REFUSED)
        if actor is not None:
            raise NotAllowed(f"{actor.username} may not read the metrics (needs the permission metrics.read)")
        raise NotAllowed(NEEDS_TOKEN)
    recorded = bearer.token_id if bearer is not None and bearer.use_unrecorded else None
    return Scrape(work_figures(session), recorded)


NEEDS_TOKEN = "the metrics are read with an API token of someone with metrics.read, or from this machine"


def scrape_without_database(bearer_secret: str | None, *, from_loopback: bool, loopback_allowed: bool) -> Scrape:
    """``scrape`` while the database does not answer: the process's own figures (no counts of
    the database's), for whoever may read them without a token being checked (a scrape from
    this machine, a token sent or not). NotAllowed for a scrape with no token from elsewhere,
    as with the database; TokenUnchecked for one with a token (it cannot be checked now).
    Touches no database."""
    if access.may_read_metrics(None, from_loopback=from_loopback, loopback_allowed=loopback_allowed):
        return Scrape(None, None)
    if bearer_secret:
        raise TokenUnchecked("the database is unavailable, so the API token cannot be checked; try again in a moment")
    raise NotAllowed(NEEDS_TOKEN)


def work_figures(session: Session) -> WorkFigures:
    """Open and overdue tasks, counted by one query over the ready work items (a partial
    index of them alone)."""
    now = clock.now()
    overdue = func.coalesce(func.sum(case((WorkItem.due_at < now, 1), else_=0)), 0)
    row = session.execute(select(func.count(), overdue).select_from(WorkItem).where(WorkItem.state == repo.READY)).one()
    return WorkFigures(open_tasks=int(row[0]), overdue_tasks=int(row[1]))
