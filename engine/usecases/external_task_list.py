"""The external tasks waiting for workers, as people see them: the list (by topic, who holds
each until when, its retries and the error last reported) for the workers' side and whoever
answers for incidents, and a case's own on its page (engine/usecases/external_tasks.py has
the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage.enums import InstanceStatus
from storage.models import ExternalTask, ProcessDefinition, ProcessInstance

from .. import access, clock
from ..access import Actor
from ..errors import NotAllowed
from .context import processes
from .labels import element_names
from .visibility import visible_case

MAX_LISTED = 500


@dataclass(frozen=True)
class ExternalTaskView:
    """An external task waiting for a worker, as the lists and the case page show it.
    ``state``: locked (a worker holds it), available (any worker may fetch it), backing_off
    (failed; fetchable again at ``retry_at``), failed (no retries left: an incident)."""

    id: int
    instance_id: int
    case_title: str
    process_key: str
    bpmn_id: str
    element_name: str
    topic: str
    priority: int
    state: str
    worker_id: str | None
    lock_expires_at: datetime | None
    retries: int | None
    retry_at: datetime | None
    error_message: str | None  # None for whoever may not read workers' errors
    error_details: str | None
    created_at: datetime


def list_external_tasks(session: Session, actor: Actor, *, topic: str = "") -> list[ExternalTaskView]:
    """Every external task waiting for a worker (of one topic), by topic, then oldest first:
    who holds it until when, its retries and the error last reported."""
    if not access.may_see_worker_errors(actor):
        raise NotAllowed(
            f"{actor.username} may not list external tasks (needs the permission "
            f"{access.Permission.EXTERNAL_TASK_WORK.value} or {access.Permission.INCIDENT_MANAGE.value})"
        )
    query = _query().order_by(ExternalTask.topic, ExternalTask.id).limit(MAX_LISTED)
    if topic:
        query = query.where(ExternalTask.topic == topic)
    return _views(session, session.execute(query).all(), with_errors=True)


def of_case(session: Session, actor: Actor, instance_id: int) -> list[ExternalTaskView]:
    """A case's external tasks waiting for a worker, for whoever may see the case; the
    errors workers reported only for those who may read them."""
    visible_case(session, actor, instance_id)
    rows = session.execute(_query().where(ExternalTask.instance_id == instance_id).order_by(ExternalTask.id))
    return _views(session, rows.all(), with_errors=access.may_see_worker_errors(actor))


def _query() -> Select[ExternalTask, str, int, str]:
    return (
        select(ExternalTask, ProcessInstance.title, ProcessInstance.definition_id, ProcessDefinition.key)
        .join(ProcessInstance, ProcessInstance.id == ExternalTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.status == InstanceStatus.RUNNING)
    )


def _views(
    session: Session, rows: Sequence[tuple[ExternalTask, str | None, int, str]], *, with_errors: bool
) -> list[ExternalTaskView]:
    now = clock.now()
    names: dict[int, dict[str, str]] = {}
    views = []
    for row, title, definition_id, key in rows:
        if definition_id not in names:
            names[definition_id] = element_names(processes.get_by_id(session, definition_id))
        views.append(
            ExternalTaskView(
                id=row.id,
                instance_id=row.instance_id,
                case_title=title or "",
                process_key=key,
                bpmn_id=row.bpmn_id,
                element_name=names[definition_id].get(row.bpmn_id, row.bpmn_id),
                topic=row.topic,
                priority=row.priority,
                state=state_of(row, now),
                worker_id=row.worker_id,
                lock_expires_at=row.lock_expires_at,
                retries=row.retries,
                retry_at=row.retry_at,
                error_message=row.error_message if with_errors else None,
                error_details=row.error_details if with_errors else None,
                created_at=row.created_at,
            )
        )
    return views


def state_of(row: ExternalTask, now: datetime) -> str:
    if row.retries == 0:
        return "failed"
    if row.lock_expires_at is not None and row.lock_expires_at > now:
        return "locked"
    if row.retry_at is not None and row.retry_at > now:
        return "backing_off"
    return "available"
