"""This year's ledger (台账) of proposals and petitions handled before the office used
CongressFlow, brought in from the spreadsheet it kept: each row becomes a case of the process's
current version and is *replayed* through it, step by step, at the dates the ledger records
(``clock.as_of``): registered on its day, assigned on its day, replied on its day... So every
date, deadline, on-time flag and statistic is counted by the process itself, exactly as for a
case handled here; a finished row ends closed, an open one waits at the task it has reached
(its holders told once), and the statistics and the overdue board include it.

A step is recorded by the administrator importing (his ``import`` entry names the file and row,
dated when he imported it, as is the import's own entry, ``import_ledger``), not by the unit or
deputy who did it then: each entry the replay writes
(the start, every step) is marked as recorded from its row (``context.recorded_from``), and the history
says so (台账补录（管理员）, the file and row), never that the administrator registered, replied for the
unit or evaluated for the deputy. The tasks passed through tell no one
(``notifications.held_back``); a task offered to a unit stays the unit's (nobody of it claimed
it: the statutory deadlines name the unit as 承办). What a row cannot say (extensions, 督办, a
second evaluation) is not replayed: the case waits at the task it reached and is carried on by
hand. A task it waits at whose period is already over is said so (``Lapse``). A timer that
ends the task (an evaluation not given in its 20 working days: 逾期未反馈) is fired by the
replay itself, at the moment the period ended, as the scheduler would have fired it live: the
step is closed then, and a case that ends with it ended then (``_end_lapsed_periods``); its
holder (the deputy) is not told of it. A timer that leaves the task open (答复期满: a 督办) is
fired by the scheduler as soon as the import is stored, and its holders are told. The dry run
replays everything and rolls it back, so it shows exactly what each row will become and every
problem by row and column (a step the process does not reach says where the case stopped
instead, on which version: ``Stop``); the import itself is all or nothing. A row is known by
its 编号 (the case's business key): a row whose 编号 a case of the process already has is left
as it is, so importing a ledger again changes nothing (an exported ledger's case entered here,
which has no 编号, is written ``#id`` and known by it: ``_existing``). The template's example
row, left in the file as it was handed out, is skipped and said so: never a case."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from sqlalchemy import update
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus, Role, TimerKind
from storage.models import CaseFacts, ProcessDefinition, ProcessInstance, WorkItem

from .. import access, clock
from ..access import Actor, Permission
from ..bpmn.parsing import ParsedProcess
from ..deadlines.calendar import LOCAL_TZ
from ..errors import EngineError, FieldError, InvalidData, NotFound
from ..text import control_character
from . import notifications, spreadsheets, timers
from .cases import business_key_refusal, own_cases, start_instance
from .confidentiality import MASK
from .context import audit, processes, recorded_from
from .ledger_rows import (
    COLUMN_OF_FIELD,
    COLUMNS,
    PROCESS_OF,
    SEVERAL_UNITS,
    STEPS,
    Cells,
    LedgerKind,
    Step,
    deputy_choices,
    differing,
    is_example,
    option_lists,
    template_notes,
)
from .onboarding import Problem, read_sheet, sheet_problems
from .tasks import run_completion

OFFICE_HOURS = time(9, 0)  # a step dated by a day is taken to be done that morning


@dataclass(frozen=True)
class Lapse:
    """A task the case waits at whose period is over already (a case imported late in its
    course): its deadline fires as soon as the import is stored."""

    task: str  # the task's name
    due_at: datetime  # the end of its period (24:00 of its last day)
    # the name of the boundary timer that then ends the task and moves the case on (逾期未反馈),
    # else "": the task stays open, overdue
    ends_by: str = ""
    # the name of a boundary timer that then raises a 督办 on it (答复期满), else ""
    supervised_by: str = ""
    task_id: str = field(default="", compare=False)  # the engine's id of the task (not shown)


@dataclass(frozen=True)
class RowOutcome:
    row: int
    title: str
    instance_id: int | None
    closed: bool
    waiting_at: list[str]  # the names of the tasks it waits at (empty when closed)
    # its 编号 was imported before: left as it is (importing a ledger twice changes nothing)
    existing: bool = False
    lapsed: list[Lapse] = field(default_factory=list)  # of the tasks it waits at, those past their period
    # of a row left as it is, the columns whose cells say otherwise than the case (not changed)
    differs: tuple[str, ...] = ()
    # the import puts it under a 督办 at once: a task it waits at, its period over, has a 督办
    # timer due (答复期满), which the scheduler fires at its first sweep
    supervised: bool = False


@dataclass(frozen=True)
class Stop:
    """Where a row's replay stopped when the process took another way than the ledger's (a
    version with a step the ledger has no column for): the version it ran on, and the tasks
    the case waited at instead (none: it ended, or waits for something other than a task)."""

    process: str  # its name
    version: int
    waiting_at: tuple[str, ...]
    closed: bool


@dataclass(frozen=True)
class Unreached(Problem):
    """A step of the row the replay did not reach (``not_reached``), and where it stopped."""

    stop: Stop | None = None


@dataclass(frozen=True)
class LedgerPlan:
    kind: str
    rows: int
    outcomes: list[RowOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # the template's example row left in the file (ledger_rows.is_example): skipped
    example_rows: list[int] = field(default_factory=list)
    sheet: spreadsheets.SheetChoice | None = None  # the worksheet read (None: a .csv)

    @property
    def unchanged(self) -> int:
        return sum(o.existing for o in self.outcomes)


# -- replaying ---------------------------------------------------------------------------------
def template(
    session: Session,
    actor: Actor,
    kind: str,
    pgettext: spreadsheets.InContext = spreadsheets.as_written,
    column_names: Mapping[str, str] | None = None,
) -> bytes:
    """The ledger's .xlsx to fill in, its lists (units, deputies, classes) as drop-downs: what
    the process's forms offer for each column, as the import reads it (the units a field leaves
    out, such as the presidium, are not offered). Its notes sheet in the reader's language
    (``pgettext``: a page's; Chinese by default), each column named so where the reader names
    it otherwise than its header (``column_names``); headers, example and lists as read."""
    access.require(actor, Permission.CASE_IMPORT, "import a ledger")
    ledger = kind_of(kind)
    lists = {
        header: list(options.values())
        for header, options in option_lists(session, ledger).items()
        if header not in SEVERAL_UNITS
    }
    if ledger == LedgerKind.PROPOSALS:
        # two deputies of one name offered apart, 周军（zhoujun2）, as the import reads them back
        lists["提出代表"] = list(deputy_choices(repo.users_with_role(session, Role.DEPUTY)).values())
    columns = [replace(c, choices=lists.get(c.header, c.choices)) for c in COLUMNS[ledger]]
    notes = {**template_notes(ledger, pgettext), **spreadsheets.column_note(columns, column_names, pgettext)}
    return spreadsheets.template("台账", columns, notes, notes_sheet=spreadsheets.notes_title(pgettext))


def plan(session: Session, actor: Actor, kind: str, filename: str, content: bytes) -> LedgerPlan:
    """The dry run: every row replayed and rolled back; what each becomes, every problem."""
    with session.begin_nested() as savepoint:
        result = _replay(session, actor, kind_of(kind), filename, content)
        savepoint.rollback()
    return result


def apply(
    session: Session, actor: Actor, kind: str, filename: str, content: bytes, *, upload: str | None = None
) -> LedgerPlan:
    """Import the ledger: all rows or, with any problem, none (ImportRefused lists them). The
    import as a whole is one audit entry (``import_ledger``: the file, what it made), at the
    time it happened, besides each case's own; none when every row was here already.
    ``upload``: the receipt of the pending upload confirmed (``pending_uploads.receipt``),
    by which a second confirmation of it is told it was imported."""
    result = _replay(session, actor, kind_of(kind), filename, content)
    if result.problems:
        raise LedgerRefused(result)
    made = [o for o in result.outcomes if not o.existing]
    if made:
        summary: dict[str, Any] = {
            "file": filename[:200],
            "ledger": result.kind,
            "created": len(made),
            "closed": sum(o.closed for o in made),
            "unchanged": result.unchanged,
        }
        audit(session, actor, "import_ledger", data=summary | ({"upload": upload} if upload else {}))
    for outcome in result.outcomes:  # the tasks open now were never announced: tell their holders once
        if outcome.existing:
            continue
        # a task whose period is over and whose timer ends it (an evaluation not given in its
        # 20 working days: 逾期未反馈) was ended by the replay (``_end_lapsed_periods``) and is
        # not told of; one whose ending timer the replay left to the scheduler is gone at its
        # first sweep: telling its holder to act on it (the deputy) would ask for what can no
        # longer be done
        ending = {lapse.task_id for lapse in outcome.lapsed if lapse.ends_by}
        for item in repo.ready_item_rows(session, outcome.instance_id or 0):
            if item.task_id not in ending:
                notifications.notify_task(session, item)
    return result


class LedgerRefused(InvalidData):
    """The ledger has problems: nothing was imported. ``plan`` has them by row and column."""

    def __init__(self, plan: LedgerPlan):
        super().__init__({p.key: p.error for p in plan.problems}, "the ledger has problems; nothing was imported")
        self.plan = plan


def kind_of(kind: str) -> LedgerKind:
    try:
        return LedgerKind(kind)
    except ValueError:
        raise NotFound(f"no ledger {kind!r} (known: {', '.join(k.value for k in LedgerKind)})") from None


def _replay(session: Session, actor: Actor, kind: LedgerKind, filename: str, content: bytes) -> LedgerPlan:
    access.require(actor, Permission.CASE_IMPORT, "import a ledger")
    sheet = read_sheet(filename, content, COLUMNS[kind])
    problems = sheet_problems(sheet, COLUMNS[kind])
    if problems:  # a missing column, a merged cell: the rows cannot be read as meant
        return LedgerPlan(kind.value, len(sheet.rows), [], problems, sheet=sheet.choice)
    units = repo.department_choices(session)
    deputies = repo.users_with_role(session, Role.DEPUTY)
    today = clock.now().astimezone(LOCAL_TZ).date()
    lists = option_lists(session, kind)
    process = _current(session, PROCESS_OF[kind])
    outcomes: list[RowOutcome] = []
    examples: list[int] = []
    keys: dict[str, int] = {}
    for row in sheet.rows:
        if is_example(row, kind):
            examples.append(row.number)
            continue
        cells = Cells(row, units, deputies, today, lists)
        key = cells.required("编号")
        if key in keys:
            cells.refuse("编号", FieldError("duplicate_in_file", {"value": key, "row": keys[key]}))
        keys.setdefault(key, row.number)
        # imported before (the natural key): left as it is, whatever its other cells say now
        # (a deputy since renamed, a unit since merged), so the same ledger imports again
        # changing nothing; how the file differs from the case is said (``_differences``)
        existing = _existing(session, PROCESS_OF[kind], key, cells) if key else None
        if existing is not None and not cells.problems:
            outcomes.append(_outcome(session, row.number, existing, existing=True))
            continue
        steps = STEPS[kind](cells)
        _refuse_masked(cells)
        _refuse_control_characters(cells)
        _refuse_identity_in_key(process, key, steps, cells)
        if cells.problems:
            problems += cells.problems
            continue
        outcome = _replay_row(session, actor, kind, filename, row.number, key, steps, cells)
        problems += cells.problems
        if outcome is not None:
            outcomes.append(outcome)
    # how the file may name a unit, a deputy or an option other than as an export writes it
    aliases = {column: dict(options) for column, options in lists.items()}
    aliases |= {"提出代表": deputy_choices(deputies), "主办单位": units, "协办单位": units, "承办单位": units}
    outcomes = _differences(session, actor, kind, sheet.rows, outcomes, aliases)
    return LedgerPlan(kind.value, len(sheet.rows), outcomes, problems, examples, sheet.choice)


def _differences(
    session: Session,
    actor: Actor,
    kind: LedgerKind,
    rows: list[spreadsheets.Row],
    outcomes: list[RowOutcome],
    aliases: dict[str, dict[str, str]],
) -> list[RowOutcome]:
    """The outcomes, each row left as it is (its 编号 a case has) with the columns where the
    file says otherwise than the case as it stands (``ledger_export.stored_cells``): the
    import does not change a stored case, and the preview says so rather than let an edited
    title or reply date pass for imported."""
    from .ledger_export import stored_cells  # (ledger_export reads this module's kinds)

    cases = [o.instance_id for o in outcomes if o.existing and o.instance_id is not None]
    if not cases:
        return outcomes
    stored = stored_cells(session, actor, kind, cases)
    by_number = {row.number: row for row in rows}
    return [
        replace(o, differs=differing(by_number[o.row].values, stored[o.instance_id], kind, aliases))
        if o.existing and o.instance_id in stored
        else o
        for o in outcomes
    ]


def _existing(session: Session, process_key: str, key: str, cells: Cells) -> ProcessInstance | None:
    """The case of the process that has the row's 编号 (imported before, or entered by hand);
    or, for a 编号 written ``#id`` (an exported ledger's case entered here, which has no 编号 of
    its own: ``ledger_export``), that case, if it is of the process, has no 编号 and came in on
    the row's first date (in another database the same id is another case: the row is then a
    case to create, its 编号 ``#id`` as written). Only the process's own cases: one a call
    activity started carries its caller's 编号 and is not the row's (``cases.own_cases``).

    Several own cases may have the 编号: a 编号 is free again once its case ended (only a
    running case holds it: ``cases.key_holder``). The row is then the running one, the case the
    编号 stands for now (there is one at most); else the newest, the last to have held it (the
    latest started, a ledger's case on its registration day; the later entered of two started
    alike). Without an order the database picks any, and a second import could find another
    case than the first."""
    of_process = own_cases(process_key)
    found = session.scalar(
        of_process.where(ProcessInstance.business_key == key)
        .order_by(
            (ProcessInstance.status == InstanceStatus.RUNNING).desc(),
            ProcessInstance.started_at.desc(),
            ProcessInstance.id.desc(),
        )
        .limit(1)
    )
    reference = _CASE_NUMBER.fullmatch(key)
    if found is not None or reference is None:
        return found
    case = session.scalar(
        of_process.where(ProcessInstance.id == int(reference[1]), ProcessInstance.business_key.is_(None))
    )
    facts = session.get(CaseFacts, case.id) if case is not None else None
    if facts is None or facts.received_at is None:
        return None
    return case if cells.day(_FIRST_DATE[process_key]) == facts.received_at.astimezone(LOCAL_TZ).date() else None


_CASE_NUMBER = re.compile(r"#(\d{1,15})")  # a case's 案件编号, as the pages and an export write it
_FIRST_DATE = {"proposal": "登记日期", "petition": "收到日期"}  # the date a case came in: its facts' received_at


def _refuse_masked(cells: Cells) -> None:
    """A cell holding the mask an export writes in place of a confidential value (for whoever
    may not read it) is no value: a case created with it would name its petitioner ``MASK``."""
    for column, value in cells.row.values.items():
        if MASK in value:
            cells.refuse(column, FieldError("masked_value", {"value": MASK}))


def _refuse_control_characters(cells: Cells) -> None:
    """A cell holding a control character is no text a person wrote (a paste from another
    program): a case's 编号 or title holding one would break every export that lists it."""
    for column, value in cells.row.values.items():
        if (refused := control_character(value)) is not None:
            cells.refuse(column, refused)


