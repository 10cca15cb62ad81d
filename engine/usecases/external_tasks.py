"""External tasks: a service task ``camunda:type="external"`` waits for a worker outside the
product (an SMS gateway, an archive system) that fetches it by topic, as in Camunda's
external task REST API.

The ``external_tasks`` table is the index workers read: ``sync``, called by every save of a
case (engine/usecases/persist.py), makes a case's rows what its workflow waits for, keeping
the lock and retry state of the rows that stay, so a fetch never deserializes a workflow to
choose what to hand out. A task is fetchable when nobody holds an unexpired lock on it, it
has retries left (None: it never failed) and its back-off has passed; ``fetch_and_lock``
locks it for the worker for the lock duration asked (on PostgreSQL ``FOR UPDATE SKIP
LOCKED``: two workers never get the same task). Only the worker holding an unexpired lock
may extend it or answer (engine/usecases/external_task_answers.py: complete, failure, BPMN
error); an administrator may unlock any. Times are the one clock's, durations milliseconds.

Every worker operation that touches one task locks its case first, then the task's row,
the order every save of the case takes too (``lock_task``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus
from storage.models import ExternalTask, ProcessInstance

from .. import access, clock
from ..access import Actor
from ..bpmn.parsing import ParsedProcess
from ..bpmn.runtime import Runtime
from ..bpmn.waiting_checks import task_priority
from ..bpmn.waiting_tasks import ExternalServiceTask
from ..errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from .confidentiality import readable_data
from .context import audit, processes, runtime_for

MAX_NAME = 200  # a worker id or a topic (the table's columns)
MAX_FETCH = 100  # tasks one fetch may lock
MAX_LOCK_MS = 7 * 24 * 3600 * 1000  # a week: a worker that needs longer extends its lock


@dataclass(frozen=True)
class TopicRequest:
    """One topic of a fetch: lock its tasks for ``lock_duration`` ms; ``variables``: the
    names to hand over (None: every variable of the case)."""

    name: str
    lock_duration: int
    variables: Sequence[str] | None = None


@dataclass(frozen=True)
class LockedTask:
    """A task a fetch locked for its worker, with the case's variables it asked for
    (confidential ones masked unless the worker may read them)."""

    id: int
    topic: str
    worker_id: str
    lock_expires_at: datetime
    instance_id: int
    business_key: str | None
    process_key: str
    bpmn_id: str
    priority: int
    retries: int | None
    error_message: str | None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkerOutcome:
    """What a worker's operation on one task did. ``outcome``: completed, failed (retries
    left), incident (none left, or a BPMN error nothing caught), error_caught, locked
    (extended), unlocked."""

    id: int
    instance_id: int
    outcome: str
    case_status: str
    worker_id: str | None = None
    lock_expires_at: datetime | None = None
    retries: int | None = None
    retry_at: datetime | None = None
    incident_id: int | None = None


# -- the index every save writes ------------------------------------------------------------
def used_by(process: ParsedProcess) -> bool:
    """Whether the process has an external task at all: if not, none of its cases has a row
    (every save of such a case skips the index)."""
    return any(
        isinstance(task_spec, ExternalServiceTask)
        for spec in (process.spec, *process.subprocess_specs.values())
        for task_spec in spec.task_specs.values()
    )


def sync(session: Session, instance: ProcessInstance, runtime: Runtime, workflow: BpmnWorkflow | None) -> int:
    """Make the case's ``external_tasks`` rows what the workflow now waits for (none when it
    is not running): a row for each external task newly waiting, none for one that no longer
    waits; a row that stays keeps its lock and retries, and takes its element, topic and
    priority from the workflow (a case moved to another version waits at the new version's
    element, for the new version's workers). Returns how many wait."""
    wanted = {
        w.task_id: indexed(w.bpmn_id, w.spec)
        for w in (runtime.waiting_work(workflow) if workflow is not None else ())
        if isinstance(w.spec, ExternalServiceTask)
    }
    have = {
        task_id: (row_id, (bpmn_id, topic, priority))
        for task_id, row_id, bpmn_id, topic, priority in session.execute(
            select(
                ExternalTask.task_id,
                ExternalTask.id,
                ExternalTask.bpmn_id,
                ExternalTask.topic,
                ExternalTask.priority,
            ).where(ExternalTask.instance_id == instance.id)
        ).all()
    }
    gone = [row_id for task_id, (row_id, _indexed) in have.items() if task_id not in wanted]
    if gone:
        session.execute(delete(ExternalTask).where(ExternalTask.id.in_(gone)))
    for task_id, (row_id, before) in have.items():
        after = wanted.get(task_id)
        if after is not None and after != before:
            bpmn_id, topic, priority = after
            session.execute(
                update(ExternalTask)
                .where(ExternalTask.id == row_id)
                .values(bpmn_id=bpmn_id, topic=topic, priority=priority)
            )
    now = clock.now()
    new = [
        {
            "instance_id": instance.id,
            "task_id": task_id,
            "bpmn_id": bpmn_id,
            "topic": topic,
            "priority": priority,
            "created_at": now,
        }
        for task_id, (bpmn_id, topic, priority) in wanted.items()
        if task_id not in have
    ]
    if new:
        session.execute(insert(ExternalTask), new)
    return len(wanted)


def indexed(bpmn_id: str, spec: ExternalServiceTask) -> tuple[str, str, int]:
    """What the index keeps of an external task waiting at ``bpmn_id`` with ``spec``: its
    element, topic and priority, as the table stores them."""
    return bpmn_id[:MAX_NAME], spec.topic[:MAX_NAME], task_priority(spec.priority) or 0


def give_retry(session: Session, instance_id: int) -> int:
    """A retry of the case (engine/usecases/recovery.py), once the cause is fixed: each of
    its external tasks that ran out of retries gets one more, fetchable at once."""
    result = session.execute(
        update(ExternalTask)
        .where(ExternalTask.instance_id == instance_id, ExternalTask.retries == 0)
        .values(retries=1, retry_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- checks every operation shares -------------------------------------------------------------
def require_worker(actor: Actor) -> None:
    if not access.may_work_external_tasks(actor):
        raise NotAllowed(
            f"{actor.username} may not work on external tasks "
            f"(needs the permission {access.Permission.EXTERNAL_TASK_WORK.value})"
        )


def checked_name(value: str | None, name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidData({name: FieldError("required")})
    if len(text) > MAX_NAME:
        raise InvalidData({name: FieldError("max_length", {"max": MAX_NAME})})
    return text


def checked_whole(value: Any, name: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (a duration in ms, a count)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidData({name: FieldError("not_a_number")})
    if value < low:
        raise InvalidData({name: FieldError("min", {"min": low})})
    if value > high:
        raise InvalidData({name: FieldError("max", {"max": high})})
    return value


def lock_task(session: Session, external_task_id: int) -> tuple[ProcessInstance, ExternalTask]:
    """The task's case and row, both locked (the case first, as every save of it does); a
    task that no longer waits, or whose case ended, is not found."""
    missing = NotFound(
        f"no external task {external_task_id} waits for a worker", "external_task_gone", task=external_task_id
    )
    instance_id = session.scalar(select(ExternalTask.instance_id).where(ExternalTask.id == external_task_id))
    if instance_id is None:
        raise missing
    instance = repo.instance_for_update(session, instance_id)
    row = session.scalars(
        select(ExternalTask)
        .where(ExternalTask.id == external_task_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if instance is None or row is None or instance.status != InstanceStatus.RUNNING:
        raise missing
    return instance, row


def held_task(session: Session, external_task_id: int, worker_id: str) -> tuple[ProcessInstance, ExternalTask]:
    """``lock_task``, when ``worker_id`` holds an unexpired lock on it; else Conflict saying
    who holds it, or that the worker's lock expired."""
    instance, row = lock_task(session, external_task_id)
    holder, until = row.worker_id, row.lock_expires_at
    if holder is None or until is None:
        raise Conflict(
            f"external task {row.id} is not locked: fetch and lock it first", "external_task_not_locked", task=row.id
        )
    if holder != worker_id and until > clock.now():
        raise Conflict(
            f"external task {row.id} is locked by the worker {holder!r} until {until.isoformat()}, "
            f"not by {worker_id!r}",
            "external_task_locked_by",
            task=row.id,
            lock_holder=holder,
            until=until,
            worker=worker_id,
        )
    if holder != worker_id:
        raise Conflict(
            f"the worker {worker_id!r} holds no lock on external task {row.id}: fetch and lock it first",
            "external_task_lock_not_held",
            task=row.id,
            worker=worker_id,
        )
    if until <= clock.now():
        raise Conflict(
            f"the lock of the worker {worker_id!r} on external task {row.id} expired at {until.isoformat()}: "
            "fetch and lock it again",
            "external_task_lock_expired",
            task=row.id,
            worker=worker_id,
            at=until,
        )
    return instance, row


def outcome(row: ExternalTask, instance: ProcessInstance, what: str, incident_id: int | None = None) -> WorkerOutcome:
    return WorkerOutcome(
        row.id,
        instance.id,
        what,
        instance.status.value,
        row.worker_id,
        row.lock_expires_at,
        row.retries,
        row.retry_at,
        incident_id,
    )


# -- fetch and lock, extend, unlock ------------------------------------------------------------
def fetch_and_lock(
    session: Session,
    actor: Actor,
    worker_id: str,
    topics: Sequence[TopicRequest],
    *,
    max_tasks: int = 1,
    use_priority: bool = False,
) -> list[LockedTask]:
    """Lock up to ``max_tasks`` fetchable tasks of these topics for ``worker_id`` (highest
    priority first with ``use_priority``, else oldest first), each for its topic's lock
    duration; none fetchable: an empty list."""
    require_worker(actor)
    worker = checked_name(worker_id, "worker_id")
    checked_whole(max_tasks, "max_tasks", 1, MAX_FETCH)
    if not topics:
        raise InvalidData({"topics": FieldError("required")})
    wanted: dict[str, TopicRequest] = {}
    for i, topic in enumerate(topics):
        name = checked_name(topic.name, f"topics.{i}.topic_name")
        checked_whole(topic.lock_duration, f"topics.{i}.lock_duration", 1, MAX_LOCK_MS)
        wanted[name] = topic
    now = clock.now()
    order = (ExternalTask.priority.desc(), ExternalTask.id) if use_priority else (ExternalTask.id,)
    rows = session.scalars(
        select(ExternalTask)
        .join(ProcessInstance, ProcessInstance.id == ExternalTask.instance_id)
        .where(
            ExternalTask.topic.in_(list(wanted)),
            ProcessInstance.status == InstanceStatus.RUNNING,
            or_(ExternalTask.lock_expires_at.is_(None), ExternalTask.lock_expires_at <= now),
            or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0),
            or_(ExternalTask.retry_at.is_(None), ExternalTask.retry_at <= now),
        )
        .order_by(*order)
        .limit(max_tasks)
        .with_for_update(skip_locked=True, of=ExternalTask)
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        row.worker_id = worker
        row.lock_expires_at = now + timedelta(milliseconds=wanted[row.topic].lock_duration)
    session.flush()
    data = _variables(session, actor, rows, wanted)
    return [
        LockedTask(
            id=row.id,
            topic=row.topic,
            worker_id=worker,
            lock_expires_at=row.lock_expires_at or now,
            instance_id=row.instance_id,
            business_key=data[row.id][0],
            process_key=data[row.id][1],
            bpmn_id=row.bpmn_id,
            priority=row.priority,
            retries=row.retries,
            error_message=row.error_message,
            variables=data[row.id][2],
        )
        for row in rows
    ]


def _variables(
    session: Session, actor: Actor, rows: Sequence[ExternalTask], wanted: Mapping[str, TopicRequest]
) -> dict[int, tuple[str | None, str, dict[str, Any]]]:
    """Per locked task: its case's business key, process key and the variables its topic
    asked for; each case restored once, and not at all when no variable is asked for."""
    runtime = runtime_for(session)
    cases: dict[int, tuple[ProcessInstance, ParsedProcess]] = {}
    workflows: dict[int, BpmnWorkflow] = {}
    found: dict[int, tuple[str | None, str, dict[str, Any]]] = {}
    for row in rows:
        if row.instance_id not in cases:
            instance = session.get(ProcessInstance, row.instance_id)
            assert instance is not None  # joined by the fetch, in this transaction
            cases[row.instance_id] = (instance, processes.get_by_id(session, instance.definition_id))
        instance, process = cases[row.instance_id]
        names = wanted[row.topic].variables
        variables: dict[str, Any] = {}
        if names is None or names:
            if row.instance_id not in workflows:
                workflows[row.instance_id] = runtime.restore(process, instance.workflow_json)
            variables = _as_seen_by(session, actor, runtime, workflows[row.instance_id], instance, row.task_id)
            if names is not None:
                variables = {k: v for k, v in variables.items() if k in names}
        found[row.id] = (instance.business_key, process.key, variables)
    return found


def _as_seen_by(
    session: Session, actor: Actor, runtime: Runtime, workflow: BpmnWorkflow, instance: ProcessInstance, task_id: str
) -> dict[str, Any]:
    """The variables as the waiting task sees them (the case's data, its own over it),
    confidential ones masked unless ``actor`` may read them, a field with readers withheld
    unless the worker's person is one of them, as on every other door."""
    data = runtime.variables(workflow)
    data.update({k: v for k, v in runtime.task(workflow, task_id).data.items() if not k.startswith("_")})
    return readable_data(session, actor, instance, data)


def extend_lock(
    session: Session, actor: Actor, external_task_id: int, worker_id: str, new_duration: int
) -> WorkerOutcome:
    """The worker holding the task keeps it ``new_duration`` ms from now."""
    require_worker(actor)
    worker = checked_name(worker_id, "worker_id")
    checked_whole(new_duration, "new_duration", 1, MAX_LOCK_MS)
    instance, row = held_task(session, external_task_id, worker)
    row.lock_expires_at = clock.now() + timedelta(milliseconds=new_duration)
    session.flush()
    return outcome(row, instance, "locked")


def unlock(session: Session, actor: Actor, external_task_id: int) -> WorkerOutcome:
    """Free a task whoever holds it (a worker that crashed holding a long lock): any worker
    may fetch it at once (its retries and back-off stay)."""
    require_worker(actor)
    instance, row = lock_task(session, external_task_id)
    before = row.worker_id if row.lock_expires_at is not None else None
    row.worker_id, row.lock_expires_at = None, None
    audit(
        session,
        actor,
        "external_task_unlocked",
        instance_id=instance.id,
        task_id=row.task_id,
        bpmn_id=row.bpmn_id,
        data={"_worker": before, "_topic": row.topic},
    )
    session.flush()
    return outcome(row, instance, "unlocked")
