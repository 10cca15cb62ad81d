"""What a 督办 is in and what it is read as: its state (``SupervisionState``, ``state_of``),
whom an escalated one reached and why no head (``Unreported``, ``Escalation``), and
``SupervisionView``, one 督办 as the pages, the API and the notice read it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    Supervision,
)


class SupervisionState(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    OVERDUE = "overdue"  # not answered by the date asked
    # never answered, and nothing is left to answer it by: the task it pressed on was withdrawn
    # (a deadline's boundary event moved the case on, 改办 the co-handling rounds), or given up
    # at the unit's request (改办), or the case ended before it was answered (one on the case as
    # a whole, before every unit it was addressed to answered; or, the case going on, every task
    # it was addressed to was so taken back before its unit answered): it read 待回复 for ever
    ENDED = "ended"


def given_up_on_the_case(row: Supervision) -> bool:
    """A 督办 on the case as a whole that no unit answered, every task it was addressed to taken
    from its holders first (改办 gave the reply up, an event withdrew a co-handling view:
    ``answers._given_up_on_the_case``): it ended, though its case goes on (``ENDED``)."""
    if row.work_item_id is not None or row.responded_at is not None:
        return False
    addressed = (row.escalation or {}).get("addressed") or {}
    items = addressed.get("items") or []
    return bool(items) and set(items) <= set(addressed.get("withdrawn") or [])


def open_on_the_case(session: Session, instance_id: int) -> Iterator[Supervision]:
    """The case's 督办 on the case as a whole not answered yet, oldest first (its parts: whom
    it was addressed to, answered or ended, in ``escalation["addressed"]``)."""
    yield from session.scalars(
        select(Supervision)
        .where(
            Supervision.instance_id == instance_id,
            Supervision.work_item_id.is_(None),
            Supervision.responded_at.is_(None),
        )
        .order_by(Supervision.id)
    )


def state_of(row: Supervision, now: datetime, ended: bool = False) -> SupervisionState:
    """``ended``: the task the 督办 pressed on, or its case, is no longer open."""
    if row.responded_at is not None:
        return SupervisionState.RESPONDED
    if ended:
        return SupervisionState.ENDED
    if row.respond_by is not None and row.respond_by <= now:
        return SupervisionState.OVERDUE
    return SupervisionState.OPEN


class Unreported(StrEnum):
    """Why an escalated 督办 reached no head (nobody but the holders was told)."""

    # a 督办 on the case as a whole, when no unit holds one of its open tasks: nobody to report to
    # (nobody is told of it at all: ``SupervisionView.addressed_units`` is empty)
    NO_TASK = "no_task"
    NO_UNIT = "no_unit"  # the task is offered to no unit (a person alone, or a role)
    NO_HEAD = "no_head"  # the roster names no head (负责人) for the unit
    HEAD_INACTIVE = "head_inactive"  # the head the roster names can no longer sign in
    HEAD_IS_HOLDER = "head_is_holder"  # the head claimed the task: the 督办 presses on him, nobody above hears


@dataclass(frozen=True)
class Escalation:
    """Whom an escalated 督办 reaches besides the holders: the unit's head; else, and why,
    the rest of the unit (a unit without an active head, or whose head holds the task), or
    nobody; and how many of the unit hear of it either way."""

    unit: str | None  # the unit's code (the group's name when no department has it)
    head: str | None  # the head's user name the roster names: told as such unless ``unreported``
    unreported: Unreported | None = None
    groups: tuple[str, ...] = ()  # told in the head's stead: the unit's group
    instead: int = 0  # how many people that tells who would not have heard of it otherwise
    as_holders: int = 0  # how many of the unit hold the task: told as its holders, not as the unit

    @property
    def reported(self) -> bool:
        """A head was told that the 督办 was reported to them."""
        return self.head is not None and self.unreported is None

    def kept(self) -> dict[str, Any]:
        """What the 督办's row keeps of it (``Supervision.escalation``), for every read to say."""
        return {
            "unit": self.unit,
            "head": self.head,
            "unreported": self.unreported.value if self.unreported else None,
            "told_instead": self.instead,
            "told_as_holders": self.as_holders,
        }


