"""Retrying a case that failed at run time (an incident), once the designer or an
administrator fixed the cause (a setting, corrected data, a new calendar day): the engine
steps of the case are run again (due timers fired, then whatever follows), an external task
that ran out of retries gets one more (a worker may fetch it again), and the case's
incidents are resolved when it gets past them. A retry that fails again stores nothing of
the case and says why; the incident counts the repeat."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.enums import IncidentKind, InstanceStatus

from .. import access
from ..access import Actor
from ..errors import EngineError, NotAllowed
from . import calls, external_tasks, incidents
from .context import audit, processes, runtime_for
from .persist import save_instance
from .visibility import visible_case, visible_case_for_update
from .workflow_cache import restore_case


@dataclass(frozen=True)
class RetryResult:
    instance_id: int
    resolved: int  # incidents resolved by this retry
    error: str | None = None  # the retry failed again: why (nothing of the case was stored)
    still_stuck: bool = False  # the engine steps ran, but the case still cannot move on

    @property
    def ok(self) -> bool:
        return self.error is None and not self.still_stuck


def retry_case(session: Session, actor: Actor, instance_id: int) -> RetryResult:
    if not access.may_manage_incidents(actor):
        visible_case(session, actor, instance_id)  # a case one may not see: NotFound first
        raise NotAllowed(
            f"{actor.username} may not retry a case (needs the permission {access.Permission.INCIDENT_MANAGE.value})"
        )
    instance = visible_case_for_update(session, actor, instance_id)
    audit(session, actor, "retry", instance_id=instance_id)
    if instance.status != InstanceStatus.RUNNING:
        # an ended case has nothing left to run: what failed in it is over
        return RetryResult(instance_id, incidents.resolve_open(session, instance_id, actor))
    calls.before_retry(session, instance_id, actor)
    process = processes.get_by_id(session, instance.definition_id)
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, instance)
    try:
        runtime.fire_timers(workflow)  # the due timers fired, then the engine steps after them
    except EngineError as exc:
        failed = incidents.record_again(session, instance_id, exc.message) or incidents.record(
            session, instance_id, IncidentKind.TIMER, _element(exc.message), exc.message
        )
        return RetryResult(instance_id, 0, error=failed.message)
    save_instance(session, instance, workflow, runtime, process, acting=actor.username)
    external_tasks.give_retry(session, instance_id)  # one that ran out of retries: a worker may fetch it again
    resolved = incidents.resolve_open(session, instance_id, actor, keep_touched=True)
    return RetryResult(instance_id, resolved, still_stuck=incidents.has_open(session, instance_id))


def _element(message: str) -> str:
    """The element a ScriptError names first ("Script_Due: NameError ..."), or none."""
    head, sep, _rest = message.partition(": ")
    return head if sep and head.replace("_", "").replace("-", "").isalnum() and " " not in head else ""
