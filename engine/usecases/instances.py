"""Start, cancel and look at process instances."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.util.task import TaskState

from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, TimerState, WorkItemState
from storage.models import ProcessDefinition, ProcessInstance, WorkItem

from .. import clock
from ..errors import Conflict, NotAllowed, NotFound
from .choices import option_sources
from .context import Actor, audit, processes, runtime_for
from .persist import save_instance
from .views import HistoryEntry, InstanceDetail, TaskSummary

STARTER_ROLES = ("officer", "admin")
TITLE_LENGTH = 500  # process_instances.title


def may_start(actor: Actor, starter_groups: tuple[str, ...]) -> bool:
    if starter_groups:
        return bool(actor.groups.intersection(starter_groups)) or actor.has_role("admin")
    return actor.has_role(*STARTER_ROLES)


def startable_definitions(session: Session, actor: Actor) -> list[ProcessDefinition]:
    return [d for d in repo.latest_definitions(session) if may_start(actor, processes.get(d).starter_groups)]


def start_instance(session: Session, actor: Actor, key: str, data: dict[str, Any], *,
                   title: str | None = None, business_key: str | None = None,
                   validate: bool = True) -> InstanceDetail:
    """Start the latest version of ``key`` with the start form's data."""
    definition = repo.latest_definition(session, key)
    if definition is None:
        raise NotFound(f"no process {key!r} is deployed")
    process = processes.get(definition)
    if not may_start(actor, process.starter_groups):
        raise NotAllowed(f"{actor.username} may not start {key!r}")
    if validate:
        data = process.start_form.validate(data, option_sources(session, process.start_form))
    runtime = runtime_for(session)
    now = clock.now()
    workflow = runtime.start(process, {**data, "initiator": actor.username})
    instance = ProcessInstance(
        definition_id=definition.id, business_key=business_key,
        title=_title(title or data.get("title") or data.get("subject") or f"{process.name} {now:%Y-%m-%d}"),
        status=InstanceStatus.RUNNING, workflow_json="", serializer_version="", started_by=actor.username,
        started_at=now, updated_at=now)
    session.add(instance)
    session.flush()
    save_instance(session, instance, workflow, runtime, process)
    audit(session, actor, "start", instance_id=instance.id, bpmn_id=process.start_event_id, data=data)
    return instance_detail(session, actor, instance.id, workflow=workflow)


def _title(value: Any) -> str:
    """A case's display title: the full text stays in the case data."""
    text = str(value)
    return text if len(text) <= TITLE_LENGTH else text[:TITLE_LENGTH - 1] + "…"


def cancel_instance(session: Session, actor: Actor, instance_id: int, reason: str = "") -> None:
    if not actor.has_role("admin", "officer"):
        raise NotAllowed(f"{actor.username} may not cancel cases")
    instance = repo.instance_for_update(session, instance_id)
    if instance is None:
        raise NotFound(f"no case {instance_id}")
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"case {instance_id} is already {instance.status.value}")
    process = processes.get_by_id(session, instance.definition_id)
    runtime = runtime_for(session)
    workflow = runtime.restore(process, instance.workflow_json)
    runtime.cancel(workflow)
    now = clock.now()
    instance.status, instance.ended_at = InstanceStatus.CANCELLED, now
    instance.workflow_json = runtime.dump(workflow)
    writes.close_items(session, repo.ready_item_rows(session, instance_id), WorkItemState.CANCELLED, now)
    for timer in repo.pending_timers_of_instance(session, instance_id):
        timer.state = TimerState.CANCELLED
    audit(session, actor, "cancel", instance_id=instance_id, data={"reason": reason})
    session.flush()


def instance_detail(session: Session, actor: Actor, instance_id: int, workflow: Any = None) -> InstanceDetail:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"no case {instance_id}")
    definition = session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    process = processes.get(definition)
    runtime = runtime_for(session)
    if workflow is None:
        workflow = runtime.restore(process, instance.workflow_json)
    now = clock.now()
    items = session.scalars(select(WorkItem).where(WorkItem.instance_id == instance_id,
                                                   WorkItem.state == WorkItemState.READY)).all()
    open_tasks = [TaskSummary.of(i, instance.title, definition.key, definition.name) for i in items]
    return InstanceDetail(
        id=instance.id, process_key=definition.key, process_name=definition.name, version=definition.version,
        definition_id=definition.id, title=instance.title, business_key=instance.business_key,
        status=instance.status.value, revision=instance.revision, started_by=instance.started_by,
        started_at=instance.started_at, ended_at=instance.ended_at,
        variables=runtime.variables(workflow),
        open_tasks=open_tasks,
        history=[HistoryEntry(e.at, e.actor, e.action, e.bpmn_id, e.task_id, e.data)
                 for e in repo.history(session, instance_id)],
        completed_bpmn_ids=runtime.bpmn_ids_in_state(workflow, TaskState.COMPLETED),
        active_bpmn_ids=runtime.bpmn_ids_in_state(workflow, TaskState.READY | TaskState.WAITING),
        overdue_bpmn_ids=sorted({t.bpmn_id for t in open_tasks if t.is_overdue(now)}),
        pending_timers=[{"bpmn_id": t.bpmn_id, "kind": t.kind.value, "due_at": t.due_at}
                        for t in repo.pending_timers_of_instance(session, instance_id)],
    )