@dataclass(frozen=True)
class UnreportedUnit:
    """One unit an escalated 督办 reached no head of, and why, as issuing found it: a 督办 on
    the case as a whole escalates to each unit it is addressed to, and each says its own."""

    unreported: Unreported
    unit: str | None  # the unit's code (None: no unit held a task of the case)
    head: str | None = None  # its head (user name) when the roster names one, not told as head
    # the others of it told in the head's stead, and those of it holding the task, told as its
    # holders; None: not known (issued before issuing kept what it found)
    told_instead: int | None = 0
    told_as_holders: int | None = 0


@dataclass(frozen=True)
class Answer:
    """One answer of a completed task's form, as the form shows it (``labels.form_answers``)."""

    field: str  # the field's id
    label: str
    value: Any  # an option by its name, a list joined


@dataclass(frozen=True)
class FollowUp:
    """What the office did about a deadline timer's 督办: the task the timer's own path opened
    for it (督办, 督办重新办理), once done, and what its form answered (督办方式, 督办情况)."""

    task_name: str
    done_by: str | None  # who completed it, by user name
    done_at: datetime | None
    # in form order; a confidential value inside a text masked as the 督办's opinion is for its reader
    answers: tuple[Answer, ...] = ()


@dataclass(frozen=True)
class SupervisionView:
    id: int
    instance_id: int
    case_title: str
    task_name: str | None
    task_id: str | None
    issued_by: str
    issued_at: datetime
    automatic: bool
    opinion: str
    respond_by: datetime | None
    escalated: bool
    responded_at: datetime | None
    state: SupervisionState
    # issued with escalation asked: why no head was told (None: told, not asked, or not known)
    unreported: Unreported | None = None
    unreported_unit: str | None = None  # the unit whose head was wanted, by its code
    unreported_head: str | None = None  # that unit's head (user name) when there is one, not told as head
    # the others of that unit told in the head's stead, and those of it who hold the task, told as
    # its holders; None: not known (a 督办 issued before issuing kept what it found)
    told_instead: int | None = 0
    told_as_holders: int | None = 0
    # ended because its task was taken back (the process withdrew it, or agreed to the unit's
    # request to return it: 改办; or someone cancelled the case), not because the case came to its
    # end; and by what event, by its name when it has one (None for the cancelling: cancelled_by)
    withdrawn: bool = False
    withdrawn_by: str | None = None
    # ended unanswered because someone cancelled its case (its task with it, or the case as a
    # whole), by their user name as the case's history keeps it ("system" for a called case the
    # system cancelled); None otherwise, a task withdrawn earlier by an event included
    cancelled_by: str | None = None
    # a 督办 on the case as a whole: the units it was addressed to, by code, those holding the
    # case's open tasks when it was issued, and those tasks (task ids), whose holders were told
    # of it; none: no unit held one then, and nobody was told, or issuing did not keep them yet
    # (``addressees_recorded``). Empty for a 督办 on a task, addressed to that task's holders.
    addressed_units: tuple[str, ...] = ()
    addressed_unit_names: tuple[str, ...] = ()  # those units by name (read by ``read_view``)
    addressed_tasks: tuple[str, ...] = ()
    # on the case as a whole: whether issuing kept whom it was addressed to (False: issued before
    # it did; ``addressed_units`` is empty then for not being known, not for naming nobody)
    addressees_recorded: bool = True
    # every unit whose head an escalation meant to reach was not told, each with its own reason
    # (the first is also said by ``unreported`` and the fields after it); none: every head was told
    unreported_units: tuple[UnreportedUnit, ...] = ()
    # a deadline timer's: when it fired and its holders were told, it being dated (``issued_at``)
    # when the period lapsed, which may be long before (the scheduler was down, a ledger's row
    # imported after it); None for a person's, or a timer's recorded before it was kept
    fired_at: datetime | None = None
    # a deadline timer's: what the office recorded in the 督办 task the timer opened, once it is
    # done; None while it is open, for a person's, or for a timer's recorded before it was kept
    follow_up: FollowUp | None = None
