"""A ledger row that leaves a step's date empty but fills in the cells only that step reads (a
reply's class and text with no reply date) is refused at each of those cells, naming the date
it needs, in both ledgers: the import would otherwise create the case waiting at that step,
the cells dropped without a word. The 说明 sheet of the template and of the export says so."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from engine.usecases import ledger, ledger_export
from tests.integration.test_ledger import LIBRARY, OPEN, PETITION_HEADERS, PROPOSAL_HEADERS, refusals, workbook
from tests.world import act, create_people, deploy


@pytest.fixture
def world(session_factory, frozen_clock):  # 2026-12-07 (Mon) 09:00 Beijing
    create_people(session_factory, "admin", "clerk", "fin", "landy", "civ", "wang", "li")
    deploy(session_factory, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    return session_factory


def needs(column: str) -> tuple[str, dict[str, str]]:
    return "needs_column", {"column": column}


# the tester's row: registered, never assigned, yet its class, unit, reply and evaluation filled in
UNASSIGNED = {
    "编号": "2026-建-008", "标题": "关于路灯的建议", "内容": "路灯不亮", "提出代表": "wang", "提出时间": "闭会期间",
    "登记日期": "2026-11-20", "类别": "城乡建设", "主办单位": "财政所", "协办单位": "国土所",
    "答复类别": "A", "答复内容": "已修好", "评价": "满意",
}  # fmt: skip


def test_a_proposals_cell_of_an_undated_step_is_refused_naming_the_date(world):
    assert refusals(world, "proposals", workbook(PROPOSAL_HEADERS, UNASSIGNED)) == [
        (3, "类别", *needs("交办日期")),
        (3, "主办单位", *needs("交办日期")),
        (3, "协办单位", *needs("交办日期")),
        (3, "答复类别", *needs("答复日期")),
        (3, "答复内容", *needs("答复日期")),
        (3, "评价", *needs("评价日期")),
    ]
    # the dry run says the same, and no case waits at 整理分类并交办 in its preview
    planned = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, UNASSIGNED))
    assert planned.outcomes == [] and [(p.column, p.error.text) for p in planned.problems][3] == (
        "答复类别",
        "needs 答复日期 first",
    )


def test_each_step_asks_only_for_its_own_date(world):
    # assigned, not replied: the reply's and the evaluation's cells filled in
    replied_undated = {**OPEN, "答复类别": "B", "答复内容": "列入计划"}
    evaluated_undated = {**OPEN, "编号": "2026-建-009", "答复日期": "2026-12-01", "答复类别": "A",
                         "答复内容": "已办", "评价": "不满意"}  # fmt: skip
    assert refusals(world, "proposals", workbook(PROPOSAL_HEADERS, replied_undated, evaluated_undated)) == [
        (3, "答复类别", *needs("答复日期")),
        (3, "答复内容", *needs("答复日期")),
        (4, "评价", *needs("评价日期")),
    ]


PETITION = {
    "编号": "2026-信-009", "事由": "道路积水", "来源": "来信", "信访人姓名": "钱某", "信访内容": "反映积水",
    "收到日期": "2026-11-09", "受理日期": "2026-11-10",
}  # fmt: skip


def test_a_petitions_cell_of_an_undated_step_is_refused_naming_the_date(world):
    unassigned = {**PETITION, "承办单位": "民政办", "答复内容": "已疏通"}
    assigned = {**PETITION, "编号": "2026-信-010", "承办单位": "民政办", "交办日期": "2026-11-11", "答复内容": "已疏通"}
    assert refusals(world, "petitions", workbook(PETITION_HEADERS, unassigned, assigned)) == [
        (3, "承办单位", *needs("交办日期")),
        (3, "答复内容", *needs("答复日期")),
        (4, "答复内容", *needs("答复日期")),
    ]
    # with the dates, the same rows import (nothing else was wrong with them)
    unassigned |= {"交办日期": "2026-11-11", "答复日期": "2026-11-20"}
    assigned |= {"答复日期": "2026-11-20"}
    done = act(world, "admin", ledger.apply, "petitions", "信访.xlsx", workbook(PETITION_HEADERS, unassigned, assigned))
    assert [o.existing for o in done.outcomes] == [False, False]


REVERSE = {
    "proposals": "反过来，某一步的日期空着，该步的列也须空着：没有交办日期的不填类别、主办单位、协办单位，"
    "没有答复日期的不填答复类别、答复内容，没有评价日期的不填评价（填了的不会导入，导入时作为问题列出）。",
    "petitions": "反过来，某一步的日期空着，该步的列也须空着：没有交办日期的不填承办单位，没有答复日期的不填答复内容"
    "（填了的不会导入，导入时作为问题列出）。",
}


@pytest.mark.parametrize("kind", ["proposals", "petitions"])
def test_the_template_and_the_export_say_so(world, kind):
    template = act(world, "admin", ledger.template, kind)
    exported = act(world, "admin", ledger_export.export, kind).content
    for content in (template, exported):
        notes = dict(load_workbook(io.BytesIO(content))["说明"].iter_rows(values_only=True))
        assert notes["必填"].endswith(REVERSE[kind])
