"""A task that is no longer open, and what is refused on it, said one way whatever was
tried: a submission, a claim, a hand-over or a draft from a page opened before it closed
(``ensure_open``), and a note (a comment, a file) aimed at it (``note_target``). The refusal
says why (a conflict, 409): completed by whom and when (``already_completed``), its case
cancelled by whom, when and why (``case_cancelled``), or withdrawn by the process, the case
having moved on without it (``task_closed``).

And a task no longer open to one person: of a unit they were moved out of while its page was
open (``left_unit``), said as whose it is rather than as no task at all, when that tells nothing
they were not shown.

Here rather than in ``tasks`` (which lists a task page's comments and attachments) so that the
comments and attachments take the same refusals without importing the task use cases."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus, WorkItemState
from storage.models import AuditEntry, ProcessInstance, WorkItem
from storage.repositories import ItemRow

from .. import access
from ..access import Actor
from ..errors import AlreadyCompleted, CaseCancelled, Conflict, FieldError, InvalidData, NotAllowed
from .confidentiality import case_secrets, hidden_fields
from .context import processes
from .visibility import no_task, visible_case, visible_task


def ensure_open(session: Session, actor: Actor, item: WorkItem | ItemRow) -> None:
    """Refuse anything done on ``item`` unless it is open, saying why it is not."""
    if item.state == WorkItemState.COMPLETED:
        raise AlreadyCompleted(
            f"task {item.name!r} was already completed by {item.completed_by} "
            f"at {item.completed_at:%Y-%m-%d %H:%M} UTC",
            "already_completed",
            task=item.name,
            case=item.instance_id,
            by=item.completed_by,
            at=item.completed_at,
        )
    if item.state == WorkItemState.CANCELLED:
        raise no_longer_open(session, actor, item)


def closed(item: WorkItem | ItemRow, message: str = "") -> Conflict:
    return Conflict(
        message or f"task {item.name!r} is no longer open (the case moved on or was cancelled)",
        "task_closed",
        task=item.name,
        case=item.instance_id,
    )


def no_longer_open(session: Session, actor: Actor, item: WorkItem | ItemRow) -> Conflict:
    """Why ``item``, closed without being completed, is no longer open: its case was cancelled
    (who did, when, and why, the reason as ``actor`` reads it in the case's history), or the case
    moved on without it (a deadline, another branch)."""
    instance = session.get(ProcessInstance, item.instance_id)
    cancelled = cancellation(session, instance) if instance is not None else None
    if instance is None or cancelled is None:
        return closed(item)
    reason = case_secrets(session, actor, instance.id, instance.definition_id).redacted(
        str((cancelled.data or {}).get("reason", ""))
    )
    return CaseCancelled(
        f"task {item.name!r} is no longer open: its case was cancelled by {cancelled.actor} "
        f"at {cancelled.at:%Y-%m-%d %H:%M} UTC ({reason})",
        "case_cancelled",
        task=item.name,
        case=item.instance_id,
        by=cancelled.actor,
        at=cancelled.at,
        why=reason,
    )


def cancellation(session: Session, instance: ProcessInstance) -> AuditEntry | None:
    """The history's entry of ``instance``'s cancelling (None: it was not cancelled)."""
    if instance.status != InstanceStatus.CANCELLED:
        return None
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.instance_id == instance.id, AuditEntry.action == "cancel")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).first()


# -- notes ------------------------------------------------------------------------------
def takes_notes(item: WorkItem, instance: ProcessInstance) -> bool:
    """Whether a comment or a file may still be aimed at the task ``item`` of ``instance``:
    while it is open, and once completed too, as long as its case was not cancelled. A
    completed task's page offers its comment and upload forms (a remark on the reply given,
    the signed scan of it), and that is the product's choice; a task of a cancelled case
    (completed or not) or one the process withdrew (the case moved on without it) is over
    and done with: its page offers the list of notes, not the forms, and the use cases refuse
    what a stale page would still send."""
    return instance.status != InstanceStatus.CANCELLED and item.state != WorkItemState.CANCELLED


def note_target(
    session: Session, actor: Actor, instance_id: int | None, task_id: str | None
) -> tuple[int, int, str | None]:
    """(case id, its definition id, task id) of a case or task ``actor`` may see and may still
    aim a note at (``takes_notes``; refused: a conflict saying why, as a stale submission is
    told). A note on the case itself is taken whatever its status: the case page offers its
    forms on a running, a completed and a cancelled case alike (what is said or filed about a
    case after it ended belongs with it: the 办结 letter scanned, why it was withdrawn)."""
    if task_id:
        # the case's lock first, as a completion takes it (writers of one case queue up): a
        # cancel committed while this waited is seen, and one that comes after waits for the
        # note, never the note stored after the cancel on a status read before it
        if repo.instance_of_task_for_update(session, task_id) is None:
            raise no_task(task_id)
        item, instance = visible_task(session, actor, task_id)
        if instance.status == InstanceStatus.CANCELLED:
            raise no_longer_open(session, actor, item)
        if not takes_notes(item, instance):
            raise closed(item, f"task {item.name!r} is no longer open: the case moved on without it")
        return instance.id, instance.definition_id, task_id
    if instance_id is None:
        raise InvalidData({"instance_id": FieldError("case_or_task_needed")})
    instance = visible_case(session, actor, instance_id)
    return instance.id, instance.definition_id, None


# -- a task of a unit one left --------------------------------------------------------------
@dataclass(frozen=True)
class LeftUnit:
    """A task ``actor`` could work on until moved out of its unit (``left_unit``): the refusal
    to say instead of "no such task", and the labels of its form's fields (id → label) to show
    what they typed under, to pass on."""

    refusal: NotAllowed
    labels: dict[str, str]
    choices: dict[str, dict[str, str]]  # field id → its options' values → their names


def left_unit(session: Session, actor: Actor, task_id: str) -> LeftUnit | None:
    """Why ``actor``, who may no longer see the task ``task_id``, cannot submit its form: they
    were moved out of the unit it is offered to (None: not so, or not known so, and the task
    answers as if it did not exist, as ``visibility.visible_task`` answers).

    Said only when the audit log shows that an administrator moved them out of one of the
    task's candidate units (``update_user``: the unit before the change) after the task was
    created: while it was open they were its candidate and saw it, so telling them it exists
    and whose it is tells nothing they were not shown. Anyone else (never a candidate, moved in
    and out before the task existed, or moved by a path the log does not show thus) is told
    "no such task": a 404 never tells a task exists to someone who could not have seen it."""
    item = repo.work_item_by_task(session, task_id)
    if item is None or access.may_act(actor, item):
        return None
    units = set(item.candidate_groups) - actor.groups
    if not units:
        return None
    moves = session.scalars(
        select(AuditEntry)
        # after, strictly: a move at the task's very moment may have come first (unknown: not said)
        .where(AuditEntry.action == "update_user", AuditEntry.at > item.created_at)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    for entry in moves:
        data = entry.data or {}
        before = (data.get("before") or {}).get("department")
        if data.get("username") == actor.username and before in units and data.get("department") != before:
            instance = session.get(ProcessInstance, item.instance_id)
            return LeftUnit(
                NotAllowed(
                    f"task {item.name!r} is offered to {before}, which {actor.username} was moved out of "
                    f"at {entry.at:%Y-%m-%d %H:%M} UTC",
                    "left_unit",
                    task=item.name,
                    unit=before,
                    at=entry.at,
                ),
                *(_typed_under(session, actor, item, instance) if instance is not None else ({}, {})),
            )
    return None


def _typed_under(
    session: Session, actor: Actor, item: WorkItem, instance: ProcessInstance
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The labels of the fields of ``item``'s form that ``actor`` could fill in (none masked),
    and the names of their options."""
    meta = processes.get_by_id(session, instance.definition_id).tasks.get(item.bpmn_id)
    hidden = hidden_fields(session, actor, instance)
    fields = [f for f in meta.form.fields if not f.readonly and f.id not in hidden] if meta else []
    return {f.id: f.label or f.id for f in fields}, {f.id: {o.id: o.name for o in f.options} for f in fields}
