"""This year's ledger (台账) as it stands, in the import template's columns (``ledger_rows``):
the office keeps its record book as a spreadsheet, current, and hands it on; and it imports
again. Importing it into the same database changes nothing (each row is known by its 编号:
``ledger``); into a fresh one it re-creates the cases, each replayed to where its columns take
it.

A case's current state is written as far as the template has columns for it: the unit it is
with now (after a 改办, the new one, and the assignment that gave it), the first written reply's
date with the latest reply's class and text (a re-handling reply replaces the one the deputy was
not satisfied with, as the statistics read it), the latest evaluation the deputy gave. What the
template cannot say (the case's status and the tasks it waits at; a proposal's final
evaluation, 最终不满意 or 逾期未反馈) follows in columns marked （只读）, which the import does
not read. A day is a date cell (``spreadsheets.put_date``), which the import reads as it reads
a typed one.

A case entered here rather than imported has no 编号: it is written as its 案件编号 ``#id``,
which the import knows as that case (``ledger``). Cancelled cases (withdrawn, merged) are not
in the ledger, nor are 议案 (they go through the presidium, which the ledger has no columns for).

A petitioner's identity (the confidential fields) is written only for whoever may read it, and
masked otherwise exactly as the case pages mask it: the fields as ``MASK``, and each of the
case's confidential values inside its texts (a letter quoting the petitioner's name). The import
refuses a masked cell for a case it would create: ``MASK`` is no one's name. So the ledger is
exported by whoever imports ledgers and by whoever may read every case with its identities
(``access.may_export_ledger``: the office head), and a masked petitions ledger says on its 说明
sheet that it re-creates no case elsewhere, and who exports one that does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus, Role, WorkItemState
from storage.models import CaseFacts, ProcessDefinition, ProcessInstance, WorkItem

from .. import access, clock
from ..access import Actor, Permission
from ..deadlines.calendar import LOCAL_TZ
from ..errors import FieldError, InvalidData, NotAllowed
from . import spreadsheets
from .confidentiality import readable_data, secrets_of_cases
from .context import processes, runtime_for
from .fact_values import moment
from .labels import ROLE_NAMES
from .ledger import kind_of
from .ledger_rows import COLUMNS, PROCESS_OF, SEVERAL_UNITS, C, LedgerKind, deputy_choices, option_lists, template_notes

# the columns after the template's: the case as it stands, which the import does not read
READ_ONLY = "（只读）"
STATUS = "状态" + READ_ONLY
WAITING_AT = "当前环节" + READ_ONLY
FINAL_EVALUATION = "最终评价" + READ_ONLY
_STATUS_NAMES = {InstanceStatus.RUNNING: "办理中", InstanceStatus.COMPLETED: "已办结"}
EVALUATIONS = ("满意", "基本满意", "不满意")
_EXTRA = {
    LedgerKind.PROPOSALS: (C(STATUS, 10), C(WAITING_AT, 24), C(FINAL_EVALUATION, 12)),
    LedgerKind.PETITIONS: (C(STATUS, 10), C(WAITING_AT, 24)),
}


def _export_notes(pgettext: spreadsheets.InContext) -> dict[str, str]:
    """What the export's 说明 sheet says after the template's columns (beside ``必填``), in the
    reader's language (``pgettext``: a page's; Chinese by default)."""
    return {
        pgettext("spreadsheet note", "导出"): pgettext(
            "spreadsheet note",
            "本表为系统中本年度（按登记或收到日期）的台账，列与导入模板相同，各件按现在的情况填写："
            "主办（承办）单位为现在的单位，交办日期为交给它的日期；答复日期为首次书面答复的日期，"
            "答复类别和内容为最后一次答复的（重新办理的，以重新办理的答复为准）；评价为代表最后一次的评价。"
            "已撤销的案件和议案不在表中。",
        ),
        pgettext("spreadsheet note", "只读列"): pgettext(
            "spreadsheet note",
            "列名带“（只读）”的列是导出时案件的状态、所在环节等，供核对；导入时不读这些列。",
        ),
        pgettext("spreadsheet note", "再导入"): pgettext(
            "spreadsheet note",
            "本表可直接再导入：编号已有案件的行保持不变；在系统中登记、没有编号的案件以“#案件编号”列出，"
            "导入时按这个编号认出它。导入到新系统时，每行按所填日期重新办理一遍（未受理、当场答复的信访无法按台账重现，"
            "导入后停在受理环节）。",
        ),
        pgettext("spreadsheet note", "保密"): pgettext(
            "spreadsheet note",
            "信访人姓名、联系电话等保密信息只对有权查看的人导出，其他人导出的为“******”；"
            "含“******”的行不能导入为新案件。",
        ),
    }


def masked_note(pgettext: spreadsheets.InContext = spreadsheets.as_written, roles: str | None = None) -> str:
    """What a petitions ledger exported by someone who may not read the petitioner's identity
    says first on its 说明 sheet: it re-creates no case in another database (the import
    refuses its masked cells for a case to create), and who exports one that does (``roles``:
    their names in the reader's language; in Chinese by default)."""
    if roles is None:
        roles = "、".join(ROLE_NAMES[r] for r in sorted(access.roles_exporting_identities()))
    return pgettext(
        "spreadsheet note",
        "本表由无权查看信访人信息的账号导出：信访人姓名、联系电话等保密信息为“******”。"
        "再导入本系统时，已有的件保持不变；但不能用它在新系统中重新建立这些信访案件（含“******”的行会被拒绝）。"
        "能在新系统中重建案件的信访台账，请由有权查看信访人信息的%(roles)s导出。",
        roles=roles,
    )


@dataclass(frozen=True)
class LedgerExport:
    kind: str
    year: int
    rows: int
    content: bytes  # the .xlsx
    # the petitioners' identities masked for the reader: it re-creates no petition elsewhere (``masked_note``)
    masked: bool = False


def export(
    session: Session,
    actor: Actor,
    kind: str,
    year: int | None = None,
    pgettext: spreadsheets.InContext = spreadsheets.as_written,
    column_names: Mapping[str, str] | None = None,
    roles: str | None = None,
) -> LedgerExport:
    """The ledger of ``kind`` (proposals, petitions) for the cases received in ``year`` (this
    year by default), as the .xlsx the import reads: the import's own shape, to be imported
    again, carrying every case's texts of the year (``access.may_export_ledger``: whoever
    imports ledgers, and whoever reads every case with its identities). Its 说明 sheet says
    how it imports again, and, the identities masked for this reader, that it re-creates no
    petition elsewhere (``masked_note``). The 说明 sheet in the reader's language, as the
    template's (``pgettext``, ``column_names``; ``roles``: who exports the identities, named
    in that language); the headers and rows as the import reads them."""
    if not access.may_export_ledger(actor):
        raise NotAllowed(
            f"{actor.username} may not export a ledger (needs the permission {Permission.CASE_IMPORT.value}, "
            f"or {Permission.EXPORT.value} with {Permission.CASE_VIEW_ALL.value} "
            f"and {Permission.CONFIDENTIAL_READ.value})",
            "needs_permission",
            permission=Permission.CASE_IMPORT.value,
        )
    ledger = kind_of(kind)
    year = year or clock.now().astimezone(LOCAL_TZ).year
    if not 1900 <= year <= 2099:
        raise InvalidData({"year": FieldError("date_out_of_range", {"min": "1900", "max": "2099"})})
    cases = _cases(session, PROCESS_OF[ledger], year)
    lists = option_lists(session, ledger)
    reader = _Reader(session, actor, cases)
    write = _proposal_row if ledger == LedgerKind.PROPOSALS else _petition_row
    rows = [write(reader, case, lists) for case in cases if _in_ledger(ledger, reader.variables[case.id])]
    # the template's drop-downs, as the import template offers them
    choices = {h: list(o.values()) for h, o in lists.items() if h not in SEVERAL_UNITS}
    columns = [replace(c, choices=choices.get(c.header, c.choices)) for c in COLUMNS[ledger]]
    masked = ledger == LedgerKind.PETITIONS and not access.may_read_confidential(actor)
    required = pgettext("spreadsheet note", "必填")
    written = [*columns, *_EXTRA[ledger]]
    notes = {
        **({pgettext("spreadsheet note", "不能重建"): masked_note(pgettext, roles)} if masked else {}),
        **_export_notes(pgettext),
        required: template_notes(ledger, pgettext)[required],  # the template's own
        **spreadsheets.column_note(written, column_names, pgettext),
    }
    content = spreadsheets.template("台账", written, notes, rows, notes_sheet=spreadsheets.notes_title(pgettext))
    return LedgerExport(ledger.value, year, len(rows), content, masked)


def stored_cells(
    session: Session, actor: Actor, kind: LedgerKind, instance_ids: list[int]
) -> dict[int, dict[str, str]]:
    """The cases ``instance_ids`` as an export writes their rows for ``actor`` (column → cell;
    masked where he may not read): what a ledger's rows already here are compared with."""
    cases = list(session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))))
    lists = option_lists(session, kind)
    reader = _Reader(session, actor, cases)
    write = _proposal_row if kind == LedgerKind.PROPOSALS else _petition_row
    headers = [c.header for c in COLUMNS[kind]]
    return {
        case.id: dict(zip(headers, (_as_text(v) for v in write(reader, case, lists)), strict=False)) for case in cases
    }


