"""A row of the ledger shows every problem it has at once, each at its row and column: a date
that cannot be used (in the future, before the step it follows, or following one that is
wrong) does not hide the problems of the cells its step needs, nor of the 编号; the step is
only left out of the replay."""

from __future__ import annotations

from tests.integration.test_ledger import (  # noqa: F401  (world: the fixture)
    HANDLING_UNITS,
    OPEN,
    PETITION,
    PETITION_HEADERS,
    PROPOSAL_HEADERS,
    refusals,
    workbook,
    world,
)

IN_THE_FUTURE = {"min": "1900-01-01", "max": "2026-12-07"}  # the frozen clock's today
CLASSES = "经济发展、城乡建设、农业农村、教育、医疗卫生、民政社保、社会治安、其他"


def test_a_wrong_registration_date_hides_no_other_problem_of_the_row(world):  # noqa: F811
    # the tester's row: no title, registered in the future, assigned to a unit there is not
    row = {**OPEN, "标题": "", "登记日期": "2027-01-05", "主办单位": "不存在单位"}
    assert refusals(world, "proposals", workbook(PROPOSAL_HEADERS, row)) == [
        (3, "标题", "required", {}),
        (3, "登记日期", "date_out_of_range", IN_THE_FUTURE),
        (3, "主办单位", "not_one_of", {"value": "不存在单位", "choices": "、".join(HANDLING_UNITS)}),
    ]


def test_each_step_after_a_wrong_date_has_its_cells_read(world):  # noqa: F811
    # assigned before it was registered: the assignment's class, the reply's class and text
    # and the evaluation are still read, and said wrong, in one go
    row = {
        **OPEN,
        "交办日期": "2026-11-19",
        "类别": "交通",
        "答复日期": "2026-12-01",
        "答复类别": "E",
        "评价日期": "2026-12-02",
        "评价": "还行",
    }
    assert refusals(world, "proposals", workbook(PROPOSAL_HEADERS, row)) == [
        (3, "交办日期", "date_before", {"column": "登记日期", "day": "2026-11-20"}),
        (3, "类别", "not_one_of", {"value": "交通", "choices": CLASSES}),
        (3, "答复类别", "not_one_of", {"value": "E", "choices": "A、B、C、D"}),
        (3, "答复内容", "required", {}),
        (3, "评价", "not_one_of", {"value": "还行", "choices": "满意、基本满意、不满意"}),
    ]


def test_a_petition_row_with_a_wrong_receipt_date_says_its_other_problems(world):  # noqa: F811
    row = {
        **PETITION,
        "编号": "钱多多-2026",  # the petitioner's name in the number
        "收到日期": "2027-01-05",
        "受理日期": "2026-10-12",
        "交办日期": "2026-10-13",
        "承办单位": "水利站",
        "答复日期": "2026-11-02",
    }
    assert refusals(world, "petitions", workbook(PETITION_HEADERS, row)) == [
        (3, "收到日期", "date_out_of_range", IN_THE_FUTURE),
        (3, "承办单位", "not_one_of", {"value": "水利站", "choices": "、".join(HANDLING_UNITS)}),
        (3, "答复内容", "required", {}),
        (3, "编号", "key_carries_confidential", {"field": "信访人姓名"}),
    ]
