"""督办 as a tracked action, and the overdue board (督查台) supervisors work from.

A 督办 names a case and, usually, the open task it presses on. A supervisor issues one
with an opinion and a date to answer by, optionally escalated to the head (负责人) of the
unit the task is offered to; for a unit the roster names no (active) head for, or whose head
claimed the task himself, everyone in the unit is told instead, the 督办 is recorded as not
reported to a head, and the supervisor is told so (``Unreported``) and who of the unit heard
of it; a deadline timer raises one by itself (``record_automatic``). Either way it is a
``supervisions`` row, in the case's history, told to the task's holders (notification and
e-mail), and tracked: *responded* once the task is done, *overdue again* when its answer
date passes first, otherwise *open*.

An opinion often names whom the case is about ("请尽快答复陈小红"): wherever it is read (the
case and task pages, the notice, the board, the API, the notification and e-mail to each of its
recipients) it is said with the case's confidential values masked to whoever may not read them
(``confidentiality.case_secrets``), as the case's history says it; the issuer too, whose notice
goes to the unit on paper."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, case, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, NotificationKind, WorkItemState
from storage.models import (
    CaseFacts,
    Department,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    Supervision,
    User,
    WorkItem,
    WorkItemGroup,
)

from .. import access, clock
from ..access import Actor, Permission
from ..bpmn.forms import DATE_MAX
from ..bpmn.parsing import ParsedProcess
from ..deadlines import legal
from ..errors import FieldError, InvalidData, NotFound, not_a_day
from ..text import control_character
from . import notifications
from .closed_tasks import cancellation
from .confidentiality import Secrets, case_secrets, secrets_kept_from_the_uncleared, secrets_of_cases
from .context import SYSTEM, audit, processes
from .labels import holder_names, people_names, value_labels
from .visibility import RoundScope, round_scope, visible_case, visible_case_for_update

MAX_OPINION = 2000
SOON = timedelta(days=3)  # "due soon" on the board


class SupervisionState(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    OVERDUE = "overdue"  # not answered by the date asked
    # never answered, and nothing is left to answer it by: the task it pressed on was withdrawn
    # (a deadline's boundary event moved the case on, 改办 the co-handling rounds), or given up
    # at the unit's request (改办), or the case ended (a 督办 on the case as a whole is answered
    # by no task): it read 待回复 for ever
    ENDED = "ended"


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
    # of it; none: no unit held one then, and nobody was told (nor was anybody before issuing
    # kept them). Empty for a 督办 on a task, addressed to that task's holders.
    addressed_units: tuple[str, ...] = ()
    addressed_unit_names: tuple[str, ...] = ()  # those units by name (read by ``_view``)
    addressed_tasks: tuple[str, ...] = ()


def issue(
    session: Session,
    actor: Actor,
    instance_id: int,
    task_id: str | None,
    opinion: str,
    respond_by: str | date | None,
    escalate: bool = False,
    refused: Mapping[str, FieldError] | None = None,
) -> SupervisionView:
    """A supervisor's 督办 on a running case (its open task ``task_id``, or the case as a
    whole): recorded, audited, told to the holders and the other supervisors. On the case as a
    whole it is addressed to the units holding its open tasks (``addressed_units``): each such
    task's holders are told as a task's are, not the supervisors; with no unit holding one,
    nobody is, and the notice names no unit. Escalated, the head (负责人) of the task's unit is
    told too (of each unit addressed), and the record says so; when there is no head to tell (no
    unit holds a task of the case, a task offered to no unit, a unit the roster names no active
    head for or whose head claimed the task himself: then the rest of the unit is told instead;
    of several units, the first such) the 督办 is issued all the same, recorded as not reported to a head, and the
    answer says why, how many of the unit it told instead and how many of it heard as the
    task's holders (``unreported``, ``told_instead``, ``told_as_holders``), for the supervisor
    to be told; the row keeps what it found, and every read of the 督办 says the same.

    ``refused``: the fields the caller's reading of the request already refused (a value of
    the wrong type), said with those found wrong here, all at once; nothing is issued then."""
    access.require(actor, Permission.SUPERVISE, "issue a 督办")
    # the case locked, as by every use case that moves it: a completion in flight finishes
    # first, and its task is then seen done (a 督办 never lands on a task completed meanwhile,
    # and a completion knows every 督办 it answers from its own read)
    instance = visible_case_for_update(session, actor, instance_id)
    errors: dict[str, FieldError] = dict(refused or {})
    opinion = (opinion or "").strip()
    if "opinion" not in errors and (wrong := _opinion_refusal(opinion)) is not None:
        errors["opinion"] = wrong
    deadline = None
    if respond_by and "respond_by" not in errors:
        try:
            day = respond_by if isinstance(respond_by, date) else date.fromisoformat(respond_by)
        except ValueError:
            errors["respond_by"] = not_a_day(str(respond_by))  # 2026-13-01: no such day
        else:
            today = legal.local_day(clock.now())
            if not today <= day <= DATE_MAX:
                errors["respond_by"] = FieldError(
                    "date_out_of_range", {"min": today.isoformat(), "max": DATE_MAX.isoformat()}
                )
            else:  # (the end of a day in 9999 is past what a datetime holds)
                deadline = legal.end_of(day).astimezone(UTC)
    item = None
    if instance.status != InstanceStatus.RUNNING:
        # ended since the supervisor looked (its tasks ended with it: that says it all)
        errors["instance"] = FieldError("case_ended", {"status": instance.status.value})
    elif task_id and "task_id" not in errors:
        item = repo.work_item_by_task(session, task_id)
        if item is None or item.instance_id != instance.id:
            errors["task_id"] = FieldError("not_allowed_value", {"value": task_id})
        elif item.state != WorkItemState.READY:
            errors["task_id"] = _no_longer_open(item)
    if errors:
        raise InvalidData(errors)
    now = clock.now()
    # on the case as a whole: addressed to the units holding its open tasks now, each such
    # task's holders told as a task's are (none: nobody is, and the notice names no unit)
    addressed = _units_holding(session, instance.id) if item is None else {}
    if item is not None:
        escalations = [_escalation(session, item, actor.username)] if escalate else []
    elif escalate:
        escalations = [_escalation(session, held[0], actor.username) for held in addressed.values()]
        escalations = escalations or [Escalation(None, None, Unreported.NO_TASK)]
    else:
        escalations = []
    # what the row keeps of the escalation: a unit whose head was not told first, for the
    # supervisor to hear why (the units whose head was told need no word)
    escalation = next((e for e in escalations if not e.reported), escalations[0] if escalations else None)
    escalated = any(e.reported for e in escalations)
    kept = escalation.kept() if escalation else {}
    if item is None:
        kept["addressed"] = {
            "units": list(addressed),
            "items": [held.id for tasks_held in addressed.values() for held in tasks_held],
            "tasks": [held.task_id for tasks_held in addressed.values() for held in tasks_held],
        }
    row = Supervision(
        instance_id=instance.id,
        work_item_id=item.id if item else None,
        issued_by=actor.username,
        issued_at=now,
        automatic=False,
        opinion=opinion,
        respond_by=deadline,
        escalated=escalated,  # what happened: a head was told
        escalation=kept,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "supervise",
        instance_id=instance.id,
        task_id=item.task_id if item else None,
        bpmn_id=item.bpmn_id if item else None,
        data={
            "opinion": opinion,
            "respond_by": deadline.isoformat() if deadline else None,
            "escalated": escalated,
            **(
                {
                    "unreported": escalation.unreported.value,
                    "told_instead": escalation.instead,
                    "told_as_holders": escalation.as_holders,
                }
                if escalation and escalation.unreported
                else {}
            ),
        },
    )
    if item is not None:
        _tell_holders(session, item, opinion, deadline, escalations[0] if escalations else None, actor.username)
    unit_escalations: list[Escalation | None] = [*escalations] if addressed and escalate else [None] * len(addressed)
    for unit_escalation, tasks_held in zip(unit_escalations, addressed.values(), strict=True):
        # each unit's head (or people) hears of it once, with the first of its tasks; not the
        # other supervisors: the notice and the people told are the units it is addressed to
        for held in tasks_held:
            said = unit_escalation if held is tasks_held[0] else None
            _tell_holders(session, held, opinion, deadline, said, actor.username, tell_supervisors=False)
    return _view(session, row, now, case_secrets(session, actor, instance.id, instance.definition_id))


def _tell_holders(
    session: Session,
    item: WorkItem,
    opinion: str,
    deadline: datetime | None,
    escalation: Escalation | None,
    issued_by: str,
    *,
    tell_supervisors: bool = True,
) -> None:
    """A person's 督办 on ``item``, told to its holders (and, escalated, its unit's head or people)."""
    notifications.notify_supervision(
        session,
        None,
        item,
        "督办",
        False,
        opinion=opinion,
        respond_by=deadline,
        also_groups=escalation.groups if escalation else (),
        also_users=[escalation.head] if escalation and escalation.reported and escalation.head else [],
        issued_by=issued_by,
        tell_supervisors=tell_supervisors,
    )


def _units_holding(session: Session, instance_id: int) -> dict[str, list[WorkItem]]:
    """The units holding the case's open tasks, by code, in the order of their tasks, each with
    those tasks: the first of a task's groups that is a unit (as ``_late_unit`` finds it). A task
    offered to people alone or to a role is no unit's."""
    codes = _unit_codes(repo.department_choices(session))
    held: dict[str, list[WorkItem]] = {}
    for item in session.scalars(
        select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == repo.READY).order_by(WorkItem.id)
    ):
        unit = next((codes[group] for group in item.candidate_groups if group in codes), None)
        if unit is not None:
            held.setdefault(unit, []).append(item)
    return held


