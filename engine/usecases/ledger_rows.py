"""What the rows of this year's ledger (台账) say, read as the process needs them: the columns
of each ledger, each cell read (dates as offices write them, units and deputies by name or code,
a form's options by their labels) with every problem at its row and column, and the steps a row
records — the start and each task it reached, on the date that dates it. ``ledger`` replays
those steps through the process.

A co-handling unit's view (协办意见) is dated by its own optional column, 协办意见日期. Left
empty, the view is done with the reply, which the process makes wait for it (``Step.beside``):
then on the reply's day or, when that is past the view's own period, on the period's last
day — the ledger says the views reached the lead unit by its reply, and nothing that they
came late, so the replay records no one as late on a date the ledger does not give (the
view's text says the ledger gave none)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from storage import repositories as repo

from ..bpmn.forms import FormSpec
from ..errors import FieldError, NotFound
from . import spreadsheets
from .confidentiality import MASK
from .context import processes
from .onboarding import Problem
from .option_lists import choices as form_choices

_SPLIT = re.compile(r"[、,，;；\s]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
# columns of several units (、): a drop-down picks one value, so the template gives them none
SEVERAL_UNITS = frozenset({"协办单位"})
# What a replayed step's text field holds where the ledger has no column for it (a 交办意见, a
# co-handling view, an unsatisfied deputy's reason): stored in Chinese, as what people write is
IMPORTED_NOTE = "（按台账导入）"
# a co-handling unit's view the ledger does not date (see the module's doc)
UNDATED_VIEW_NOTE = "（按台账导入；台账未记协办意见日期，记为不晚于答复日期和协办期限）"


def note_said(value: str, pgettext: spreadsheets.InContext) -> str:
    """``value`` in the reader's language (``pgettext``: a page's) where it is one of the notes
    the import stores in a field (``IMPORTED_NOTE``, ``UNDATED_VIEW_NOTE``): the product's words,
    not a person's; any other value as it is."""
    if value == IMPORTED_NOTE:
        return pgettext("ledger note", "（按台账导入）")
    if value == UNDATED_VIEW_NOTE:
        return pgettext("ledger note", "（按台账导入；台账未记协办意见日期，记为不晚于答复日期和协办期限）")
    return value


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
        C("登记日期", 12, True, "2026-03-02", is_date=True),
        C("交办日期", 12, False, "2026-03-09", is_date=True),
        C("类别", 12, False, "城乡建设"),
        C("主办单位", 14, False, "财政所"),
        C("协办单位", 20, False, ""),
        C("协办意见日期", 12, False, "", is_date=True),  # optional: see the module's doc
        C("答复日期", 12, False, "2026-05-20", is_date=True),
        C("答复类别", 10, False, "A", ("A", "B", "C", "D")),
        C("答复内容", 40, False, "已安排资金，年内完成修缮"),
        C("评价日期", 12, False, "2026-06-01", is_date=True),
        C("评价", 10, False, "满意", ("满意", "基本满意", "不满意")),
    ),
    LedgerKind.PETITIONS: (
        C("编号", 14, True, "2026-信-001"),
        C("事由", 20, True, "低保资格"),
        C("来源", 10, True, "来访", ("来信", "来访", "意见箱")),
        C("信访人姓名", 12, True, "赵某某"),
        C("联系电话", 14, False, "13800001234"),
        C("信访内容", 40, True, "申请复核低保资格"),
        C("收到日期", 12, True, "2026-03-02", is_date=True),
        C("受理日期", 12, False, "2026-03-05", is_date=True),
        C("承办单位", 14, False, "民政办"),
        C("交办日期", 12, False, "2026-03-06", is_date=True),
        C("答复日期", 12, False, "2026-03-30", is_date=True),
        C("答复内容", 40, False, "经核查，符合低保条件"),
    ),
}
PROCESS_OF = {LedgerKind.PROPOSALS: "proposal", LedgerKind.PETITIONS: "petition"}


