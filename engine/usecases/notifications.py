"""Notifications: who hears about a near, missed or supervised deadline, and what they read.

Created in the same transaction as the timer that caused them (so a notification exists
exactly when its timer fired); e-mailed afterwards from the outbox (:mod:`engine.notifications.outbox`).
Recipients are resolved to users when the notification is made: the assignee, or else the
candidate users and every active user of the candidate groups who may take the task (``told_of``:
the office's petition task only those who may read the petitioner's identity, as its arrival);
for overdue and 督办 also every supervisor (not for a period a task was open for ending as the
process says: ``notify_lapsed``). One deadline, one notice: a task's due date passing when a
timer on its border falls due too tells nobody it is overdue, the timer's 督办 does
(``notify_overdue``). A notification names its case by its title, which never carries a
confidential value; a 督办's opinion, written by a supervisor, may (the petitioner's name): it
is written for each recipient with the case's confidential values masked unless they may read
them (``confidentiality.case_secrets``), when the notification is made, for the stored text and
the e-mail are what they read. So is a decision told to whoever asked for it (``notify_answered``).
An open task the process itself withdraws (an interrupting event: ``notify_withdrawn``) is told
to its holders as a person's cancelling of the case is (``notify_cancelled``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import NotificationKind, Role, TimerKind, TimerState
from storage.models import (
    CaseDeputy,
    Notification,
    ProcessInstance,
    Timer,
    User,
    WorkItem,
)
from storage.repositories import ItemRow

from .. import access, clock
from ..errors import NotFound
from ..notifications import texts
from .confidentiality import (
    WITHHELD,
    case_secrets,
    hidden_fields,
    mask,
    secrets_kept_from_the_uncleared,
    unreadable_fields,
)
from .context import Actor, actor_for, processes
from .labels import holder_names, people_names
from .results import paging
from .taking import takers

KIND_LABELS = {
    NotificationKind.REMINDER: "到期提醒",
    NotificationKind.OVERDUE: "逾期",
    NotificationKind.SUPERVISION: "督办",
    NotificationKind.LAPSED: "期限届满",
    NotificationKind.TASK: "新任务",
    NotificationKind.SENT: "已送达",
    NotificationKind.ANSWERED: "办理结果",
    NotificationKind.TAKEN_AWAY: "任务调整",
    NotificationKind.CANCELLED: "案件撤销",
}
# a task that arrived overdue already (``notify_task``: params ``overdue``): one notice of both
ARRIVED_OVERDUE_LABEL = "新任务（已逾期）"
_ROLE_VALUES = {r.value for r in Role}


# -- recipients ----------------------------------------------------------------------
def users_in_groups(session: Session, groups: Iterable[str]) -> dict[str, str]:
    """Active users who belong to any of ``groups`` (role, department code or name),
    mapped to the group that matched."""
    groups = [g for g in groups if g]
    if not groups:
        return {}
    found: dict[str, str] = {}
    roles = [Role(g) for g in groups if g in _ROLE_VALUES]
    if roles:
        for username, role in repo.active_users_in_roles(session, roles):
            found.setdefault(username, role.value)
    for username, code, name in repo.active_users_in_units(session, groups):
        found.setdefault(username, code if code in groups else name)
    return found


def holders(session: Session, item: WorkItem | ItemRow) -> dict[str, str | None]:
    """Who is to act on a work item: its assignee, or its candidate users and groups."""
    if item.assignee:
        return {item.assignee: None}
    people: dict[str, str | None] = dict.fromkeys(item.candidate_users)
    for username, group in users_in_groups(session, item.candidate_groups).items():
        people.setdefault(username, group)
    return people


def supervisors(session: Session) -> dict[str, str | None]:
    return dict.fromkeys(users_in_groups(session, [Role.SUPERVISOR.value]), Role.SUPERVISOR.value)


def kept_for(session: Session, item: WorkItem | ItemRow, case: ProcessInstance | None = None) -> frozenset[str] | None:
    """The only people who may take ``item`` when it is kept for those who may read its case's
    confidential fields (the office's petition tasks, in a case its call activity started too:
    ``taking.takers``, the access policy's say); None when whoever it is offered to may.
    ``case``: its case, when the caller holds it."""
    return takers(session, item, case)


def told_of(session: Session, item: WorkItem | ItemRow, case: ProcessInstance | None = None) -> dict[str, str | None]:
    """Who is told of ``item``'s task (its arrival, a reminder, its deadline passing, a 督办 on it,
    its withdrawal): whoever claimed it, or else those it is offered to (``holders``) who may take
    it (``kept_for``). A supervisor, a designer or an administrator sitting in the office is never
    asked to act on the office's petition task, which they may not open: a supervisor reads the
    supervisors' copy of what the supervisors hear of instead."""
    everyone = holders(session, item)
    kept = None if item.assignee else kept_for(session, item, case)
    return everyone if kept is None else {u: g for u, g in everyone.items() if u in kept}


