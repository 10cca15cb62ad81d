"""The printed 督办通知书: what it says, addressed to whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import (
    CaseFacts,
    ProcessDefinition,
    Supervision,
    WorkItem,
)

from ... import clock
from ...access import Actor
from ...errors import NotFound
from ..confidentiality import secrets_kept_from_the_uncleared
from ..visibility import round_scope, visible_case
from .states import SupervisionView
from .units import late_unit, unit_codes
from .views import read_view


@dataclass(frozen=True)
class Notice:
    """What a printed 督办通知书 says."""

    supervision: SupervisionView
    # the names of the units it is sent to: the one late with its task, or, on the case as a
    # whole, those it was addressed to (and told) when issued
    units: tuple[str, ...]
    due_at: datetime | None  # the deadline of the task it presses on
    process_name: str
    # on the case as a whole, issued while no unit held one of its open tasks: addressed to no
    # unit, and nobody was told of it
    told_nobody: bool = False
    # its case's process by key: the notice names what the case is (a deputy's proposal...) by it
    process_key: str = ""
    # a deadline timer's 督办 (``supervision.automatic``: its ``opinion`` is the timer's name, what
    # raised it, no one's opinion): the deadline of its task that had passed when the timer fired,
    # for the notice to say so; None when it had not (a timer at another moment, or the deadline
    # moved since) or the 督办 is a person's
    lapsed_due: datetime | None = None


def notice(session: Session, actor: Actor, supervision_id: int) -> Notice:
    """A 督办 as its printable notice (whoever may see the case, and the round it is on). It
    is printed for the unit it is addressed to, which may not read the petitioner's identity
    (the handling unit never may): the opinion is said with the case's confidential values
    masked, whoever prints it. A deadline timer's has no opinion: it says what raised it
    (``Notice.lapsed_due``)."""
    row = session.get(Supervision, supervision_id)
    if row is None:
        raise NotFound(f"no supervision notice (督办) {supervision_id}")
    item = session.get(WorkItem, row.work_item_id) if row.work_item_id else None
    try:
        instance = visible_case(session, actor, row.instance_id)
        if item is not None and round_scope(session, actor, instance).hides(item.task_id):
            raise NotFound(f"no supervision notice (督办) {supervision_id}")  # another round's
    except NotFound:
        raise NotFound(f"no supervision notice (督办) {supervision_id}") from None
    view = read_view(
        session, row, clock.now(), secrets_kept_from_the_uncleared(session, instance.id, instance.definition_id)
    )
    units = repo.department_choices(session)
    if row.work_item_id is None:
        # the units it was told to when issued, not who holds the case now nor its lead unit
        # (which may have replied long since): the notice says what the units were told
        codes: tuple[str, ...] = view.addressed_units
    else:
        # addressed to who is late with its task, as the board says (a co-handling unit's view: that unit)
        facts = session.get(CaseFacts, instance.id)
        late = late_unit(item.candidate_groups if item else [], facts.unit if facts else None, unit_codes(units))
        codes = (late,) if late else ()
    definition = session.get(ProcessDefinition, instance.definition_id)
    due_at = item.due_at if item else None
    return Notice(
        supervision=view,
        units=tuple(units.get(code, code) for code in codes),
        due_at=due_at,
        process_name=definition.name if definition else "",
        # (one issued before whom it was addressed to was kept: not known, not nobody)
        told_nobody=row.work_item_id is None and not codes and view.addressees_recorded,
        process_key=definition.key if definition else "",
        lapsed_due=due_at if row.automatic and due_at is not None and due_at <= row.issued_at else None,
    )