# The template's 说明 sheet: each ledger's own steps, in the order of its dates, and the
# columns each step needs (as proposal_steps and petition_steps below read them); in the
# reader's language (``pgettext``: a page's, spreadsheets.InContext; Chinese by default).
def template_notes(kind: LedgerKind, pgettext: spreadsheets.InContext = spreadsheets.as_written) -> dict[str, str]:
    as_read = pgettext(
        "spreadsheet note",
        "填了日期的步骤按该日办结，留空的步骤即案件现在等待的环节；每一步的日期不能早于上一步，也不能晚于今天。",
    )
    example = pgettext(
        "spreadsheet note",
        "模板第 2 行是填写示例：原样留着导入时会跳过它，不会成为案件；可以删掉它，也可以直接改写成第一件。",
    )
    if kind == LedgerKind.PROPOSALS:
        return {
            pgettext("spreadsheet note", "怎样导入"): pgettext(
                "spreadsheet note",
                "每行一件建议。按登记、交办、答复、评价的日期依次在系统中重新办理一遍：%(as_read)s",
                as_read=as_read,
            ),
            pgettext("spreadsheet note", "必填"): pgettext(
                "spreadsheet note",
                "带 * 的列必填；填了某一步的日期，该步所需的列也须填写："
                "交办须填类别、主办单位，答复须填答复类别、答复内容，评价须填评价。"
                "反过来，某一步的日期空着，该步的列也须空着：没有交办日期的不填类别、主办单位、协办单位，"
                "没有答复日期的不填答复类别、答复内容，没有评价日期的不填评价（填了的不会导入，导入时作为问题列出）。",
            ),
            pgettext("spreadsheet note", "协办意见"): pgettext(
                "spreadsheet note",
                "有协办单位的，协办意见日期填协办单位向主办单位提出意见的日期（不早于交办日期，不晚于答复日期）。"
                "不填的，协办意见随答复一并记录：日期记为答复日期；答复日期已过协办期限的，记为协办期限的最后一天"
                "（台账没有记日期，不判为逾期）。",
            ),
            pgettext("spreadsheet note", "示例"): example,
        }
    return {
        pgettext("spreadsheet note", "怎样导入"): pgettext(
            "spreadsheet note",
            "每行一件信访。按收到、受理、交办、答复的日期依次在系统中重新办理一遍：%(as_read)s",
            as_read=as_read,
        ),
        pgettext("spreadsheet note", "必填"): pgettext(
            "spreadsheet note",
            "带 * 的列必填；填了某一步的日期，该步所需的列也须填写：交办须填承办单位，答复须填答复内容。"
            "反过来，某一步的日期空着，该步的列也须空着：没有交办日期的不填承办单位，没有答复日期的不填答复内容"
            "（填了的不会导入，导入时作为问题列出）。",
        ),
        pgettext("spreadsheet note", "示例"): example,
    }


# the notes in Chinese (the export's 说明 sheet names the ledger's 必填 as its template does)
NOTES: dict[LedgerKind, dict[str, str]] = {kind: template_notes(kind) for kind in LedgerKind}


@dataclass(frozen=True)
class Step:
    """A recorded step: the task (None: the start) done on ``day`` with ``data``; ``column``
    is the cell that dates it (where a problem with the step is reported)."""

    bpmn_id: str | None
    day: date
    column: str
    data: dict[str, Any]
    # tasks running beside it that the ledger does not date, done with it, within their own
    # periods (a co-handling unit's opinion, which the reply waits for: see the module's doc)
    beside: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # every open task of ``bpmn_id`` is done (the rounds of a multi-instance: each
    # co-handling unit's view), not the one task the step otherwise expects
    every_round: bool = False


# -- reading the cells -----------------------------------------------------------------------
def is_example(row: spreadsheets.Row, kind: LedgerKind) -> bool:
    """Whether ``row`` is the template's example row as handed out, every cell as written
    there: never a case (its deputy is made up). Changed in any cell, it is a row like any."""
    return all(row.values.get(c.header, "") == c.example for c in COLUMNS[kind])


def deputy_choices(deputies: Mapping[str, str]) -> dict[str, str]:
    """How the ledger writes each deputy (user name → value): by his name, or, when several
    deputies have it, by his name with his user name, 周军（zhoujun2）, so that the template's
    drop-down and an export tell them apart, and the import reads each back as his."""
    having = Counter(deputies.values())
    return {u: n if having[n] == 1 else f"{n}（{u}）" for u, n in deputies.items()}