# -- creating ------------------------------------------------------------------------
MAX_SUBJECT = 500  # notifications.subject; a case title may take that alone


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notify(
    session: Session,
    kind: NotificationKind,
    recipients: dict[str, str | None],
    subject: str = "",
    message: str = "",
    *,
    params: dict[str, Any] | None = None,
    due_at: datetime | None = None,
    instance_id: int | None = None,
    work_item_id: int | None = None,
    timer_id: int | None = None,
) -> list[Notification]:
    """One notification per recipient who is an active user; e-mail goes to their address,
    unless they turned notification e-mails off (``User.email_notices``: 督办 included).

    With ``params`` (what it is about: see :mod:`engine.notifications.texts`) the subject
    and message are written from them, the due time in each recipient's own time zone:
    the text is stored and e-mailed as written, so it is written for the person who reads
    it; the params are kept so that a page can write it again in its reader's language, and
    the outbox the e-mail in the recipient's language when it sends it.
    Without, ``subject`` and ``message`` are taken as they are."""
    if not recipients:
        return []
    if params is not None:
        subject = texts.subject(kind.value, params)
        if due_at is not None:
            params = {**params, "due_at": due_at.isoformat()}
    people = {
        username: (email if emailed else None, zone_name)
        for username, email, zone_name, emailed in session.execute(
            select(User.username, User.email, User.timezone, User.email_notices).where(
                User.username.in_(list(recipients)), User.active.is_(True)
            )
        )
    }

    def message_for(zone_name: str | None) -> str:
        if params is None:
            return message
        return texts.message(kind.value, params, due=texts.due_as_read(due_at, zone_name) if due_at else "")

    now = clock.now()
    rows = [
        Notification(
            username=username,
            via_group=via,
            kind=kind,
            instance_id=instance_id,
            work_item_id=work_item_id,
            timer_id=timer_id,
            subject=_clip(subject, MAX_SUBJECT),
            message=message_for(people[username][1]),
            params=params,
            created_at=now,
            email_to=people[username][0] or None,
            email_attempts=0,
        )
        for username, via in recipients.items()
        if username in people
    ]
    session.add_all(rows)
    return rows


def _about(session: Session, item: WorkItem | ItemRow, case_title: str | None = None) -> dict[str, Any]:
    """The task and the case a notification is about (``case_title``: when the caller has it)."""
    if case_title is None:
        case_title = session.scalar(select(ProcessInstance.title).where(ProcessInstance.id == item.instance_id))
    return {"task": item.name, "case": case_title or ""}


# Set while a ledger's case is replayed (``held_back``): the tasks it passes through were done
# long ago and tell no one; the ledger tells the holders of the tasks open at its end.
_held_back: ContextVar[bool] = ContextVar("held_back", default=False)


@contextmanager
def held_back() -> Iterator[None]:
    token = _held_back.set(True)
    try:
        yield
    finally:
        _held_back.reset(token)


