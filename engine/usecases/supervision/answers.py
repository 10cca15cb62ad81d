"""How a 督办 is answered, or ends unanswered: its task done (``responded``,
``answered_by_completion``), unless the completion was a request still to be decided
(``request_pending``, ``after_decision``); its task taken back or its case cancelled, whoever
issued it is told (``tell_issuers_withdrawn``, ``tell_issuers_cancelled``). One on the case as a
whole: each unit's part answered by its tasks done (``answered_on_the_case``), or ended by 改办
or by the process withdrawing its task (``_given_up_on_the_case``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage import writes
from storage.enums import NotificationKind, WorkItemState
from storage.models import (
    ProcessInstance,
    Supervision,
    WorkItem,
)

from ... import clock
from ...bpmn.parsing import ParsedProcess
from .. import notifications
from ..context import processes
from .states import given_up_on_the_case, open_on_the_case


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
    审核退回申请). Then they stand until the decision (``after_decision``). So does the part a 督办
    on the case as a whole addressed to ``item``'s holders asked of them (``answered_on_the_case``)."""
    was_open = {w.task_id for w in ready_before}
    if any(item.bpmn_id in _answers(process, w.bpmn_id) for w in ready if w.task_id not in was_open):
        return
    if item.supervised:  # (read under the case's lock, which issuing a 督办 takes too)
        responded(session, item.id, by, at)
    if item.case_supervised:  # (likewise: with none open, no 督办 is read)
        answered_on_the_case(session, item.instance_id, item.id, by, at)


def _open_on_the_case(session: Session, instance_id: int) -> Iterator[tuple[Supervision, dict[str, Any]]]:
    """The case's 督办 on the case as a whole not answered yet, oldest first, each with whom it
    was addressed to (``addressed``: units, items, tasks, and the parts answered or ended)."""
    for row in open_on_the_case(session, instance_id):
        yield row, (row.escalation or {}).get("addressed") or {}


def answered_on_the_case(session: Session, instance_id: int, item_id: int, by: str, at: datetime) -> None:
    """The task ``item_id`` was done (as ``responded``): its holders answered their part of each
    督办 on the case as a whole addressed to them (it held the task when issued). Such a 督办 is
    answered once every unit it was addressed to has, each having done the tasks it held then
    (each task, ``addressed.items``, kept answered as ``addressed.answered``): by whoever did the
    last, then. Until then it stands, and its badge stays on the tasks not done yet."""
    for row, addressed in _open_on_the_case(session, instance_id):
        kept = row.escalation or {}
        items = addressed.get("items") or []
        if item_id not in items:
            continue
        withdrawn = addressed.get("withdrawn") or []
        if item_id in withdrawn:  # (its part ended already: the task was taken from its holders)
            continue
        answered = sorted({*addressed.get("answered", []), item_id})
        # a new dict: the JSON column notices no change made inside the one it holds; the last
        # answer kept, for a 改办 or a withdrawal ending the last part still open to answer it by
        # (``_given_up_on_the_case``)
        last_answer = {"by": by, "at": at.isoformat()}
        row.escalation = {**kept, "addressed": {**addressed, "answered": answered, "last_answer": last_answer}}
        if set(items) <= {*answered, *withdrawn}:
            row.responded_at, row.responded_by = at, by


def _carried_on_the_case(session: Session, instance_id: int, asked: WorkItem, back: repo.ItemRow) -> None:
    """A decision gave the task ``asked`` back to its holders as ``back`` (不同意退回): a 督办 on the
    case as a whole addressed to them is answered by that task now, and listed on its page."""
    for row, addressed in _open_on_the_case(session, instance_id):
        kept = row.escalation or {}
        items = addressed.get("items") or []
        if asked.id in items:
            carried = {
                "items": [back.id if held == asked.id else held for held in items],
                "tasks": [*addressed.get("tasks", []), back.task_id],
            }
            row.escalation = {**kept, "addressed": {**addressed, **carried}}


def after_decision(session: Session, instance: ProcessInstance, asked: WorkItem, back: repo.ItemRow | None) -> bool:
    """A task deciding ``asked``'s request was completed. A 督办 left unanswered on ``asked``
    (``answered_by_completion``) presses on the task the decision gave back (``back``: the
    same step opened again), when the same holders have it (不同意退回: the unit goes on with
    its reply): True. Else (改办: the next unit has a fresh period, and never received it) it
    ends: False, and the caller gives ``asked`` up with the tasks the same decision withdrew
    (``tell_issuers_withdrawn``), its issuer told once of the one change."""
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
        _carried_on_the_case(session, instance.id, asked, back)
        return True
    return False


def tell_issuers_withdrawn(
    session: Session,
    instance: ProcessInstance,
    items: Sequence[WorkItem | repo.ItemRow],
    event_of: Callable[[WorkItem | repo.ItemRow], str | None],
    *,
    case_ended: bool,
    acting: str | None,
    given_up: Sequence[WorkItem | repo.ItemRow] = (),
) -> dict[int, set[str]]:
    """The process took back these tasks of ``instance`` (withdrew them, or gave one up at its
    unit's request): a 督办 still unanswered on one of them ended (``SupervisionState.ENDED``),
    and whoever issued it is told (notification and e-mail), by what (``event_of``: its name,
    or None), and whether the case goes on: otherwise they believe the unit still pressed, and
    the next unit never received it. Not ``acting``, whose action took it back; nobody for a
    timer's 督办. One notice a person a task, however many 督办 they issued on it. ``given_up``:
    those of them their units will never answer by (the process withdrew them, or 改办 gave one
    up): their units' parts of a 督办 on the case as a whole end too (``_given_up_on_the_case``),
    its issuer told once, unless told of one on any of them just now. Everything one step of the
    process took (改办: the reply it gave up and the co-handling rounds it withdrew) is one call:
    one change, each issuer told once of it. Returns whom it told, by work item id."""

    def said(item: WorkItem | repo.ItemRow) -> dict[str, Any]:
        event = event_of(item)
        return {**({"event": event} if event else {}), **({"case_ended": True} if case_ended else {})}

    told = _tell_issuers_ended(session, instance, items, said, acting)
    if given_up:
        _given_up_on_the_case(session, instance, given_up, event_of, case_ended=case_ended, acting=acting, told=told)
    return told


