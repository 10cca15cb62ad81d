"""Moving running cases from one version of a process to another (迁移运行中的案件), for
designers and administrators (``process.migrate``).

A **plan** is the process, the version the cases run on, the version they move to, and a
map of the old version's elements to the new one's: the same id by default, editable; for an
element whose id is gone, the one SpiffWorkflow's diff finds in its place is offered
(engine.bpmn.alignment), not applied unasked. The **dry run** restores every case running on
the old version and says whether it can move and, if not, why (engine.bpmn.migration_checks),
writing nothing. The **move** takes the cases one by one, each in its own transaction under the
case's lock, as every writer of a case does (``repo.instance_for_update`` and the revision
check of ``save_instance``): the checks again, the workflow moved (engine.bpmn.migration) and
restored against the new version's spec, the case's version, work items, timers and
subscriptions written together by ``save_instance``, and an entry in its history naming both
versions and the map. A case that fails rolls back alone, untouched, and is reported with the
others."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage import repositories as repo
from storage.enums import InstanceStatus
from storage.models import ExternalTask, ProcessDefinition, ProcessInstance, Subscription, Timer, WorkItem

from .. import access
from ..access import Actor
from ..bpmn import alignment, migration, migration_checks
from ..bpmn.parsing import ParsedProcess
from ..bpmn.waiting_tasks import ExternalServiceTask
from ..errors import Conflict, EngineError, FieldError, InvalidData, NotFound
from . import external_tasks, incidents
from .case_migration_results import (
    CaseCheck,
    CaseOutcome,
    DryRun,
    MapEntry,
    MigrationReport,
    Plan,
    Reason,
    changed_after_dry_run,
    reasons_of,
)
from .context import audit, processes, runtime_for
from .library import definition_of
from .persist import save_instance

log = logging.getLogger(__name__)

__all__ = [
    "CaseCheck",
    "CaseOutcome",
    "DryRun",
    "MapEntry",
    "MigrationReport",
    "Plan",
    "Reason",
    "dry_run",
    "make_plan",
    "migrate_cases",
]

MOVED, REFUSED, FAILED = "moved", "refused", "failed"
MAX_VERSION = MAX_ID = 2_147_483_647  # a version number, a case id the database stores


def require_migrate(actor: Actor) -> None:
    access.require(actor, access.Permission.PROCESS_MIGRATE, "move running cases to another version")


def make_plan(
    session: Session,
    actor: Actor,
    key: str,
    from_version: int,
    to_version: int | None,
    overrides: Mapping[str, str] | None = None,
) -> Plan:
    """The plan from ``from_version`` to ``to_version`` of ``key`` (None: the newest other
    one): the default map with the ``overrides`` (old element id → new element id; "" for
    none) put over it."""
    require_migrate(actor)
    for name, number in (("from", from_version), ("to", to_version)):
        if number is not None and not 1 <= number <= MAX_VERSION:
            raise InvalidData({name: FieldError("no_such_version", {"version": number})})
    versions = tuple(
        session.scalars(
            select(ProcessDefinition.version)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc())
        )
    )
    if to_version is None:  # the newest version other than theirs
        to_version = next((v for v in versions if v != from_version), None)
    source = definition_of(session, key, from_version)
    if to_version is None or from_version == to_version:
        refused = (
            FieldError("no_other_version", {"key": key, "version": from_version})
            if to_version is None
            else FieldError("same_version", {"version": to_version})
        )
        raise InvalidData({"to": refused})
    goal = definition_of(session, key, to_version)
    old, new = processes.get(source), processes.get(goal)
    old_elements, new_elements = alignment.elements(old), alignment.elements(new)
    suggested = alignment.suggestions(old, new)
    mapping = alignment.same_ids(old, new)
    problems: dict[str, FieldError] = {}
    for old_id, new_id in (overrides or {}).items():
        new_id = (new_id or "").strip()
        if old_id not in old_elements:
            params = {"version": from_version, "key": key, "element": old_id}
            problems[f"map.{old_id}"] = FieldError("no_such_element", params)
        elif new_id and new_id not in new_elements:
            params = {"version": to_version, "key": key, "element": new_id}
            problems[f"map.{old_id}"] = FieldError("no_such_element", params)
        elif new_id:
            mapping[old_id] = new_id
        else:
            mapping.pop(old_id, None)
    if problems:
        raise InvalidData(problems)
    unmatched = tuple(
        MapEntry(e.bpmn_id, e.name, e.kind, mapping.get(e.bpmn_id), suggested.get(e.bpmn_id))
        for e in old_elements.values()
        if mapping.get(e.bpmn_id) != e.bpmn_id
    )
    return Plan(
        key,
        goal.name,
        from_version,
        to_version,
        source.id,
        goal.id,
        mapping,
        unmatched,
        tuple(new_elements.values()),
        versions,
    )


def dry_run(
    session: Session,
    actor: Actor,
    key: str,
    from_version: int,
    to_version: int | None,
    overrides: Mapping[str, str] | None = None,
) -> DryRun:
    """Each case running on ``from_version``: whether it can move under the plan (to
    ``to_version``; None: the newest other one), and why not. Nothing is written."""
    plan = make_plan(session, actor, key, from_version, to_version, overrides)
    old, new = (
        processes.get_by_id(session, plan.from_definition_id),
        processes.get_by_id(session, plan.to_definition_id),
    )
    runtime = runtime_for(session)
    names = {e.bpmn_id: e.name for e in alignment.elements(old).values()}
    checks = []
    for instance in session.scalars(_running(plan.from_definition_id)):
        workflow = runtime.restore(old, instance.workflow_json)
        reasons = reasons_of(
            migration_checks.obstacles(workflow, old, new, plan.mapping, _drafts(session, instance.id))
        )
        steps = tuple(names.get(bpmn_id) or bpmn_id for bpmn_id in alignment.open_elements(workflow))
        movable = not any(r.blocking for r in reasons)
        checks.append(CaseCheck(instance.id, instance.title, instance.revision, steps, movable, reasons))
    return DryRun(plan, tuple(checks))


def migrate_cases(
    factory: sessionmaker[Session],
    actor: Actor,
    key: str,
    from_version: int,
    to_version: int | None,
    overrides: Mapping[str, str] | None = None,
    cases: Mapping[int, int | None] | None = None,
) -> MigrationReport:
    """Move the cases running on ``from_version`` (only ``cases``, by id, when given, each
    with the revision the dry run saw, or None) to ``to_version``, each in a transaction of
    its own; what became of each."""
    if cases is not None and any(not 1 <= instance_id <= MAX_ID for instance_id in cases):
        raise InvalidData({"cases": FieldError("id_out_of_range", {"min": 1, "max": MAX_ID})})
    with factory() as session:
        plan = make_plan(session, actor, key, from_version, to_version, overrides)
        wanted = (
            list(cases) if cases is not None else list(session.scalars(_running(plan.from_definition_id, ids=True)))
        )
    outcomes = []
    for instance_id in wanted:
        try:
            with factory.begin() as session:
                outcome = _move_one(session, actor, plan, instance_id, (cases or {}).get(instance_id))
        except EngineError as exc:
            outcome = CaseOutcome(instance_id, _title(factory, instance_id), FAILED, (), exc.message)
        except Exception as exc:  # one case's failure must not stop the others: reported, logged
            log.exception("case %s could not move from %s v%s to v%s", instance_id, key, from_version, to_version)
            outcome = CaseOutcome(instance_id, _title(factory, instance_id), FAILED, (), f"{type(exc).__name__}: {exc}")
        outcomes.append(outcome)
    report = MigrationReport(plan, tuple(outcomes))
    with factory.begin() as session:
        audit(session, actor, "migrate_cases", data=report.summary())
    return report


def _move_one(session: Session, actor: Actor, plan: Plan, instance_id: int, revision: int | None) -> CaseOutcome:
    instance = repo.instance_for_update(session, instance_id)
    if instance is None:
        raise NotFound(f"no case {instance_id}")
    if instance.definition_id != plan.from_definition_id or instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"case {instance_id} no longer runs on version {plan.from_version} of {plan.key!r}")
    if revision is not None and instance.revision != revision:
        # not moved, by a check: what it is now is not what the mover saw and confirmed
        return CaseOutcome(instance_id, instance.title, REFUSED, (changed_after_dry_run(),), "")
    old, new = (
        processes.get_by_id(session, plan.from_definition_id),
        processes.get_by_id(session, plan.to_definition_id),
    )
    runtime = runtime_for(session)
    workflow = runtime.restore(old, instance.workflow_json)
    reasons = reasons_of(migration_checks.obstacles(workflow, old, new, plan.mapping, _drafts(session, instance_id)))
    if any(r.blocking for r in reasons):
        return CaseOutcome(instance_id, instance.title, REFUSED, reasons, "")
    relabels = migration.migrate(workflow, old, new, plan.mapping)
    # what is stored is what the next reader restores against the new version: read it so now
    workflow = runtime.restore(new, runtime.dump(workflow))
    lost = alignment.unreadable(workflow)
    if lost:
        raise migration.CannotMigrate(f"tasks {', '.join(lost)} have no element in version {plan.to_version}")
    audit(session, actor, "case_migrated", instance_id=instance_id, data=plan.history_entry())
    instance.definition_id = plan.to_definition_id
    # due timers fire and automatic steps the new version now allows run, as on any other save
    runtime.fire_timers(workflow)
    save_instance(session, instance, workflow, runtime, new, acting=actor.username)
    _relabel(session, instance_id, relabels, new)
    incidents.resolve_stuck(session, instance_id, actor)
    return CaseOutcome(instance_id, instance.title, MOVED, reasons, "")


def _relabel(session: Session, instance_id: int, relabels: list[migration.Relabel], new: ParsedProcess) -> None:
    """The open work items, timers and subscriptions of tasks whose element or name the move
    changed: their element id, and an item's name as the new version says it (a round's
    " · 财政所" kept); the external tasks waiting for a worker: their element id, and the
    topic and priority the new version gives it (its workers fetch them)."""
    for relabel in relabels:
        meta = new.tasks.get(relabel.bpmn_id)
        name = relabel.name or (meta.name if meta else "") or relabel.bpmn_id
        for item in session.scalars(
            select(WorkItem).where(
                WorkItem.instance_id == instance_id,
                WorkItem.task_id == relabel.task_id,
                WorkItem.state == repo.READY,
            )
        ):
            rest = (
                item.name[len(relabel.old_name) :]
                if relabel.old_name and item.name.startswith(relabel.old_name)
                else ""
            )
            item.bpmn_id, item.name = relabel.bpmn_id, (name + rest)[:500]
        if relabel.bpmn_id != relabel.old_bpmn_id:
            session.execute(
                update(Timer)
                .where(Timer.instance_id == instance_id, Timer.task_id == relabel.task_id)
                .where(Timer.state == repo.PENDING)
                .values(bpmn_id=relabel.bpmn_id)
            )
            session.execute(
                update(Subscription)
                .where(Subscription.instance_id == instance_id, Subscription.task_id == relabel.task_id)
                .values(bpmn_id=relabel.bpmn_id)
            )
    _relabel_external_tasks(session, instance_id, {r.task_id: r.bpmn_id for r in relabels}, new)
    session.flush()


def _relabel_external_tasks(
    session: Session, instance_id: int, elements: Mapping[str, str], new: ParsedProcess
) -> None:
    """Each external task row of the case as the new version has it: at the element its task
    moved to (``elements``, by task id; else the same id), with that element's topic and
    priority. The save of the case did the same from the workflow (external_tasks.sync); said
    here too, by the plan, beside the work items, timers and subscriptions it moves."""
    specs = {
        task_spec.bpmn_id: task_spec
        for spec in (new.spec, *new.subprocess_specs.values())
        for task_spec in spec.task_specs.values()
        if isinstance(task_spec, ExternalServiceTask)
    }
    rows = session.scalars(select(ExternalTask).where(ExternalTask.instance_id == instance_id)).all()
    for row in rows:
        bpmn_id = elements.get(row.task_id, row.bpmn_id)
        spec = specs.get(bpmn_id)
        if spec is not None:
            row.bpmn_id, row.topic, row.priority = external_tasks.indexed(bpmn_id, spec)


def _running(definition_id: int, ids: bool = False) -> Any:
    columns = ProcessInstance.id if ids else ProcessInstance
    return (
        select(columns)
        .where(ProcessInstance.definition_id == definition_id, ProcessInstance.status == InstanceStatus.RUNNING)
        .order_by(ProcessInstance.id)
    )


def _drafts(session: Session, instance_id: int) -> dict[str, dict[str, Any]]:
    """What the holders of the case's open tasks saved on their forms, by task id."""
    rows = session.execute(
        select(WorkItem.task_id, WorkItem.draft).where(
            WorkItem.instance_id == instance_id, WorkItem.state == repo.READY, WorkItem.draft.is_not(None)
        )
    )
    return {task_id: dict(draft) for task_id, draft in rows if draft}


def _title(factory: sessionmaker[Session], instance_id: int) -> str:
    """A failed case's title, for the report (none when the database cannot say it either)."""
    try:
        with factory() as session:
            return session.scalar(select(ProcessInstance.title).where(ProcessInstance.id == instance_id)) or ""
    except SQLAlchemyError:
        return ""
