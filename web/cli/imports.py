"""``congressflow import units|people FILE``: the office's spreadsheets of units and people
(.xlsx, or .csv in UTF-8 or GB18030), as on the admin's import page: ``--dry-run`` shows
what would be created and changed and every problem by row and column; without it, all or
nothing, and the new people's initial passwords are printed this once.

``congressflow export units|people FILE``: the current units or people in the import
template's shape (round trip: export, edit in Excel, import); ``congressflow export ledger
proposals|petitions FILE``: this year's ledger as it stands, in the ledger template's shape.
An existing FILE is not overwritten unless ``--force`` (as ``restore --force``): refused in one
line naming it, exit 3, as ``backup`` refuses an existing file.

``congressflow ledger proposals|petitions FILE``: this year's ledger, each row replayed as a
case at its recorded dates (engine.usecases.ledger); ``--dry-run`` says what each row becomes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from engine import access
from engine.deadlines.legal import due_text
from engine.errors import InvalidData
from engine.usecases import ledger, onboarding, spreadsheets

from ..database import session_factory
from ..views.imports import ledger_export_said, roster_export
from .common import FileExists, acting_options, counted, emit, exit_code, json_option, report, resolve_actor, use_case
from .said import in_the_commands_language


def _sheet_lines(choice: spreadsheets.SheetChoice | None) -> list[str]:
    """Which worksheet was read (none for a .csv), and those with the same header left unread."""
    if choice is None:
        return []
    lines = [f"worksheet read: {choice.name}"]
    if choice.also:
        lines.append(f"  the worksheets {', '.join(choice.also)} have the same header: not read")
    return lines


def _plan_text(plan: onboarding.Plan) -> list[str]:
    lines = [
        f"{counted(plan.rows, 'row')}: {plan.created} to create, {plan.updated} to change, {plan.unchanged} unchanged"
    ]
    lines += _sheet_lines(plan.sheet)
    for change in plan.changes:
        what = "create" if change.created else "change"
        fields = "; ".join(
            f"{column}: {after}" if change.created else f"{column}: {before or '-'} -> {after}"
            for column, (before, after) in change.fields.items()
        )
        lines.append(f"  row {change.row}: {what} {change.key} ({change.name}) {fields}")
    return lines


def _result_text(result: onboarding.Result) -> str:
    lines = _plan_text(result.plan)
    lines[0] = lines[0].replace("to create", "created").replace("to change", "changed")
    if result.passwords:
        lines.append("initial passwords (shown this once; to be changed at the first sign-in):")
        lines += [f"  {p.username}\t{p.display_name}\t{p.password}" for p in result.passwords]
    return "\n".join(lines)


def _run(plan: Callable, apply: Callable, refused: Callable, dry_text: Callable, done_text: Callable) -> Callable:
    """An import command's body: the dry run (read only; refused with its problems) or the
    import (one transaction, all or nothing), its result emitted as text or JSON."""

    def run(kind: str, file: Path, dry_run: bool, username: str | None, as_operator: bool, as_json: bool) -> None:
        content = file.read_bytes()
        if dry_run:
            with session_factory()() as session:
                planned = plan(session, resolve_actor(session, username, as_operator), kind, file.name, content)
            if planned.problems:
                raise refused(planned)
            emit(as_json, planned, dry_text)
            return
        with session_factory().begin() as session:
            result = apply(session, resolve_actor(session, username, as_operator), kind, file.name, content)
        emit(as_json, result, done_text)

    return run


@click.command("import")
@with_appcontext
@click.argument("kind", type=click.Choice([k.value for k in onboarding.Kind]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="only show what would be created and changed, and the problems")
@acting_options
@json_option
@use_case
def import_command(
    kind: str, file: Path, dry_run: bool, username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Import units or people from an .xlsx or .csv file (units first, then people, then the
    units again with their heads and contacts). Refused with every problem by row and column;
    nothing is written then."""
    dry_run_text = lambda p: "\n".join(["dry run: nothing written", *_plan_text(p)])  # noqa: E731
    _run(onboarding.plan, onboarding.apply, onboarding.ImportRefused, dry_run_text, _result_text)(
        kind, file, dry_run, username, as_operator, as_json
    )


def _ledger_text(plan: ledger.LedgerPlan) -> str:
    lines = [counted(plan.rows, "row"), *_sheet_lines(plan.sheet)]
    lines += [f"  row {row}: the template's example, skipped" for row in plan.example_rows]
    for o in plan.outcomes:
        where = "completed" if o.closed else "waiting at " + ", ".join(o.waiting_at)  # 办结
        # known by its 编号 (or #id): imported before, or entered here and exported
        before = " (already in the system: unchanged)" if o.existing else ""
        lines.append(f"  row {o.row}: case #{o.instance_id} {o.title}: {where}{before}")
        if o.differs:  # as the page says it: the file is not imported over the case
            lines.append(
                f"    the file says otherwise than the case in {', '.join(o.differs)}: not imported, "
                "the case keeps what it has (correct it in the case)"
            )
        for lapse in o.lapsed:  # what the scheduler does as soon as the import is stored
            then = (
                f"then {lapse.ends_by}"
                if lapse.ends_by
                else f"overdue, {lapse.supervised_by} issues a supervision notice"
                if lapse.supervised_by
                else "overdue"
            )
            lines.append(f"    {lapse.task}: its period ended {due_text(lapse.due_at)}; on import: {then}")
    return "\n".join(lines)


