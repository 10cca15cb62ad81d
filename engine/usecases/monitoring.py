"""What a monitoring system reads at ``/metrics``: who may (the access policy's
``may_read_metrics``) and the figures counted in the database at each scrape (open and
overdue tasks, in one indexed query). The figures counted as things happen (requests,
completions, timer lateness, the scheduler's leadership) are the web app's (``web.metrics``),
told through ``engine.usecases.observers``."""

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
    figures: WorkFigures
    token_to_record: int | None  # a token whose use is to be recorded (tokens.record_use)


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
        raise NotAllowed("the metrics are read with an API token of someone with metrics.read, or from this machine")
    recorded = bearer.token_id if bearer is not None and bearer.use_unrecorded else None
    return Scrape(work_figures(session), recorded)


def work_figures(session: Session) -> WorkFigures:
    """Open and overdue tasks, counted by one query over the ready work items (a partial
    index of them alone)."""
    now = clock.now()
    overdue = func.coalesce(func.sum(case((WorkItem.due_at < now, 1), else_=0)), 0)
    row = session.execute(select(func.count(), overdue).select_from(WorkItem).where(WorkItem.state == repo.READY)).one()
    return WorkFigures(open_tasks=int(row[0]), overdue_tasks=int(row[1]))
