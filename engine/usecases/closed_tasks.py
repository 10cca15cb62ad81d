"""A task that is no longer open, and what is refused on it, said one way whatever was
tried: a submission, a claim, a hand-over or a draft from a page opened before it closed
(``ensure_open``), and a note (a comment, a file) aimed at it (``note_target``). The refusal
says why (a conflict, 409): completed by whom and when (``already_completed``), its case
cancelled by whom, when and why (``case_cancelled``), or withdrawn by the process, the case
having moved on without it (``task_closed``).

Here rather than in ``tasks`` (which lists a task page's comments and attachments) so that the
comments and attachments take the same refusals without importing the task use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import InstanceStatus, WorkItemState
from storage.models import AuditEntry, ProcessInstance, WorkItem
from storage.repositories import ItemRow

from ..access import Actor
from ..errors import AlreadyCompleted, CaseCancelled, Conflict, FieldError, InvalidData
from .confidentiality import case_secrets
from .visibility import visible_case, visible_task


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
