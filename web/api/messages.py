"""/api/v1/messages and /api/v1/signals: another system tells the cases waiting for something
that it happened (engine/usecases/messages.py), for ``message.send``. A message reaches exactly
one case (named by its id, business key or correlation variables; 404 when none waits, 409
naming them when several do); a signal every case waiting.
/api/v1/instances/<id>/trigger continues a case waiting at a receive task without a message."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from engine.usecases import messages

from .common import actor, make_blueprint, writer
from .schemas import WholeNumber

bp = make_blueprint(  # resources at the API's root: /messages, /signals, /instances/<id>/trigger
    "messages", "", "Messages and signals: what cases wait for from outside"
)

_VARIABLES = fields.Dict(
    keys=fields.String(validate=validate.Length(min=1, max=200)),
    load_default=dict,
    metadata={
        "description": "values that go into the data of the case(s) reached (names: letters, digits and _, "
        "not beginning with _ or a digit); one a form of the process declares takes that field's type "
        '("150" for a long field is 150; "abc" is refused, 422 at variables.<name>)'
    },
)


class MessageSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    instance_id = WholeNumber(
        strict=True,
        validate=validate.Range(min=1, max=2147483647),
        metadata={"description": "the case's id (Camunda's processInstanceId): it must wait for the message"},
    )
    business_key = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "the case's, without the spaces around it (spaces only: 422); a message start event "
            "refuses one a running case of its process has (409 naming it)"
        },
    )
    correlation = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=200)),
        load_default=dict,
        metadata={"description": "variable: value pairs the case's data must have"},
    )
    variables = _VARIABLES


class SignalSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    variables = _VARIABLES


class TriggerSchema(ma.Schema):
    element = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the element id of the receive task (without a message) the case waits at"},
    )
    variables = _VARIABLES


class DeliverySchema(ma.Schema):
    kind = fields.String(metadata={"description": "message, signal or trigger"})
    name = fields.String()
    instance_ids = fields.List(WholeNumber(), metadata={"description": "the cases reached"})
    started = fields.List(
        WholeNumber(), metadata={"description": "of them, the cases a message or signal start event began"}
    )
    elements = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "per case, the elements that caught it"},
    )


@bp.post("/messages")
@bp.arguments(MessageSchema)
@bp.response(200, DeliverySchema)
def send_message(args: dict):
    """Deliver a message to the one case waiting for it: by its id, by business key, by
    correlation variables, or the only one waiting; none waiting, it starts a case of the
    process whose message start event catches it. 404 when none waits (or the case named
    does not), 409 (naming them) when several do, or when the business key of the case it would
    start is a running case's already; 422 for a variable name or value refused."""
    with writer() as s:
        return messages.send_message(
            s,
            actor(),
            args["name"],
            instance_id=args.get("instance_id"),
            business_key=args.get("business_key"),
            correlation=args["correlation"],
            variables=args["variables"],
        )


@bp.post("/signals")
@bp.arguments(SignalSchema)
@bp.response(200, DeliverySchema)
def send_signal(args: dict):
    """Broadcast a signal to every case waiting for it (none: an empty list)."""
    with writer() as s:
        return messages.send_signal(s, actor(), args["name"], variables=args["variables"])


@bp.post("/instances/<int(max=2147483647):instance_id>/trigger")
@bp.arguments(TriggerSchema)
@bp.response(200, DeliverySchema)
def trigger(args: dict, instance_id: int):
    """Continue the case where it waits at a receive task that names no message (a plain wait
    state; Camunda's ``runtimeService.trigger``), by that task's element id. 404 when the case
    does not wait there, 409 when it is finished."""
    with writer() as s:
        return messages.trigger_task(s, actor(), instance_id, args["element"], args["variables"])