def _refuse_identity_in_key(process: ParsedProcess, key: str, steps: list[Step], cells: Cells) -> None:
    """A 编号 that repeats a confidential value of the row's start (the petitioner's name or
    phone: 钱多多-2026) would show it in every list and let search find the case by it: refused
    at the 编号 column, as the start refuses it (``business_key_refusal``). A row whose start
    is not replayed (its date wrong) is asked by its cells as written, so that its 编号's
    problem is said with the date's, not once the date is put right."""
    if steps and steps[0].bpmn_id is None:
        start = steps[0].data
    else:
        start = {field: cells.text(column) for field, column in COLUMN_OF_FIELD.items()}
    if key and (refused := business_key_refusal(process, start, key)) is not None:
        cells.refuse("编号", refused)


def _current(session: Session, process_key: str) -> ParsedProcess:
    """The current version of the process a ledger's rows become cases of."""
    definition = repo.latest_definition(session, process_key)
    if definition is None:
        raise NotFound(f"no process {process_key!r} is deployed: deploy it before importing its ledger")
    return processes.get(definition)


def _outcome(
    session: Session, row: int, instance: ProcessInstance, existing: bool = False, lapsed_before: Sequence[Lapse] = ()
) -> RowOutcome:
    """What the row is (``existing``) or becomes: the case as it stands, and of the tasks it waits
    at those past their period. ``lapsed_before``: those the row left it waiting at before the
    replay ended their periods (``_end_lapsed_periods``), said with any it moved on to since."""
    ready = repo.ready_item_rows(session, instance.id)
    closed = instance.status == InstanceStatus.COMPLETED
    said = {lapse.task_id for lapse in lapsed_before}
    lapsed = [] if existing else [*lapsed_before, *(x for x in _lapsed(session, instance) if x.task_id not in said)]
    waiting = {w.task_id for w in ready}
    supervised = any(lapse.supervised_by and lapse.task_id in waiting for lapse in lapsed)
    return RowOutcome(
        row, instance.title, instance.id, closed, [w.name for w in ready], existing, lapsed, (), supervised
    )


