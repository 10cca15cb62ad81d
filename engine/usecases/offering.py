"""Whether a process is offered for new cases (发起): a designer may stop offering one
(engine.usecases.library.set_offered); starting a case asks here. A module of its own,
without the deploy machinery, because starting a case (cases.py) needs it and deploying
(definitions.py, through start timers) needs cases.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessOffering

from .. import access
from ..access import Actor
from ..bpmn.forms import FormSpec
from ..errors import Conflict, NotAllowed
from .context import processes


class AlreadySo(Conflict):
    """A process stopped (or offered) again as it already was: refused, so that the record
    keeps who stopped it (or offered it again) and when. ``by`` and ``at`` None: offered,
    and never stopped."""

    def __init__(self, key: str, offered: bool, by: str | None, at: datetime | None):
        state = "offered for new cases" if offered else "stopped for new cases"
        since = f": {by} made it so at {at:%Y-%m-%d %H:%M} UTC" if by and at else " (it was never stopped)"
        super().__init__(f"process {key!r} is already {state}{since}; nothing was changed")
        self.key = key
        self.offered = offered
        self.by = by
        self.at = at


def refuse_if_already(key: str, offering: ProcessOffering | None, offered: bool) -> None:
    """Refuse to stop a stopped process, or to offer an offered one (no row: offered)."""
    now_offered = offering is None or offering.offered
    if now_offered == offered:
        raise AlreadySo(
            key, offered, offering.changed_by if offering else None, offering.changed_at if offering else None
        )


def stopped_keys(session: Session) -> frozenset[str]:
    """The processes not offered for new cases (few or none: one small query)."""
    return frozenset(session.scalars(select(ProcessOffering.key).where(ProcessOffering.offered.is_(False))))


def refuse_if_stopped(key: str, offering: repo.Offering | None, name: str = "") -> None:
    """Refuse a new case of ``key`` (called ``name``) if ``offering`` (as read) says it is not offered."""
    if offering is not None and not offering.offered:
        raise NotAllowed(
            f"process {key!r} is not offered for new cases: {offering.changed_by} stopped it on "
            f"{offering.changed_at:%Y-%m-%d %H:%M} UTC; the cases already running go on",
            "process_stopped",
            process=name or key,
            by=offering.changed_by,
            at=offering.changed_at,
        )


def stopped_start_form(session: Session, actor: Actor, key: str) -> FormSpec:
    """The start form of ``key``'s latest version, for a start refused because the process was
    stopped meanwhile: the page gives the starter back what they typed, by its fields' labels,
    to copy. An empty form when nothing of ``key`` is deployed or ``actor`` may not start it."""
    definition = repo.latest_definition_head(session, key)
    if definition is None:
        return FormSpec()
    process = processes.get_by_id(session, definition.id)
    if not access.may_start(actor, process.starter_groups):
        return FormSpec()
    return process.start_form