def _no_longer_open(item: WorkItem) -> FieldError:
    """Why a 督办 cannot press on ``item`` any more, for the supervisor who lost the race to it
    (the unit submitted it, or the case moved on, since the board or the case page was read):
    who completed it and when, as a task's own lost race is said (``tasks._ensure_open``)."""
    if item.state == WorkItemState.COMPLETED:
        at = item.completed_at.isoformat() if item.completed_at else ""
        return FieldError("task_completed", {"task": item.name, "by": item.completed_by or "", "at": at})
    return FieldError("task_withdrawn", {"task": item.name})


@dataclass(frozen=True)
class CaseEnd:
    """How a case a 督办 could not be issued on ended (``issue`` refused it: ``case_ended``): for
    the supervisor who lost the race to it, as a task done meanwhile is said (who and when)."""

    status: str  # an InstanceStatus value: completed, cancelled
    at: datetime | None  # when: the case's end, or its cancelling
    by: str | None = None  # who finished its last step, or cancelled it, by user name
    task: str | None = None  # the last step finished (completed), by name


def case_end(session: Session, actor: Actor, instance_id: int) -> CaseEnd | None:
    """How the case ``instance_id`` ended (None: it is still running): cancelled, by whom and when
    (its history's entry); completed, the last step someone finished, by whom and when, or, when
    no person's step ended it (a timer, a message), when the case ended."""
    instance = visible_case(session, actor, instance_id)
    if instance.status == InstanceStatus.RUNNING:
        return None
    entry = cancellation(session, instance)
    if entry is not None:
        return CaseEnd(instance.status.value, entry.at, entry.actor)
    last = session.execute(
        select(WorkItem.name, WorkItem.completed_by, WorkItem.completed_at)
        .where(WorkItem.instance_id == instance.id, WorkItem.state == WorkItemState.COMPLETED)
        .order_by(WorkItem.completed_at.desc(), WorkItem.id.desc())
        .limit(1)
    ).first()
    if last is None or last.completed_by is None:
        return CaseEnd(instance.status.value, instance.ended_at)
    return CaseEnd(instance.status.value, last.completed_at, last.completed_by, last.name)


