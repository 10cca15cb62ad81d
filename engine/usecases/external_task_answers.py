"""A worker's answer about an external task it holds (engine/usecases/external_tasks.py has
the rules): done, with variables that go into the case's data (the case moves on); failed,
with the error and how many retries are left and when (no retries left: an incident on the
case, and the task is not handed out again until the incident is retried); or a BPMN error,
which an error boundary event on the task catches (the case takes that path) or, caught by
none, is an incident. Each answer is audited in the case's history. The worker must hold an
unexpired lock on the task (else Conflict saying who holds it, or that the lock expired)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from storage.enums import IncidentKind
from storage.models import ExternalTask, ProcessInstance

from .. import clock
from ..access import Actor
from . import incidents
from .context import audit, processes, runtime_for
from .external_tasks import WorkerOutcome, checked_name, checked_whole, held_task, outcome, require_worker
from .given_variables import checked_names, typed_variables
from .persist import save_instance
from .workflow_cache import restore_case

MAX_ERROR_MESSAGE = 1000  # the column's size: a longer message is cut, never refused
MAX_ERROR_DETAILS = 100_000
MAX_RETRIES = 2**31 - 1
MAX_BACKOFF_MS = 366 * 24 * 3600 * 1000


def complete(
    session: Session,
    actor: Actor,
    external_task_id: int,
    worker_id: str,
    variables: Mapping[str, Any] | None = None,
) -> WorkerOutcome:
    """The worker did the task: ``variables`` go into the case's data (those its forms declare
    as the type they declare: given_variables) and the case moves on."""
    require_worker(actor)
    worker = checked_name(worker_id, "worker_id")
    data = checked_names(variables)
    instance, row = held_task(session, external_task_id, worker)
    done = outcome(row, instance, "completed")
    process = processes.get_by_id(session, instance.definition_id)
    data = typed_variables(session, process, data)
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, instance)
    runtime.finish_waiting(workflow, row.task_id, data)
    _audit(session, actor, "external_task_completed", row, worker, data)
    # the row goes with the save (the task no longer waits): nothing of it is written after
    save_instance(session, instance, workflow, runtime, process, acting=actor.username)
    return _after_save(done, instance)


def failure(
    session: Session,
    actor: Actor,
    external_task_id: int,
    worker_id: str,
    *,
    error_message: str | None,
    error_details: str | None = None,
    retries: int,
    retry_timeout: int = 0,
) -> WorkerOutcome:
    """The worker could not do the task: the error is kept, the lock released; with
    ``retries`` left it is handed out again ``retry_timeout`` ms from now, with none an
    incident on the case names the topic, the element and the error."""
    require_worker(actor)
    worker = checked_name(worker_id, "worker_id")
    checked_whole(retries, "retries", 0, MAX_RETRIES)
    checked_whole(retry_timeout, "retry_timeout", 0, MAX_BACKOFF_MS)
    instance, row = held_task(session, external_task_id, worker)
    now = clock.now()
    row.error_message = _cut(error_message, MAX_ERROR_MESSAGE)
    row.error_details = _cut(error_details, MAX_ERROR_DETAILS)
    row.retries = retries
    row.retry_at = now + timedelta(milliseconds=retry_timeout) if retry_timeout and retries else None
    row.lock_expires_at = None  # the worker stays named: who failed it last
    _audit(
        session,
        actor,
        "external_task_failed",
        row,
        worker,
        {"_error": row.error_message, "_retries": retries},
    )
    if retries:
        session.flush()
        return outcome(row, instance, "failed")
    incident = incidents.record(
        session,
        instance.id,
        IncidentKind.EXTERNAL_TASK,
        row.bpmn_id,
        f"external task {row.bpmn_id} (topic {row.topic!r}) failed with no retries left: "
        f"{row.error_message or 'the worker gave no error message'}",
    )
    return outcome(row, instance, "incident", incident.id)


def bpmn_error(
    session: Session,
    actor: Actor,
    external_task_id: int,
    worker_id: str,
    *,
    error_code: str,
    error_message: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> WorkerOutcome:
    """The worker reports a business error (``error_code``, e.g. no phone number to send
    to): an error boundary event on the task that catches it takes the case on its path,
    ``variables`` in its data; when none does, nothing moves and an incident is recorded
    (the task is not handed out again until the incident is retried)."""
    require_worker(actor)
    worker = checked_name(worker_id, "worker_id")
    code = checked_name(error_code, "error_code")
    message = _cut(error_message, MAX_ERROR_MESSAGE) or ""
    data = checked_names(variables)
    instance, row = held_task(session, external_task_id, worker)
    process = processes.get_by_id(session, instance.definition_id)
    data = typed_variables(session, process, data)
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, instance)
    said = {"_error_code": code, "_error": message}
    if runtime.throw_error(workflow, row.task_id, code, message, data):
        caught = outcome(row, instance, "error_caught")
        _audit(session, actor, "external_task_error", row, worker, {**data, **said})
        save_instance(session, instance, workflow, runtime, process, acting=actor.username)
        return _after_save(caught, instance)
    row.retries, row.retry_at, row.lock_expires_at = 0, None, None
    row.error_message = _cut(f"BPMN error {code!r}" + (f": {message}" if message else ""), MAX_ERROR_MESSAGE)
    _audit(session, actor, "external_task_error", row, worker, said)
    incident = incidents.record(
        session,
        instance.id,
        IncidentKind.EXTERNAL_TASK,
        row.bpmn_id,
        f"external task {row.bpmn_id} (topic {row.topic!r}) reported the BPMN error {code!r}"
        f"{': ' + message if message else ''}, which no error boundary event on it catches",
    )
    return outcome(row, instance, "incident", incident.id)


def _cut(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _audit(session: Session, actor: Actor, action: str, row: ExternalTask, worker: str, data: dict[str, Any]) -> None:
    """In the case's history: the variables as they are (masked there like any case data),
    what the product adds under ``_`` names (no variable has one)."""
    audit(
        session,
        actor,
        action,
        instance_id=row.instance_id,
        task_id=row.task_id,
        bpmn_id=row.bpmn_id,
        data={**data, "_worker": worker, "_topic": row.topic},
    )


def _after_save(done: WorkerOutcome, instance: ProcessInstance) -> WorkerOutcome:
    """The outcome with the case's status after the save (it may have ended), the lock gone."""
    return WorkerOutcome(done.id, instance.id, done.outcome, instance.status.value)
