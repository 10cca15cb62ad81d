"""The officer's work on user tasks: list, look at (the task page), claim, give back, hand
over, keep a draft and complete. Who may do each is the access policy's (``engine.access``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, WorkItemState
from storage.models import AuditEntry, ProcessDefinition, ProcessInstance, User, WorkItem
from storage.repositories import ItemRow

from .. import access, clock
from ..access import Actor
from ..bpmn.forms import FormSpec
from ..deadlines import settings
from ..errors import (
    Conflict,
    EngineError,
    FieldError,
    HeldByAnother,
    InvalidData,
    NotAllowed,
    NotFound,
)
from ..text import control_character, control_characters_in
from . import cases, notifications, observers, supervision, taking
from .attachments import AttachmentView, list_attachments
from .case_deadlines import closed_by_window_timers
from .closed_tasks import ensure_open, takes_notes
from .comments import CommentView, list_comments
from .confidentiality import (
    case_variables,
    draft_for,
    fillable,
    hidden_fields,
    history_for,
    notes_confidential_by_default,
    readable_data,
)
from .context import audit, processes, runtime_for
from .labels import element_names, field_labels, named_in_history, people_names, value_labels
from .option_lists import loaded, option_sources
from .persist import save_instance
from .record_tables import RecordTable, task_records
from .results import HistoryEntry, TaskDetail, TaskSummary
from .taking import withheld_from
from .visibility import WorkingFields, no_task, round_scope, visible_task
from .workflow_cache import restore_case


def list_tasks(session: Session, actor: Actor, flt: repo.InboxFilter) -> tuple[list[TaskSummary], int]:
    """One page of the inbox and the total count for the same filter; what ``actor`` may claim
    leaves out what is kept for those who may read its case's confidential fields."""
    if flt.scope == "all" and not access.may_list_all_tasks(actor):
        raise NotAllowed(f"{actor.username} may only list their own and their groups' tasks")
    if flt.scope in ("group", "open"):
        flt = dataclasses.replace(flt, withheld=withheld_from(session, actor))
    rows = repo.inbox(session, actor.username, actor.groups, flt)
    total = repo.inbox_count(session, actor.username, actor.groups, flt)
    return [TaskSummary.of(item, title, key, name) for item, title, key, name in rows], total


def _item(session: Session, task_id: str) -> WorkItem:
    item = repo.work_item_by_task(session, task_id)
    if item is None:
        raise no_task(task_id)
    return item


def _summary(session: Session, item: WorkItem) -> TaskSummary:
    instance = session.get(ProcessInstance, item.instance_id)
    definition = session.get(ProcessDefinition, instance.definition_id) if instance else None
    assert instance is not None and definition is not None
    return TaskSummary.of(item, instance.title, definition.key, definition.name)


def _not_theirs(
    session: Session, actor: Actor, item: WorkItem | ItemRow, message: str, *, offered_to_them: bool = True
) -> EngineError:
    """Someone may not act on ``item`` (``message``): another holds it, or it is not offered to
    them. A task that went to another while ``actor`` was likely filling in its form is a change
    of its state, not a permission: a conflict that says who holds it now, who gave it to them and
    when, as a lost claim race does. So of one taken from ``actor`` while they held it (handed to
    a colleague, or given back and claimed by another, by whoever may reassign tasks), and, unless
    ``offered_to_them`` is False (giving it back: only a holder does), of one ``actor`` could have
    done had nobody taken it: offered to them unclaimed, and claimed by (or handed to) another since.
    Whoever could never have done it, or a task the process gave its holder by name, is refused as
    not allowed."""
    if item.assignee:
        given: tuple[str | None, datetime | None] | None
        taken = given = _taken_from(session, actor, item)
        if given is None and offered_to_them and _would_be_theirs(session, actor, item):
            # claimed or handed on: the process naming its holder (``camunda:assignee``) took it
            # from nobody, and the history says so by saying nothing of it
            by, at = _given_to_holder(session, item)
            given = (by, at) if by is not None else None
        if given is not None:
            by, at = given
            how = f" (given to them by {by} at {at:%Y-%m-%d %H:%M} UTC)" if by and at else ""
            return HeldByAnother(
                f"{message}; it was taken from {actor.username}: {item.assignee} holds it now{how}"
                if taken is not None
                else f"{message}; it was offered to {actor.username} too: {item.assignee} holds it now{how}",
                "held_by_another",
                task=item.name,
                case=item.instance_id,
                holder=item.assignee,
                by=by,
                at=at,
            )
        return NotAllowed(message, "held_by", task=item.name, holder=item.assignee)
    return NotAllowed(message, "not_candidate", task=item.name)


def _would_be_theirs(session: Session, actor: Actor, item: WorkItem | ItemRow) -> bool:
    """Whether ``actor`` could act on ``item`` had nobody taken it: offered to them, and theirs to
    take (``access.may_take``)."""
    return access.is_candidate(actor, item) and _may_take(session, actor, item, _case_of(session, item))


