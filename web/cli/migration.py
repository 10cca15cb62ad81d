"""``congressflow migrate-cases``: move the cases running on one version of a process to another
(engine.usecases.case_migration), as the process library page does: ``--dry-run`` says of each
case whether it can move and why not, writing nothing; without it the cases move, each in its
own transaction, and the command says what became of each (exit code 1 when a case did not
move: refused by the checks, or failed and rolled back)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engine.usecases import case_migration

from ..database import session_factory
from .common import EXIT_ERROR, acting_options, emit, json_option, resolve_actor, use_case


def _parse_map(entries: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for entry in entries:
        old, sep, new = entry.partition("=")
        if not sep or not old.strip():
            raise click.BadParameter(f"{entry!r}: write OLD=NEW (element ids; OLD= for none)", param_hint="--map")
        mapping[old.strip()] = new.strip()
    return mapping


def _plan_text(plan: case_migration.Plan) -> list[str]:
    lines = [f"{plan.key} ({plan.name}): v{plan.from_version} -> v{plan.to_version}"]
    for entry in plan.unmatched:
        hint = f"  (suggested: {entry.suggested})" if entry.suggested and entry.suggested != entry.target else ""
        lines.append(f"  map {entry.bpmn_id} ({entry.name}) -> {entry.target or '(none)'}{hint}")
    return lines


def _dry_run_text(run: case_migration.DryRun) -> str:
    lines = _plan_text(run.plan)
    lines.append(f"{'case':<8} {'revision':>8}  {'can move':<8}  {'step':<20} title")
    for case in run.cases:
        step = ", ".join(case.steps) or "-"  # the line is English: its list too
        lines.append(
            f"{case.instance_id:<8} {case.revision:>8}  {'yes' if case.movable else 'no':<8}  {step:<20} {case.title}"
        )
        lines.extend(f"         {'' if r.blocking else 'note: '}{r.message}" for r in case.reasons)
    lines.append(f"{run.movable} can move, {run.refused} cannot")
    return "\n".join(lines)


def _report_text(report: case_migration.MigrationReport) -> str:
    lines = _plan_text(report.plan)
    for case in report.cases:
        lines.append(
            f"case {case.instance_id} {case.title}: {case.outcome}" + (f": {case.message}" if case.message else "")
        )
        lines.extend(f"  {'' if r.blocking else 'note: '}{r.message}" for r in case.reasons)
    counts = ", ".join(f"{report.count(o)} {o}" for o in ("moved", "refused", "failed"))
    lines.append(counts)
    return "\n".join(lines)


@click.command("migrate-cases")
@with_appcontext
@click.argument("key")
@click.option("--from", "from_version", type=click.IntRange(min=1), required=True, help="the version the cases run on")
@click.option("--to", "to_version", type=click.IntRange(min=1), required=True, help="the version they move to")
@click.option(
    "--map",
    "entries",
    multiple=True,
    metavar="OLD=NEW",
    help="an old element to a new one (ids), over the default of the same id; OLD= for none; repeatable",
)
@click.option("--dry-run", is_flag=True, help="only say which cases can move and why not; write nothing")
@acting_options
@json_option
@use_case
def migrate_cases_command(
    key: str,
    from_version: int,
    to_version: int,
    entries: tuple[str, ...],
    dry_run: bool,
    username: str | None,
    as_operator: bool,
    as_json: bool,
) -> None:
    """Move the cases running on version --from of process KEY to version --to."""
    mapping = _parse_map(entries)
    factory = session_factory()
    with factory() as session:
        actor = resolve_actor(session, username, as_operator)
        if dry_run:
            run = case_migration.dry_run(session, actor, key, from_version, to_version, mapping)
    if dry_run:
        emit(as_json, run, _dry_run_text)
        return
    report = case_migration.migrate_cases(factory, actor, key, from_version, to_version, mapping)
    emit(as_json, report, _report_text)
    if report.count("refused") or report.count("failed"):
        raise SystemExit(EXIT_ERROR)