@click.command("ledger")
@with_appcontext
@click.argument("kind", type=click.Choice([k.value for k in ledger.LedgerKind]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="replay every row and roll back: what each becomes, and the problems")
@acting_options
@json_option
@use_case
def ledger_command(
    kind: str, file: Path, dry_run: bool, username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Import this year's ledger of proposals or petitions from an .xlsx or .csv file: each row
    becomes a case replayed at the dates it records. All or nothing; refused with every problem
    by row and column."""
    dry_run_text = lambda p: "\n".join(["dry run: nothing written", _ledger_text(p)])  # noqa: E731
    try:
        _run(ledger.plan, ledger.apply, ledger.LedgerRefused, dry_run_text, _ledger_text)(
            kind, file, dry_run, username, as_operator, as_json
        )
    except ledger.LedgerRefused as refused:
        if as_json or not any(p.error.code == "masked_value" for p in refused.plan.problems):
            raise
        report(refused, as_json)  # the problems, then what the masked cells say of the file
        click.echo(f"  {MASKED_LEDGER}", err=True)
        sys.exit(exit_code(refused))


# said after the problems of a ledger whose cells hold an export's mask
MASKED_LEDGER = (
    "the cells ****** are a petitioner's identity, masked in an export by someone who may not read it: "
    "such a ledger re-creates no petition; export the ledger as someone who may read the identities ("
    + ", ".join(sorted(r.value for r in access.roles_exporting_identities()))
    + ") and import that one"
)


LEDGER = "ledger"
_LEDGERS = [k.value for k in ledger.LedgerKind]


@click.command("export")
@with_appcontext
@click.argument("kind", type=click.Choice([*(k.value for k in onboarding.Kind), LEDGER]))
@click.argument("words", nargs=-1, metavar=f"[{'|'.join(_LEDGERS)}] [FILE]")
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="the .xlsx to write",
)
@click.option("--year", type=click.IntRange(1900, 2099), help="ledger: the year of the cases (this year by default)")
@click.option("--force", is_flag=True, help="overwrite the file if it exists (refused otherwise, exit 3)")
@acting_options
@json_option
@use_case
def export_command(
    kind: str,
    words: tuple[str, ...],
    output: Path | None,
    year: int | None,
    force: bool,
    username: str | None,
    as_operator: bool,
    as_json: bool,
) -> None:
    """Write the current units or people to an .xlsx in exactly the import template's columns
    (people: roles by name, no passwords): edit it in Excel and import it again; unchanged, it
    changes nothing. ``export ledger proposals|petitions FILE``: this year's ledger (``--year``
    another) in the ledger template's columns, each case as it stands, then read-only columns;
    imported again, it changes nothing. An existing file is overwritten only with --force."""
    ledger_kind, files = (words[0], words[1:]) if kind == LEDGER and words else (None, words)
    if kind == LEDGER and ledger_kind not in _LEDGERS:
        raise click.UsageError(f"export ledger needs which ledger: {' or '.join(_LEDGERS)}")
    if year is not None and kind != LEDGER:
        raise click.UsageError("--year is for export ledger")
    if len(files) > 1 or (not files) == (output is None):
        raise click.UsageError("give the .xlsx to write: FILE or --output FILE (one of them)")
    target = Path(files[0]) if files else output
    assert target is not None
    where = "FILE" if files else "--output"
    _writable(target, where)  # before the export is built: said at once, not after the work
    if target.exists() and not force:
        raise FileExists(target)
    masked = False
    with session_factory()() as session:
        actor = resolve_actor(session, username, as_operator)
        # its notes in the command's language (--lang, or the --user's), as a page's download
        # writes them in its reader's; the headers as the import reads them
        with in_the_commands_language():
            if ledger_kind is not None:
                exported = ledger_export_said(session, actor, ledger_kind, year)
                content, rows, what = exported.content, exported.rows, f"{ledger_kind} of {exported.year}"
                masked = exported.masked
            else:
                content = roster_export(session, actor, kind)
                rows, what = _row_count(kind, content), kind
    try:
        # without --force, made new: a file that appeared while the export was built is kept too
        with target.open("wb" if force else "xb") as written_to:
            written_to.write(content)
    except FileExistsError:
        raise FileExists(target) from None
    except OSError as exc:  # permissions, a full disk: a usage error naming the file, not a traceback
        raise click.BadParameter(f"cannot write {target}: {exc.strerror or exc}", param_hint=where) from None
    # the kind first ("people", "proposals of 2026"): "1 people" would be no English
    written = f"{what} written to {target}: {counted(rows, 'row')}"
    emit(
        as_json,
        {"kind": ledger_kind or kind, "file": str(target), "rows": rows, **({"masked": True} if masked else {})},
        lambda r: f"{written}\n  {MASKED_EXPORT}" if masked else written,
    )


# said of a petitions ledger exported by someone who may not read the petitioners' identities
MASKED_EXPORT = (
    "the petitioners' names and phones are masked (******), as you may not read them: imported again here it "
    "changes nothing, but it re-creates no petition in another database; for that, export it as someone who "
    "may read them (" + ", ".join(sorted(r.value for r in access.roles_exporting_identities())) + ")"
)


def _writable(target: Path, where: str) -> None:
    """Refuse, as a usage error naming ``where``, a file that cannot be written: a folder, or
    one in a folder that does not exist."""
    if target.is_dir():
        raise click.BadParameter(f"{target} is a folder: give the .xlsx file to write", param_hint=where)
    if not target.parent.is_dir():
        raise click.BadParameter(f"the folder {target.parent} does not exist", param_hint=where)


def _row_count(kind: str, content: bytes) -> int:
    headers = [c.header for c in onboarding.COLUMNS[onboarding.kind_of(kind)]]
    try:
        return len(spreadsheets.read("export.xlsx", content, headers).rows)
    except InvalidData:  # no rows at all
        return 0