def _holding_steps(item: WorkItem | ItemRow) -> tuple[ColumnElement[bool], ...]:
    """The conditions on the history of ``item``'s steps that changed who holds it: its claims,
    hand-overs and give-backs (through the history's index by case)."""
    return (
        AuditEntry.instance_id == item.instance_id,
        AuditEntry.task_id == item.task_id,
        AuditEntry.action.in_(("claim", "hand_over", "unclaim")),
    )


def _holdings(session: Session, item: WorkItem | ItemRow) -> list[tuple[str | None, str, datetime, str | None]]:
    """Who held ``item`` in turn, read from its claims, hand-overs and give-backs, oldest first:
    (its holder after the step, None once given back; who took the step; when; whom it was
    taken from, when the step says so)."""
    entries = session.execute(
        select(AuditEntry.actor, AuditEntry.action, AuditEntry.data, AuditEntry.at)
        .where(*_holding_steps(item))
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    return [
        (
            {"claim": who, "hand_over": (data or {}).get("to"), "unclaim": None}[action],
            who,
            at,
            (data or {}).get("from"),
        )
        for who, action, data, at in entries
    ]


@dataclass(frozen=True)
class Holding:
    """The latest claim, hand-over or give-back of a task (its history entry): who took which
    step when, and its ``id``, which a page carries as what it saw (``hand_over``'s ``seen``)."""

    id: int
    actor: str
    action: str  # claim, hand_over, unclaim
    at: datetime


def last_holding(session: Session, item: WorkItem | ItemRow) -> Holding | None:
    """The latest step that changed who holds ``item`` (None: none yet; the process may have
    given it to its holder by name): one indexed read of the case's history."""
    row = session.execute(
        select(AuditEntry.id, AuditEntry.actor, AuditEntry.action, AuditEntry.at)
        .where(*_holding_steps(item))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return Holding(*row) if row is not None else None


def _given_to_holder(session: Session, item: WorkItem | ItemRow) -> tuple[str | None, datetime | None]:
    """Who gave ``item`` to its holder and when (the holder himself: claimed it; both None when
    the history says nothing of it: the process gave it to them by name)."""
    holdings = _holdings(session, item)
    if not holdings or holdings[-1][0] is None:
        return None, None
    _holder, by, at, _from = holdings[-1]
    return by, at


def _taken_from(session: Session, actor: Actor, item: WorkItem | ItemRow) -> tuple[str | None, datetime | None] | None:
    """Whether ``actor`` held ``item`` once (claimed it, was handed it, or was given it by the
    process) and it went to its holder since: then who gave it to the holder and when (the
    holder himself: claimed it; both None when the history says nothing of it), else None. A task
    the process gave a person by name (``camunda:assignee``) has no claim of theirs: the work item
    names them as its holder from the start, and only until it is taken from them; the hand-over
    or give-back that took it records whom it was taken from (``from``), which tells it."""
    held = any(actor.username in (holder, taken_from) for holder, _by, _at, taken_from in _holdings(session, item))
    if not held or item.assignee == actor.username:
        return None
    return _given_to_holder(session, item)


def task_detail(session: Session, actor: Actor, task_id: str) -> TaskDetail:
    """A task of a case ``actor`` may see (NotFound otherwise), its data masked as the
    access policy says."""
    item, instance = visible_task(session, actor, task_id)
    process = processes.get_by_id(session, instance.definition_id)
    meta = process.tasks.get(item.bpmn_id)
    data: dict[str, Any] = {}
    if item.state == WorkItemState.READY:
        runtime = runtime_for(session)
        data = dict(runtime.task(runtime.restore(process, instance.workflow_json), task_id).data)
    # the petitioner's identity stays masked for whoever may not read it, whoever calls this
    # (the page, the API, the command line), a field with readers withheld; a deputy reads
    # only what the forms label of a task he follows, and all of one he works on (a scoring
    # round's unit, say)
    form = meta.form if meta else process.start_form.__class__()
    if access.may_act(actor, item):
        # all of it but the working fields of other forms (剩余可延期（月） on his evaluation):
        # his own form's, the process's filling included (the unit he scores), he reads
        working = WorkingFields.of(actor, process).fields - {f.id for f in form.fields}
        data = {k: v for k, v in readable_data(session, actor, instance, data).items() if k not in working}
    else:
        data = case_variables(session, actor, instance, data)
    help_text = meta.help if meta else ""
    if "{setting:" in help_text:  # the periods in effect, not the defaults the designer wrote
        help_text = settings.in_text(help_text, settings.resolve(repo.setting_overrides(session)))
    return TaskDetail(_summary(session, item), form, data, meta.documentation if meta else "", help_text)


def _locked_case(session: Session, task_id: str) -> ProcessInstance:
    """Lock the case of ``task_id`` (writers of one case queue up): what is read after this
    is what the previous writer committed."""
    instance = repo.instance_of_task_for_update(session, task_id)
    if instance is None:
        raise no_task(task_id)
    return instance


def _lock_item(session: Session, actor: Actor, task_id: str) -> WorkItem:
    """Lock the item's case, then read the item (NotFound when ``actor`` may not see it)."""
    _locked_case(session, task_id)
    item, _instance = visible_task(session, actor, task_id)
    return item


def claim(session: Session, actor: Actor, task_id: str) -> TaskSummary:
    item = _lock_item(session, actor, task_id)
    ensure_open(session, actor, item)
    if item.assignee == actor.username:
        return _summary(session, item)
    if item.assignee is not None and access.is_candidate(actor, item):
        raise Conflict(
            f"task {item.name!r} is already claimed by {item.assignee}",
            "already_claimed",
            task=item.name,
            holder=item.assignee,
        )
    if not access.may_claim(actor, item):
        raise NotAllowed(f"{actor.username} is not a candidate for task {item.name!r}", "not_candidate", task=item.name)
    if not _may_take(session, actor, item, _case_of(session, item)):
        raise _for_readers_only(actor, item, "claim")
    item.assignee, item.claimed_at = actor.username, clock.now()
    audit(session, actor, "claim", instance_id=item.instance_id, task_id=task_id, bpmn_id=item.bpmn_id)
    session.flush()
    return _summary(session, item)


def unclaim(session: Session, actor: Actor, task_id: str, *, seen: int | None = None) -> TaskSummary:
    """Give a task back to be claimed (放弃签收): its holder, or whoever may reassign tasks.

    ``seen``: as ``hand_over``'s. A unit head's page open for a while may be older than the
    holder's own step since (handed on to a colleague, claimed again): giving it back would take
    it from whoever holds it now unseen. Then it is refused (``holding_changed``); a task nobody
    holds any more is left as it is, given back already, as was asked."""
    item = _lock_item(session, actor, task_id)
    ensure_open(session, actor, item)
    if item.assignee is None:
        return _summary(session, item)
    if seen is not None:
        _refuse_if_moved(session, item, seen, "given back")
    if not access.is_offered(item):
        raise NotAllowed(
            f"task {item.name!r} was given to {item.assignee} by name and is offered to no one else: "
            "given back, it would wait in no one's inbox",
            "not_offered",
            task=item.name,
            holder=item.assignee,
        )
    if not access.may_give_back(actor, item):
        raise _not_theirs(
            session,
            actor,
            item,
            f"task {item.name!r} is claimed by {item.assignee}; only they can give it back",
            offered_to_them=False,
        )
    held_by = item.assignee
    item.assignee, item.claimed_at = None, None
    # whom it was taken from: the history has no claim of a holder the process named (_taken_from)
    audit(
        session,
        actor,
        "unclaim",
        instance_id=item.instance_id,
        task_id=task_id,
        bpmn_id=item.bpmn_id,
        data={"from": held_by},
    )
    session.flush()
    if held_by != actor.username:  # whoever may reassign tasks took it back from its holder
        notifications.notify_taken_away(session, item, held_by, by=_name(session, actor.username))
    return _summary(session, item)


HAND_OVER_NOTE_CHARS = 500  # a hand-over's note (转交说明): a line for the colleague, not a comment


def hand_over(
    session: Session, actor: Actor, task_id: str, colleague: str, comment: str = "", *, seen: int | None = None
) -> TaskSummary:
    """Give a task I hold (or may claim) to a colleague who is a candidate for it too.

    ``seen``: the latest claim, hand-over or give-back the page showed (``TaskPage.holding``,
    0: none). A page open for a while (a unit head's) may be older than its holder's own step
    since (handed on, given back) or a colleague's claim: the hand-over would override it unseen.
    Then it is refused (``holding_changed``), naming who did what when; without ``seen``
    (the inbox's rows, an API call that sends none, the command line) the task is handed as it stands."""
    colleague, comment = colleague.strip(), comment.strip()
    # refused fields by the API's names (``to``, ``comment``), which the task page labels too
    refused = {"to": FieldError("required")} if not colleague else {}
    if len(comment) > HAND_OVER_NOTE_CHARS:
        refused["comment"] = FieldError("max_length", {"max": HAND_OVER_NOTE_CHARS})
    elif (bad := control_character(comment)) is not None:
        refused["comment"] = bad
    if refused:
        raise InvalidData(refused)
    item = _lock_item(session, actor, task_id)
    ensure_open(session, actor, item)
    if seen is not None:
        _refuse_if_moved(session, item, seen, "handed over")
    if not access.may_hand_over(actor, item):
        raise _not_theirs(session, actor, item, f"{actor.username} does not hold task {item.name!r}")
    # the task exists and may be handed on: what is wrong is the value of ``to`` (a field error)
    other = repo.user_by_name(session, colleague)
    if other is None:
        raise InvalidData({"to": FieldError("unknown_user", {"username": colleague})})
    if not other.active:
        raise InvalidData({"to": FieldError("inactive_user", {"username": colleague})})
    if colleague == item.assignee:  # nothing would change, yet the history would say it was handed over
        raise InvalidData(
            {
                "to": FieldError("yours_already")
                if colleague == actor.username
                else FieldError("holds_task_already", {"username": colleague})
            }
        )
    is_candidate = _is_candidate(item, other.username, other.groups)
    # only for a colleague outside the task's candidates: could anyone take it at all?
    anyone = is_candidate or bool(_candidates(session, item)) or _held_in_person(session, item)
    readers_offered = taking.readers_offered(session, item, _case_of(session, item))
    if not access.may_take(actor, readers_offered=readers_offered):
        raise _for_readers_only(actor, item, "hand over")  # by whoever may take it, as to them
    if not access.may_hand_to(
        actor,
        item,
        colleague_is_candidate=is_candidate,
        anyone_may_hold=anyone,
        colleague=Actor.of(other),
        readers_offered=readers_offered,
    ):
        if not access.may_take(Actor.of(other), readers_offered=readers_offered):
            raise NotAllowed(
                f"{colleague} may not read the confidential fields of the case of {item.name!r} "
                f"(the permission {access.Permission.CONFIDENTIAL_READ.value}): "
                "it is handed over only to someone who may",
                "colleague_cannot_read_confidential",
                task=item.name,
                colleague=colleague,
            )
        raise NotAllowed(
            f"{colleague} is not in a group that may work on {item.name!r}",
            "colleague_not_candidate",
            task=item.name,
            colleague=colleague,
        )
    held_by = item.assignee
    item.assignee, item.claimed_at = colleague, clock.now()
    audit(
        session,
        actor,
        "hand_over",
        instance_id=item.instance_id,
        task_id=task_id,
        bpmn_id=item.bpmn_id,
        # whom it was taken from, when someone held it: the history has no claim of a holder the
        # process named (_taken_from)
        data={"to": colleague, "comment": comment} | ({"from": held_by} if held_by else {}),
    )
    session.flush()
    by_name = _name(session, actor.username)
    if colleague != actor.username:
        notifications.notify_task(session, item, handed_by=by_name, note=comment)
    if held_by is not None and held_by not in (actor.username, colleague):
        # handed on from under its holder (by whoever may reassign tasks): told, or they would
        # go on filling in its form, to find it gone only when they submit
        notifications.notify_taken_away(session, item, held_by, by=by_name, to=_name(session, colleague))
    return _summary(session, item)


def _refuse_if_moved(session: Session, item: WorkItem, seen: int, asked: str) -> None:
    """Conflict (``holding_changed``) when someone claimed, handed on or gave back ``item``
    after the page that shows ``seen`` (``last_holding``'s id then; 0: none) was read; ``asked``:
    what the page asked for, as the message says it was not done ("handed over", "given back").
    Asked once the case is locked: a step committed meanwhile is read, one to come waits for us."""
    last = last_holding(session, item)
    if last is None or last.id == seen:
        return
    done = {"claim": "claimed it", "hand_over": "handed it on", "unclaim": "gave it back"}[last.action]
    raise Conflict(
        f"{last.actor} {done} at {last.at:%Y-%m-%d %H:%M} UTC, after the page that asked for {item.name!r} to be "
        f"{asked} was read; it was not {asked}: {item.assignee or 'nobody'} holds it now",
        "holding_changed",
        task=item.name,
        task_id=item.task_id,
        case=item.instance_id,
        action=last.action,
        by=last.actor,
        at=last.at,
        holder=item.assignee,
    )


def _name(session: Session, username: str) -> str:
    """A person as notifications name them."""
    return people_names(session, [username]).get(username, username)


def complete(session: Session, actor: Actor, task_id: str, data: dict[str, Any]) -> list[TaskSummary]:
    """Validate ``data`` against the task's form, run the task and the engine steps after
    it, and persist everything. Returns the tasks now open in the case."""
    instance = _locked_case(session, task_id)
    # read once the case is locked, and handed to save_instance, which needs them again
    ready_before = repo.ready_item_rows(session, instance.id)
    item: WorkItem | ItemRow | None = next((w for w in ready_before if w.task_id == task_id), None)
    if item is None or not access.may_act(actor, item):
        item, _instance = visible_task(session, actor, task_id)
    ensure_open(session, actor, item)
    if not access.may_act(actor, item):
        who = f"claimed by {item.assignee}" if item.assignee else "not in your groups"
        raise _not_theirs(session, actor, item, f"{actor.username} may not complete {item.name!r}: it is {who}")
    if item.assignee is None and not _may_take(session, actor, item, instance):
        raise _for_readers_only(actor, item, "complete")  # completing an unclaimed task takes it
    following = run_completion(session, actor, instance, item, data, ready_before)
    observers.task_completed(session, processes.get_by_id(session, instance.definition_id).key)
    return following


def run_completion(
    session: Session,
    actor: Actor,
    instance: ProcessInstance,
    item: WorkItem | ItemRow,
    data: dict[str, Any],
    ready_before: list[ItemRow],
) -> list[TaskSummary]:
    """Complete an open task the caller has found in the locked case and allowed ``actor``
    to complete: the form's checks, the engine steps, the work item, the 督办 it answers,
    the history, the case saved. ``item`` is one of ``ready_before`` (the case's open items,
    read once it was locked): saving reads them back, and the one completed is no longer
    open there; another copy of it would be closed as withdrawn."""
    task_id = item.task_id
    process = processes.get_by_id(session, instance.definition_id)
    meta = process.tasks.get(item.bpmn_id)
    hidden = hidden_fields(session, actor, instance)
    if hidden.intersection(data):
        raise InvalidData({name: FieldError("may_not_write") for name in sorted(hidden.intersection(data))})
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, instance)
    if meta is not None:
        bounds = runtime.form_bounds(workflow, task_id, meta.form)
        case_values = runtime.task(workflow, task_id).data
        data = _as_the_page_sends(session, actor, instance, meta.form, data, hidden, case_values)
        labels = field_labels(process) if meta.form.names_case_values else None
        data = meta.form.validate(data, option_sources(session, meta.form), bounds, labels)
    runtime.complete(workflow, task_id, data)
    assert isinstance(item, ItemRow) and any(w is item for w in ready_before)  # see the doc
    writes.complete_item(session, item, actor.username, clock.now())
    audit(session, actor, "complete", instance_id=instance.id, task_id=task_id, bpmn_id=item.bpmn_id, data=data)
    ready = save_instance(
        session, instance, workflow, runtime, process, ready_before=ready_before, acting=actor.username
    )
    # answered by what the completion opened: a request (退回) leaves the 督办 standing
    supervision.answered_by_completion(session, process, item, ready_before, ready, actor.username, clock.now())
    if meta is not None and meta.tell:
        told = [w for w in ready if w.bpmn_id in meta.tell]
        notifications.notify_sent(session, item, told, instance.title)
    return [TaskSummary.of(w, instance.title, process.key, process.name) for w in ready]


def _answered(history: Iterable[Any]) -> set[str]:
    """The fields the case's submissions so far answered, of any task's form (entries of its
    history, read by ``action`` and ``data``)."""
    return {name for e in history if e.action == "complete" for name in (e.data or {})}


def _as_the_page_sends(
    session: Session,
    actor: Actor,
    instance: ProcessInstance,
    form: FormSpec,
    data: dict[str, Any],
    hidden: frozenset[str],
    case_values: Mapping[str, Any],
) -> dict[str, Any]:
    """``data`` with each field of the form it leaves out as the task page's form sends it
    untouched (a completion through the API or the command line need not send every field):
    a ``fresh`` field a person answered in an earlier round at its default, or empty, not the
    last round's answer unseen; any other at the case's value, which the page's form starts
    with (``task_page``), so that a required field the case already holds is not asked again.
    Only a value ``actor`` reads as it is: one the page shows masked, withheld or with a
    confidential value blotted out in it is not sent back in the actor's name; left out, the
    case keeps it, as Camunda keeps it (a required one is then refused, as on the page, where
    the actor answers it)."""
    left_out = {f.id for f in form.fields if not f.readonly} - data.keys() - hidden
    if not left_out:
        return data
    fresh = {f.id for f in form.fields if f.fresh} & left_out  # the history is read only for them
    afresh = form.answered_before(_answered(repo.history(session, instance.id))) & fresh if fresh else set()
    held = {name: case_values[name] for name in left_out - afresh if name in case_values}
    shown = readable_data(session, actor, instance, case_values) if held else {}
    kept = {name: value for name, value in held.items() if name in shown and shown[name] == value}
    return {**kept, **{f.id: f.initial for f in form.fields if f.id in afresh}, **data}


@dataclass(frozen=True)
class TaskPage:
    detail: TaskDetail  # data already masked
    values: dict[str, Any]  # what the form shows: the draft over the task data
    has_draft: bool
    can_act: bool
    hidden: frozenset[str]  # the fields shown masked (保密)
    instance_status: str
    history: list[HistoryEntry]
    labels: dict[str, str]
    element_names: dict[str, str]
    comments: list[CommentView]
    attachments: list[AttachmentView]
    colleagues: list[tuple[str, str]]
    department_names: dict[str, str]
    choices: dict[str, dict[str, str]] = field(default_factory=dict)  # the form's run-time option lists
    can_claim: bool = False
    # offered to the reader's group, but kept for those who may read its case's confidential
    # fields (access.may_take): the page says why there is nothing to do
    for_confidential_readers: bool = False
    can_give_back: bool = False
    notes_confidential: bool = False  # new comments and attachments default to confidential
    bounds: dict[str, dict[str, int]] = field(default_factory=dict)  # ${…} min / max, evaluated now
    bound_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # field → bound → the case value's label
    supervisions: list[supervision.SupervisionView] = field(default_factory=list)  # 督办 on this task
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # field → value → its label
    people: dict[str, str] = field(default_factory=dict)  # user name → display name, of those the page names
    # what the rounds before it returned (each unit's result: the office's 汇总, 通报), as tables
    records: list[RecordTable] = field(default_factory=list)
    # the case's cancelling as the reader reads it in its history (who, when, why), when it was
    # cancelled: the task page says so instead of offering a task that is gone
    cancellation: HistoryEntry | None = None
    # a comment or a file may still be aimed at the task (closed_tasks.takes_notes): the page
    # offers those forms only then, as the use cases take them only then
    takes_notes: bool = True
    # what withdrew the task when the process did (退回改办), as its holders were told
    withdrawn_by: str | None = None
    # the window timer (its element id: element_names) that closed the task when its period ended
    # undone (the deputy's evaluation 逾期未反馈): it lapsed, the process did not withdraw it
    period_closed_by: str | None = None
    # completed from a row of this year's ledger (台账) by the administrator importing it, as
    # the history says of the completion (its ``ledger``): done then by whoever the ledger says
    completed_from_ledger: bool = False
    # which save of the task's draft the page read (``draft_revision``; 0: none saved): its form
    # sends it back with a draft, so that a save from an older page (another tab) is refused
    draft_revision: int = 0
    # the latest claim, hand-over or give-back the page shows (``last_holding``; 0: none): its
    # hand-over and give-back send it back, so that one from an older page is refused
    # (``hand_over``'s and ``unclaim``'s seen)
    holding: int = 0
    # its holder, while it is open, is deactivated since (left, on leave): the page marks them,
    # as the case page does, for the office to hand the task to someone who can do it
    holder_deactivated: bool = False
    # process key → name, of the processes its history names (``cases.process_names_in``)
    process_names: dict[str, str] = field(default_factory=dict)


def task_page(session: Session, actor: Actor, task_id: str) -> TaskPage:
    detail = task_detail(session, actor, task_id)  # NotFound; data masked
    item, instance = visible_task(session, actor, task_id)
    hidden = hidden_fields(session, actor, instance)
    draft = draft_for(session, actor, item, instance)
    open_ = item.state == WorkItemState.READY
    process = processes.get_by_id(session, instance.definition_id)
    lists = loaded(session, detail.form)
    bounds: dict[str, dict[str, int]] = {}
    workflow = None
    if open_ and (any(f.bound_expressions for f in detail.form.fields) or detail.form.total_variables()):
        runtime = runtime_for(session)
        workflow = runtime.restore(process, instance.workflow_json)
        bounds = runtime.form_bounds(workflow, task_id, detail.form)
    # another round's history, notes and 督办 are not this reader's: worked out once for all
    # three (a reader of rounds has the case's workflow restored for it)
    scope = round_scope(session, actor, instance, workflow)
    history = history_for(session, actor, instance.id, instance.definition_id, scope)
    comments = scope.visible(list_comments(session, actor, instance.id))
    attachments = scope.visible(list_attachments(session, actor, instance.id))
    # its own, and a 督办 on the whole case addressed to its unit through it
    supervisions = [
        s
        for s in supervision.of_case(session, actor, instance.id, scope)
        if s.task_id == task_id or task_id in s.addressed_tasks
    ]
    # a later round (a loop, a re-handling, a second evaluation) starts with its fields empty,
    # not at what an earlier round answered; the reader's own saved draft of this task still
    # loads over them (a draft is its author's: draft_for)
    answered = _answered(history)
    labels = field_labels(process)
    values = value_labels(session, process)
    holding = last_holding(session, item) if open_ else None
    acting = offered = open_ and access.may_act(actor, item)
    if acting and item.assignee is None:
        # an unclaimed task offered to whoever may read the case's confidential fields is theirs
        # to take (claim, or complete, which takes it): not offered to the others here either
        acting = _may_take(session, actor, item, instance)
    return TaskPage(
        detail=detail,
        values=fillable({**detail.form.starting_values(detail.data, answered), **draft}),
        has_draft=bool(draft),  # the reader's own draft, loaded over the form
        can_act=acting,
        hidden=hidden,
        instance_status=instance.status.value,
        history=history,
        labels=labels,
        element_names=element_names(process),
        comments=comments,
        attachments=attachments,
        colleagues=colleagues(session, actor, task_id) if open_ else [],
        # the form's department list, when it has one, names the departments shown too (all
        # of them: a unit a field does not offer may still be one the case names)
        department_names=lists.get("departments") or repo.department_choices(session),
        choices=detail.form.offered(lists),
        can_claim=acting and access.may_claim(actor, item),
        for_confidential_readers=offered and not acting,
        can_give_back=open_ and item.assignee is not None and access.may_give_back(actor, item),
        notes_confidential=notes_confidential_by_default(session, instance.id),
        bounds=bounds,
        bound_labels=detail.form.bound_labels(labels),
        supervisions=supervisions,
        value_labels=values,
        people=people_names(
            session,
            [
                *named_in_history(history),
                item.assignee or "",
                item.completed_by or "",
                *(c.author for c in comments),
                *(a.uploaded_by for a in attachments),
                *(s.issued_by for s in supervisions),
                # who recorded what the office did about a deadline timer's 督办
                *(s.follow_up.done_by or "" for s in supervisions if s.follow_up),
            ],
        ),
        # of the task's variables as the reader may read them: another round's results left out;
        # after them what the runs of those collections a 改办 ended had returned
        records=task_records(session, process, instance, workflow, scope, detail.data, labels, values),
        cancellation=next((e for e in reversed(history) if e.action == "cancel"), None)
        if instance.status == InstanceStatus.CANCELLED
        else None,
        takes_notes=takes_notes(item, instance),
        withdrawn_by=repo.withdrawing_event(session, instance.id, item.id)
        if item.state == WorkItemState.CANCELLED and instance.status != InstanceStatus.CANCELLED
        else None,
        period_closed_by=closed_by_window_timers(session, instance.id).get(item.task_id)
        if item.state == WorkItemState.CANCELLED
        else None,
        completed_from_ledger=any(
            e.action == "complete" and e.task_id == task_id and e.ledger is not None for e in history
        ),
        draft_revision=draft_revision(session, item) if open_ else 0,
        holding=holding.id if holding is not None else 0,
        holder_deactivated=open_ and bool(cases.deactivated_among(session, [item.assignee])),
        process_names=cases.process_names_in(session, history),
    )


def task_form(session: Session, actor: Actor, task_id: str) -> tuple[FormSpec, frozenset[str]]:
    """The form of a task and the fields ``actor`` may not read: enough to read a submission
    (cheap: no workflow is loaded)."""
    item, instance = visible_task(session, actor, task_id)
    meta = processes.get_by_id(session, instance.definition_id).tasks.get(item.bpmn_id)
    return (meta.form if meta else FormSpec()), hidden_fields(session, actor, instance)


# -- drafts -------------------------------------------------------------------------
def draft_revision(session: Session, item: WorkItem | ItemRow) -> int:
    """Which save of ``item``'s draft its draft is: the id of the history entry of the latest
    save (0: none saved yet). A task has one draft at a time, whoever saved it (two tabs of one
    officer, two officers of the unit the task is offered to): a save names the one it read."""
    latest = session.scalar(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.instance_id == item.instance_id,
            AuditEntry.task_id == item.task_id,
            AuditEntry.action == "save_draft",
        )
    )
    return latest or 0