class Cells:
    """A row's cells read as the process needs them; what cannot be read is a problem at its
    row and column."""

    def __init__(
        self,
        row: spreadsheets.Row,
        units: dict[str, str],
        deputies: dict[str, str],
        today: date,
        lists: dict[str, dict[str, str]],
    ):
        self.row, self.units, self.deputies, self.today = row, units, deputies, today
        # column → the form's options it is read against, units included (``option_lists``)
        self.lists = lists
        self.problems: list[Problem] = []

    def text(self, column: str) -> str:
        return self.row.values.get(column, "")

    def refuse(self, column: str, error: FieldError) -> None:
        self.add(Problem(self.row.number, column, error, self.text(column)))

    def add(self, problem: Problem) -> None:
        """A problem at its cell (the first one found there: one a cell)."""
        if not any(p.column == problem.column for p in self.problems):
            self.problems.append(problem)

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
        written = value.split(" ")[0]
        match = _DATE.fullmatch(written)
        try:
            day = date(int(match[1]), int(match[2]), int(match[3])) if match else None
        except ValueError:  # written as a date, but no day of the calendar (2026-13-45, 2027-02-30)
            self.refuse(column, FieldError("no_such_date", {"day": written}))
            return None
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
        codes = [value] if value in options else [c for c, label in options.items() if label == value]
        if not codes:
            self.refuse(column, FieldError("not_one_of", {"value": value, "choices": "、".join(options.values())}))
            return None
        return codes[0]

    def deputy(self, column: str) -> str | None:
        """The deputy (a user name) in ``column``, required: written as the user name, as the
        template offers him (``deputy_choices``: his name, or, for a name several deputies
        share, 周军（zhoujun2）), or by a name only he has. A name several share is refused
        as shared, with the values that tell them apart."""
        value = self.required(column)
        if not value:
            return None
        offered = deputy_choices(self.deputies)
        if value in offered:
            return value
        written = value.replace("(", "（").replace(")", "）").replace(" ", "")  # 周军 (zhoujun2), typed by hand
        found = [u for u, label in offered.items() if label in (value, written)]
        if found:
            return found[0]
        shared = [u for u, name in self.deputies.items() if name == value]
        if shared:
            choices = "、".join(offered[u] for u in sorted(shared))
            self.refuse(column, FieldError("shared_name", {"value": value, "choices": choices}))
        else:
            self.refuse(column, FieldError("not_one_of", {"value": value, "choices": "、".join(offered.values())}))
        return None

    def unit(self, column: str, required: bool = False) -> str | None:
        """The unit in ``column``, one of those its field offers (``lists[column]``); a unit
        there is but the field leaves out (``options_exclude``) is refused as no unit the
        process assigns to, by its name."""
        value = self.required(column) if required else self.text(column)
        if not value or self._shared(column, [value]) or not self._assigned(column, [self.choice_of(value)]):
            return None
        return self.choice(column, self.lists[column])

    def units_of(self, column: str) -> list[str]:
        """The units in ``column`` (several, separated by 、 , ; or spaces), each one its field
        offers; an unknown one or one it leaves out is refused."""
        names = [n for n in _SPLIT.split(self.text(column)) if n]
        if self._shared(column, names):
            return []
        codes = [self.choice_of(n) for n in names]
        unknown = [n for n, c in zip(names, codes, strict=True) if c is None]
        if unknown:
            self.refuse(column, FieldError("unknown_department", {"department": "、".join(unknown)}))
        elif not self._assigned(column, codes):
            return []
        # a unit written twice (民政办、民政办) is a typing slip: once (the form refuses it twice)
        return list(dict.fromkeys(c for c in codes if c is not None))

    def _assigned(self, column: str, codes: list[str | None]) -> bool:
        """Whether none of the units ``codes`` (None: no unit there is) is one the column's
        field leaves out; those it does are refused by their names (a unit written by its code,
        ``presidium``, said as 人大主席团)."""
        left_out = [self.units[c] for c in codes if c is not None and c not in self.lists[column]]
        if left_out:
            self.refuse(column, FieldError("not_assigned_unit", {"unit": "、".join(left_out)}))
        return not left_out

    def _shared(self, column: str, names: list[str]) -> bool:
        """Whether one of ``names`` is the name of several units and the code of none (a code
        wins over a name: ``choice_of``), refused as such, their codes to choose from: read
        as either unit, the case would go to one the ledger may not mean."""
        for name in names:
            codes = [c for c, n in self.units.items() if n == name] if name not in self.units else []
            if len(codes) > 1:
                self.refuse(column, FieldError("shared_unit_name", {"value": name, "choices": "、".join(codes)}))
                return True
        return False

    def choice_of(self, name: str) -> str | None:
        """The unit ``name`` is the code of, or else the name of (one only: ``_shared``)."""
        return name if name in self.units else {n: c for c, n in self.units.items()}.get(name)


