"""Workbooks as offices keep them, through every import (units, people, this year's ledger): a
merged cell under the header is refused, naming the sheet and the cells, never read as empty;
the worksheet with the header is read wherever it stands, and the plan says which; a unit's
head may be given by the person's name; what a cell held is kept beside its problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from engine.usecases import ledger, onboarding
from storage.models import Department, User
from tests.world import act, create_people, deploy, xlsx_file

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
PEOPLE_HEADERS = ["用户名*", "姓名*", "单位代码", "选区", "角色*", "电话", "邮箱"]
UNIT_HEADERS = ["代码*", "名称*", "负责人", "联络员"]
PETITION_HEADERS = ["编号", "事由", "来源", "信访人姓名", "联系电话", "信访内容", "收到日期", "受理日期", "承办单位",
                    "交办日期", "答复日期", "答复内容"]  # fmt: skip


@pytest.fixture
def world(session_factory, frozen_clock):  # 2026-12-07 (Mon) 09:00 Beijing
    create_people(session_factory, "admin", "fin", "fin2", "landy", "wang", "li")
    return session_factory


def problems(plan) -> list[tuple[int | None, str | None, str, dict]]:
    return [(p.row, p.column, p.error.code, p.error.params) for p in plan.problems]


# -- merged cells --------------------------------------------------------------------------
ROSTER = [  # 选区 merged over the two deputies of one district, as rosters are drawn
    ["2026年 代表名册"],  # the title, merged across the columns: above the header, harmless
    PEOPLE_HEADERS,
    ["zhangjg", "张建国", None, "第一选区", "人大代表"],
    ["lixy", "李秀英", None, None, "人大代表"],
    ["wangdm", "王德明", None, "第二选区", "人大代表"],
]


def test_a_merged_cell_under_the_header_is_refused_naming_sheet_and_cells_not_read_as_empty(world):
    content = xlsx_file(("人员", ROSTER, ["A1:G1", "D3:D4"]))
    plan = act(world, "admin", onboarding.plan, "people", "名册.xlsx", content)
    assert problems(plan) == [(3, "选区", "merged_cells", {"sheet": "人员", "cells": "D3:D4"})]
    assert plan.changes == []  # (李秀英 is not planned without her district)
    assert str(plan.problems[0].error) == (
        "D3:D4 on the sheet 人员 are merged cells: unmerge them and fill in each row's own value"
    )
    # unmerged, each row with its own value: imported as written
    fixed = [row[:] for row in ROSTER]
    fixed[3][3] = "第一选区"
    plan = act(world, "admin", onboarding.plan, "people", "名册.xlsx", xlsx_file(("人员", fixed, ["A1:G1"])))
    assert plan.problems == []
    assert [(c.key, c.fields["选区"]) for c in plan.changes] == [
        ("zhangjg", (None, "第一选区")),
        ("lixy", (None, "第一选区")),
        ("wangdm", (None, "第二选区")),
    ]


def test_merged_cells_are_refused_in_the_units_file_and_in_a_ledger_too(world):
    deploy(world, LIBRARY / "petition.bpmn")
    units = [UNIT_HEADERS, ["water", "水利站"], ["land2", None], ["credit", "农商银行"]]
    plan = act(world, "admin", onboarding.plan, "units", "单位.xlsx", xlsx_file(("单位", units, ["B2:B3"])))
    assert problems(plan) == [(2, "名称", "merged_cells", {"sheet": "单位", "cells": "B2:B3"})]

    row = ["2026-信-001", "低保资格", "来访", "赵某某", None, "申请复核", "2026-11-02"]
    rows = [PETITION_HEADERS, row, ["2026-信-002", "道路积水", "来信", "钱某", None, "反映积水", None]]
    # 收到日期 merged over two cases received the same day: the second has a date only in the merge
    plan = act(world, "admin", ledger.plan, "petitions", "信访.xlsx", xlsx_file(("台账", rows, ["G2:G3"])))
    assert problems(plan) == [(2, "收到日期", "merged_cells", {"sheet": "台账", "cells": "G2:G3"})]
    assert plan.outcomes == []


def test_a_merge_of_empty_cells_or_across_a_header_hides_nothing_and_is_read(world):
    rows = [
        ["代码*", "名称*", "负责人及联络员", None],  # a header cell merged over two columns
        ["water", "水利站", None, None],
        ["credit", "农商银行", None, None],  # 负责人 left empty on both rows, the empty cells merged
    ]
    plan = act(world, "admin", onboarding.plan, "units", "单位.xlsx", xlsx_file(("单位", rows, ["C1:D1", "C2:C3"])))
    assert plan.problems == [] and [c.key for c in plan.changes] == ["water", "credit"]


# -- which worksheet -----------------------------------------------------------------------
NOTES = ("填表说明", [["填表说明：本表由镇人大办整理，请勿改动表头。"], ["联系人：王干事 0571-87654321"]], [])
UNITS = [UNIT_HEADERS, ["water", "水利站"], ["credit", "农商银行"]]


def test_the_worksheet_with_the_header_is_read_wherever_it_stands_and_the_plan_says_which(world):
    content = xlsx_file(NOTES, ("单位", UNITS, []), ("备注", [["2025年的名单见另表"]], []))
    plan = act(world, "admin", onboarding.plan, "units", "单位.xlsx", content)
    assert plan.problems == [] and [c.key for c in plan.changes] == ["water", "credit"]
    assert (plan.sheet.name, plan.sheet.has_header, plan.sheet.also) == ("单位", True, ())
    assert plan.sheet.searched == ("填表说明", "单位", "备注")


def test_of_two_worksheets_with_the_header_the_first_is_read_and_the_other_named(world):
    second = [UNIT_HEADERS, ["land", "国土所"]]
    plan = act(
        world, "admin", onboarding.plan, "units", "单位.xlsx", xlsx_file(("上半年", UNITS, []), ("下半年", second, []))
    )
    assert [c.key for c in plan.changes] == ["water", "credit"]
    assert (plan.sheet.name, plan.sheet.also) == ("上半年", ("下半年",))


def test_no_worksheet_with_the_header_names_the_columns_missing_on_the_nearest_and_the_sheets_looked_at(world):
    deploy(world, LIBRARY / "proposal.bpmn")
    # a people file brought to the ledger: its lists sheet shares a header or two with the
    # ledger's (提出代表 ...) and is no ledger either
    content = xlsx_file(("说明", [["见下一页"]], []), ("选项", [["提出代表", "类别"], ["王代表", "教育"]], []))
    plan = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", content)
    assert (plan.sheet.name, plan.sheet.has_header, plan.sheet.searched) == ("选项", False, ("说明", "选项"))
    assert [(p.row, p.column, p.error.code) for p in plan.problems] == [
        (None, "编号", "missing_column"),
        (None, "标题", "missing_column"),
        (None, "内容", "missing_column"),
        (None, "提出时间", "missing_column"),
        (None, "登记日期", "missing_column"),
    ]


def test_a_csv_has_no_worksheet_to_name(world):
    plan = act(world, "admin", onboarding.plan, "units", "u.csv", "代码,名称\nwater,水利站\n".encode())
    assert plan.sheet is None and plan.problems == []


# -- a unit's head by name ---------------------------------------------------------------------
def named(world, **names: str) -> None:
    """Give these people (user name → name) their names, as the people file would."""
    with world.begin() as s:
        for username, name in names.items():
            s.execute(update(User).where(User.username == username).values(display_name=name))


def test_a_head_given_by_the_persons_name_is_taken_as_his_user_name(world):
    named(world, fin="孙伟")
    units = "代码,名称,负责人,联络员\nfinance,财政所,孙伟,fin2\n".encode()
    plan = act(world, "admin", onboarding.plan, "units", "u.csv", units)
    assert plan.problems == []
    assert plan.changes[0].fields == {"负责人": (None, "fin"), "联络员": (None, "fin2")}
    act(world, "admin", onboarding.apply, "units", "u.csv", units)
    with world() as s:
        assert s.scalar(select(Department.head).where(Department.code == "finance")) == "fin"


def test_a_name_two_people_have_is_refused_naming_them_unless_one_is_of_the_unit(world):
    named(world, fin="孙伟", fin2="孙伟", landy="孙伟")
    plan = act(world, "admin", onboarding.plan, "units", "u.csv", "代码,名称,负责人\nland,国土所,孙伟\n".encode())
    assert plan.problems == [] and plan.changes[0].fields == {"负责人": (None, "landy")}  # the one of 国土所
    plan = act(world, "admin", onboarding.plan, "units", "u.csv", "代码,名称,负责人\nfinance,财政所,孙伟\n".encode())
    assert problems(plan) == [(2, "负责人", "shared_name", {"value": "孙伟", "choices": "fin、fin2"})]


def test_a_name_nobody_has_is_still_said_to_need_the_people_file_and_a_person_of_another_unit_is_refused(world):
    named(world, landy="孙伟")
    plan = act(world, "admin", onboarding.plan, "units", "u.csv", "代码,名称,负责人\nfinance,财政所,周杰\n".encode())
    assert problems(plan) == [(2, "负责人", "unknown_user_yet", {"username": "周杰"})]
    plan = act(world, "admin", onboarding.plan, "units", "u.csv", "代码,名称,负责人\nfinance,财政所,孙伟\n".encode())
    assert problems(plan) == [(2, "负责人", "not_in_unit", {"username": "landy", "unit": "财政所"})]
    assert plan.problems[0].value == "孙伟"  # what the cell held, beside the user name it was read as


# -- what the cell held ------------------------------------------------------------------------
def test_each_problem_with_a_cell_keeps_what_the_cell_held(world):
    deploy(world, LIBRARY / "proposal.bpmn")
    headers = ["编号", "标题", "内容", "提出代表", "提出时间", "登记日期", "交办日期", "类别", "主办单位"]
    rows = [
        headers,
        ["a", "路灯", "夜间无照明", "wang", "闭会期间", "2026.2.28", "3月9日", "教育", "财政所"],
        ["b", "路灯", "夜间无照明", "wang", "闭会期间", "2027-01-05"],
        ["c", "", "夜间无照明", "wang", "闭会期间", "2026-02-30"],
    ]
    plan = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", xlsx_file(("台账", rows, [])))
    assert [(p.row, p.column, p.error.code, p.value) for p in plan.problems] == [
        (2, "交办日期", "not_a_date", "3月9日"),  # (2026.2.28 reads: a date with dots)
        (3, "登记日期", "date_out_of_range", "2027-01-05"),
        (4, "标题", "required", ""),
        (4, "登记日期", "no_such_date", "2026-02-30"),
    ]


def test_two_deputies_of_one_name_are_told_apart_by_user_name_in_a_ledger(world):
    deploy(world, LIBRARY / "proposal.bpmn")
    named(world, wang="王建国", li="王建国")
    headers = ["编号", "标题", "内容", "提出代表", "提出时间", "登记日期"]
    rows = [headers, ["a", "路灯", "夜间无照明", "王建国", "闭会期间", "2026-11-02"]]
    plan = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", xlsx_file(("台账", rows, [])))
    assert problems(plan) == [
        (2, "提出代表", "shared_name", {"value": "王建国", "choices": "王建国（li）、王建国（wang）"})
    ]
