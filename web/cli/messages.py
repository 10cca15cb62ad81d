"""Messages and signals from the command line (engine/usecases/messages.py): ``message NAME``
delivers to the one case waiting for it (by ``--case ID``, by ``--business-key``, by
``--correlate var=value``, or the only one waiting), ``signal NAME`` to every case waiting for
it, ``trigger CASE ELEMENT`` continues a case waiting at a receive task without a message. For whoever has
``message.send``, or the server's ``--operator`` (a script on the server, say). Variable names and
values, and the business key, are checked as the API checks them (engine/usecases/given_variables.py):
exit 1 naming each one refused."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engine.usecases import messages

from ..database import session_factory
from .cases import _parse_var
from .common import acting_options, emit, json_option, resolve_actor, use_case

_VAR = click.option(
    "--var",
    "variables",
    multiple=True,
    help="name=value put into the case's data (JSON when it parses: quote text that reads as a number, "
    "phone='\"13900001111\"'); a variable a form of the process declares takes that field's type",
)


def _reached(delivery: messages.Delivery) -> str:
    if not delivery.instance_ids:
        return f"{delivery.kind} {delivery.name!r}: no case waits for it"
    return "\n".join(
        f"{delivery.kind} {delivery.name!r} → {'new ' if i in delivery.started else ''}case {i} at "
        f"{', '.join(delivery.elements.get(i, [])) or '-'}"
        for i in delivery.instance_ids
    )


@click.command("message")
@with_appcontext
@click.argument("name")
@click.option(
    "--case", "case_id", type=click.IntRange(1, 2147483647), default=None, help="the case's id: it must wait for it"
)
@click.option("--business-key", default=None, help="the case's business key")
@click.option("--correlate", "correlation", multiple=True, help="var=value the case's data must have")
@_VAR
@acting_options
@json_option
@use_case
def message_command(
    name: str,
    case_id: int | None,
    business_key: str | None,
    correlation: tuple[str, ...],
    variables: tuple[str, ...],
    username: str | None,
    as_operator: bool,
    as_json: bool,
) -> None:
    """Deliver a message to the one case waiting for it (exit 5 when none waits or the case
    named does not, 3 when several do)."""
    with session_factory().begin() as session:
        delivery = messages.send_message(
            session,
            resolve_actor(session, username, as_operator),
            name,
            instance_id=case_id,
            business_key=business_key,
            correlation=dict(_parse_var(c) for c in correlation),
            variables=dict(_parse_var(v) for v in variables),
        )
    emit(as_json, delivery, _reached)


@click.command("signal")
@with_appcontext
@click.argument("name")
@_VAR
@acting_options
@json_option
@use_case
def signal_command(
    name: str, variables: tuple[str, ...], username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Broadcast a signal to every case waiting for it."""
    with session_factory().begin() as session:
        delivery = messages.send_signal(
            session,
            resolve_actor(session, username, as_operator),
            name,
            variables=dict(_parse_var(v) for v in variables),
        )
    emit(as_json, delivery, _reached)


@click.command("trigger")
@with_appcontext
@click.argument("case_id", metavar="CASE", type=int)
@click.argument("element")
@_VAR
@acting_options
@json_option
@use_case
def trigger_command(
    case_id: int, element: str, variables: tuple[str, ...], username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Continue a case waiting at a receive task without a message, by its element id (exit 5
    when it does not wait there, 3 when the case is finished)."""
    with session_factory().begin() as session:
        delivery = messages.trigger_task(
            session,
            resolve_actor(session, username, as_operator),
            case_id,
            element,
            dict(_parse_var(v) for v in variables),
        )
    emit(as_json, delivery, _reached)