def notify_task(
    session: Session,
    item: WorkItem | ItemRow,
    but: str | None = None,
    handed_by: str | None = None,
    case_title: str | None = None,
    note: str = "",
    case: ProcessInstance | None = None,
) -> bool | None:
    """A task arrived: tell whoever may act on it (not ``but``, who just acted and sees it
    anyway), and that it is overdue already when its due date has passed (新任务（已逾期）, a
    hand-over too);
    ``handed_by``: a colleague handed it over, with ``note`` (转交说明: what it is about, what
    is left to do; the one it is handed to would otherwise find it only in the
    task's history); ``case_title``: the case's, when the caller holds the case (saves reading
    it), and ``case`` the case itself, when the caller holds it. Whether any active person may take it:
    ``but`` (who is acting, so active) or someone told (None while held back: nobody was
    asked). An unclaimed task kept for those who may read its case's confidential fields (the
    office's petition tasks: ``taking.readers_offered``) is told to them alone: the others of
    its groups may not take it, and with no such reader active nobody may."""
    if _held_back.get():
        return None
    everyone = told_of(session, item, case)
    recipients = {u: g for u, g in everyone.items() if u != but}
    params = {**_about(session, item, case_title), **({"handed_by": handed_by} if handed_by else {})}
    if item.due_at is not None and item.due_at <= clock.now():
        # it arrives overdue (a petition registered days after it was received, a ledger's
        # open task, a late start, a hand-over of a task already late): its arrival says so,
        # and its due date's firing a moment later tells them nothing more (``notify_overdue``)
        params["overdue"] = True
    # the note is typed on a case: whoever may not read its confidential values reads it masked
    said_to = (
        [(recipients, "")]
        if not note
        else _text_as_read(session, item.instance_id, _definition(session, item), recipients, note)
    )
    told = []
    for readers, said in said_to:
        told += notify(
            session,
            NotificationKind.TASK,
            readers,
            params=params | ({"note": said} if said else {}),
            due_at=item.due_at,
            instance_id=item.instance_id,
            work_item_id=item.id or None,
        )
    return bool(told) or (but is not None and but in everyone)


def _definition(session: Session, item: WorkItem | ItemRow) -> int:
    """The process version of ``item``'s case."""
    definition_id = session.scalar(select(ProcessInstance.definition_id).where(ProcessInstance.id == item.instance_id))
    assert definition_id is not None
    return definition_id


def notify_sent(session: Session, sent: WorkItem | ItemRow, to: Iterable[ItemRow], case_title: str) -> None:
    """A task was submitted that the open tasks ``to`` hear of (its ``tell``: a co-handling
    unit's view, for the lead unit replying): tell whoever holds each of them, that they read
    it before they answer."""
    if _held_back.get():
        return
    for item in to:
        notify(
            session,
            NotificationKind.SENT,
            told_of(session, item),
            params={**_about(session, item, case_title), "sent": sent.name},
            instance_id=item.instance_id,
            work_item_id=item.id or None,
        )


def notify_taken_away(
    session: Session, item: WorkItem | ItemRow, held_by: str, *, by: str, to: str | None = None
) -> None:
    """``by`` (a name) took ``item`` from ``held_by``, who had claimed it: handed it to ``to``
    (a name), or, without, gave it back for its candidates to claim. Told, since they may be
    filling in its form (what they typed is theirs to pass on)."""
    if _held_back.get():
        return
    notify(
        session,
        NotificationKind.TAKEN_AWAY,
        {held_by: None},
        params={**_about(session, item), "by": by, **({"to": to} if to else {})},
        instance_id=item.instance_id,
        work_item_id=item.id or None,
    )


def notify_withdrawn(
    session: Session,
    item: WorkItem | ItemRow,
    event_name: str | None,
    *,
    but: str | None,
    case_title: str,
    case_ended: bool,
) -> None:
    """The process itself closed ``item``'s open task, not done: ``event_name`` (the BPMN name
    of what ended it: an interrupting boundary event such as 退回改办, a terminate end, an
    interrupting event subprocess; None: nothing named) withdrew it, the case going on or,
    ``case_ended``, done. Told: whoever held it, or, unclaimed, everyone it was offered to who
    may take it, as its arrival was told (``told_of``): any of them may have opened its form and
    be typing an answer (a draft is kept without claiming), and each of them found it in their
    inbox; but not ``but``, whose action withdrew it. Not while a ledger's case is replayed."""
    if _held_back.get():
        return
    recipients = {u: g for u, g in told_of(session, item).items() if u != but}
    params = {
        **_about(session, item, case_title),
        "withdrawn": True,
        **({"event": event_name} if event_name else {}),
        **({"case_ended": True} if case_ended else {}),
    }
    notify(
        session,
        NotificationKind.TAKEN_AWAY,
        recipients,
        params=params,
        instance_id=item.instance_id,
        work_item_id=item.id or None,
    )