def _opinion_refusal(opinion: str) -> FieldError | None:
    if not opinion:
        return FieldError("required")
    if len(opinion) > MAX_OPINION:
        return FieldError("max_length", {"max": MAX_OPINION})
    return control_character(opinion)


def _escalation(session: Session, item: WorkItem | None, issued_by: str) -> Escalation:
    """Whom an escalated 督办 on ``item`` reaches besides the holders: the head (负责人) of
    its unit, the task's first candidate group, when the roster names one who is active and
    has not claimed the task himself (escalating means someone with authority over the holder
    hears of it); else everyone in the unit, as before units had heads. The unit's people are counted
    for the supervisor: those it tells in the head's stead, and those who hold the task and
    so heard of it as its holders (an unclaimed task of the unit: all of them)."""
    if item is None:
        return Escalation(None, None, Unreported.NO_TASK)
    if not item.candidate_groups:
        return Escalation(None, None, Unreported.NO_UNIT)
    unit = item.candidate_groups[0]
    found = session.execute(
        select(Department.code, Department.head, User.active)
        .outerjoin(User, User.username == Department.head)
        .where(or_(Department.code == unit, Department.name == unit))
        .order_by(Department.code != unit)  # the unit by its code first
    ).first()
    if found is None:  # a role, or a group no unit is
        return Escalation(unit, None, Unreported.NO_UNIT)
    code, head, active = found
    # a head among the unit's people an unclaimed task is offered to is told as its head
    # (notify_supervision); one who claimed it is the very person the 督办 presses on
    if head and active and item.assignee != head:
        return Escalation(code, head)
    # no head, one no longer on the roster as an active user, or the holder himself: the unit
    # in its stead. Whoever issued it is told nothing (notify_supervision), so counts nowhere.
    holding = set(notifications.holders(session, item))
    if not head:
        why = Unreported.NO_HEAD
    elif not active:
        why = Unreported.HEAD_INACTIVE
    else:
        why = Unreported.HEAD_IS_HOLDER
    unit_people = set(notifications.users_in_groups(session, [unit])) - {issued_by}
    return Escalation(code, head, why, (unit,), len(unit_people - holding), len(unit_people & holding))


def record_automatic(session: Session, instance_id: int, item_id: int, timer_name: str, now: datetime) -> None:
    """A deadline timer's 督办 on the open task ``item_id`` (its holders are told by the caller)."""
    session.add(
        Supervision(
            instance_id=instance_id,
            work_item_id=item_id,
            issued_by=SYSTEM.username,
            issued_at=now,
            automatic=True,
            opinion=timer_name,
            escalated=False,
            escalation={},  # a timer never escalates
        )
    )


def responded(session: Session, item_id: int, by: str, at: datetime) -> None:
    """The task was done: the 督办 on it are answered."""
    writes.answer_supervisions(session, item_id, by, at)


def answered_by_completion(
    session: Session,
    process: ParsedProcess,
    item: repo.ItemRow,
    ready_before: Sequence[repo.ItemRow],
    ready: Sequence[repo.ItemRow],
    by: str,
    at: datetime,
) -> None:
    """``item``'s task was just completed, the case saved (``ready``: its open tasks now,
    ``ready_before`` before): the 督办 on it are answered, unless the completion was a request
    that a task it opened decides (its ``answers`` names ``item``'s: 退回，申请改办 opening
    审核退回申请). Then they stand until the decision (``after_decision``)."""
    if not item.supervised:  # (read under the case's lock, which issuing a 督办 takes too)
        return
    was_open = {w.task_id for w in ready_before}
    if any(item.bpmn_id in _answers(process, w.bpmn_id) for w in ready if w.task_id not in was_open):
        return
    responded(session, item.id, by, at)


def after_decision(
    session: Session,
    instance: ProcessInstance,
    asked: WorkItem,
    back: repo.ItemRow | None,
    event_of: Callable[[WorkItem | repo.ItemRow], str | None],
    acting: str | None,
) -> None:
    """A task deciding ``asked``'s request was completed. A 督办 left unanswered on ``asked``
    (``answered_by_completion``) presses on the task the decision gave back (``back``: the
    same step opened again), when the same holders have it (不同意退回: the unit goes on with
    its reply); else it ends and whoever issued it is told (改办: the next unit has a fresh
    period, and never received it). ``event_of``: what ended the step (its name), as its
    holders read it."""
    same_holders = back is not None and (
        (back.candidate_groups, back.candidate_users) == (sorted(asked.candidate_groups), sorted(asked.candidate_users))
    )
    if back is not None and same_holders:
        moved = cast(
            CursorResult[Any],
            session.execute(
                update(Supervision)
                .where(Supervision.work_item_id == asked.id, Supervision.responded_at.is_(None))
                .values(work_item_id=back.id)
            ),
        ).rowcount
        back.supervised = back.supervised or bool(moved)
        return
    running = instance.status == InstanceStatus.RUNNING
    tell_issuers_withdrawn(session, instance, [asked], event_of, case_ended=not running, acting=acting)