def differing(
    values: Mapping[str, str], stored: Mapping[str, str], kind: LedgerKind, aliases: Mapping[str, Mapping[str, str]]
) -> tuple[str, ...]:
    """The columns (of ``kind``'s, the 编号 aside) where a row's cells ``values`` say otherwise
    than ``stored``, the case's row as an export writes it (``ledger_export``). Each is
    compared as meant, not as typed: a date however written, a unit, deputy or option by its
    code or as the export names it (``aliases``: column → code → that name), several units in
    any order. A cell the file leaves empty says nothing (the case has moved on since the
    ledger was kept: a reply given here), and a cell the export masks for this reader
    cannot be compared."""

    def meant(column: str, text: str) -> str:
        text = text.replace("\r\n", "\n").strip()
        if column.endswith("日期") and (match := _DATE.fullmatch(text.split(" ")[0])):
            return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"
        names = aliases.get(column, {})
        if column in SEVERAL_UNITS:
            return "、".join(sorted({names.get(n, n) for n in _SPLIT.split(text) if n}))
        return names.get(text, text)

    return tuple(
        c.header
        for c in COLUMNS[kind][1:]
        if (value := values.get(c.header, ""))
        and MASK not in (was := stored.get(c.header, ""))
        and meant(c.header, value) != meant(c.header, was)
    )


def _form(session: Session, process_key: str, bpmn_id: str | None) -> FormSpec:
    """A task's form (``bpmn_id`` None: the start form) in the process's current version."""
    definition = repo.latest_definition(session, process_key)
    if definition is None:
        raise NotFound(f"no process {process_key!r} is deployed: deploy it before importing its ledger")
    process = processes.get(definition)
    meta = process.tasks.get(bpmn_id) if bpmn_id else None
    return meta.form if meta else process.start_form


def options(session: Session, process_key: str, bpmn_id: str | None, field_id: str) -> dict[str, str]:
    """An enum field's options (code → label) in the process's current version; ``bpmn_id``
    None: the start form's."""
    f = _form(session, process_key, bpmn_id).field(field_id)
    return {o.id: o.name for o in f.options} if f else {}


def offered_units(session: Session, process_key: str, bpmn_id: str, field_id: str) -> dict[str, str]:
    """The units (code → name) a unit field of the process's current version offers, as its
    form does: without those the field leaves out (``options_exclude``: the presidium
    handles no proposal or petition). A version without such a field: every unit (the
    replay then says what the form wants at the step's date)."""
    form = _form(session, process_key, bpmn_id)
    f = form.field(field_id)
    source = (f.options_source or f.multiple_source) if f else None
    if f is None or source is None:
        return repo.department_choices(session)
    return f.offers(form_choices(session, form).get(source, {}))


def option_lists(session: Session, kind: LedgerKind) -> dict[str, dict[str, str]]:
    """The form options the ledger's columns are read against (and its template offers),
    read once for a whole file."""
    if kind == LedgerKind.PROPOSALS:
        return {
            "提出时间": options(session, "proposal", None, "submitted_during"),
            "类别": options(session, "proposal", "Task_Classify", "category"),
            "主办单位": offered_units(session, "proposal", "Task_Classify", "lead_unit"),
            "协办单位": offered_units(session, "proposal", "Task_Classify", "cohandling_units"),
        }
    return {
        "来源": options(session, "petition", None, "channel"),
        "承办单位": offered_units(session, "petition", "Task_Assign", "handling_unit"),
    }


# -- what a row's steps are ------------------------------------------------------------------
# The column each form field of the steps below is read from: a value the process refuses is
# said at its own cell (a reply too long at 答复内容), not at the step's date.
COLUMN_OF_FIELD = {
    "title": "标题",
    "content": "内容",
    "deputy": "提出代表",
    "submitted_during": "提出时间",
    "category": "类别",
    "lead_unit": "主办单位",
    "cohandling_units": "协办单位",
    "reply_class": "答复类别",
    "reply_text": "答复内容",
    "evaluation": "评价",
    "channel": "来源",
    "petitioner_name": "信访人姓名",
    "petitioner_phone": "联系电话",
    "petition_subject": "事由",
    "petition_content": "信访内容",
    "received_on": "收到日期",
    "notified_on": "受理日期",
    "handling_unit": "承办单位",
}


def _dated(c: Cells, column: str) -> bool:
    """Whether the row dates the step ``column`` names: its cells are then read, and their
    problems said, even when that date cannot be used (wrong, or after a wrong one: a
    problem of its own, or of the earlier step's), so that a row shows every problem at
    once instead of the next one only when the date is put right. The step itself is
    replayed only at a usable date."""
    return bool(c.text(column))


