"""Which cases one may see (the access policy's rule as a query), and finding the case or
task a use case acts on as the actor may see it.

A case one may not see answers exactly like a case that does not exist (``NotFound``,
same words), and so does any task of it: the answer never tells that it exists."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import CaseDeputy, ProcessInstance, WorkItem, WorkItemGroup

from ..access import Actor, may_act, sees_every_case
from ..errors import FieldError, InvalidData, NotFound


def case_visibility(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition on ``process_instances`` of the cases ``actor`` may see: all of them
    with ``case.view_all``; else those they started, or that have (had) a task for them:
    assigned to them, completed by them, or offered to them or one of their groups; and the
    proposals a deputy submitted or co-signed, whoever registered them (``case_deputies``)."""
    if sees_every_case(actor):
        return ProcessInstance.id.is_not(None)
    offered = exists().where(
        WorkItemGroup.work_item_id == WorkItem.id,
        or_(
            and_(WorkItemGroup.is_user.is_(False), WorkItemGroup.group.in_(sorted(actor.groups)))
            if actor.groups
            else false(),
            and_(WorkItemGroup.is_user.is_(True), WorkItemGroup.group == actor.username),
        ),
    )
    mine = or_(WorkItem.assignee == actor.username, WorkItem.completed_by == actor.username, offered)
    return or_(
        ProcessInstance.started_by == actor.username,
        exists().where(WorkItem.instance_id == ProcessInstance.id, mine),
        exists().where(CaseDeputy.instance_id == ProcessInstance.id, CaseDeputy.deputy == actor.username),
    )


def may_see_case(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    if sees_every_case(actor) or instance.started_by == actor.username:
        return True
    return bool(session.scalar(select(exists().where(ProcessInstance.id == instance.id, case_visibility(actor)))))


def no_case(instance_id: int) -> NotFound:
    return NotFound(f"no case {instance_id}", "no_case", case=instance_id)


def no_task(task_id: str) -> NotFound:
    return NotFound(f"no task {task_id}", "no_task", task=task_id)


def visible_case(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_see_case(session, actor, instance):
        raise no_case(instance_id)
    return instance


def visible_case_for_update(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """``visible_case``, read under the case's lock as every writer of a case reads it
    (``repositories.instance_for_update``): one statement."""
    instance = repo.instance_for_update(session, instance_id)
    if instance is None or not may_see_case(session, actor, instance):
        raise no_case(instance_id)
    return instance


def visible_task(session: Session, actor: Actor, task_id: str) -> tuple[WorkItem, ProcessInstance]:
    """The work item and its case, when ``actor`` may see the case."""
    item = repo.work_item_by_task(session, task_id)
    instance = session.get(ProcessInstance, item.instance_id) if item is not None else None
    if item is None or instance is None:
        raise no_task(task_id)
    # whoever the task is offered to sees its case (the policy's rule): no query for them
    if not may_act(actor, item) and not may_see_case(session, actor, instance):
        raise no_task(task_id)
    return item, instance


def note_target(
    session: Session, actor: Actor, instance_id: int | None, task_id: str | None
) -> tuple[int, int, str | None]:
    """(case id, its definition id, task id) of a case or task ``actor`` may see."""
    if task_id:
        _item, instance = visible_task(session, actor, task_id)
        return instance.id, instance.definition_id, task_id
    if instance_id is None:
        raise InvalidData({"instance_id": FieldError("case_or_task_needed")})
    instance = visible_case(session, actor, instance_id)
    return instance.id, instance.definition_id, None