# SpiffWorkflow fires a timer strictly after its moment: the replay fires it a second after,
# as the scheduler's sweep would (the pages, by the minute, read the deadline's own minute)
_JUST_AFTER = timedelta(seconds=1)
# periods a case may run through one after another by the import (a task the case moves on to
# whose period is over too): more is a loop of the process, left to the scheduler
_MOST_LAPSES = 20


def _end_lapsed_periods(session: Session, instance_id: int) -> None:
    """Fire, at the moment each period ended, the timers that end a task the case waits at
    whose period ended before now (an evaluation not given in its 20 working days: 逾期未反馈),
    as the scheduler would have fired them live: the step reads as closed then, by that
    timer, and a case that ends with it ended then, not when it was imported (nor its
    statistics counted by the import's day). The earliest first, one at a time: the task the
    case moves on to may have lapsed too. A due timer that leaves its task open (答复期满: a
    督办) is the scheduler's, once the import is stored, so that the task's holders are told
    of the 督办; one due before the next ending timer stops the firing here (the engine fires
    every timer due by a moment at once: that 督办 would be told no one)."""
    # the case's process version does not change as it moves on: its boundary timers read once
    boundary = _boundary_timers(processes.get_by_id(session, _instance(session, instance_id).definition_id))
    for _ in range(_MOST_LAPSES):
        instance = _instance(session, instance_id)
        if instance.status != InstanceStatus.RUNNING:
            return
        due = _due_timers(session, instance, boundary)
        if not due:
            return
        timer, ends = min(due, key=lambda pair: (pair[0].due_at, pair[0].id))
        if not ends:
            return
        try:
            with session.begin_nested(), clock.as_of(timer.due_at + _JUST_AFTER):
                fired = timers.fire_timer(session, timer.id)
        except EngineError:  # a step of the process failed: left to the scheduler, whose incident says why
            return
        if not fired:
            return


