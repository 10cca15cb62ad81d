"""Whether a process is offered for new cases (发起): a designer may stop offering one
(engine.usecases.library.set_offered); starting a case asks here. A module of its own,
without the deploy machinery, because starting a case (cases.py) needs it and deploying
(definitions.py, through start timers) needs cases.py."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessOffering

from ..errors import NotAllowed


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
