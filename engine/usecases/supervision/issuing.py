"""Issuing a 督办: a supervisor's on a case or one of its open tasks (``issue``), checked,
recorded, audited and told to the holders, escalated to a unit's head or its people; a deadline
timer's (``record_automatic``); and how a case it could not be issued on ended (``case_end``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus, WorkItemState
from storage.models import (
    Department,
    Supervision,
    User,
    WorkItem,
)

from ... import access, clock
from ...access import Actor, Permission
from ...bpmn.forms import DATE_MAX
from ...deadlines import legal
from ...errors import FieldError, InvalidData, LostRace, not_a_day
from ...text import control_character
from .. import notifications
from ..closed_tasks import cancellation
from ..confidentiality import case_secrets
from ..context import SYSTEM, audit
from ..visibility import visible_case, visible_case_for_update
from .states import Escalation, SupervisionView, Unreported, given_up_on_the_case, open_on_the_case
from .units import unit_codes
from .views import read_view

MAX_OPINION = 2000


def respond_by_bounds() -> tuple[date, date]:
    """The days a 督办 may ask its answer by (``issue`` refuses any other): from today where
    the congress is, by the one clock, to the last day a date field takes. The form's date
    input offers the same (min, max), not the browser's own today."""
    return legal.local_day(clock.now()), DATE_MAX


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
    of several units, each such) the 督办 is issued all the same, recorded as not reported to a
    head, and the answer says why, how many of the unit it told instead and how many of it heard
    as the task's holders (``unreported_units``, each unit's; the first's also as ``unreported``,
    ``told_instead``, ``told_as_holders``), for the supervisor to be told; the row keeps what it
    found, and every read of the 督办 says the same.

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
            first, last = respond_by_bounds()
            if not first <= day <= last:
                errors["respond_by"] = FieldError(
                    "date_out_of_range", {"min": first.isoformat(), "max": last.isoformat()}
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
    if any(error.code in LOST_RACE for error in errors.values()):
        raise LostRace(errors)
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
    if escalation is not None and escalation.unreported is not None:
        # each unit's reason, not only the first's (a 督办 on the case escalates to every unit)
        kept["unreported_units"] = [e.kept() for e in escalations if not e.reported]
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
                    # each unit's, as the row keeps them: the first alone hid the others' reasons
                    "unreported_units": kept["unreported_units"],
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
    return read_view(session, row, now, case_secrets(session, actor, instance.id, instance.definition_id))


def _tell_holders(
    session: Session,
    item: WorkItem | repo.ItemRow,
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
    those tasks (``_holding_unit``)."""
    codes = unit_codes(repo.department_choices(session))
    held: dict[str, list[WorkItem]] = {}
    for item in session.scalars(
        select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == repo.READY).order_by(WorkItem.id)
    ):
        unit = _holding_unit(item, codes)
        if unit is not None:
            held.setdefault(unit, []).append(item)
    return held


def _holding_unit(item: WorkItem | repo.ItemRow, codes: Mapping[str, str]) -> str | None:
    """The unit a 督办 on the case as a whole presses through ``item``, by code: the first of
    its groups that is a unit (as ``late_unit`` finds it; ``codes``: ``unit_codes``). A task
    offered to people alone or to a role is no unit's; nor is one of the congress office's own
    (its 督办 step, a registration): a 督办 presses the units handling the case, and the
    office is the side that issues it, not one of them."""
    unit = next((codes[group] for group in item.candidate_groups if group in codes), None)
    return None if unit == access.CONGRESS_OFFICE else unit


def reach_opened(session: Session, instance_id: int, opened: Sequence[repo.ItemRow]) -> None:
    """The case just opened the tasks ``opened`` (a co-handling unit's round, a re-handling
    after an unsatisfied evaluation, the units' tasks of an assignment made after a 督办 issued
    while the office held the case): a 督办 on the case as a whole that still stands (neither
    answered nor ended: ``given_up_on_the_case``) presses on each such task a unit holds
    (``_holding_unit``) as on those it was addressed to when issued. It is addressed to them
    now too (``addressed``: the task, and its unit if new), so that its badge, the board, the
    task page and the printed notice count it, and the task's completion answers its part
    (``ItemRow.case_supervised``, as reading the item back would say). Their holders are told,
    as the holders were at its issue, once: not when their unit still has a part of it to
    answer (its people know it stands over them: a 补充 loop of its reply). Each task reached
    is an entry of the case's history (``supervise_reached``, by the system). One issued
    escalated reaches the head of each unit it reaches for the first time as issuing reached
    the others' (``_escalation``; the row keeps why a head was not told, ``_escalations_kept``).
    One issued before whom it was addressed to was kept is left as it was (whom it reached is
    not known)."""
    codes: Mapping[str, str] | None = None
    for row in open_on_the_case(session, instance_id):
        kept = row.escalation or {}
        addressed = kept.get("addressed")
        if addressed is None or given_up_on_the_case(row):
            continue
        codes = unit_codes(repo.department_choices(session)) if codes is None else codes
        items = list(addressed.get("items") or [])
        reached = [(item, unit) for item in opened if item.id not in items and (unit := _holding_unit(item, codes))]
        if not reached:
            continue
        ended = {*(addressed.get("answered") or ()), *(addressed.get("withdrawn") or ())}
        standing = [i for i in items if i not in ended]
        pressed = {
            _holding_unit(held, codes)
            for held in session.scalars(
                select(WorkItem).where(WorkItem.id.in_(standing), WorkItem.state == WorkItemState.READY)
            )
        }
        units = list(addressed.get("units") or [])
        new_units = list(dict.fromkeys(u for _item, u in reached if u not in units))
        # escalated when issued: each unit reached now for the first time is escalated to as
        # issuing escalates to each unit addressed (its head told, with its first task reached)
        escalations = (
            {
                unit: _escalation(session, next(item for item, u in reached if u == unit), row.issued_by)
                for unit in new_units
            }
            if _escalation_asked(row)
            else {}
        )
        row.escalated = row.escalated or any(e.reported for e in escalations.values())
        # a new dict: the JSON column notices no change made inside the one it holds
        row.escalation = {
            **kept,
            **_escalations_kept(kept, list(escalations.values())),
            "addressed": {
                **addressed,
                "units": [*units, *new_units],
                "items": [*items, *(item.id for item, _unit in reached)],
                "tasks": [*(addressed.get("tasks") or []), *(item.task_id for item, _unit in reached)],
            },
        }
        for item, unit in reached:
            item.case_supervised = True
            said = escalations.get(unit) if unit not in pressed else None
            if unit not in pressed:
                _tell_holders(session, item, row.opinion, row.respond_by, said, row.issued_by, tell_supervisors=False)
                pressed.add(unit)
            # the case's history says the 督办 now presses this task too, and on which unit: nobody
            # issued anything now (the system extended it), yet its holders answer to it from here
            audit(
                session,
                SYSTEM,
                "supervise_reached",
                instance_id=instance_id,
                task_id=item.task_id,
                bpmn_id=item.bpmn_id,
                data={
                    "supervision_id": row.id,
                    "opinion": row.opinion,
                    "unit": unit,
                    "escalated": said is not None and said.reported,  # its head told now
                },
            )


def _escalation_asked(row: Supervision) -> bool:
    """Whether the 督办 was issued escalated: a head was told, or, none being, issuing kept
    why (``Escalation.kept``: its ``unreported``, kept whenever escalation was asked)."""
    return row.escalated or (row.escalation or {}).get("unreported") is not None


_KEPT = tuple(Escalation(None, None).kept())  # the keys a row keeps of an escalation


def _escalations_kept(kept: Mapping[str, Any], reached: Sequence[Escalation]) -> dict[str, Any]:
    """What a 督办's row keeps of its escalation (as ``issue`` keeps it) once it escalated to
    the units ``reached`` too: the units whose head was not told, those before and these, each
    with its reason, the first also at the top; none left, what it kept (or the first unit's,
    whose head was told). No task held when it was issued (``NO_TASK``) is no reason any more
    once a unit holds one. Nothing when it reached none."""
    if not reached:
        return {}
    # (a row from before each unit's reason was kept keeps the first's alone, beside the rest)
    before = kept.get("unreported_units") or ([{k: kept.get(k) for k in _KEPT}] if kept.get("unreported") else [])
    unreported = [
        *(u for u in before if u.get("unreported") != Unreported.NO_TASK),
        *(e.kept() for e in reached if not e.reported),
    ]
    if unreported:
        return {**unreported[0], "unreported_units": unreported}
    if kept.get("unreported") != Unreported.NO_TASK:
        return {}
    return {**reached[0].kept(), "unreported_units": []}


# The refusals that say what a field names moved on since it was read (the task done or
# withdrawn, the case ended): a 督办 that lost its race (LostRace), each naming the task or case.
LOST_RACE = frozenset({"task_completed", "task_withdrawn", "case_ended"})


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


def _escalation(session: Session, item: WorkItem | repo.ItemRow | None, issued_by: str) -> Escalation:
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
    # those of the unit who may not take the task (the office's petition task) hear nothing of it
    kept = notifications.kept_for(session, item)
    holding = set(notifications.told_of(session, item))
    if not head:
        why = Unreported.NO_HEAD
    elif not active:
        why = Unreported.HEAD_INACTIVE
    else:
        why = Unreported.HEAD_IS_HOLDER
    unit_people = {u for u in notifications.users_in_groups(session, [unit]) if kept is None or u in kept} - {issued_by}
    return Escalation(code, head, why, (unit,), len(unit_people - holding), len(unit_people & holding))


def record_automatic(
    session: Session,
    instance_id: int,
    item_id: int,
    timer_name: str,
    now: datetime,
    lapsed_at: datetime | None = None,
    followed_by: int | None = None,
) -> None:
    """A deadline timer's 督办 on the open task ``item_id`` (its holders are told by the caller).
    Nobody gave an opinion: ``opinion`` keeps what raised it, the timer's name (办理期满), which
    the pages list it by and the printed notice says as its 督办事由, never as a 督办意见.
    Dated when the period lapsed (``lapsed_at``: the timer's moment), not when it fired
    (``now``): a period that lapsed while the scheduler was down, or before a ledger's row was
    imported, was overdue from then on, as live. The firing moment, when its holders were told,
    is kept beside it (``fired_at``), as the audit entry of the firing and the notices keep it.
    ``followed_by``: the work item the timer's own path opened for the office in the same steps
    (its 督办 task, where it records 督办方式 and 督办情况), kept (``followed_by``) for every read of
    this 督办 to say, once it is done, what the office did (``views.read_view``)."""
    issued_at = min(lapsed_at, now) if lapsed_at is not None else now
    session.add(
        Supervision(
            instance_id=instance_id,
            work_item_id=item_id,
            issued_by=SYSTEM.username,
            issued_at=issued_at,
            automatic=True,
            opinion=timer_name,
            escalated=False,
            # a timer never escalates: what it keeps is when it fired, and the office's task it opened
            escalation={"fired_at": now.isoformat(), **({"followed_by": followed_by} if followed_by else {})},
        )
    )