def _due_timers(
    session: Session, instance: ProcessInstance, boundary: dict[str, list[_BoundaryTimer]]
) -> list[tuple[repo.TimerRow, bool]]:
    """The case's boundary timers due by now (the real clock) on the tasks it waits at, each
    with whether it ends its task (interrupting); ``boundary``: its process's, by the task."""
    now = clock.now()
    on_waiting = {
        event.bpmn_id: event.interrupting
        for item in repo.ready_item_rows(session, instance.id)
        for event in boundary.get(item.bpmn_id, [])
    }
    return [
        (t, on_waiting[t.bpmn_id])
        for t in repo.pending_timers_of_instance(session, instance.id)
        if t.kind == TimerKind.BPMN and t.due_at <= now and t.bpmn_id in on_waiting
    ]


def _lapsed(session: Session, instance: ProcessInstance) -> list[Lapse]:
    """The tasks the case waits at whose period is over by now (the real clock: the replay's
    is back), with the boundary timers on them that are due too: what the scheduler does
    with the case at once, once it is stored."""
    now = clock.now()
    due_timers = {
        t.bpmn_id: t.due_at
        for t in repo.pending_timers_of_instance(session, instance.id)
        if t.kind == TimerKind.BPMN and t.due_at <= now
    }
    boundary = _boundary_timers(processes.get_by_id(session, instance.definition_id))
    lapsed = []
    for item in repo.ready_item_rows(session, instance.id):
        due = [(b, due_timers[b.bpmn_id]) for b in boundary.get(item.bpmn_id, []) if b.bpmn_id in due_timers]
        if not due and (item.due_at is None or item.due_at > now):
            continue
        ends = next((b.name for b, _at in due if b.interrupting), "")
        supervised = next((b.name for b, _at in due if not b.interrupting), "")
        ended = item.due_at if item.due_at is not None and item.due_at <= now else min(at for _b, at in due)
        lapsed.append(Lapse(item.name, ended, ends, "" if ends else supervised, item.task_id))
    return lapsed