def _as_text(cell: spreadsheets.CellValue) -> str:
    """A cell as the import reads it back: a day as YYYY-MM-DD."""
    return cell.isoformat() if isinstance(cell, date) else cell or ""


def _in_ledger(kind: LedgerKind, variables: Mapping[str, Any]) -> bool:
    """A 议案 is no row of the proposals' ledger (the import registers suggestions only)."""
    return kind != LedgerKind.PROPOSALS or variables.get("kind", "suggestion") == "suggestion"


def _cases(session: Session, process_key: str, year: int) -> list[ProcessInstance]:
    """The cases of the process received in ``year`` (as the statistics count them), not
    cancelled, in the order they came in."""
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
    query = (
        select(ProcessInstance)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .join(CaseFacts, CaseFacts.instance_id == ProcessInstance.id)
        .where(ProcessDefinition.key == process_key, CaseFacts.received_at >= start, CaseFacts.received_at < end)
        .where(ProcessInstance.status != InstanceStatus.CANCELLED)
        .order_by(CaseFacts.received_at, ProcessInstance.id)
    )
    return list(session.scalars(query))


class _Reader:
    """What the rows are written from, read once for all the cases: each case's variables as
    ``actor`` may read them, the texts' secrets kept from them, the tasks of each case, the
    names of units and deputies."""

    def __init__(self, session: Session, actor: Actor, cases: list[ProcessInstance]):
        runtime = runtime_for(session)
        self.variables: dict[int, dict[str, Any]] = {}
        for case in cases:
            definition = session.get(ProcessDefinition, case.definition_id)
            assert definition is not None
            variables = runtime.variables(runtime.restore(processes.get(definition), case.workflow_json))
            self.variables[case.id] = readable_data(session, actor, case, variables)
        self.secrets = secrets_of_cases(session, actor, [(c.id, c.definition_id) for c in cases])
        self.items: dict[int, list[WorkItem]] = {c.id: [] for c in cases}
        if cases:
            rows = select(WorkItem).where(WorkItem.instance_id.in_(list(self.items))).order_by(WorkItem.id)
            for item in session.scalars(rows):
                self.items[item.instance_id].append(item)
        self.units = repo.department_choices(session)
        # a deputy as the template offers him: by name; two of one name as 周军（zhoujun2）
        self.deputies = deputy_choices(repo.users_with_role(session, Role.DEPUTY))

    def text(self, case: ProcessInstance, value: Any) -> str:
        """A free text of the case, its confidential values masked for whoever may not read them."""
        return str(self.secrets[case.id].redacted(value)) if value not in (None, "") else ""

    def waiting_at(self, case: ProcessInstance) -> str:
        return "、".join(dict.fromkeys(i.name for i in self.items[case.id] if i.state == WorkItemState.READY))

    def completed(self, case: ProcessInstance, bpmn_id: str) -> list[WorkItem]:
        return [i for i in self.items[case.id] if i.bpmn_id == bpmn_id and i.state == WorkItemState.COMPLETED]


