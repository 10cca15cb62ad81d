"""/api/v1/external-tasks: the workers outside the product that do the service tasks marked
``camunda:type="external"`` (engine/usecases/external_tasks.py), as in Camunda's external task
REST API: fetch and lock by topic, then complete (variables into the case), report a failure
(retries and a back-off; none left: an incident) or a BPMN error, extend or give up the lock.
For ``external_task.work``; the list also for ``incident.manage``. Durations in milliseconds."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from engine.usecases import external_task_answers, external_task_list, external_tasks
from engine.usecases.external_tasks import MAX_FETCH, MAX_LOCK_MS, TopicRequest

from .common import actor, make_blueprint, reader, writer
from .schemas import Boolean, WholeNumber

bp = make_blueprint("external_tasks", "/external-tasks", "External tasks: work done by systems outside the product")

_NAME = validate.Length(min=1, max=200)
_WORKER = fields.String(
    required=True, validate=_NAME, metadata={"description": "who works on it: the same id for every call"}
)
_VARIABLES = fields.Dict(
    keys=fields.String(validate=_NAME),
    load_default=dict,
    metadata={
        "description": "values that go into the case's data (names: letters, digits and _, not beginning with _ "
        "or a digit); one a form of the process declares takes that field's type "
        '("150" for a long field is 150; "abc" is refused, 422 at variables.<name>)'
    },
)
_PATH = "/<int(max=2147483647):external_task_id>"


class ExternalTaskTopicSchema(ma.Schema):
    topic_name = fields.String(required=True, validate=_NAME)
    lock_duration = WholeNumber(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_LOCK_MS),
        metadata={"description": "ms the tasks stay locked for this worker"},
    )
    variables = fields.List(
        fields.String(validate=_NAME),
        load_default=None,
        allow_none=True,
        metadata={"description": "the variables to hand over (left out: every one)"},
    )


class ExternalTaskFetchSchema(ma.Schema):
    worker_id = _WORKER
    max_tasks = WholeNumber(load_default=1, strict=True, validate=validate.Range(min=1, max=MAX_FETCH))
    use_priority = Boolean(load_default=False, metadata={"description": "highest priority first"})
    topics = fields.List(fields.Nested(ExternalTaskTopicSchema), required=True, validate=validate.Length(min=1, max=50))


class LockedExternalTaskSchema(ma.Schema):
    id = WholeNumber()
    topic = fields.String()
    worker_id = fields.String()
    lock_expires_at = fields.DateTime()
    instance_id = WholeNumber(metadata={"description": "the case"})
    business_key = fields.String(allow_none=True)
    process_key = fields.String()
    bpmn_id = fields.String(metadata={"description": "the service task's element id"})
    priority = WholeNumber()
    retries = WholeNumber(allow_none=True, metadata={"description": "left after the last failure (none: none yet)"})
    error_message = fields.String(allow_none=True, metadata={"description": "the last failure's"})
    variables = fields.Dict(metadata={"description": "confidential fields masked unless you may read them"})


class ExternalTaskListArgs(ma.Schema):
    topic = fields.String(load_default="", validate=validate.Length(max=200))


class ExternalTaskSchema(ma.Schema):
    id = WholeNumber()
    instance_id = WholeNumber()
    case_title = fields.String()
    process_key = fields.String()
    bpmn_id = fields.String()
    element_name = fields.String()
    topic = fields.String()
    priority = WholeNumber()
    state = fields.String(metadata={"description": "locked, available, backing_off or failed (an incident)"})
    worker_id = fields.String(allow_none=True)
    lock_expires_at = fields.DateTime(allow_none=True)
    retries = WholeNumber(allow_none=True)
    retry_at = fields.DateTime(allow_none=True)
    error_message = fields.String(allow_none=True)
    error_details = fields.String(allow_none=True)
    created_at = fields.DateTime()


class ExternalTaskCompleteSchema(ma.Schema):
    worker_id = _WORKER
    variables = _VARIABLES


class ExternalTaskFailureSchema(ma.Schema):
    worker_id = _WORKER
    error_message = fields.String(
        load_default=None, allow_none=True, metadata={"description": "cut at 1000 characters"}
    )
    error_details = fields.String(load_default=None, allow_none=True, metadata={"description": "a stack trace, say"})
    retries = WholeNumber(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=external_task_answers.MAX_RETRIES),
        metadata={"description": "how many times more it may be tried; 0: an incident on the case"},
    )
    retry_timeout = WholeNumber(
        load_default=0,
        strict=True,
        validate=validate.Range(min=0, max=external_task_answers.MAX_BACKOFF_MS),
        metadata={"description": "ms before it is handed out again"},
    )


class ExternalTaskBpmnErrorSchema(ma.Schema):
    worker_id = _WORKER
    error_code = fields.String(required=True, validate=_NAME)
    error_message = fields.String(load_default=None, allow_none=True)
    variables = _VARIABLES


class ExternalTaskExtendLockSchema(ma.Schema):
    worker_id = _WORKER
    new_duration = WholeNumber(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_LOCK_MS),
        metadata={"description": "ms from now"},
    )


class ExternalTaskOutcomeSchema(ma.Schema):
    id = WholeNumber()
    instance_id = WholeNumber()
    outcome = fields.String(
        metadata={"description": "completed, failed, incident, error_caught, locked (extended) or unlocked"}
    )
    case_status = fields.String()
    worker_id = fields.String(allow_none=True)
    lock_expires_at = fields.DateTime(allow_none=True)
    retries = WholeNumber(allow_none=True)
    retry_at = fields.DateTime(allow_none=True)
    incident_id = WholeNumber(allow_none=True)


@bp.post("/fetch-and-lock")
@bp.arguments(ExternalTaskFetchSchema)
@bp.response(200, LockedExternalTaskSchema(many=True))
def fetch_and_lock(args: dict):
    """Lock up to max_tasks tasks of these topics for this worker (none fetchable: an empty
    list): unlocked or with an expired lock, retries left, back-off passed."""
    topics = [TopicRequest(t["topic_name"], t["lock_duration"], t["variables"]) for t in args["topics"]]
    with writer() as s:
        return external_tasks.fetch_and_lock(
            s, actor(), args["worker_id"], topics, max_tasks=args["max_tasks"], use_priority=args["use_priority"]
        )


@bp.get("")
@bp.arguments(ExternalTaskListArgs, location="query")
@bp.response(200, ExternalTaskSchema(many=True))
def list_external_tasks(args: dict):
    """Every external task waiting for a worker (of one topic): who holds it until when, its
    retries and the error last reported."""
    return external_task_list.list_external_tasks(reader(), actor(), topic=args["topic"])


@bp.post(f"{_PATH}/complete")
@bp.arguments(ExternalTaskCompleteSchema)
@bp.response(200, ExternalTaskOutcomeSchema)
def complete(args: dict, external_task_id: int):
    """The worker did it: the variables go into the case's data and the case moves on. 409
    when the worker holds no unexpired lock on it (saying who does)."""
    with writer() as s:
        return external_task_answers.complete(s, actor(), external_task_id, args["worker_id"], args["variables"])


@bp.post(f"{_PATH}/failure")
@bp.arguments(ExternalTaskFailureSchema)
@bp.response(200, ExternalTaskOutcomeSchema)
def failure(args: dict, external_task_id: int):
    """The worker could not do it: handed out again after retry_timeout while retries are
    left; with none, an incident on the case (fetchable again once it is retried)."""
    with writer() as s:
        return external_task_answers.failure(
            s,
            actor(),
            external_task_id,
            args["worker_id"],
            error_message=args["error_message"],
            error_details=args["error_details"],
            retries=args["retries"],
            retry_timeout=args["retry_timeout"],
        )


@bp.post(f"{_PATH}/bpmn-error")
@bp.arguments(ExternalTaskBpmnErrorSchema)
@bp.response(200, ExternalTaskOutcomeSchema)
def bpmn_error(args: dict, external_task_id: int):
    """A business error: an error boundary event on the task that catches the code takes the
    case on its path (error_caught); none does: an incident."""
    with writer() as s:
        return external_task_answers.bpmn_error(
            s,
            actor(),
            external_task_id,
            args["worker_id"],
            error_code=args["error_code"],
            error_message=args["error_message"],
            variables=args["variables"],
        )


@bp.post(f"{_PATH}/extend-lock")
@bp.arguments(ExternalTaskExtendLockSchema)
@bp.response(200, ExternalTaskOutcomeSchema)
def extend_lock(args: dict, external_task_id: int):
    """The worker holding it keeps it new_duration ms from now."""
    with writer() as s:
        return external_tasks.extend_lock(s, actor(), external_task_id, args["worker_id"], args["new_duration"])


@bp.post(f"{_PATH}/unlock")
@bp.response(200, ExternalTaskOutcomeSchema)
def unlock(external_task_id: int):
    """Free it whoever holds it (a worker that stopped): any worker may fetch it at once."""
    with writer() as s:
        return external_tasks.unlock(s, actor(), external_task_id)