def save_draft(session: Session, actor: Actor, task_id: str, data: dict[str, Any], *, seen: int | None = None) -> int:
    """Keep what was typed so far (not validated) on the work item, for its author to go on
    with: a draft is theirs until the task is submitted (``access.may_read_draft``). Gives
    back the new draft's revision (``draft_revision``).

    ``seen``: the revision the page read (``TaskPage.draft_revision``). A draft saved since (in
    another tab, or by a colleague of the unit) is not overwritten unseen: Conflict
    (``task_draft_saved_meanwhile``), naming who saved it when; saving again with the revision
    the refusal read overwrites it, as the person chose. Without ``seen`` the draft is written
    over whatever is there. A field the form does not have is refused (``unknown_field``),
    as a submission refuses it, not dropped unsaid; one the reader may not read
    (``may_not_write``) too; a read-only one is not kept, as a submission does not keep it."""
    # the case locked first: two saves at once queue up, and the second reads the first's
    item = _lock_item(session, actor, task_id)
    instance = session.get(ProcessInstance, item.instance_id)
    assert instance is not None  # locked just now
    # a page opened before the task closed: told as its submission would be (who completed
    # it and when, who cancelled its case and why), not only that it is closed
    ensure_open(session, actor, item)
    if not access.may_act(actor, item):
        raise _not_theirs(session, actor, item, f"{actor.username} may not work on task {item.name!r}")
    meta = processes.get_by_id(session, instance.definition_id).tasks.get(item.bpmn_id)
    form = meta.form if meta else FormSpec()
    hidden = hidden_fields(session, actor, instance)
    refused = {name: FieldError("unknown_field") for name in data if form.field(name) is None}
    refused |= {name: FieldError("may_not_write") for name in sorted(hidden.intersection(data))}
    if refused:
        raise InvalidData(refused)
    names = {f.id for f in form.fields if not f.readonly and f.id not in hidden}
    draft = {k: v for k, v in data.items() if k in names and (v is None or isinstance(v, (str, int, bool, list)))}
    if refused := control_characters_in(draft):  # not checked against the form, but storable
        raise InvalidData(refused)
    if seen is not None and (latest := draft_revision(session, item)) != seen:
        raise _draft_saved_since(session, item, latest)
    item.draft = draft
    item.draft_by = actor.username
    audit(session, actor, "save_draft", instance_id=item.instance_id, task_id=task_id, bpmn_id=item.bpmn_id)
    session.flush()
    return draft_revision(session, item)