def _given_up_on_the_case(
    session: Session,
    instance: ProcessInstance,
    taken_now: Sequence[WorkItem | repo.ItemRow],
    event_of: Callable[[WorkItem | repo.ItemRow], str | None],
    *,
    case_ended: bool,
    acting: str | None,
    told: dict[int, set[str]],
) -> None:
    """The tasks ``taken_now`` were just taken from their holders, unanswered: the office agreed
    to give one up (改办: ``after_decision``), or the process withdrew them (a deadline on them or
    around them, a message, an error: ``tell_issuers_withdrawn``).
    A 督办 on the case as a whole addressed to their holders, which they had not answered, never
    will be: their part of it ended, and so did the part of a unit whose task was withdrawn
    unanswered before (the 改办 ends the co-handling rounds too), kept with it
    (``addressed.withdrawn``, and what ended it, ``addressed.withdrawn_by``). It stands for the
    units still to answer; none left, it was answered if one did (by whoever answered last,
    then), else it ended (``given_up_on_the_case``). Whoever issued it is told (but ``acting``)
    once, naming the first of its tasks taken now, whether it still stands: not once a task,
    which would tell them the same change twice, the first time that it stands for units the
    same change took too; and not at all when ``told`` (work item id → who, of one on the task)
    has them told of a 督办 of theirs on one of the tasks taken now: that notice is this change's."""
    now_ids = [w.id for w in taken_now]
    rows = []
    for row, addressed in _open_on_the_case(session, instance.id):
        ended_part = {*(addressed.get("answered") or ()), *(addressed.get("withdrawn") or ())}
        if any(i in (addressed.get("items") or ()) and i not in ended_part for i in now_ids):
            rows.append(row)
    if not rows:
        return
    others = {i for row in rows for i in (row.escalation or {})["addressed"]["items"]} - set(now_ids)
    withdrawn_before = session.scalars(
        select(WorkItem).where(WorkItem.id.in_(others), WorkItem.state == WorkItemState.CANCELLED)
    )
    taken: dict[int, WorkItem | repo.ItemRow] = {**{w.id: w for w in withdrawn_before}, **{w.id: w for w in taken_now}}
    for row in rows:
        kept = row.escalation or {}
        addressed = kept["addressed"]
        addressed_items = addressed["items"]
        answered = set(addressed.get("answered") or [])
        before = set(addressed.get("withdrawn") or [])
        given_up = [i for i in addressed_items if i in taken and i not in answered and i not in before]
        withdrawn = sorted({*before, *given_up})
        # what ended it: what took the first of its tasks taken now
        ended_by = event_of(taken[next(i for i in given_up if i in now_ids)])
        # a new dict: the JSON column notices no change made inside the one it holds
        row.escalation = {**kept, "addressed": {**addressed, "withdrawn": withdrawn, "withdrawn_by": ended_by}}
        if answered and set(addressed_items) <= {*answered, *withdrawn}:
            # the units left answered it: when and by whom the last did (kept since it is)
            last = addressed.get("last_answer") or {}
            row.responded_at = datetime.fromisoformat(last["at"]) if last.get("at") else clock.now()
            row.responded_by = last.get("by")
        if row.automatic or row.issued_by == acting:
            continue
        still_open = row.responded_at is None and not set(addressed_items) <= set(withdrawn)
        if any(row.issued_by in told.get(i, ()) for i in now_ids):
            continue
        item_id = next(i for i in now_ids if i in given_up)
        told.setdefault(item_id, set()).add(row.issued_by)
        item = taken[item_id]
        event = event_of(item)
        notifications.notify(
            session,
            NotificationKind.SUPERVISION,
            {row.issued_by: None},
            # on_the_case: the 督办 was on the case as a whole; still_open: it stands for
            # the units still to answer it
            params={
                "task": item.name,
                "case": instance.title,
                "withdrawn": True,
                "on_the_case": True,
                "still_open": still_open,
                **({"event": event} if event else {}),
                **({"case_ended": True} if case_ended else {}),
            },
            instance_id=instance.id,
            work_item_id=item.id,
        )


def _tell_issuers_ended(
    session: Session,
    instance: ProcessInstance,
    items: Sequence[WorkItem | repo.ItemRow],
    said: Callable[[WorkItem | repo.ItemRow], dict[str, Any]],
    acting: str | None,
) -> dict[int, set[str]]:
    """Whoever issued a 督办 still unanswered on one of ``items`` (but ``acting``) is told that it
    ended, once a task: ``said``, what ended it, as the notice's params say it. Returns whom it
    told, by work item id."""
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
    return issuers


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
    on_the_case = {
        row.issued_by
        for row in session.scalars(
            select(Supervision).where(
                Supervision.instance_id == instance.id,
                Supervision.work_item_id.is_(None),
                Supervision.responded_at.is_(None),
                Supervision.automatic.is_(False),
                Supervision.issued_by != acting,
            )
        )
        if not given_up_on_the_case(row)  # (ended before, its issuer told then)
    }
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
    latest task (``request_pending``)."""
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


def request_pending(
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