def notify_answered(
    session: Session,
    instance: ProcessInstance,
    answer: WorkItem | ItemRow,
    asked: WorkItem | ItemRow,
    answers: Sequence[tuple[str, str, Any]],
    *,
    but: str | None,
) -> None:
    """``answer`` (审核退回申请) decided the request ``asked`` made (its ``answers`` property:
    the lead unit's 办理并书面答复 asking to return the item): whoever submitted ``asked`` is
    told the decision, ``answers`` (field id, label, value as shown) read as they may read
    them: a confidential field masked, a ``readers`` field withheld, a confidential value
    inside a text masked, unless they may read it (as the case's history shows it to them).
    Not ``but``, who decided it and knows."""
    asker = asked.completed_by
    if _held_back.get() or not asker or asker == but or not answers:
        return
    try:
        reader = actor_for(session, asker)
    except NotFound:
        return  # no longer active: nobody to tell
    masked_fields = hidden_fields(session, reader, instance)
    withheld_fields = unreadable_fields(session, reader, instance.definition_id, answer.completed_by)
    secrets = case_secrets(session, reader, instance.id, instance.definition_id)
    said = []
    for field_id, label, value in answers:
        if field_id in withheld_fields:
            value = WITHHELD
        elif field_id in masked_fields:
            value = mask(value)
        said.append([label, secrets.redacted(value)])
    notify(
        session,
        NotificationKind.ANSWERED,
        {asker: None},
        params={"case": instance.title, "task": asked.name, "sent": answer.name, "answers": said},
        instance_id=instance.id,
    )


def notify_cancelled(
    session: Session,
    instance: ProcessInstance,
    open_items: Iterable[WorkItem | ItemRow],
    *,
    by: str,
    by_name: str,
    reason: str,
) -> None:
    """``by`` (``by_name``) cancelled ``instance`` for ``reason``: tell whoever held or was
    offered one of its open tasks (``open_items``, read before they closed), and whoever started
    it, but not ``by``, who knows. One notice a person, naming their tasks; each reads the reason
    as the case's history shows it to them (confidential values masked unless they may read
    them). It links to the case: its tasks are gone."""
    if _held_back.get():
        return
    told: dict[str, list[str]] = {}
    via: dict[str, str | None] = {}
    for item in open_items:
        for username, group in told_of(session, item, instance).items():
            told.setdefault(username, [])
            if item.name not in told[username]:
                told[username].append(item.name)
            via.setdefault(username, group)
    told.setdefault(instance.started_by, [])
    via.setdefault(instance.started_by, None)
    # the deputies who follow it in 我的建议 (who submitted or co-signed a proposal the office
    # registered for them): their proposal is withdrawn or merged, told as the starter is
    following = [d for d in _deputies_of(session, instance.id) if d not in told]
    for deputy in following:
        told[deputy], via[deputy] = [], None
    told.pop(by, None)
    people = {username: via[username] for username in told}
    for readers, said in _text_as_read(session, instance.id, instance.definition_id, people, reason):
        # those told of the same tasks, as its deputies or not
        alike: dict[tuple[tuple[str, ...], bool], dict[str, str | None]] = {}
        for username, group in readers.items():
            alike.setdefault((tuple(told[username]), username in following), {})[username] = group
        for (names, deputies), recipients in alike.items():
            params = {"case": instance.title, "by": by_name, "reason": said, "tasks": list(names)}
            notify(
                session,
                NotificationKind.CANCELLED,
                recipients,
                params=params | ({"following": True} if deputies else {}),
                instance_id=instance.id,
            )