def tell_issuers_withdrawn(
    session: Session,
    instance: ProcessInstance,
    items: Sequence[WorkItem | repo.ItemRow],
    event_of: Callable[[WorkItem | repo.ItemRow], str | None],
    *,
    case_ended: bool,
    acting: str | None,
) -> None:
    """The process took back these tasks of ``instance`` (withdrew them, or gave one up at its
    unit's request): a 督办 still unanswered on one of them ended (``SupervisionState.ENDED``),
    and whoever issued it is told (notification and e-mail), by what (``event_of``: its name,
    or None), and whether the case goes on: otherwise they believe the unit still pressed, and
    the next unit never received it. Not ``acting``, whose action took it back; nobody for a
    timer's 督办. One notice a person a task, however many 督办 they issued on it."""

    def said(item: WorkItem | repo.ItemRow) -> dict[str, Any]:
        event = event_of(item)
        return {**({"event": event} if event else {}), **({"case_ended": True} if case_ended else {})}

    _tell_issuers_ended(session, instance, items, said, acting)


def _tell_issuers_ended(
    session: Session,
    instance: ProcessInstance,
    items: Sequence[WorkItem | repo.ItemRow],
    said: Callable[[WorkItem | repo.ItemRow], dict[str, Any]],
    acting: str | None,
) -> None:
    """Whoever issued a 督办 still unanswered on one of ``items`` (but ``acting``) is told that it
    ended, once a task: ``said``, what ended it, as the notice's params say it."""
    issuers = unanswered_issuers(session, [w.id for w in items], acting)
    for item in items:
        if item.id not in issuers:
            continue
        notifications.notify(
            session,
            NotificationKind.SUPERVISION,
            dict.fromkeys(sorted(issuers[item.id])),
            params={"task": item.name, "case": instance.title, "withdrawn": True, **said(item)},
            instance_id=instance.id,
            work_item_id=item.id,
        )


def unanswered_issuers(session: Session, item_ids: Sequence[int], acting: str | None = None) -> dict[int, set[str]]:
    """Work item id → who issued a 督办 still unanswered on it (a person's: a timer's tells
    nobody), but ``acting``: whom ``tell_issuers_withdrawn`` tells once the task is taken back."""
    issuers: dict[int, set[str]] = {}
    if item_ids:
        for item_id, issued_by in session.execute(
            select(Supervision.work_item_id, Supervision.issued_by).where(
                Supervision.work_item_id.in_(item_ids),
                Supervision.responded_at.is_(None),
                Supervision.automatic.is_(False),
            )
        ):
            if item_id is not None and issued_by != acting:
                issuers.setdefault(item_id, set()).add(issued_by)
    return issuers


def tell_issuers_cancelled(
    session: Session, instance: ProcessInstance, closed: Sequence[repo.ItemRow], *, by_name: str, acting: str
) -> None:
    """``instance`` was just cancelled (by ``by_name``; ``acting``: their user name), ``closed``
    its tasks that were open: a 督办 still unanswered on one of them ended, as when the process
    withdraws a task (``tell_issuers_withdrawn``), and so did one standing on a task whose request
    one of them was to decide (退回 awaiting 审核退回申请: ``answered_by_completion``), and one on
    the case as a whole. Whoever issued it is told (but ``acting``, who knows) that the case was
    cancelled and by whom (``cancelled_by``): once a task, and once for the case as a whole."""
    asked = _awaiting_decision(session, instance, closed)
    _tell_issuers_ended(session, instance, [*closed, *asked], lambda _item: {"cancelled_by": by_name}, acting)
    on_the_case = set(
        session.scalars(
            select(Supervision.issued_by).where(
                Supervision.instance_id == instance.id,
                Supervision.work_item_id.is_(None),
                Supervision.responded_at.is_(None),
                Supervision.automatic.is_(False),
                Supervision.issued_by != acting,
            )
        )
    )
    if on_the_case:
        notifications.notify(
            session,
            NotificationKind.SUPERVISION,
            dict.fromkeys(sorted(on_the_case)),
            params={"case": instance.title, "withdrawn": True, "cancelled_by": by_name},
            instance_id=instance.id,
        )


def _awaiting_decision(session: Session, instance: ProcessInstance, deciding: Sequence[repo.ItemRow]) -> list[WorkItem]:
    """The completed tasks whose request one of ``deciding`` was to decide: each such step's
    latest task (``_request_pending``)."""
    process = processes.get_by_id(session, instance.definition_id)
    asked_steps = {bpmn_id for item in deciding for bpmn_id in _answers(process, item.bpmn_id)}
    if not asked_steps:
        return []
    latest = (
        select(func.max(WorkItem.id))
        .where(WorkItem.instance_id == instance.id, WorkItem.bpmn_id.in_(asked_steps))
        .group_by(WorkItem.bpmn_id)
    )
    return list(
        session.scalars(
            select(WorkItem)
            .where(WorkItem.id.in_(latest), WorkItem.state == WorkItemState.COMPLETED)
            .order_by(WorkItem.id)
        )
    )


def _answers(process: ParsedProcess, bpmn_id: str) -> tuple[str, ...]:
    """The tasks whose request the task ``bpmn_id`` decides (its ``answers``)."""
    meta = process.tasks.get(bpmn_id)
    return meta.answers if meta is not None else ()


