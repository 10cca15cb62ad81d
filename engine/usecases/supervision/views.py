"""A 督办 as its reader reads it: a case's (``of_case``), one row (``read_view``, and
``view_of`` from what a query already read), the badge on a task (``open_on_items``): its
state, whether and by what it ended, whom it was addressed to, its opinion masked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus, NotificationKind, WorkItemState
from storage.models import (
    AuditEntry,
    Notification,
    ProcessInstance,
    Supervision,
    WorkItem,
)

from ... import clock
from ...access import Actor
from ..closed_tasks import cancellation
from ..confidentiality import Secrets, case_secrets
from ..context import SYSTEM, processes
from ..labels import form_answers, people_names
from ..visibility import RoundScope, round_scope, visible_case
from .answers import request_pending
from .states import Answer, FollowUp, SupervisionView, Unreported, UnreportedUnit, given_up_on_the_case, state_of


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
    views = [read_view(session, r, now, secrets) for r in rows]
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
        addressed_to = (kept or {}).get("addressed") or {}
        ended_part = set(addressed_to.get("withdrawn") or ())  # (taken from its holders: answers._given_up_on_the_case)
        for item_id in addressed_to.get("items", ()):
            if item_id in wanted and item_id not in ended_part:
                counts[item_id] = counts.get(item_id, 0) + 1
    return counts


def read_view(session: Session, row: Supervision, now: datetime, secrets: Secrets) -> SupervisionView:
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
                and (cancelled or not request_pending(session, row, definition_id, task.bpmn_id))
            )
        )
    )
    given_up = given_up_on_the_case(row)
    ended = status != InstanceStatus.RUNNING or taken_back or given_up
    view = view_of(row, case_title or "", name, task_id, now, secrets, ended)
    if view.automatic:
        view = replace(
            view, follow_up=follow_ups(session, [(row, definition_id)], {row.instance_id: secrets}).get(row.id)
        )
    if view.addressed_units:
        units = repo.department_choices(session)
        view = replace(view, addressed_unit_names=tuple(units.get(code, code) for code in view.addressed_units))
    if given_up:
        # on the case as a whole: every task it was addressed to was taken back unanswered
        # (改办), by what last, before the case ended or was cancelled
        withdrawn_by = ((row.escalation or {}).get("addressed") or {}).get("withdrawn_by")
        return replace(view, withdrawn=True, withdrawn_by=withdrawn_by)
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
            else request_pending(session, row, definition_id, task.bpmn_id, closed_at=ended_at)
        )
        if closed_by_cancelling:
            return replace(view, withdrawn=True, cancelled_by=_canceller(session, row.instance_id))
    return replace(view, withdrawn=True, withdrawn_by=event)


def follow_ups(
    session: Session, rows: Sequence[tuple[Supervision, int]], secrets: Mapping[int, Secrets]
) -> dict[int, FollowUp]:
    """What the office recorded in the task a deadline timer's path opened with its 督办 (the
    row's ``followed_by``: ``issuing.record_automatic``), once that task is done, by 督办 id,
    of those of ``rows`` (each with its case's definition id) that have one: its form's
    answers as its completion's history entry keeps them (the task ran on its own token: the
    case's data never holds them), each said as the form shows it (``labels.form_answers``)
    and with its case's ``secrets`` (by case id) masked, as the opinion is. Read in two
    statements however many rows (the board lists up to 200)."""
    followed = {
        row.id: (row, definition_id, item_id)
        for row, definition_id in rows
        if row.automatic and (item_id := (row.escalation or {}).get("followed_by"))
    }
    if not followed:
        return {}
    done = {
        item.id: item
        for item in session.scalars(
            select(WorkItem).where(
                WorkItem.id.in_({item_id for *_, item_id in followed.values()}),
                WorkItem.state == WorkItemState.COMPLETED,
            )
        )
    }
    answered: dict[tuple[int, str], Any] = {}
    if done:
        for instance_id, task_id, data in session.execute(
            select(AuditEntry.instance_id, AuditEntry.task_id, AuditEntry.data)
            .where(
                AuditEntry.instance_id.in_({item.instance_id for item in done.values()}),
                AuditEntry.task_id.in_({item.task_id for item in done.values()}),
                AuditEntry.action == "complete",
            )
            .order_by(AuditEntry.id)
        ):
            answered[(instance_id, task_id)] = data  # the last completion's
    found = {}
    for supervision_id, (row, definition_id, item_id) in followed.items():
        item = done.get(item_id)
        if item is None:  # still open (or gone): nothing recorded yet
            continue
        meta = processes.get_by_id(session, definition_id).tasks.get(item.bpmn_id)
        data = answered.get((item.instance_id, item.task_id)) or {}
        answers = form_answers(meta.form, data) if meta is not None else []
        masked = secrets[row.instance_id]
        found[supervision_id] = FollowUp(
            item.name,
            item.completed_by,
            item.completed_at,
            tuple(Answer(field_id, label, masked.redacted(value)) for field_id, label, value in answers),
        )
    return found


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
        # each unit's, kept since a 督办 on the case as a whole says every unit's; before, the
        # one it kept (the first)
        "unreported_units": tuple(
            _unreported_unit(each) for each in found.get("unreported_units", [found] if why else [])
        ),
    }


def _unreported_unit(kept: dict[str, Any]) -> UnreportedUnit:
    """One unit's escalation as its row keeps it (``Escalation.kept``)."""
    return UnreportedUnit(
        Unreported(kept["unreported"]),
        kept.get("unit"),
        kept.get("head"),
        kept.get("told_instead", 0),
        kept.get("told_as_holders", 0),
    )


def view_of(
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
        addressed_units=addressed(row, "units"),
        addressed_tasks=addressed(row, "tasks"),
        addressees_recorded=row.work_item_id is not None or addressees_recorded(row),
        fired_at=_fired_at(row),
    )


def _fired_at(row: Supervision) -> datetime | None:
    """When a deadline timer's 督办 fired, as its row keeps it (``issuing.record_automatic``)."""
    kept = (row.escalation or {}).get("fired_at") if row.automatic else None
    return datetime.fromisoformat(kept) if kept else None


def addressed(row: Supervision, what: str) -> tuple[str, ...]:
    """Whom a 督办 on the case as a whole was addressed to, as its row keeps it (``what``: the
    units, or the tasks): none when it kept none (no unit held a task of the case), or when it
    kept nothing of them (issued before it did: ``addressees_recorded``)."""
    kept = (row.escalation or {}).get("addressed") or {}
    return tuple(kept.get(what, ()))


def addressees_recorded(row: Supervision) -> bool:
    """Whether issuing the 督办 on the case as a whole kept whom it was addressed to: since it
    does, always, if to nobody; one issued before did not, and whom it reached is not known."""
    return "addressed" in (row.escalation or {})