@dataclass(frozen=True)
class _BoundaryTimer:
    bpmn_id: str
    name: str
    interrupting: bool


def _boundary_timers(process: ParsedProcess) -> dict[str, list[_BoundaryTimer]]:
    """The boundary events on each task (by the task's id), as the process's spec has them
    (an event's split names the task it is attached to). Those without a pending timer of
    the case are not timers, or not armed."""
    found: dict[str, list[_BoundaryTimer]] = {}
    for spec in [process.spec, *process.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, BoundaryEvent) or not task_spec.inputs:
                continue
            attached = [s for s in task_spec.inputs[0].outputs if not isinstance(s, BoundaryEvent)]
            event = _BoundaryTimer(
                task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id, task_spec.cancel_activity
            )
            for task in attached:
                found.setdefault(task.bpmn_id, []).append(event)
    return found


@contextmanager
def _step(cells: Cells, column: str) -> Iterator[None]:
    """A step the process refuses is a problem at the cell that dates it."""
    try:
        yield
    except InvalidData as exc:
        # what the step refused, said as itself (in the reader's language), at the cell its
        # value came from, else at the cell that dates the step
        field, error = next(iter(exc.codes.items()))
        cells.refuse(COLUMN_OF_FIELD.get(field, column), error)
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
        # every entry the replay writes but the import's own (the administrator's act) is
        # marked as recorded from the row, which the history says (HistoryEntry.ledger)
        row = {"file": filename, "row": number}
        with session.begin_nested(), notifications.held_back():
            with _step(cells, first.column), clock.as_of(_moment(first.day, 0)), recorded_from(row):
                case = start_instance(session, actor, PROCESS_OF[kind], first.data, business_key=key)
            for index, step in enumerate(rest, start=1):
                moment = _moment(step.day, index)
                with _step(cells, step.column), clock.as_of(moment), recorded_from(row):
                    for bpmn_id, data in step.beside.items():
                        for item in _ready(session, case.id, bpmn_id):
                            # undated: by the step's moment, and within its own period (the ledger says nothing late)
                            with clock.as_of(_within_period(item.due_at, moment)):
                                _complete(session, actor, case.id, item.task_id, data)
                    items = _ready(session, case.id, step.bpmn_id or "")
                    if not items or (len(items) > 1 and not step.every_round):  # the process took another way
                        cells.add(_unreached(session, case.id, number, step))
                        raise _Stop
                    for item in items:
                        _complete(session, actor, case.id, item.task_id, step.data)
            # the administrator's own act, when he did it (the real clock, not the ledger's
            # dates): the audit log says when the case was imported, and from which row
            audit(session, actor, "import", instance_id=case.id, data=row)
            # the preview says what the import gives: the case once the periods that end a task
            # ended (a lapsed evaluation may close it), the 督办 it is under at once, and which
            # periods the row left it waiting at were over
            lapsed = _lapsed(session, _instance(session, case.id))
            _end_lapsed_periods(session, case.id)
            outcome = _outcome(session, number, _instance(session, case.id), lapsed_before=lapsed)
    except _Stop:
        return None
    return outcome


