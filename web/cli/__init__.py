"""The ``congressflow`` command: Flask's own commands (run, routes, shell) plus the
product's, in three files by who runs them: ``cases`` (people working on cases and tasks),
``admin`` (administrators, designers, and the operator setting a server up) and ``ops``
(running a server). Each product command parses, calls one use case in one transaction,
and prints; ``common`` holds what they share: who acts (``--user`` / ``--operator``),
``--json``, and the one error adapter with its exit codes. A command that fails on a database
it cannot use (not set up yet, unreachable) says so in one line here, for every command; and
so does one run on a database not at the schema this version expects, or on a SQLite file that
does not exist, before it reads or writes anything (``_refuse_an_unusable_database``). A
configuration the app refuses to start with (a setting it cannot use, a database URL it cannot
make an engine of: web/configuration.py) is one line too, with its exit code, from every
product command; ``--help`` says it in one line and lists the commands all the same
(``_refusing``)."""

from __future__ import annotations

import copy
import json
from functools import wraps
from importlib import metadata
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, get_version
from sqlalchemy.exc import DBAPIError

from engine.scheduling.health import schema_state
from storage.db import missing_file, read_only_engine

from .. import database
from ..configuration import BadSetting, DatabaseUrlRefused, StartRefused
from ..i18n import LANGUAGES
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
from .common import (
    EXIT_DATABASE,
    JsonUsageError,
    command_error_body,
    database_missing,
    database_unusable,
    report_unusable,
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
from .said import LANGUAGE_ENV, choose_language
from .units import units_group

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
    units_group,
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


JSON_FLAG = "--json"
_JSON_ERRORS = "congressflow_json_errors"  # in the context's meta, which its subcommands share


class CongressFlowGroup(FlaskGroup):
    """The command line: with ``--json`` among the arguments, a usage error anywhere in it (the
    group's own options, a subcommand's, one raised in a command's body) is one JSON object on
    stderr, like every other error of a command given ``--json`` (``common.JsonUsageError``)."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        as_json = JSON_FLAG in args
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise _said(exc, as_json) from exc
        ctx.meta[_JSON_ERRORS] = as_json
        return ctx

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and _start_refused(ctx) is not None:  # not Flask's own
            product = next((command for command in COMMANDS if command.name == cmd_name), None)
            return None if product is None else _refusing(product)
        command = super().get_command(ctx, cmd_name)
        if command is None or cmd_name in self.commands:  # Flask's own (run, shell, routes)
            return command
        return _checking_the_database(command, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Flask's and the product's commands, even when the app cannot be made: then its
        reason first, in one line on stderr (Flask's own would show a traceback and list its
        commands alone, as though the product's were gone)."""
        refused = _start_refused(ctx)
        if refused is None:
            return super().list_commands(ctx)
        click.echo(f"Error: {refused.format_message()} (no command runs until that is fixed)", err=True)
        self._load_plugin_commands()
        return sorted({*self.commands, *(command.name for command in COMMANDS if command.name)})

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _said(exc, bool(ctx.meta.get(_JSON_ERRORS))) from exc
        except DBAPIError:
            if ctx.invoked_subcommand in SETS_UP_THE_DATABASE:
                raise  # their own failure, on a database they are making usable
            unusable = _database_unusable(ctx)
            if unusable is None:
                raise
            report_unusable(*unusable, bool(ctx.meta.get(_JSON_ERRORS)))
            ctx.exit(EXIT_DATABASE)


# what runs on a database without its schema by design: their errors are theirs to tell
SETS_UP_THE_DATABASE = frozenset({"init", "db", "restore"})


# what runs without the checks below: the commands that make the database (a missing SQLite
# file included), and the servers, which start before it is set up or upgraded and wait for it
# (/readyz answers 503, the scheduler leads on the expected schema only)
MAKES_OR_WAITS_FOR_THE_DATABASE = frozenset({"init", "db upgrade", "restore", "serve", "scheduler"})
# copies the database at whichever schema it has (before an upgrade above all), but not a missing file
ANY_SCHEMA = frozenset({"backup"})


_START_REFUSED = "congressflow_start_refused"  # in the context's meta: why the app could not be made


def _start_refused(ctx: click.Context) -> StartRefused | None:
    """Why the app cannot be made (a setting, the database URL, the secret key), or None when
    it can (made once, kept by the ScriptInfo; a refusal is kept here, asked once)."""
    root = ctx.find_root()
    if _START_REFUSED not in root.meta:
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except StartRefused as refused:
            root.meta[_START_REFUSED] = refused
        else:
            root.meta[_START_REFUSED] = None
    refused: StartRefused | None = root.meta[_START_REFUSED]
    return refused


def _refusing(command: click.Command) -> click.Command:
    """``command`` (a copy), each of its subcommands for a group, saying why the app cannot be
    made instead of running: after its options are read, so that ``--help`` and usage errors
    are said as ever. One line (``--json``: one JSON object) and the refusal's exit code: 6
    for the database URL, as for any database that cannot be used, 1 for another setting."""
    stand_in = copy.copy(command)
    if isinstance(command, click.Group):
        assert isinstance(stand_in, click.Group)
        stand_in.commands = {name: _refusing(sub) for name, sub in command.commands.items()}
        stand_in.callback = None
        return stand_in

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        ctx = click.get_current_context()
        refused = _start_refused(ctx)
        assert refused is not None
        if ctx.meta.get(_JSON_ERRORS):
            body = command_error_body(_refusal_code(refused), refused.format_message(), status=500)
            click.echo(json.dumps(body, ensure_ascii=False), err=True)
        else:
            refused.show()
        ctx.exit(refused.exit_code)

    stand_in.callback = refuse
    return stand_in


def _refusal_code(refused: StartRefused) -> str:
    if isinstance(refused, DatabaseUrlRefused):
        return "database_url"
    return "bad_setting" if isinstance(refused, BadSetting) else "start_refused"


def _checking_the_database(command: click.Command, path: str) -> click.Command:
    """``command`` (a copy: the registered one is left as it is), each of its subcommands for a
    group, checking the database before it runs (``_refuse_an_unusable_database``): after its
    options are read, so that ``--help`` and usage errors are said as ever."""
    if path in MAKES_OR_WAITS_FOR_THE_DATABASE:
        return command
    checked = copy.copy(command)
    if isinstance(command, click.Group):
        assert isinstance(checked, click.Group)
        checked.commands = {
            name: _checking_the_database(sub, f"{path} {name}") for name, sub in command.commands.items()
        }
        return checked  # its own callback runs before its subcommand's options are read: not there
    callback = command.callback
    if callback is None:
        return command

    @wraps(callback)
    def checking_first(*args: Any, **kwargs: Any) -> Any:
        _refuse_an_unusable_database(click.get_current_context(), path)
        return callback(*args, **kwargs)

    checked.callback = checking_first
    return checked


def _refuse_an_unusable_database(ctx: click.Context, path: str) -> None:
    """Before a command uses the database: a SQLite file that is not there is refused (it would
    be made, empty), and so is a database not at the schema this code expects (the command would
    read and write rows its code does not match), unless the command takes any schema; one
    line and exit 6, as after a failure. Cheap: one query of the version table (the migrations
    this code knows are read once a process)."""
    engine = database.engine(ctx.ensure_object(ScriptInfo).load_app())
    missing = missing_file(engine.url.render_as_string(hide_password=False))
    if missing is not None:
        unusable: tuple[str, str] | None = database_missing(missing)
    elif path in ANY_SCHEMA:
        return
    else:
        # as a reader: on SQLite it neither waits for nor holds the write lock a server's writer may have
        state = schema_state(read_only_engine(engine))
        unusable = database_unusable(state, engine.url.render_as_string(hide_password=True))
    if unusable is not None:
        report_unusable(*unusable, bool(ctx.meta.get(_JSON_ERRORS)))
        ctx.exit(EXIT_DATABASE)


def _database_unusable(ctx: click.Context) -> tuple[str, str] | None:
    """After a command failed in the database: whether that is because the database cannot
    be used (unreachable, no schema, an older one), as the error to tell."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    engine = database.engine(app)
    return database_unusable(schema_state(engine), engine.url.render_as_string(hide_password=True))


def _said(exc: click.UsageError, as_json: bool) -> click.UsageError:
    # "no arguments": click shows the help, which is no error to say in JSON
    if not as_json or isinstance(exc, (JsonUsageError, click.exceptions.NoArgsIsHelpError)):
        return exc
    return JsonUsageError(exc)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """CongressFlow's own version first, then Python's, Flask's and Werkzeug's (Flask's option)."""
    if not value or ctx.resilient_parsing:
        return
    try:
        version = metadata.version("congressflow")
    except metadata.PackageNotFoundError:
        version = "(unknown: not installed as a package; `make setup` installs it)"
    click.echo(f"CongressFlow {version}", color=ctx.color)
    get_version(ctx, param, value)


version_option = click.Option(
    ["--version"],
    help="Show CongressFlow's version (and Python's, Flask's, Werkzeug's).",
    expose_value=False,
    callback=_print_version,
    is_flag=True,
    is_eager=True,
)

lang_option = click.Option(
    ["--lang"],
    type=click.Choice(list(LANGUAGES)),
    envvar=LANGUAGE_ENV,
    help=(
        "the language of what a command says in the pages' words (an error's 'said' with --json, the units' "
        f"clashes): zh_CN or en; or the environment's {LANGUAGE_ENV}; else the language the --user chose "
        "in their settings; else zh_CN"
    ),
    expose_value=False,
    callback=choose_language,
    is_eager=True,
)

main = CongressFlowGroup(
    create_app=_create_app,
    # settings come from the environment or a file named with -e, never from a .env a folder
    # above the working directory happens to hold (python-dotenv is installed for -e)
    load_dotenv=False,
    add_version_option=False,
    params=[version_option, lang_option],
    help="CongressFlow: BPMN workflows for a township people's congress.",
)
