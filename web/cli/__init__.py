"""The ``congressflow`` command: Flask's own commands (run, routes, shell) plus the
product's, in three files by who runs them: ``cases`` (people working on cases and tasks),
``admin`` (administrators, designers, and the operator setting a server up) and ``ops``
(running a server). Each product command parses, calls one use case in one transaction,
and prints; ``common`` holds what they share: who acts (``--user`` / ``--operator``),
``--json``, and the one error adapter with its exit codes."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from .admin import (
    calendar_group,
    definitions_command,
    deploy_command,
    settings_group,
    tokens_group,
    users_group,
)
from .backup import backup_command, restore_command
from .cases import (
    cancel_command,
    claim_command,
    complete_command,
    instance_command,
    start_command,
    tasks_command,
    unclaim_command,
)
from .designer import rollback_command, versions_command
from .external_tasks import external_tasks_group
from .imports import export_command, import_command, ledger_command
from .incidents import incidents_command, retry_command
from .messages import message_command, signal_command, trigger_command
from .migration import migrate_cases_command
from .ops import (
    db_group,
    fire_due_command,
    init_command,
    scheduler_command,
    serve_command,
)

COMMANDS = (
    init_command,
    db_group,
    deploy_command,
    definitions_command,
    versions_command,
    rollback_command,
    migrate_cases_command,
    start_command,
    tasks_command,
    claim_command,
    unclaim_command,
    complete_command,
    instance_command,
    cancel_command,
    incidents_command,
    retry_command,
    message_command,
    signal_command,
    trigger_command,
    external_tasks_group,
    fire_due_command,
    users_group,
    tokens_group,
    scheduler_command,
    serve_command,
    calendar_group,
    settings_group,
    import_command,
    export_command,
    ledger_command,
    backup_command,
    restore_command,
)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from .. import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="CongressFlow: BPMN workflows for a township people's congress.")