def _deputies_of(session: Session, instance_id: int) -> list[str]:
    """The deputies who submitted or co-signed the case (a proposal's ``case_deputies``)."""
    return list(session.scalars(select(CaseDeputy.deputy).where(CaseDeputy.instance_id == instance_id)))


def _item_of_timer(session: Session, timer: Timer) -> WorkItem | None:
    if timer.instance_id is None:
        return None
    return session.scalars(
        select(WorkItem).where(WorkItem.instance_id == timer.instance_id, WorkItem.task_id == timer.task_id)
    ).first()


def notify_reminder(session: Session, timer: Timer) -> bool:
    """Remind the holders of the task a reminder timer is for, while its due date is still
    ahead; False, nobody reminded, once it has passed (the scheduler was down, or a ledger
    replayed the case after it): "due on ..." would be news from the past, the overdue notice
    tells what matters now."""
    item = _item_of_timer(session, timer)
    if item is None or item.due_at is None or item.due_at <= clock.now():
        return False
    notify(
        session,
        NotificationKind.REMINDER,
        told_of(session, item),
        params=_about(session, item),
        due_at=item.due_at,
        instance_id=item.instance_id,
        work_item_id=item.id,
        timer_id=timer.id,
    )
    return True


def _handler_names(session: Session, item: WorkItem | ItemRow) -> list[str]:
    """Who holds a task, by name, for the supervisors' notice."""
    people = people_names(session, [item.assignee] if item.assignee else item.candidate_users)
    units = {} if item.assignee or not item.candidate_groups else repo.department_choices(session)
    return holder_names(item.assignee, item.candidate_groups, item.candidate_users, people, units)


def notify_overdue(session: Session, timer: Timer) -> None:
    """The task ``timer`` is the due date of is overdue: tell whoever is told of it
    (``told_of``), and the supervisors, in their own words (who holds it). Not when a boundary
    timer on the task falls due at that very moment (``_told_by_its_boundary_timer``): its 督办
    (or its 期限届满) tells them of the same deadline, and one is enough. Nor to whoever its
    arrival told that it was overdue already (``_told_it_arrived_overdue``): the same deadline
    again, a moment later; the supervisors, who were not told of its arrival, still are."""
    item = _item_of_timer(session, timer)
    if item is None or item.due_at is None or _told_by_its_boundary_timer(session, item, timer.due_at):
        return
    about = _about(session, item)
    who = told_of(session, item)
    told_on_arrival = _told_it_arrived_overdue(session, item)
    notify(
        session,
        NotificationKind.OVERDUE,
        {u: g for u, g in who.items() if u not in told_on_arrival},
        params=about,
        due_at=item.due_at,
        instance_id=item.instance_id,
        work_item_id=item.id,
        timer_id=timer.id,
    )
    watchers = {u: g for u, g in supervisors(session).items() if u not in who}
    notify(
        session,
        NotificationKind.OVERDUE,
        watchers,
        params={**about, "handlers": _handler_names(session, item)},
        due_at=item.due_at,
        instance_id=item.instance_id,
        work_item_id=item.id,
        timer_id=timer.id,
    )


def _told_it_arrived_overdue(session: Session, item: WorkItem | ItemRow, since: datetime | None = None) -> set[str]:
    """Who was told of ``item``'s arrival as overdue already (``notify_task``: its due date had
    passed when it was created, imported or handed to them): they read then what its due
    date's firing says. Read from the notices themselves, not from when the item was made: a
    ledger's open task is back-dated (its replay), long before the import told its holders.
    ``since``: told at that moment or after it (a deadline already past when they were told)."""
    arrivals = session.execute(
        select(Notification.username, Notification.params).where(
            Notification.instance_id == item.instance_id,
            Notification.work_item_id == item.id,
            Notification.kind == NotificationKind.TASK,
            *([Notification.created_at >= since] if since is not None else []),
        )
    )
    return {username for username, params in arrivals if params and params.get("overdue")}