def of_case(session: Session, actor: Actor, instance_id: int, scope: RoundScope | None = None) -> list[SupervisionView]:
    """The case's 督办, oldest first (whoever may see the case sees them), but those on
    another round's task for whoever reads only their own rounds (``scope``: theirs, when
    the caller has worked it out)."""
    instance = visible_case(session, actor, instance_id)
    now = clock.now()
    rows = list(
        session.scalars(select(Supervision).where(Supervision.instance_id == instance_id).order_by(Supervision.id))
    )
    if not rows:
        return []
    secrets = case_secrets(session, actor, instance_id, instance.definition_id)
    views = [_view(session, r, now, secrets) for r in rows]
    return (scope or round_scope(session, actor, instance)).visible(views)


def open_on_items(session: Session, item_ids: list[int]) -> dict[int, int]:
    """Work item id → how many 督办 on it are still unanswered (the badge): those on its task, and
    those on its case as a whole that were addressed to its holders (``SupervisionView.addressed_tasks``)."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Supervision.work_item_id, func.count())
        .where(Supervision.work_item_id.in_(item_ids), Supervision.responded_at.is_(None))
        .group_by(Supervision.work_item_id)
    ).all()
    counts = {item_id: count for item_id, count in rows if item_id is not None}
    of_their_cases = select(WorkItem.instance_id).where(WorkItem.id.in_(item_ids))
    wanted = set(item_ids)
    for kept in session.scalars(
        select(Supervision.escalation).where(
            Supervision.instance_id.in_(of_their_cases),
            Supervision.work_item_id.is_(None),
            Supervision.responded_at.is_(None),
        )
    ):
        for item_id in ((kept or {}).get("addressed") or {}).get("items", ()):
            if item_id in wanted:
                counts[item_id] = counts.get(item_id, 0) + 1
    return counts


def _view(session: Session, row: Supervision, now: datetime, secrets: Secrets) -> SupervisionView:
    """``row`` as its reader reads it: ``secrets``, what they may not read of its case, masked
    in the opinion."""
    case_title, status, definition_id, ended_at = session.execute(
        select(
            ProcessInstance.title, ProcessInstance.status, ProcessInstance.definition_id, ProcessInstance.ended_at
        ).where(ProcessInstance.id == row.instance_id)
    ).one()
    task = session.execute(
        select(WorkItem.name, WorkItem.task_id, WorkItem.state, WorkItem.bpmn_id, WorkItem.completed_at).where(
            WorkItem.id == row.work_item_id
        )
    ).first()
    name, task_id = (task.name, task.task_id) if task else (None, None)
    cancelled = status == InstanceStatus.CANCELLED
    taken_back = (
        row.responded_at is None
        and task is not None
        and (
            task.state == WorkItemState.CANCELLED
            # left unanswered by a request made on it (answered_by_completion), no longer decided
            # on: the decision gave it up, or the case was cancelled, closing every task it had
            or (
                task.state == WorkItemState.COMPLETED
                and (cancelled or not _request_pending(session, row, definition_id, task.bpmn_id))
            )
        )
    )
    ended = status != InstanceStatus.RUNNING or taken_back
    view = _view_of(row, case_title or "", name, task_id, now, secrets, ended)
    if view.addressed_units:
        units = repo.department_choices(session)
        view = replace(view, addressed_unit_names=tuple(units.get(code, code) for code in view.addressed_units))
    if row.work_item_id is None and cancelled and row.responded_at is None:
        # on the case as a whole: the cancelling ended it (no task was taken back)
        return replace(view, cancelled_by=_canceller(session, row.instance_id))
    if not taken_back:
        return view
    assert task is not None
    event = _withdrawing_event(session, row)
    if event is None and cancelled:
        # read from the case's history, not from what its issuer was told (nobody is, when the
        # issuer cancelled the case himself or a timer issued it): the cancelling withdrew it if
        # it closed its task, or the task deciding the request made on it
        closed_by_cancelling = (
            task.completed_at == ended_at
            if task.state == WorkItemState.CANCELLED
            else _request_pending(session, row, definition_id, task.bpmn_id, closed_at=ended_at)
        )
        if closed_by_cancelling:
            return replace(view, withdrawn=True, cancelled_by=_canceller(session, row.instance_id))
    return replace(view, withdrawn=True, withdrawn_by=event)


def canceller_name(session: Session, username: str) -> str:
    """Who cancelled a case, as the notices and the case page name them: a person by name, the
    system (a called case whose caller no longer waits for it) as the pages name it in the history
    (web.roles.person_name)."""
    if username == SYSTEM.username:
        return "系统"
    return people_names(session, [username]).get(username, username)


def _canceller(session: Session, instance_id: int) -> str | None:
    """Who cancelled the case ``instance_id``, by user name, as its history's entry of the
    cancelling keeps it (None: not found)."""
    instance = session.get(ProcessInstance, instance_id)
    entry = cancellation(session, instance) if instance is not None else None
    return entry.actor if entry is not None else None


def _request_pending(
    session: Session, row: Supervision, definition_id: int, bpmn_id: str, closed_at: datetime | None = None
) -> bool:
    """The request made on the 督办's completed task is still to be decided: its task is the
    step's latest (the case did not pass that step again since) and a task deciding it is open;
    with ``closed_at`` (the moment its case was cancelled), was so until then: the task deciding
    it was closed at that moment, undone."""
    deciders = [b for b, meta in processes.get_by_id(session, definition_id).tasks.items() if bpmn_id in meta.answers]
    if not deciders:
        return False
    latest = session.scalar(
        select(func.max(WorkItem.id)).where(WorkItem.instance_id == row.instance_id, WorkItem.bpmn_id == bpmn_id)
    )
    if latest != row.work_item_id:
        return False
    still = (
        (WorkItem.state == repo.READY,)
        if closed_at is None
        else (WorkItem.state == WorkItemState.CANCELLED, WorkItem.completed_at == closed_at)
    )
    deciding = select(WorkItem.id).where(
        WorkItem.instance_id == row.instance_id, WorkItem.bpmn_id.in_(deciders), *still
    )
    return session.scalar(deciding.limit(1)) is not None


def _withdrawing_event(session: Session, row: Supervision) -> str | None:
    """What took the 督办's task back, by name, as its issuers or its holders were told it."""
    assert row.work_item_id is not None
    for params in session.scalars(
        select(Notification.params).where(
            Notification.instance_id == row.instance_id,
            Notification.work_item_id == row.work_item_id,
            Notification.kind == NotificationKind.SUPERVISION,
        )
    ):
        if params and params.get("withdrawn") and params.get("event"):
            return str(params["event"])
    return repo.withdrawing_event(session, row.instance_id, row.work_item_id)