def _draft_saved_since(session: Session, item: WorkItem, revision: int) -> Conflict:
    """The draft of ``item`` was saved (as ``revision``) after the page read an older one."""
    by, at = session.execute(select(AuditEntry.actor, AuditEntry.at).where(AuditEntry.id == revision)).one()
    return Conflict(
        f"a draft of {item.name!r} was saved by {by} at {at:%Y-%m-%d %H:%M} UTC after the page read its draft; "
        "yours was not saved (save it again to overwrite that one)",
        "task_draft_saved_meanwhile",
        task=item.name,
        case=item.instance_id,
        by=by,
        at=at,
    )


def colleagues(session: Session, actor: Actor, task_id: str) -> list[tuple[str, str]]:
    """The active users (other than ``actor``) ``actor`` may hand a task to: (username, name)."""
    try:
        item, _instance = visible_task(session, actor, task_id)
    except NotFound:
        return []
    if not access.may_hand_over(actor, item):
        return []
    users = _active_users(session)
    anyone = any(_is_candidate(item, u.username, u.groups) for u in users) or _held_in_person(session, item)
    readers_offered = taking.readers_offered(session, item, _case_of(session, item))
    return [
        (u.username, u.display_name)
        for u in users
        if u.username != actor.username
        and access.may_hand_to(
            actor,
            item,
            colleague_is_candidate=_is_candidate(item, u.username, u.groups),
            anyone_may_hold=anyone,
            colleague=Actor.of(u),
            readers_offered=readers_offered,
        )
    ]