def _undated_step(c: Cells, column: str, *reads: str) -> None:
    """The row leaves the step ``column`` dates empty: the cells only that step reads
    (``reads``) are not read, so each one filled in is refused, naming the date it needs (as a
    date whose earlier step is missing is: ``Cells.day``), rather than dropped unsaid (a reply's
    class and text with no reply date: the case would wait at the reply, its text lost)."""
    if _dated(c, column):
        return
    for read in reads:
        if c.text(read):
            c.refuse(read, FieldError("needs_column", {"column": column}))


def proposal_steps(c: Cells) -> list[Step]:
    start = {
        "kind": "suggestion",  # a 议案 goes through the presidium: entered by hand
        "title": c.required("标题"),
        "content": c.required("内容"),
        "deputy": c.deputy("提出代表"),
        "submitted_during": c.choice("提出时间", c.lists["提出时间"], True),
    }
    registered = c.day("登记日期") if c.required("登记日期") else None
    steps = [Step(None, registered, "登记日期", start)] if registered else []
    assigned = c.day("交办日期", ("登记日期", registered))
    cohandling: list[str] = []
    if _dated(c, "交办日期"):
        lead = c.unit("主办单位", required=True)
        cohandling = [u for u in c.units_of("协办单位") if u != lead]
        category = c.choice("类别", c.lists["类别"], required=True)
        data = {
            "category": category,
            "lead_unit": lead,
            "cohandling_units": cohandling,
            "assignment_note": IMPORTED_NOTE,
        }
        if assigned:
            steps.append(Step("Task_Classify", assigned, "交办日期", data))
    _undated_step(c, "交办日期", "类别", "主办单位", "协办单位")
    viewed = c.day("协办意见日期", ("交办日期", assigned))
    if viewed and cohandling:
        view = {"cohandling_opinion": IMPORTED_NOTE}
        steps.append(Step("Task_CohandlingView", viewed, "协办意见日期", view, every_round=True))
    elif _dated(c, "协办意见日期") and not c.text("协办单位"):
        # no unit to have given the view (units there that are wrong have a problem of their own)
        c.refuse("协办意见日期", FieldError("needs_column", {"column": "协办单位"}))
    replied = c.day("答复日期", ("协办意见日期", viewed) if viewed else ("交办日期", assigned))
    if _dated(c, "答复日期"):
        data = {
            "handling_action": "reply",
            "reply_class": c.choice("答复类别", {k: k for k in "ABCD"}, required=True),
            "reply_text": c.required("答复内容"),
        }
        undated = {} if viewed else {"Task_CohandlingView": {"cohandling_opinion": UNDATED_VIEW_NOTE}}
        if replied:
            steps.append(Step("Task_Reply", replied, "答复日期", data, undated))
    _undated_step(c, "答复日期", "答复类别", "答复内容")
    evaluated = c.day("评价日期", ("答复日期", replied))
    if _dated(c, "评价日期"):
        evaluation = c.choice("评价", {"满意": "满意", "基本满意": "基本满意", "不满意": "不满意"}, required=True)
        # the process asks a 不满意 for its reason, which a ledger does not keep
        reason = {"unsatisfied_reason": IMPORTED_NOTE} if evaluation == "不满意" else {}
        if evaluated:
            steps.append(Step("Task_Evaluate", evaluated, "评价日期", {"evaluation": evaluation, **reason}))
    _undated_step(c, "评价日期", "评价")
    return steps


def petition_steps(c: Cells) -> list[Step]:
    received = c.day("收到日期") if c.required("收到日期") else None
    start = {
        "channel": c.choice("来源", c.lists["来源"], True),
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
    if _dated(c, "交办日期"):
        unit = c.unit("承办单位", required=True)
        if assigned:
            steps.append(
                Step("Task_Assign", assigned, "交办日期", {"handling_unit": unit, "assignment_note": IMPORTED_NOTE})
            )
    _undated_step(c, "交办日期", "承办单位")
    replied = c.day("答复日期", ("交办日期", assigned))
    if _dated(c, "答复日期"):
        data = {"handling_action": "reply", "reply_text": c.required("答复内容")}
        if replied:
            steps.append(Step("Task_Handle", replied, "答复日期", data))
    _undated_step(c, "答复日期", "答复内容")
    return steps


STEPS = {LedgerKind.PROPOSALS: proposal_steps, LedgerKind.PETITIONS: petition_steps}
