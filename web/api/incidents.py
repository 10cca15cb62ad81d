"""/api/v1/incidents: cases' run-time failures with nobody waiting (a failing timer, a stuck
case) and timer start events that could not start a case (no case: ``instance_id`` null, the
process version in ``definition_id``), and the retry of either once the cause is fixed
(incident.manage)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from engine.usecases import incidents, recovery, start_timers

from ..views.incidents import incident_message
from .common import actor, make_blueprint, reader, writer
from .schemas import WholeNumber

bp = make_blueprint("incidents", "/incidents", "Incidents: cases that failed at run time (故障)")


class IncidentArgs(ma.Schema):
    state = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved", "all"]))
    process = fields.String(load_default="", validate=validate.Length(max=200))


class IncidentSchema(ma.Schema):
    id = WholeNumber()
    instance_id = WholeNumber(
        allow_none=True,
        metadata={"description": "the case; null for a timer start event that could not start one"},
    )
    case_title = fields.String(metadata={"description": "empty when there is no case"})
    process_key = fields.String()
    process_name = fields.String()
    process_version = WholeNumber()
    definition_id = WholeNumber(
        metadata={"description": "the process version: the case's, or the one the timer start event fired for"}
    )
    bpmn_id = fields.String(metadata={"description": "the element that failed (empty when none is known)"})
    element_name = fields.String(metadata={"description": "what the process calls that element (its id when nameless)"})
    kind = fields.String(
        metadata={
            "description": "timer (a timer's firing failed; with no case: a timer start event's), stuck, "
            "external_task (a worker failed it with no retries left, or reported a BPMN error nothing catches) "
            "or call"
        }
    )
    message = fields.String(metadata={"description": "the error in the engine's words (English)"})
    said = fields.Function(
        incident_message,
        metadata={
            "type": "string",
            "description": "the error in the request's language, as the pages say it (the engine's words where "
            "no translation of them is known)",
        },
    )
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    occurrences = WholeNumber()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)


class RetrySchema(ma.Schema):
    instance_id = WholeNumber()
    ok = fields.Boolean(metadata={"description": "the case got past its incidents"})
    resolved = WholeNumber()
    error = fields.String(allow_none=True, metadata={"description": "why the retry failed again"})
    still_stuck = fields.Boolean()


class StartRetrySchema(ma.Schema):
    incident_id = WholeNumber()
    ok = fields.Boolean(metadata={"description": "the case of the occurrence was started; the incident is resolved"})
    instance_id = WholeNumber(allow_none=True, metadata={"description": "the case started"})
    error = fields.String(allow_none=True, metadata={"description": "why the retry failed again"})
    resolved_by = fields.String(
        allow_none=True, metadata={"description": "resolved before this retry (nothing started): by whom"}
    )
    resolved_at = fields.DateTime(allow_none=True)
    event_gone = fields.Boolean(
        metadata={"description": "the latest version has no such timer start event: the incident is closed"}
    )


@bp.get("")
@bp.arguments(IncidentArgs, location="query")
@bp.response(200, IncidentSchema(many=True))
def list_incidents(args: dict):
    """Incidents, newest first: open (default), resolved or all, of one process or every one."""
    return incidents.list_incidents(reader(), actor(), state=args["state"], process_key=args["process"])


@bp.post("/retry/<int(max=2147483647):instance_id>")
@bp.response(200, RetrySchema)
def retry(instance_id: int):
    """Run the case's engine steps again (after the cause was fixed); its incidents are
    resolved when it gets past them. A retry that fails again stores nothing and says why."""
    with writer() as s:
        result = recovery.retry_case(s, actor(), instance_id)
    return {**result.__dict__, "ok": result.ok}


@bp.post("/<int(max=2147483647):incident_id>/retry-start")
@bp.response(200, StartRetrySchema)
def retry_start(incident_id: int):
    """Fire a timer start event that could not start its case again, now (after the cause
    was fixed, a new version deployed included): the case is started from the latest version
    and the incident resolved. A retry that fails again stores nothing and says why."""
    with writer() as s:
        result = start_timers.retry_start(s, actor(), incident_id)
    return {**result.__dict__, "ok": result.ok}
