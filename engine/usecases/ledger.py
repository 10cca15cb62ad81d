"""This year's ledger (台账) of proposals and petitions handled before the office used
CongressFlow, brought in from the spreadsheet it kept: each row becomes a case of the process's
current version and is *replayed* through it, step by step, at the dates the ledger records
(``clock.as_of``): registered on its day, assigned on its day, replied on its day... So every
date, deadline, on-time flag and statistic is counted by the process itself, exactly as for a
case handled here; a finished row ends closed, an open one waits at the task it has reached
(its holders told once), and the statistics and the overdue board include it.

A step is recorded by the administrator importing (the history says 按台账导入, with the file
and row), not by the unit or deputy who did it then, and the tasks passed through tell no one
(``notifications.held_back``). What a row cannot say (extensions, 督办, a second evaluation) is
not replayed: the case waits at the task it reached and is carried on by hand. The dry run
replays everything and rolls it back, so it shows exactly what each row will become and every
problem by row and column; the import itself is all or nothing. A row is known by its 编号 (the
case's business key): a row whose 编号 a case of the process already has is left as it is, so
importing a ledger again changes nothing. The template's example row, left in the file as it
was handed out, is skipped and said so: never a case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import Role
from storage.models import ProcessDefinition, ProcessInstance

from .. import access, clock
from ..access import Actor, Permission
from ..deadlines.calendar import LOCAL_TZ
from ..errors import EngineError, FieldError, InvalidData, NotFound
from . import notifications, spreadsheets
from .cases import start_instance
from .context import audit, processes
from .ledger_rows import COLUMNS, NOTES, PROCESS_OF, STEPS, C, Cells, LedgerKind, Step, is_example, option_lists
from .onboarding import Problem
from .tasks import run_completion

OFFICE_HOURS = time(9, 0)  # a step dated by a day is taken to be done that morning
# columns of several units (、): a drop-down picks one value, so the template gives them none
SEVERAL_UNITS = frozenset({"协办单位"})


@dataclass(frozen=True)
class RowOutcome:
    row: int
    title: str
    instance_id: int | None
    closed: bool
    waiting_at: list[str]  # the names of the tasks it waits at (empty when closed)
    # its 编号 was imported before: left as it is (importing a ledger twice changes nothing)
    existing: bool = False


@dataclass(frozen=True)
class LedgerPlan:
    kind: str
    rows: int
    outcomes: list[RowOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # the template's example row left in the file (ledger_rows.is_example): skipped
    example_rows: list[int] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return sum(o.existing for o in self.outcomes)


# -- replaying ---------------------------------------------------------------------------------
def template(session: Session, actor: Actor, kind: str) -> bytes:
    """The ledger's .xlsx to fill in, its lists (units, deputies, classes) as drop-downs: what
    the process's forms offer for each column, as the import reads it (the units a field leaves
    out, such as the presidium, are not offered)."""
    access.require(actor, Permission.CASE_IMPORT, "import a ledger")
    ledger = _kind(kind)
    lists = {
        header: list(options.values())
        for header, options in option_lists(session, ledger).items()
        if header not in SEVERAL_UNITS
    }
    if ledger == LedgerKind.PROPOSALS:
        lists["提出代表"] = list(repo.users_with_role(session, Role.DEPUTY).values())
    columns = [
        C(c.header, c.width, c.required, c.example, lists.get(c.header, c.choices), c.hint) for c in COLUMNS[ledger]
    ]
    return spreadsheets.template("台账", columns, NOTES[ledger])


def plan(session: Session, actor: Actor, kind: str, filename: str, content: bytes) -> LedgerPlan:
    """The dry run: every row replayed and rolled back; what each becomes, every problem."""
    with session.begin_nested() as savepoint:
        result = _replay(session, actor, _kind(kind), filename, content)
        savepoint.rollback()
    return result


def apply(session: Session, actor: Actor, kind: str, filename: str, content: bytes) -> LedgerPlan:
    """Import the ledger: all rows or, with any problem, none (ImportRefused lists them)."""
    result = _replay(session, actor, _kind(kind), filename, content)
    if result.problems:
        raise LedgerRefused(result)
    for outcome in result.outcomes:  # the tasks open now were never announced: tell their holders once
        if outcome.existing:
            continue
        for item in repo.ready_item_rows(session, outcome.instance_id or 0):
            notifications.notify_task(session, item)
    return result


class LedgerRefused(InvalidData):
    """The ledger has problems: nothing was imported. ``plan`` has them by row and column."""

    def __init__(self, plan: LedgerPlan):
        super().__init__({p.key: p.error for p in plan.problems}, "the ledger has problems; nothing was imported")
        self.plan = plan


def _kind(kind: str) -> LedgerKind:
    try:
        return LedgerKind(kind)
    except ValueError:
        raise NotFound(f"no ledger {kind!r} (known: {', '.join(k.value for k in LedgerKind)})") from None


def _replay(session: Session, actor: Actor, kind: LedgerKind, filename: str, content: bytes) -> LedgerPlan:
    access.require(actor, Permission.CASE_IMPORT, "import a ledger")
    columns = COLUMNS[kind]
    sheet = spreadsheets.read(filename, content, [c.header for c in columns])
    problems = [
        Problem(None, c.header, FieldError("missing_column", {"column": c.header}))
        for c in columns
        if c.required and c.header not in sheet.headers
    ]
    if problems:
        return LedgerPlan(kind.value, len(sheet.rows), [], problems)
    units = repo.department_choices(session)
    deputies = repo.users_with_role(session, Role.DEPUTY)
    today = clock.now().astimezone(LOCAL_TZ).date()
    lists = option_lists(session, kind)
    outcomes: list[RowOutcome] = []
    examples: list[int] = []
    keys: dict[str, int] = {}
    for row in sheet.rows:
        if is_example(row, kind):
            examples.append(row.number)
            continue
        cells = Cells(row, units, deputies, today, lists)
        steps = STEPS[kind](cells)
        key = cells.required("编号")
        if key in keys:
            cells.refuse("编号", FieldError("duplicate_in_file", {"value": key, "row": keys[key]}))
        keys.setdefault(key, row.number)
        existing = _existing(session, PROCESS_OF[kind], key) if key else None
        if existing is not None and not cells.problems:  # imported before (the natural key): unchanged
            outcomes.append(_outcome(session, row.number, existing, existing=True))
            continue
        if cells.problems:
            problems += cells.problems
            continue
        outcome = _replay_row(session, actor, kind, filename, row.number, key, steps, cells)
        problems += cells.problems
        if outcome is not None:
            outcomes.append(outcome)
    return LedgerPlan(kind.value, len(sheet.rows), outcomes, problems, examples)


def _existing(session: Session, process_key: str, key: str) -> ProcessInstance | None:
    """The case of the process that has the row's 编号 (imported before, or entered by hand)."""
    query = (
        select(ProcessInstance)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessDefinition.key == process_key, ProcessInstance.business_key == key)
        .limit(1)
    )
    return session.scalar(query)