def _found_on_issuing(row: Supervision) -> dict[str, Any]:
    """What issuing the 督办 found of whom to tell (SupervisionView's last fields): as its row
    keeps it; for one issued before it was kept, what its row still says (a timer's and an
    escalation a head heard of told nobody else), else not known (the counts None)."""
    found = row.escalation
    if found is None:
        known = row.automatic or row.escalated
        return {} if known else {"told_instead": None, "told_as_holders": None}
    why = found.get("unreported")
    return {
        "unreported": Unreported(why) if why else None,
        "unreported_unit": found.get("unit") if why else None,
        "unreported_head": found.get("head") if why else None,
        "told_instead": found.get("told_instead", 0),
        "told_as_holders": found.get("told_as_holders", 0),
    }


def _view_of(
    row: Supervision,
    case_title: str,
    task_name: str | None,
    task_id: str | None,
    now: datetime,
    secrets: Secrets,
    ended: bool = False,
) -> SupervisionView:
    return SupervisionView(
        id=row.id,
        instance_id=row.instance_id,
        case_title=case_title,
        task_name=task_name,
        task_id=task_id,
        issued_by=row.issued_by,
        issued_at=row.issued_at,
        automatic=row.automatic,
        opinion=secrets.redacted(row.opinion),
        respond_by=row.respond_by,
        escalated=row.escalated,
        responded_at=row.responded_at,
        state=state_of(row, now, ended),
        **_found_on_issuing(row),
        addressed_units=_addressed(row, "units"),
        addressed_tasks=_addressed(row, "tasks"),
    )


def _addressed(row: Supervision, what: str) -> tuple[str, ...]:
    """Whom a 督办 on the case as a whole was addressed to, as its row keeps it (``what``: the
    units, or the tasks): none when it kept none (issued before, when it told nobody)."""
    addressed = (row.escalation or {}).get("addressed") or {}
    return tuple(addressed.get(what, ()))


# -- the board ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardRow:
    task_id: str
    task_name: str
    instance_id: int
    case_title: str
    process_key: str
    process_name: str
    # who is late, by unit code (_late_unit): the unit holding the task, else the case's unit,
    # else the role offered it
    unit: str | None
    assignee: str | None
    groups: tuple[str, ...]  # the units (candidate groups) offered it
    users: tuple[str, ...]  # the people (user names) offered it
    holders: tuple[str, ...]  # who holds it, by name: the assignee's, else the units and people offered it
    due_at: datetime
    days_overdue: int  # the day past the deadline it is: 1 on the first day after it; 0 when not yet due
    overdue: bool
    supervisions: int  # 督办 on this task so far
    open_supervisions: int


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    per_unit: dict[str, tuple[int, int]]  # unit → (overdue, due soon)
    open_supervisions: list[SupervisionView]
    now: datetime
    people: dict[str, str] = field(default_factory=dict)  # the people the board names → their names
    unit_names: dict[str, str] = field(default_factory=dict)  # unit code → name
    # what the 代表 and 类别 filters offer: deputy's user name → name, class's code → its label
    deputies: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    processes: dict[str, str] = field(default_factory=dict)  # the 流程 filter: key → name (newest version's)


SORTS = ("due", "unit", "process", "supervisions")


def board(
    session: Session,
    actor: Actor,
    unit: str | None = None,
    process_key: str | None = None,
    sort: str = "due",
    deputy: str | None = None,
    category: str | None = None,
) -> Board:
    """Every open task that is overdue or due within SOON, with the unit that is late with it
    (``_late_unit``), its holder and 督办; counts per unit; the 督办 still open. Every filter
    keeps the rows, the counts and the open 督办 alike: ``unit`` the tasks that unit is late
    with, and the 督办 pressing on it, as the counts say; ``process_key``, ``deputy`` and
    ``category`` the cases of that process, deputy and class."""
    access.require(actor, Permission.SUPERVISE, "see the overdue board")
    now = clock.now()
    found = session.execute(_due_tasks(now, process_key, deputy, category)).all()
    groups, users = _offered(session, [r.id for r in found])
    views = _open_supervisions(session, actor, now, unit, process_key, deputy, category)
    # everyone the board names, in one statement: holders, the people offered tasks, issuers
    named = {r.assignee for r in found if r.assignee} | {v.issued_by for v in views}
    people = people_names(session, named.union(*users.values()))
    units = repo.department_choices(session)
    codes = _unit_codes(units)
    rows = []
    # each row unpacked, not read by name: a thousand rows' fields by name cost a tenth of the board's time
    for item_id, assignee, case_unit, *shown in found:
        offered, offered_users = groups.get(item_id, []), users.get(item_id, [])
        late = _late_unit(offered, case_unit, codes)
        if unit and late != unit:
            continue
        holders = holder_names(assignee, offered, offered_users, people, units)
        rows.append(_board_row(shown, now, late, assignee, offered, offered_users, holders))
    order = {
        "due": lambda r: (r.due_at, r.instance_id),
        "unit": lambda r: (r.unit or "", r.due_at),
        "process": lambda r: (r.process_key, r.due_at),
        "supervisions": lambda r: (-r.supervisions, r.due_at),
    }
    rows.sort(key=order.get(sort, order["due"]))
    deputies, categories = _filter_choices(session, deputy, category)
    processes_offered = {d.key: d.name for d in repo.latest_definitions(session)}
    return Board(rows, _per_unit(rows), views, now, people, units, deputies, categories, processes_offered)