def _active_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))


def _case_of(session: Session, item: WorkItem | ItemRow) -> ProcessInstance:
    """``item``'s case (from the session's, when it holds it already)."""
    instance = session.get(ProcessInstance, item.instance_id)
    assert instance is not None  # a work item belongs to its case
    return instance


def _may_take(session: Session, actor: Actor, item: WorkItem | ItemRow, case: ProcessInstance) -> bool:
    """``access.may_take`` for ``actor`` on ``item`` of ``case``: who else is offered it is asked
    only when ``actor`` may not read the confidential fields (whoever may takes any task offered
    to them)."""
    if access.may_read_confidential(actor):
        return True
    return access.may_take(actor, readers_offered=taking.readers_offered(session, item, case))


def _for_readers_only(actor: Actor, item: WorkItem | ItemRow, doing: str) -> NotAllowed:
    """``actor`` may not ``doing`` (claim, complete) ``item``: its case's confidential fields are
    for those who may read them, and so is the task (``access.may_take``)."""
    return NotAllowed(
        f"{actor.username} may not {doing} {item.name!r}: its case holds confidential fields, and a task "
        f"offered to someone who may read them is taken only by such people "
        f"(the permission {access.Permission.CONFIDENTIAL_READ.value})",
        "task_for_confidential_readers",
        task=item.name,
    )


def _is_candidate(item: WorkItem, username: str, groups: set[str]) -> bool:
    return username in item.candidate_users or bool(set(item.candidate_groups) & groups)


def _active(session: Session, username: str) -> bool:
    user = repo.user_by_name(session, username)
    return user is not None and user.active


def _held_in_person(session: Session, item: WorkItem) -> bool:
    """A task the process gave one person by name and offers no one else (a deputy's score of
    a unit, his report to his voters: ``access.is_offered`` false), held by them while they may
    sign in: nobody hands it on, as nobody could claim it (else whoever may reassign tasks gave
    a deputy's score of a unit to that unit's own officer, who scored his unit). Once they can no
    longer sign in it goes to whoever is handed it, or the case would wait for ever."""
    return not access.is_offered(item) and item.assignee is not None and _active(session, item.assignee)


def _candidates(session: Session, item: WorkItem) -> list[str]:
    """The active people the task is offered to (none: nobody could ever take it): its
    candidate users, and the members of its candidate groups (notifications.users_in_groups:
    the roles, units' codes and names the inbox offers it by), read by those groups alone."""
    named = [name for name in item.candidate_users if _active(session, name)]
    return named + [u for u in notifications.users_in_groups(session, item.candidate_groups) if u not in named]
