"""Finding the case or task a use case acts on, as the access policy lets the actor see it.

A case one may not see answers exactly like a case that does not exist (``NotFound``,
same words), and so does any task of it: the answer never tells that it exists."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessInstance, WorkItem

from ..access import Actor, may_act, may_see_case
from ..errors import NotFound


def no_case(instance_id: int) -> NotFound:
    return NotFound(f"no case {instance_id}")


def no_task(task_id: str) -> NotFound:
    return NotFound(f"no task {task_id}")


def visible_case(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
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