def _outcome(session: Session, row: int, instance: ProcessInstance, existing: bool = False) -> RowOutcome:
    waiting = [w.name for w in repo.ready_item_rows(session, instance.id)]
    return RowOutcome(row, instance.title, instance.id, instance.status.value == "completed", waiting, existing)


@contextmanager
def _step(cells: Cells, column: str) -> Iterator[None]:
    """A step the process refuses is a problem at the cell that dates it."""
    try:
        yield
    except InvalidData as exc:
        detail = "；".join(f"{name}: {error}" for name, error in exc.codes.items())
        cells.refuse(column, FieldError("invalid", {"message": detail}))
        raise _Stop from None
    except EngineError as exc:
        cells.refuse(column, FieldError("invalid", {"message": str(exc)}))
        raise _Stop from None


class _Stop(Exception):
    """A row's replay stopped at a problem."""


def _replay_row(
    session: Session,
    actor: Actor,
    kind: LedgerKind,
    filename: str,
    number: int,
    key: str | None,
    steps: list[Step],
    cells: Cells,
) -> RowOutcome | None:
    first, *rest = steps
    try:
        with session.begin_nested(), notifications.held_back():
            with _step(cells, first.column), clock.as_of(_moment(first.day, 0)):
                case = start_instance(session, actor, PROCESS_OF[kind], first.data, business_key=key)
                audit(session, actor, "import", instance_id=case.id, data={"file": filename, "row": number})
            for index, step in enumerate(rest, start=1):
                with _step(cells, step.column), clock.as_of(_moment(step.day, index)):
                    for bpmn_id, data in step.beside.items():
                        for task_id in _ready(session, case.id, bpmn_id):
                            _complete(session, actor, case.id, task_id, data)
                    task_ids = _ready(session, case.id, step.bpmn_id or "")
                    if len(task_ids) != 1:  # the process took another way than the ledger's
                        cells.refuse(step.column, FieldError("not_reached", {"task": _task_name(session, kind, step)}))
                        raise _Stop
                    _complete(session, actor, case.id, task_ids[0], step.data)
    except _Stop:
        return None
    return _outcome(session, number, _instance(session, case.id))


def _task_name(session: Session, kind: LedgerKind, step: Step) -> str:
    definition = repo.latest_definition(session, PROCESS_OF[kind])
    meta = processes.get(definition).tasks.get(step.bpmn_id or "") if definition else None
    return meta.name if meta else str(step.bpmn_id)


def _moment(day: date, index: int) -> datetime:
    """A step of the day, in the office's morning; steps of one day a minute apart, in order."""
    return datetime.combine(day, OFFICE_HOURS, LOCAL_TZ) + timedelta(minutes=index)


def _instance(session: Session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    assert instance is not None
    return instance


def _ready(session: Session, instance_id: int, bpmn_id: str) -> list[str]:
    """The tasks of ``bpmn_id`` open in the case."""
    return [w.task_id for w in repo.ready_item_rows(session, instance_id) if w.bpmn_id == bpmn_id]


def _complete(session: Session, actor: Actor, instance_id: int, task_id: str, data: dict[str, Any]) -> None:
    """Complete the task if it is still open (completing one beside it may have withdrawn it),
    given as one of the case's open items read right before (run_completion reads those rows
    back when it saves the case)."""
    ready = repo.ready_item_rows(session, instance_id)
    item = next((w for w in ready if w.task_id == task_id), None)
    if item is not None:
        run_completion(session, actor, _instance(session, instance_id), item, data, ready)