def _told_by_its_boundary_timer(session: Session, item: WorkItem, due_at: datetime) -> bool:
    """Whether a timer on the border of ``item``'s task (the process's ``attachedToRef``) falls
    due at ``due_at`` too, the moment the task's due date makes it overdue: pending (it fires in
    a moment: the engine fires it just after its moment) or fired already (``fire-due`` fires
    the earlier row first). Its firing tells the same people of the same deadline: a 督办 says
    the task is overdue to whoever is told of it and to the supervisors (``notify_supervision``),
    a period the task was open for ending says so to whoever is told of it (``notify_lapsed``).
    One read of the case's timers due then; the process's spec only when there is one."""
    due_together = set(
        session.scalars(
            select(Timer.bpmn_id).where(
                Timer.instance_id == item.instance_id,
                Timer.kind == TimerKind.BPMN,
                Timer.due_at == due_at,
                Timer.state != TimerState.CANCELLED,
            )
        )
    )
    if not due_together:
        return False
    process = processes.get_by_id(session, _definition(session, item))
    return any(
        isinstance(task_spec, BoundaryEvent)
        and task_spec.bpmn_id in due_together
        and task_spec.inputs
        and any(s.bpmn_id == item.bpmn_id for s in task_spec.inputs[0].outputs if not isinstance(s, BoundaryEvent))
        for spec in [process.spec, *process.subprocess_specs.values()]
        for task_spec in spec.task_specs.values()
    )


def notify_supervision(
    session: Session,
    timer_id: int | None,
    item: WorkItem | ItemRow,
    event_name: str,
    interrupting: bool,
    opinion: str | None = None,
    respond_by: datetime | None = None,
    also_groups: Sequence[str] = (),
    also_users: Sequence[str] = (),
    issued_by: str | None = None,
    told_its_supervision_ended: Collection[str] = (),
    tell_supervisors: bool = True,
    timer_due: datetime | None = None,
) -> None:
    """A 督办 on ``item``'s task: a boundary timer fired, or a supervisor (``issued_by``)
    issued one (``opinion``, ``respond_by``): tell its holders and the supervisors, and
    everyone of ``also_groups`` and ``also_users`` (an escalated 督办: the unit's head, or
    without one the whole unit); not the supervisor who issued it, who is not told of what
    they just did. Whoever hears of it because it was escalated reads that it was (params
    ``escalated``: ``"head"`` or ``"unit"``), a head among the task's holders too. ``item``
    has no id when the task never waited for anyone (its deadline had passed).
    ``told_its_supervision_ended``: the supervisors who issued a 督办 on the task this
    interrupting timer withdrew, each told that theirs ended and by what (the timer, by name:
    ``supervision.tell_issuers_withdrawn``): that is what the timer means to them, and they are
    not told of it twice; not sent the supervisors' copy. ``tell_supervisors`` False: the
    supervisors are sent no copy at all (a 督办 on the case as a whole, told to the holders of
    each of its tasks the units hold: ``supervision.issue``).
    Whoever of its holders or its unit may not take the task (``kept_for``: the office's
    petition task, for those who may read the petitioner's identity) is not asked to act on
    it: a supervisor among them reads the supervisors' copy, the others nothing; the unit's
    head it is escalated to reads it as its head.
    A timer's 督办 that leaves the task open (no ``issued_by``; ``timer_due``: its moment, None
    when it had passed already as its task was reached) is not told to the holders its task's
    arrival told it was overdue already, its moment past then (``_told_it_arrived_overdue``):
    one notice of one deadline. One that ends the task tells them what the arrival could not."""
    kept = kept_for(session, item)
    recipients = holders(session, item)
    if kept is not None and not item.assignee:  # as told_of
        recipients = {u: g for u, g in recipients.items() if u in kept}
    escalated: dict[str, dict[str, str | None]] = {"head": {}, "unit": {}}
    for username in also_users:  # a head the unclaimed task is offered to reads it as its head
        recipients.pop(username, None)
        escalated["head"].setdefault(username, None)
    for username, unit in users_in_groups(session, list(also_groups)).items():
        if username not in recipients and username not in escalated["head"] and (kept is None or username in kept):
            escalated["unit"].setdefault(username, unit)
    told = {*recipients, *escalated["head"], *escalated["unit"]}
    if issued_by is None and not interrupting and item.id:
        # The arrival carries it, not the 督办: it came first (a ledger's open task is told at
        # the import, its timer fires at the scheduler's next sweep) or in the same moment (a
        # petition registered late reaches 办理 with its 办理期满 past), it is the one that
        # tells them the task is theirs at all, and it says what the 督办 would: the due date
        # passed, handle it now. The 督办 is recorded all the same (its badge on the task), and
        # the supervisors, who hear of no arrival, read their copy as before.
        arrived = _told_it_arrived_overdue(session, item, since=timer_due)
        recipients = {u: g for u, g in recipients.items() if u not in arrived}
    # the other supervisors read it as a colleague's (or the timer's) 督办 of whoever holds the
    # task, for their knowledge: not as one they are to act on
    watchers = {
        u: role
        for u, role in (supervisors(session) if tell_supervisors else {}).items()
        if u not in told and u not in told_its_supervision_ended
    }
    params = {
        **_about(session, item),
        "event": event_name,
        "interrupting": interrupting,
        **({"opinion": opinion} if opinion else {}),
    }
    watching = {
        "watching": True,
        "handlers": _handler_names(session, item),
        **({"by": people_names(session, [issued_by]).get(issued_by, issued_by)} if issued_by else {}),
    }
    copies: list[tuple[dict[str, Any], dict[str, str | None]]] = [
        ({}, recipients),
        ({"escalated": "head"}, escalated["head"]),
        ({"escalated": "unit"}, escalated["unit"]),
        (watching, watchers),
    ]
    for copy, people in copies:
        if issued_by is not None:
            people.pop(issued_by, None)
        for readers, said in _opinion_as_read(session, item, people, opinion):
            notify(
                session,
                NotificationKind.SUPERVISION,
                readers,
                params={**params, **said, **copy},
                due_at=respond_by,
                instance_id=item.instance_id,
                work_item_id=item.id or None,
                timer_id=timer_id,
            )


