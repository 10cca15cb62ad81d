"""What every command of the command line shares: who it acts as, and how it tells an error.

Who: ``--user NAME`` (that person, under the access policy, like the same action on a page
or in the API), or, where a command offers it, ``--operator`` (the operator of the server,
bypassing the policy: for setting a server up before it has an administrator; recorded as
``operator`` in the audit log).

Errors: on stderr, as ``error: ...`` lines, or with ``--json`` as one JSON object
``{"code", "message", "fields", "codes", "said"}`` (as the API answers: ``said`` is the error
in the reader's words, in the command's language, web/cli/said.py); the exit code says the
kind (``EXIT_CODES``). A usage error (click's: a missing option, a value of the wrong type)
is said so too when ``--json`` is among the arguments (``JsonUsageError``, raised for the
whole command line by its group). A database the command cannot use (unreachable, without
its schema, with an older one or a newer version's; a SQLite file that does not exist) is one line saying
what to run (``database_unusable``, ``database_missing``, also for the whole command line: checked before
a command runs, and after one failed), exit code ``EXIT_DATABASE``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from engine.access import OPERATOR, Actor
from engine.errors import Conflict, EngineError, FieldError, InvalidData, NotAllowed, NotFound
from engine.scheduling.health import SchemaState
from engine.usecases.context import actor_for
from storage import migrate

from ..exports import display_width
from .said import of_command_error, of_engine_error

json_option = click.option("--json", "as_json", is_flag=True, help="machine-readable output (errors too, on stderr)")
user_option = click.option("--user", "username", required=True, help="act as this user, with exactly their permissions")


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def emit(as_json: bool, value: Any, text: Callable[[Any], str]) -> None:
    """A command's result: JSON, or the text people read."""
    if as_json:
        click.echo(json.dumps(jsonable(value), ensure_ascii=False, indent=2))
    else:
        click.echo(text(value))


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` things as a command's English line says them: "1 task", "0 tasks", "2 entries"
    (``many``: a plural that is not ``one`` + s), never "task(s)"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def table(rows: list[tuple[str, ...]], *, right: frozenset[int] = frozenset()) -> list[str]:
    """Rows as lines, each column as wide as its widest cell (the last as it is), two spaces
    apart; the columns in ``right`` (numbers) aligned right."""
    if not rows:
        return []
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row[:-1]):
            padding = " " * (widths[i] - display_width(cell))
            cells.append(padding + cell if i in right else cell + padding)
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


# 2 is click's own: a usage error (an unknown option, a missing argument).
EXIT_CODES: tuple[tuple[type[EngineError], int], ...] = (
    (Conflict, 3),  # someone else changed it first, or it is no longer open
    (NotAllowed, 4),  # you may not
    (NotFound, 5),  # no such thing, or not one you may see
)
EXIT_ERROR = 1  # anything else the engine refused: invalid data, an invalid BPMN file...
EXIT_DATABASE = 6  # the database cannot be used: unreachable, without its schema, or not at this version's


def exit_code(exc: EngineError) -> int:
    return next((code for cls, code in EXIT_CODES if isinstance(exc, cls)), EXIT_ERROR)


class FileExists(Conflict):
    """The file a command would write exists already: not overwritten unless the command is
    given ``--force`` (exit 3, as an existing backup file is refused)."""

    code = "file_exists"

    def __init__(self, path: Path):
        super().__init__(f"{path} exists already: not overwritten (--force overwrites it)")
        self.path = path


def report(exc: EngineError, as_json: bool) -> None:
    """Tell an engine error on stderr, as text or as JSON."""
    if as_json:
        body = _with_fields(exc.to_dict(), exc.codes if isinstance(exc, InvalidData) else {})
        click.echo(json.dumps(body | {"said": of_engine_error(exc)}, ensure_ascii=False), err=True)
        return
    if isinstance(exc, InvalidData):
        click.echo("error: the submitted data is not valid", err=True)
        for field, message in exc.field_errors.items():
            click.echo(f"  {field}: {message}", err=True)
        return
    click.echo(f"error: {exc.message}", err=True)


def database_unusable(state: SchemaState, database: str) -> tuple[str, str] | None:
    """Why a command cannot use the database ``state`` describes, as an error's code and
    message, saying what to run; None when it can (the command failed for another reason)."""
    if not state.reachable:
        return "database_unreachable", f"cannot reach the database {state.error}"
    if state.revision is None:
        return "no_schema", (
            f"the database {database} has no schema yet: run `congressflow init` (a new installation) "
            "or `congressflow db upgrade`"
        )
    if not state.current and not migrate.knows(state.revision):
        return "newer_schema", migrate.NewerSchema(database, state.revision).message
    if not state.current:
        return (
            "old_schema",
            f"the database {database} is not at the schema this version expects ({state.detail}): "
            "run `congressflow db upgrade`",
        )
    return None


def database_missing(path: Path) -> tuple[str, str]:
    """A SQLite database file that does not exist, as an error's code and message: what to run
    to make it (a command that only uses the database must not leave an empty one behind)."""
    return "no_database", (
        f"the database file {path} does not exist: run `congressflow init` (a new installation) "
        "or `congressflow restore FILE` (from a backup), or check CONGRESSFLOW_DATABASE_URL"
    )


def report_unusable(code: str, message: str, as_json: bool) -> None:
    """Tell that the database cannot be used, as any error is told (text, or JSON with ``--json``)."""
    if as_json:
        click.echo(json.dumps(command_error_body(code, message, status=503), ensure_ascii=False), err=True)
    else:
        click.echo(f"error: {message}", err=True)


class JsonUsageError(click.UsageError):
    """A usage error of a command given ``--json``: one JSON object on stderr, as an engine
    error is said (code ``usage``, the parameter in ``fields`` and ``codes`` when click names
    it), with click's exit code 2."""

    def __init__(self, cause: click.UsageError):
        super().__init__(cause.format_message(), cause.ctx)
        self.body = usage_body(cause)

    def show(self, file: Any = None) -> None:
        click.echo(json.dumps(self.body, ensure_ascii=False), file=file, err=file is None)


def command_error_body(
    code: str, message: str, codes: Mapping[str, FieldError] | None = None, *, status: int = 400
) -> dict[str, Any]:
    """An error only the command line has (not the engine's) as one JSON object, as an engine
    error's: ``said`` in the command's own words (``status``: the HTTP status whose title and
    explanation stand in for words it has none of)."""
    codes = codes or {}
    return _with_fields({"code": code, "message": message}, codes) | {"said": of_command_error(code, codes, status)}


def _with_fields(body: dict[str, Any], codes: Mapping[str, FieldError]) -> dict[str, Any]:
    """An error's JSON body with its fields' errors, as text and as codes (none: both empty)."""
    return body | {
        "fields": {name: str(error) for name, error in codes.items()},
        "codes": {name: error.to_dict() for name, error in codes.items()},
    }


def usage_body(exc: click.UsageError) -> dict[str, Any]:
    field = _usage_field(exc)
    codes: dict[str, FieldError] = {}
    if field is not None:
        missing = isinstance(exc, click.MissingParameter)
        codes[field] = FieldError("required") if missing else FieldError("invalid", {"message": exc.message})
    return command_error_body("usage", exc.format_message(), codes)


def _usage_field(exc: click.UsageError) -> str | None:
    """The parameter as it is typed (``--user``, or an argument's ``INSTANCE_ID``)."""
    if isinstance(exc, (click.NoSuchOption, click.BadOptionUsage)):
        return exc.option_name
    if not isinstance(exc, click.BadParameter):
        return None
    if isinstance(exc.param, click.Option):
        return max(exc.param.opts, key=len)
    if exc.param is not None:
        return exc.param.human_readable_name
    if exc.param_hint is not None:
        return exc.param_hint if isinstance(exc.param_hint, str) else " / ".join(exc.param_hint)
    return None


def use_case(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command body; an engine error is reported (as JSON with ``--json``) and ends the
    command with its exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EngineError as exc:
            report(exc, bool(kwargs.get("as_json")))
            sys.exit(exit_code(exc))

    return wrapper


def acting_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--user NAME`` / ``--operator`` on a command that may be run either way."""
    fn = click.option(
        "--operator",
        "as_operator",
        is_flag=True,
        help="act as the server's operator, BYPASSING the access policy (recorded as 'operator')",
    )(fn)
    return click.option("--user", "username", default=None, help="act as this user, with exactly their permissions")(fn)


def resolve_actor(session: Session, username: str | None, as_operator: bool) -> Actor:
    if as_operator and username:
        raise click.UsageError("give either --user NAME or --operator, not both")
    if as_operator:
        return OPERATOR
    if not username:
        raise click.UsageError("say who acts: --user NAME (with their permissions) or --operator")
    return actor_for(session, username)