def _unreached(session: Session, instance_id: int, number: int, step: Step) -> Unreached:
    """The row's ``step`` not reached: named as the case's version names it, with where the
    case stopped on that version."""
    instance = _instance(session, instance_id)
    definition = session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    waiting = tuple(dict.fromkeys(w.name for w in repo.ready_item_rows(session, instance_id)))
    closed = instance.status == InstanceStatus.COMPLETED
    meta = processes.get(definition).tasks.get(step.bpmn_id or "")
    error = FieldError("not_reached", {"task": meta.name if meta else str(step.bpmn_id)})
    stop = Stop(definition.name, definition.version, waiting, closed)
    return Unreached(number, step.column, error, stop=stop)  # (its date is not what is wrong: not quoted)


def _moment(day: date, index: int) -> datetime:
    """A step of the day, in the office's morning; steps of one day a minute apart, in order."""
    return datetime.combine(day, OFFICE_HOURS, LOCAL_TZ) + timedelta(minutes=index)


def _within_period(due_at: datetime | None, moment: datetime) -> datetime:
    """``moment``, or, when a task's period ends before it, the office's morning of the
    period's last day (it ends at 24:00 of that day: stored as 00:00 of the next)."""
    if due_at is None or moment < due_at:
        return moment
    last_day = (due_at.astimezone(LOCAL_TZ) - timedelta(days=1)).date()
    return datetime.combine(last_day, OFFICE_HOURS, LOCAL_TZ)


def _instance(session: Session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    assert instance is not None
    return instance


def _ready(session: Session, instance_id: int, bpmn_id: str) -> list[repo.ItemRow]:
    """The tasks of ``bpmn_id`` open in the case."""
    return [w for w in repo.ready_item_rows(session, instance_id) if w.bpmn_id == bpmn_id]


def _complete(session: Session, actor: Actor, instance_id: int, task_id: str, data: dict[str, Any]) -> None:
    """Complete the task if it is still open (completing one beside it may have withdrawn it),
    given as one of the case's open items read right before (run_completion reads those rows
    back when it saves the case). The administrator completes it for whoever did it then
    (its 办理人; the history says it was recorded from the ledger: ``context.recorded_from``); a task
    offered to a unit or a role stays offered to them, unclaimed (completing claims it for the
    one who completes it), so that the statutory deadlines name the unit as its 承办, not the
    administrator."""
    ready = repo.ready_item_rows(session, instance_id)
    item = next((w for w in ready if w.task_id == task_id), None)
    if item is None:
        return
    unclaimed = item.assignee is None
    run_completion(session, actor, _instance(session, instance_id), item, data, ready)
    if unclaimed:
        session.execute(update(WorkItem).where(WorkItem.id == item.id).values(assignee=None))