def _day(value: Any) -> date | None:
    at = value if isinstance(value, datetime) else moment(value)
    return at.astimezone(LOCAL_TZ).date() if at is not None else None


def _label(options: Mapping[str, str], code: Any) -> str:
    return options.get(code, str(code)) if code not in (None, "") else ""


def _key(case: ProcessInstance) -> str:
    """The case's 编号; one entered here, which has none, by its 案件编号 (the import knows it)."""
    return case.business_key or f"#{case.id}"


def _status(case: ProcessInstance) -> str:
    return _STATUS_NAMES.get(case.status, case.status.value)


def _proposal_row(
    r: _Reader, case: ProcessInstance, lists: Mapping[str, Mapping[str, str]]
) -> list[spreadsheets.CellValue]:
    v = r.variables[case.id]
    assigned, replied = _day(v.get("assigned_at")), _day(v.get("replied_at"))
    evaluation = v.get("evaluation") if v.get("evaluation") in EVALUATIONS else None
    cohandling = [c for c in v.get("cohandling_units") or [] if c]
    return [
        _key(case),
        r.text(case, v.get("title") or case.title),
        r.text(case, v.get("content")),
        r.deputies.get(v.get("deputy") or "", v.get("deputy") or ""),
        _label(lists["提出时间"], v.get("submitted_during")),
        _day(v.get("registered_at")) or _day(case.started_at),
        assigned,
        _label(lists["类别"], v.get("category")) if assigned else "",
        _label(r.units, v.get("lead_unit")) if assigned else "",
        "、".join(_label(r.units, c) for c in cohandling) if assigned else "",
        _views_day(r, case, assigned, replied) if cohandling else None,
        replied,
        str(v.get("reply_class") or "") if replied else "",
        r.text(case, v.get("reply_text")) if replied else "",
        _day(v.get("evaluated_at")) if evaluation and replied else None,
        evaluation if replied else "",
        _status(case),
        r.waiting_at(case),
        str(v.get("final_evaluation") or v.get("evaluation") or ""),
    ]


