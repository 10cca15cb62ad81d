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
importing a ledger again changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
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
from .onboarding import Problem
from .tasks import run_completion

_SPLIT = re.compile(r"[、,，;；\s]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
OFFICE_HOURS = time(9, 0)  # a step dated by a day is taken to be done that morning
IMPORTED_NOTE = "（按台账导入）"


class LedgerKind(StrEnum):
    PROPOSALS = "proposals"
    PETITIONS = "petitions"


C = spreadsheets.Column
COLUMNS: dict[LedgerKind, tuple[spreadsheets.Column, ...]] = {
    LedgerKind.PROPOSALS: (
        C("编号", 14, True, "2026-建-001"),
        C("标题", 30, True, "关于修缮村道的建议"),
        C("内容", 40, True, "村道破损严重，建议修缮"),
        C("提出代表", 12, True, "王代表"),
        C("提出时间", 12, True, "闭会期间", ("大会期间", "闭会期间")),
        C("登记日期", 12, True, "2026-03-02"),
        C("交办日期", 12, False, "2026-03-09"),
        C("类别", 12, False, ""),
        C("主办单位", 14, False, "财政所"),
        C("协办单位", 20, False, ""),
        C("答复日期", 12, False, "2026-05-20"),
        C("答复类别", 10, False, "A", ("A", "B", "C", "D")),
        C("答复内容", 40, False, "已安排资金，年内完成修缮"),
        C("评价日期", 12, False, "2026-06-01"),
        C("评价", 10, False, "满意", ("满意", "基本满意", "不满意")),
    ),
    LedgerKind.PETITIONS: (
        C("编号", 14, True, "2026-信-001"),
        C("事由", 20, True, "低保资格"),
        C("来源", 10, True, "来访", ("来信", "来访", "意见箱")),
        C("信访人姓名", 12, True, "赵某某"),
        C("联系电话", 14, False, "13800001234"),
        C("信访内容", 40, True, "申请复核低保资格"),
        C("收到日期", 12, True, "2026-03-02"),
        C("受理日期", 12, False, "2026-03-05"),
        C("承办单位", 14, False, "民政办"),
        C("交办日期", 12, False, "2026-03-06"),
        C("答复日期", 12, False, "2026-03-30"),
        C("答复内容", 40, False, "经核查，符合低保条件"),
    ),
}
PROCESS_OF = {LedgerKind.PROPOSALS: "proposal", LedgerKind.PETITIONS: "petition"}


@dataclass(frozen=True)
class Step:
    """A recorded step: the task (None: the start) done on ``day`` with ``data``; ``column``
    is the cell that dates it (where a problem with the step is reported)."""

    bpmn_id: str | None
    day: date
    column: str
    data: dict[str, Any]
    # tasks running beside it that the ledger does not record, done with it (a co-handling
    # unit's opinion, which the reply waits for)
    beside: Mapping[str, dict[str, Any]] = field(default_factory=dict)


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

    @property
    def unchanged(self) -> int:
        return sum(o.existing for o in self.outcomes)


# -- reading the cells -----------------------------------------------------------------------
class _Cells:
    """A row's cells read as the process needs them; what cannot be read is a problem at its
    row and column."""

    def __init__(self, row: spreadsheets.Row, units: dict[str, str], deputies: dict[str, str], today: date):
        self.row, self.units, self.deputies, self.today = row, units, deputies, today
        self.problems: list[Problem] = []

    def text(self, column: str) -> str:
        return self.row.values.get(column, "")

    def refuse(self, column: str, error: FieldError) -> None:
        if not any(p.column == column for p in self.problems):
            self.problems.append(Problem(self.row.number, column, error))

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            self.refuse(column, FieldError("required"))
        return value

    def day(self, column: str, after: tuple[str, date | None] | None = None) -> date | None:
        """The date in ``column`` (2026-03-02, 2026/3/2, 2026年3月2日), not in the future and
        not before the step ``after`` names; a date whose earlier step is missing is refused."""
        value = self.text(column)
        if not value:
            return None
        match = _DATE.fullmatch(value.split(" ")[0])
        try:
            day = date(int(match[1]), int(match[2]), int(match[3])) if match else None
        except ValueError:
            day = None
        if day is None:
            self.refuse(column, FieldError("not_a_date"))
        elif day > self.today:
            self.refuse(column, FieldError("date_out_of_range", {"min": "1900-01-01", "max": self.today.isoformat()}))
        elif after is not None and after[1] is None:
            if not self.text(after[0]):  # (a date there that is wrong has a problem of its own)
                self.refuse(column, FieldError("needs_column", {"column": after[0]}))
        elif after is not None and after[1] is not None and day < after[1]:
            self.refuse(column, FieldError("date_before", {"column": after[0], "day": after[1].isoformat()}))
        else:
            return day
        return None

    def choice(self, column: str, options: Mapping[str, str], required: bool = False) -> str | None:
        """A value of a list by its label or its code (options: code → label)."""
        value = self.required(column) if required else self.text(column)
        if not value:
            return None
        code = value if value in options else {label: c for c, label in options.items()}.get(value)
        if code is None:
            self.refuse(column, FieldError("not_allowed_value", {"value": f"{value}（{'、'.join(options.values())}）"}))
        return code

    def units_of(self, column: str) -> list[str]:
        names = [n for n in _SPLIT.split(self.text(column)) if n]
        codes = [self.choice_of(n) for n in names]
        unknown = [n for n, c in zip(names, codes, strict=True) if c is None]
        if unknown:
            self.refuse(column, FieldError("unknown_department", {"department": "、".join(unknown)}))
        return [c for c in codes if c is not None]

    def choice_of(self, name: str) -> str | None:
        return name if name in self.units else {n: c for c, n in self.units.items()}.get(name)


def _options(session: Session, process_key: str, bpmn_id: str | None, field_id: str) -> dict[str, str]:
    """An enum field's options (code → label) in the process's current version; ``bpmn_id``
    None: the start form's."""
    definition = repo.latest_definition(session, process_key)
    if definition is None:
        raise NotFound(f"no process {process_key!r} is deployed: deploy it before importing its ledger")
    process = processes.get(definition)
    meta = process.tasks.get(bpmn_id) if bpmn_id else None
    form = meta.form if meta else process.start_form
    f = form.field(field_id)
    return {o.id: o.name for o in f.options} if f else {}


# -- what a row's steps are ------------------------------------------------------------------
def _proposal_steps(session: Session, c: _Cells) -> list[Step]:
    start = {
        "kind": "suggestion",  # a 议案 goes through the presidium: entered by hand
        "title": c.required("标题"),
        "content": c.required("内容"),
        "deputy": c.choice("提出代表", c.deputies, required=True),
        "submitted_during": c.choice("提出时间", _options(session, "proposal", None, "submitted_during"), True),
    }
    registered = c.day("登记日期") if c.required("登记日期") else None
    steps = [Step(None, registered, "登记日期", start)] if registered else []
    assigned = c.day("交办日期", ("登记日期", registered))
    if assigned:
        lead = c.choice("主办单位", c.units, required=True)
        cohandling = [u for u in c.units_of("协办单位") if u != lead]
        category = c.choice("类别", _options(session, "proposal", "Task_Classify", "category"), required=True)
        data = {
            "category": category,
            "lead_unit": lead,
            "cohandling_units": cohandling,
            "assignment_note": IMPORTED_NOTE,
        }
        steps.append(Step("Task_Classify", assigned, "交办日期", data))
    replied = c.day("答复日期", ("交办日期", assigned))
    if replied:
        data = {
            "handling_action": "reply",
            "reply_class": c.choice("答复类别", {k: k for k in "ABCD"}, required=True),
            "reply_text": c.required("答复内容"),
        }
        steps.append(
            Step(
                "Task_Reply", replied, "答复日期", data, {"Task_CohandlingView": {"cohandling_opinion": IMPORTED_NOTE}}
            )
        )
    evaluated = c.day("评价日期", ("答复日期", replied))
    if evaluated:
        evaluation = c.choice("评价", {"满意": "满意", "基本满意": "基本满意", "不满意": "不满意"}, required=True)
        steps.append(Step("Task_Evaluate", evaluated, "评价日期", {"evaluation": evaluation}))
    return steps


def _petition_steps(session: Session, c: _Cells) -> list[Step]:
    received = c.day("收到日期") if c.required("收到日期") else None
    start = {
        "channel": c.choice("来源", _options(session, "petition", None, "channel"), True),
        "petitioner_name": c.required("信访人姓名"),
        "petitioner_phone": c.text("联系电话"),
        "petition_subject": c.required("事由"),
        "petition_content": c.required("信访内容"),
        "received_on": received.isoformat() if received else "",
        "disposition": "register",
    }
    steps = [Step(None, received, "收到日期", start)] if received else []
    accepted = c.day("受理日期", ("收到日期", received))
    if accepted:
        steps.append(
            Step("Task_Accept", accepted, "受理日期", {"acceptance": "accept", "notified_on": accepted.isoformat()})
        )
    assigned = c.day("交办日期", ("受理日期", accepted))
    if assigned:
        unit = c.choice("承办单位", c.units, required=True)
        steps.append(
            Step("Task_Assign", assigned, "交办日期", {"handling_unit": unit, "assignment_note": IMPORTED_NOTE})
        )
    replied = c.day("答复日期", ("交办日期", assigned))
    if replied:
        data = {"handling_action": "reply", "reply_text": c.required("答复内容")}
        steps.append(Step("Task_Handle", replied, "答复日期", data))
    return steps


STEPS = {LedgerKind.PROPOSALS: _proposal_steps, LedgerKind.PETITIONS: _petition_steps}


# -- replaying ---------------------------------------------------------------------------------
def template(session: Session, actor: Actor, kind: str) -> bytes:
    """The ledger's .xlsx to fill in, its lists (units, deputies, classes) as drop-downs."""
    access.require(actor, Permission.CASE_IMPORT, "import a ledger")
    ledger = _kind(kind)
    lists = {
        "主办单位": list(repo.department_choices(session).values()),
        "承办单位": list(repo.department_choices(session).values()),
    }
    if ledger == LedgerKind.PROPOSALS:
        lists["提出代表"] = list(repo.users_with_role(session, Role.DEPUTY).values())
        lists["类别"] = list(_options(session, "proposal", "Task_Classify", "category").values())
    columns = [
        C(c.header, c.width, c.required, c.example, lists.get(c.header, c.choices), c.hint) for c in COLUMNS[ledger]
    ]
    notes = {
        "怎样导入": "每行一件。按登记（收到）、交办、答复、评价的日期依次在系统中重新办理一遍："
        "填了日期的步骤按该日办结，留空的步骤即案件现在等待的环节。",
        "必填": "带 * 的列必填；填了某一步的日期，该步所需的列（如交办的主办单位、类别）也须填写。",
    }
    return spreadsheets.template("台账", columns, notes)


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
    outcomes: list[RowOutcome] = []
    keys: dict[str, int] = {}
    for row in sheet.rows:
        cells = _Cells(row, units, deputies, today)
        steps = STEPS[kind](session, cells)
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
    return LedgerPlan(kind.value, len(sheet.rows), outcomes, problems)


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
def _step(cells: _Cells, column: str) -> Iterator[None]:
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
    cells: _Cells,
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
                        for item in _ready(session, case.id, bpmn_id):
                            run_completion(
                                session, actor, _instance(session, case.id), item, data, _ready_all(session, case.id)
                            )
                    items = _ready(session, case.id, step.bpmn_id or "")
                    if len(items) != 1:  # the process took another way than the ledger's
                        cells.refuse(step.column, FieldError("not_reached", {"task": _task_name(session, kind, step)}))
                        raise _Stop
                    [item] = items
                    run_completion(
                        session, actor, _instance(session, case.id), item, step.data, _ready_all(session, case.id)
                    )
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


def _ready_all(session: Session, instance_id: int) -> list[Any]:
    return list(repo.ready_item_rows(session, instance_id))


def _ready(session: Session, instance_id: int, bpmn_id: str) -> list[Any]:
    return [w for w in repo.ready_item_rows(session, instance_id) if w.bpmn_id == bpmn_id]