def notify_lapsed(
    session: Session, timer_id: int | None, item: WorkItem | ItemRow, event_name: str, ended_at: datetime | None
) -> None:
    """A boundary timer marked ``closes_window`` ended ``item``'s task at ``ended_at`` (its
    moment; None: unknown): the period the task was open for ended, the process's normal path
    (no review asked for, no evaluation given), no failure to act. No 督办, so the supervisors
    hear nothing; the task's holders read that it ended. Not while a ledger's case is replayed
    (``held_back``): its periods ended long ago."""
    if _held_back.get():
        return
    notify(
        session,
        NotificationKind.LAPSED,
        told_of(session, item),
        params={**_about(session, item), "event": event_name},
        due_at=ended_at,
        instance_id=item.instance_id,
        work_item_id=item.id or None,
        timer_id=timer_id,
    )


def _opinion_as_read(
    session: Session, item: WorkItem | ItemRow, people: dict[str, str | None], opinion: str | None
) -> list[tuple[dict[str, str | None], dict[str, str]]]:
    """``people`` split by how they read a 督办's ``opinion``: (those people, the params saying
    it). Whoever may not read the case's confidential values reads it with them masked; on a
    case with none, or with no opinion, everyone reads it alike."""
    if not opinion or not people:
        return [(people, {})]
    instance = session.get(ProcessInstance, item.instance_id)
    if instance is None:
        return [(people, {})]
    return [
        (told, {} if said == opinion else {"opinion": said})
        for told, said in _text_as_read(session, instance.id, instance.definition_id, people, opinion)
    ]


def _text_as_read(
    session: Session, instance_id: int, definition_id: int, people: dict[str, str | None], text: str
) -> list[tuple[dict[str, str | None], str]]:
    """``people`` split by how they read ``text``, written on a case (a 督办's opinion, a cancel
    reason): (those people, the text as they read it). Whoever may not read the case's
    confidential values reads it with them masked; on a case with none, or a text holding none,
    everyone reads it alike."""
    if not text or not people:
        return [(people, text)]
    secrets = secrets_kept_from_the_uncleared(session, instance_id, definition_id)
    if not secrets.found_in(text):
        return [(people, text)]
    readers = {name for name, _role in repo.active_users_in_roles(session, sorted(access.roles_reading_confidential()))}
    shown = [
        ({u: g for u, g in people.items() if u in readers}, text),
        ({u: g for u, g in people.items() if u not in readers}, secrets.redacted(text)),
    ]
    return [(told, said) for told, said in shown if told]