def _unit_codes(units: Mapping[str, str]) -> dict[str, str]:
    """A candidate group that is a unit → the unit's code: a unit is named by its code or its
    name (as the inbox reads a group), by its code first. ``units``: code → name."""
    return {**{name: code for code, name in units.items()}, **{code: code for code in units}}


def _late_unit(offered: list[str], case_unit: str | None, codes: Mapping[str, str]) -> str | None:
    """Who is late with a task, by unit code: the unit that holds it, the first of the groups
    ``offered`` it (in their order, as ``WorkItem.candidate_groups``) that is a unit (``codes``:
    ``_unit_codes``): a co-handling unit's view is its own, not the lead unit's; for a task
    offered to no unit (to people alone, or to a role), the case's unit (``CaseFacts.unit``: its
    lead or handling unit); for a case without one, the role offered it (the board lists it
    under the role's name); else None. ``_late_unit_in_sql`` says the same in SQL, for the 督办."""
    held = next((codes[group] for group in offered if group in codes), None)
    return held or case_unit or (offered[0] if offered else None)


def _late_unit_in_sql(work_item_id: InstrumentedAttribute[int | None]) -> ColumnElement[str | None]:
    """``_late_unit`` in SQL, for the work item ``work_item_id`` (a 督办's task: None for a 督办
    on the case as a whole, which is then the case's unit's). The statement it is used in joins
    CaseFacts to the case. (The board's rows work it out from what they read anyway: a
    subquery for each of a thousand rows costs a tenth of the board's time.)"""
    offered = (WorkItemGroup.work_item_id == work_item_id, WorkItemGroup.is_user.is_(False))
    holding = (
        select(Department.code)
        .join(WorkItemGroup, or_(WorkItemGroup.group == Department.code, WorkItemGroup.group == Department.name))
        .where(*offered)
        .order_by(WorkItemGroup.group, Department.code != WorkItemGroup.group)  # a unit by its code first
        .limit(1)
        .scalar_subquery()
    )
    role = select(WorkItemGroup.group).where(*offered).order_by(WorkItemGroup.group).limit(1).scalar_subquery()
    return func.coalesce(holding, CaseFacts.unit, role)