def _views_day(r: _Reader, case: ProcessInstance, assigned: date | None, replied: date | None) -> date | None:
    """The day the last co-handling unit gave its view to the unit the case is with (a view of
    an earlier assignment, withdrawn by a 改办, is not one): none while a view is still due,
    nor when the last came after the reply (the import then records the views with the reply)."""
    if assigned is None or any(
        i.bpmn_id == "Task_CohandlingView" and i.state == WorkItemState.READY for i in r.items[case.id]
    ):
        return None
    days = [d for i in r.completed(case, "Task_CohandlingView") if (d := _day(i.completed_at)) and d >= assigned]
    last = max(days, default=None)
    return last if last is not None and (replied is None or last <= replied) else None


def _petition_row(
    r: _Reader, case: ProcessInstance, lists: Mapping[str, Mapping[str, str]]
) -> list[spreadsheets.CellValue]:
    v = r.variables[case.id]
    accepted = _day(v.get("notified_on")) or _day(v.get("accepted_at")) if v.get("acceptance") == "accept" else None
    assignments = r.completed(case, "Task_Assign")
    assigned = _day(assignments[-1].completed_at) if accepted and assignments and v.get("handling_unit") else None
    replied = _day(v.get("replied_at")) if assigned else None
    return [
        _key(case),
        r.text(case, v.get("petition_subject")),
        _label(lists["来源"], v.get("channel")),
        str(v.get("petitioner_name") or ""),  # masked by readable_data for whoever may not read it
        str(v.get("petitioner_phone") or ""),
        r.text(case, v.get("petition_content")),
        _day(v.get("received_on")) or _day(v.get("registered_at")),
        accepted,
        _label(r.units, v.get("handling_unit")) if assigned else "",
        assigned,
        replied,
        r.text(case, v.get("reply_text")) if replied else "",
        _status(case),
        r.waiting_at(case),
    ]