# -- reading (the UI) ----------------------------------------------------------------
def kind_label(kind: NotificationKind, params: dict[str, Any] | None) -> str:
    """What a notice is, in Chinese: its kind's name; a task's arrival as overdue already says so."""
    if kind == NotificationKind.TASK and params and params.get("overdue"):
        return ARRIVED_OVERDUE_LABEL
    return KIND_LABELS[kind]


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    kind_label: str
    subject: str
    message: str
    instance_id: int | None
    work_item_id: int | None
    created_at: datetime
    read_at: datetime | None
    task_id: str | None = None  # the work item's task id, for a link to the task page
    params: dict[str, Any] | None = None  # what subject and message are made of (None: older rows)

    @classmethod
    def of(cls, row: Notification, task_id: str | None = None) -> NotificationView:
        return cls(
            row.id,
            row.kind.value,
            kind_label(row.kind, row.params),
            row.subject,
            row.message,
            row.instance_id,
            row.work_item_id,
            row.created_at,
            row.read_at,
            task_id,
            row.params,
        )


@dataclass(frozen=True)
class NotificationPage:
    """One page of the actor's notifications, newest first."""

    items: list[NotificationView]
    total: int  # notifications matching the filter
    unread: int  # all the actor's unread notifications
    page: int
    per_page: int
    unread_only: bool

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def _mine(actor: Actor, unread_only: bool = False) -> list[Any]:
    conditions: list[Any] = [Notification.username == actor.username]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    return conditions


def list_notifications(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> list[NotificationView]:
    query = (
        select(Notification, WorkItem.task_id)
        .outerjoin(WorkItem, WorkItem.id == Notification.work_item_id)
        .where(*_mine(actor, unread_only))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [NotificationView.of(row, task_id) for row, task_id in session.execute(query)]


def unread_count(session: Session, actor: Actor) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(*_mine(actor, True))) or 0


def notification_page(
    session: Session, actor: Actor, *, unread_only: bool = False, page: int = 1, per_page: int = 20
) -> NotificationPage:
    page, per_page = paging(page, per_page)
    unread = unread_count(session, actor)
    # filtered by unread, the total is the unread count: one COUNT less
    total = (
        unread
        if unread_only
        else session.scalar(select(func.count()).select_from(Notification).where(*_mine(actor))) or 0
    )
    items = (
        list_notifications(session, actor, unread_only=unread_only, limit=per_page, offset=(page - 1) * per_page)
        if total
        else []
    )
    return NotificationPage(items, total, unread, page, per_page, unread_only)


def mark_read(session: Session, actor: Actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications (these ``ids``, or all) read; returns how many changed.
    Ids of someone else's notifications (or unknown ones) are ignored, never an error:
    the answer would tell who has which notification."""
    query = update(Notification).where(*_mine(actor, True))
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0
        query = query.where(Notification.id.in_(ids))
    result = session.execute(query.values(read_at=clock.now()).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0))  # a CursorResult for an UPDATE


def open_notification(session: Session, actor: Actor, notification_id: int) -> NotificationView:
    """The actor opens one of their notifications (to go to its task or case): it is read now.
    Someone else's is as unknown as a missing one (NotFound)."""
    found = session.execute(
        select(Notification, WorkItem.task_id)
        .outerjoin(WorkItem, WorkItem.id == Notification.work_item_id)
        .where(Notification.id == notification_id, *_mine(actor))
    ).first()
    if found is None:
        raise NotFound(f"no notification {notification_id}", "no_notification", notification=notification_id)
    row, task_id = found
    if row.read_at is None:
        row.read_at = clock.now()
    return NotificationView.of(row, task_id)