def _due_tasks(
    now: datetime, process_key: str | None, deputy: str | None, category: str | None
) -> Select[*tuple[Any, ...]]:
    """The open tasks overdue or due within SOON, as the filters ask, with their case's unit
    and 督办 counts: plain columns, not work item objects (a board of a thousand rows is read,
    not changed)."""
    counts = (
        select(
            Supervision.work_item_id,
            func.count().label("all"),
            func.sum(case((Supervision.responded_at.is_(None), 1), else_=0)).label("open"),
        )
        .group_by(Supervision.work_item_id)
        .subquery()
    )
    query = (
        select(
            WorkItem.id,
            WorkItem.assignee,
            CaseFacts.unit,
            # what the board shows of it, in the order _board_row reads
            WorkItem.task_id,
            WorkItem.name,
            WorkItem.instance_id,
            ProcessInstance.title,
            ProcessDefinition.key,
            ProcessDefinition.name,
            WorkItem.due_at,
            counts.c.all,
            counts.c.open,
        )
        .join(ProcessInstance, ProcessInstance.id == WorkItem.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(CaseFacts, CaseFacts.instance_id == ProcessInstance.id)
        .outerjoin(counts, counts.c.work_item_id == WorkItem.id)
        .where(WorkItem.state == repo.READY, WorkItem.due_at.is_not(None), WorkItem.due_at < now + SOON)
    )
    if process_key:
        query = query.where(ProcessDefinition.key == process_key)
    if deputy:  # a deputy's proposals (the case facts)
        query = query.where(CaseFacts.deputy == deputy)
    if category:  # a proposal's class (分类)
        query = query.where(CaseFacts.category == category)
    return query


def _offered(session: Session, item_ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Whom each of these tasks is offered to: the groups (units, roles), and the people by
    user name; each in their order."""
    groups: dict[int, list[str]] = {}
    users: dict[int, list[str]] = {}
    if item_ids:
        for item_id, group, is_user in session.execute(
            select(WorkItemGroup.work_item_id, WorkItemGroup.group, WorkItemGroup.is_user)
            .where(WorkItemGroup.work_item_id.in_(item_ids))
            .order_by(WorkItemGroup.work_item_id, WorkItemGroup.group)
        ):
            (users if is_user else groups).setdefault(item_id, []).append(group)
    return groups, users


def _open_supervisions(
    session: Session,
    actor: Actor,
    now: datetime,
    unit: str | None,
    process_key: str | None,
    deputy: str | None,
    category: str | None,
) -> list[SupervisionView]:
    """The 督办 still open, newest first (200 at most), of the unit, the process, the deputy
    and the class the board is filtered to, as its rows are (``_due_tasks``): a 督办 is the
    unit's that is late with its task (``_late_unit_in_sql``; one on the case as a whole, the
    case's unit), and of its case's process, deputy and class (the case facts). Their case's
    title and task are read in the same statement (not three per row), their opinions masked
    to ``actor``."""
    open_query = (
        select(
            Supervision,
            ProcessInstance.title,
            ProcessInstance.definition_id,
            WorkItem.name,
            WorkItem.task_id,
            WorkItem.state,
            WorkItem.bpmn_id,
        )
        .join(ProcessInstance, ProcessInstance.id == Supervision.instance_id)
        .outerjoin(WorkItem, WorkItem.id == Supervision.work_item_id)
        .where(
            Supervision.responded_at.is_(None),
            ProcessInstance.status == InstanceStatus.RUNNING,
            # none on a task withdrawn without an answer (SupervisionState.ENDED); one on a task
            # completed unanswered stands while the request made there is decided (退回, 延期)
            or_(
                Supervision.work_item_id.is_(None),
                WorkItem.state == WorkItemState.READY,
                WorkItem.state == WorkItemState.COMPLETED,
            ),
        )
    )
    if unit or deputy or category:
        open_query = open_query.outerjoin(CaseFacts, CaseFacts.instance_id == ProcessInstance.id)
    if unit:
        open_query = open_query.where(_late_unit_in_sql(Supervision.work_item_id) == unit)
    if deputy:  # a deputy's proposals, as _due_tasks keeps them
        open_query = open_query.where(CaseFacts.deputy == deputy)
    if category:
        open_query = open_query.where(CaseFacts.category == category)
    if process_key:
        open_query = open_query.join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id).where(
            ProcessDefinition.key == process_key
        )
    open_rows = [
        found
        for found in session.execute(open_query.order_by(Supervision.issued_at.desc()).limit(200)).all()
        if found.state != WorkItemState.COMPLETED or _request_pending(session, found[0], found[2], found.bpmn_id)
    ]
    secrets = secrets_of_cases(session, actor, {(row.instance_id, definition) for row, _t, definition, *_ in open_rows})
    return [
        _view_of(row, title, task_name, task_id, now, secrets[row.instance_id])
        for row, title, _definition, task_name, task_id, *_ in open_rows
    ]


def _board_row(
    shown: Sequence[Any],
    now: datetime,
    unit: str | None,
    assignee: str | None,
    offered: list[str],
    users: list[str],
    holders: list[str],
) -> BoardRow:
    """A task ``_due_tasks`` found (``shown``: its columns after the case's unit), as the board
    lists it, ``unit`` late with it."""
    task_id, task_name, instance_id, case_title, process_key, process_name, due_at, total, open_ = shown
    overdue = due_at < now
    return BoardRow(
        task_id=task_id,
        task_name=task_name,
        instance_id=instance_id,
        case_title=case_title,
        process_key=process_key,
        process_name=process_name,
        unit=unit,
        assignee=assignee,
        groups=tuple(offered),
        users=tuple(users),
        holders=tuple(holders),
        due_at=due_at,
        days_overdue=(now - due_at).days + 1 if overdue else 0,
        overdue=overdue,
        supervisions=total or 0,
        open_supervisions=open_ or 0,
    )


def _per_unit(rows: list[BoardRow]) -> dict[str, tuple[int, int]]:
    """Unit → (overdue, due soon) of the rows, by the unit late with each ("": none)."""
    counts: dict[str, tuple[int, int]] = {}
    for r in rows:
        late, soon = counts.get(r.unit or "", (0, 0))
        counts[r.unit or ""] = (late + r.overdue, soon + (not r.overdue))
    return counts


# the process whose case facts carry a deputy and a class (case_facts reads them from its
# variables ``deputy`` and ``category``, which its form offers by name)
_PROPOSAL = "proposal"


def _filter_choices(
    session: Session, deputy: str | None, category: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The board's 代表 and 类别 filters as lists to choose from, by what people see: the deputies
    by name and the classes by label, as the current proposal form offers them (the filters
    match codes, which nobody types). A value asked for that the form no longer offers (a
    deputy since deactivated, a class since dropped) is kept, by name where there is one, so
    that the filter in force shows."""
    definition = repo.latest_definition(session, _PROPOSAL)
    offered = value_labels(session, processes.get(definition)) if definition else {}
    deputies, categories = dict(offered.get("deputy", {})), dict(offered.get("category", {}))
    if deputy and deputy not in deputies:
        deputies[deputy] = people_names(session, [deputy]).get(deputy, deputy)
    if category and category not in categories:
        categories[category] = category
    return deputies, categories


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


def notice(session: Session, actor: Actor, supervision_id: int) -> Notice:
    """A 督办 as its printable notice (whoever may see the case, and the round it is on). It
    is printed for the unit it is addressed to, which may not read the petitioner's identity
    (the handling unit never may): the opinion is said with the case's confidential values
    masked, whoever prints it."""
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
    view = _view(
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
        late = _late_unit(item.candidate_groups if item else [], facts.unit if facts else None, _unit_codes(units))
        codes = (late,) if late else ()
    definition = session.get(ProcessDefinition, instance.definition_id)
    return Notice(
        supervision=view,
        units=tuple(units.get(code, code) for code in codes),
        due_at=item.due_at if item else None,
        process_name=definition.name if definition else "",
        told_nobody=row.work_item_id is None and not codes,
    )
