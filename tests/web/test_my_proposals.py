"""我的建议 (/cases?deputy=1): each proposal as its deputy follows it (units, the step in words,
the reply deadline and its extension, the reply class, the evaluation), not the officers'
columns; only 我的建议 lit in the navigation; no process filter there."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ as BEIJING
from engine.usecases import cases, tasks
from storage.enums import WorkItemState
from storage.models import WorkItem
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import act, create_people, deploy
from web import database


def row_of(html: str, case_id: int) -> str:
    match = re.search(rf'<tr class="[^"]*" data-case-id="{case_id}".*?</tr>', html)
    assert match, f"case {case_id} is not listed"
    return match.group(0)


def cell(row: str, name: str) -> str:
    """The text of the row's cell of class ``name``, its tags and spaces taken out."""
    match = re.search(rf'<td class="{name}"[^>]*>(.*?)</td>', row)
    assert match, f"no {name} cell in {row}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def do(app, username: str, case_id: int, bpmn_id: str, data: dict) -> None:
    """Complete the case's one open ``bpmn_id`` task as ``username``."""
    with database.session_factory(app)() as s:
        task_id = s.scalars(
            select(WorkItem.task_id).where(
                WorkItem.instance_id == case_id, WorkItem.bpmn_id == bpmn_id, WorkItem.state == WorkItemState.READY
            )
        ).one()
    act(app, username, tasks.complete, task_id, data)


def register(app, title: str) -> int:
    """A suggestion of wang's, co-signed by li, registered by the office."""
    start = {"kind": "suggestion", "title": title, "content": "详见附件", "deputy": "wang"}
    case = act(
        app,
        "office1",
        cases.start_instance,
        "proposal",
        {**start, "submitted_during": "recess", "joint_deputies": ["li"]},
    )
    clock.advance(timedelta(minutes=5))
    return case.id


def assign(app, case_id: int, cohandling: list[str]) -> None:
    data = {
        "category": "construction",
        "lead_unit": "finance",
        "cohandling_units": cohandling,
        "assignment_note": "请办理",
    }
    do(app, "office1", case_id, "Task_Classify", data)


def reply(app, case_id: int, reply_class: str) -> None:
    data = {"handling_action": "reply", "reply_class": reply_class, "reply_text": "已安排", "reply_signer": "张所长"}
    do(app, "finance1", case_id, "Task_Reply", data)


@pytest.fixture
def proposals(app):
    """wang's proposals at each step (the clock starts on Monday 2026-12-07, 09:00 in Beijing):
    registered; assigned to 财政所 with 民政办 and 国土所; its reply period extended by a month;
    replied (class B) and awaiting wang's evaluation; evaluated 满意 and closed (class A)."""
    create_people(app, "wang", "li", "landy")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    registered = register(app, "修缮村道")
    handling = register(app, "增设路灯")
    assign(app, handling, ["civil_affairs", "land"])
    extended = register(app, "整治河道")
    assign(app, extended, [])
    data = {"handling_action": "extend", "extension_months": 1, "extension_reason": "需要列入预算"}
    do(app, "finance1", extended, "Task_Reply", data)
    do(
        app,
        "office1",
        extended,
        "Task_ApproveExtension",
        {"extension_decision": "approve", "extension_months_granted": 1},
    )
    evaluating = register(app, "维修校舍")
    assign(app, evaluating, ["civil_affairs"])
    do(app, "civil1", evaluating, "Task_CohandlingView", {"cohandling_opinion": "同意"})
    reply(app, evaluating, "B")
    closed = register(app, "疏通水渠")
    assign(app, closed, [])
    reply(app, closed, "A")
    do(app, "wang", closed, "Task_Evaluate", {"evaluation": "满意", "evaluation_comment": "很好"})
    return {
        "registered": registered,
        "handling": handling,
        "extended": extended,
        "evaluating": evaluating,
        "closed": closed,
    }


# what each proposal's row shows, by column; the reply periods run from the assignment on
# 2026-12-07: three months end on 03-07, a Sunday, so 03-08; a month more ends on 04-07
EXPECTED = {
    "registered": {"lead-unit": "—", "cohandling-units": "—", "step": "未交办", "reply-due": "—"},
    "handling": {
        "lead-unit": "财政所",
        "cohandling-units": "民政办、国土所",
        "step": "承办单位办理中",
        "reply-due": "2027-03-08 24:00",
        "reply-class": "—",
        "evaluation": "—",
    },
    "extended": {"cohandling-units": "—", "step": "承办单位办理中", "reply-due": "2027-04-07 24:00 期限已延长"},
    "evaluating": {
        "cohandling-units": "民政办",
        # his turn: the evaluation (回执) is due 20 working days from the reply sent on 12-07 (Mon):
        # 18 more in December, 2027-01-01 a holiday, so Tuesday 01-05
        "step": "待您评价 期限 2027-01-05 24:00",
        "reply-due": "2027-03-08 24:00",
        "reply-class": "B 正在解决或列入计划逐步解决",
        "evaluation": "—",
    },
    "closed": {"step": "已办结", "reply-class": "A 已解决或基本解决", "evaluation": "满意"},
}


def test_each_proposal_as_its_deputy_follows_it(app, as_user, proposals):
    html = text_of(as_user("wang").get("/cases?deputy=1"))
    assert "<h1>我的建议</h1>" in html and 'class="list cards" id="cases"' in html  # cards on a phone
    for name, columns in EXPECTED.items():
        row = row_of(html, proposals[name])
        for column, shown in columns.items():
            assert cell(row, column) == shown, (name, column)
    assert 'class="due-soon"' in row_of(html, proposals["evaluating"])  # his turn: marked
    [task] = re.findall(r'<td class="step"[^>]*><a href="/tasks/([^"]+)">', row_of(html, proposals["evaluating"]))
    assert "<h1>评价办理结果（回执）" in text_of(as_user("wang").get(f"/tasks/{task}"))  # it opens his evaluation
    # none of the officers' columns: who started it, when, when it ended, how many tasks
    for word in ("发起人", "发起时间", "结束时间", "当前任务", "office1 同志", "1 项"):
        assert word not in html, word


def test_a_cosigner_sees_the_evaluation_as_the_submitting_deputys(app, as_user, proposals):
    html = text_of(as_user("li").get("/cases?deputy=1"))
    assert cell(row_of(html, proposals["evaluating"]), "step") == "待提出代表评价"
    assert cell(row_of(html, proposals["closed"]), "evaluation") == "满意"
    # opening it from the case page, he reads whose it is, not a page with nothing to do and no word why
    case_page = text_of(as_user("li").get(f"/cases/{proposals['evaluating']}"))
    [task] = set(re.findall(r'href="/tasks/([^"]+)"', case_page))  # its one open task
    page = text_of(as_user("li").get(f"/tasks/{task}"))
    assert 'id="task-form"' not in page
    assert '<p class="card hint" id="not-yours">此任务由wang 同志办理，您可以查看，不能办理。</p>' in page


def test_the_officers_list_keeps_its_columns(app, as_user, proposals):
    html = text_of(as_user("office1").get("/cases"))
    row = row_of(html, proposals["handling"])
    assert '<td title="office1" data-label="发起人">office1 同志</td>' in row and "3 项" in row  # the reply, two views
    assert "主办单位" not in html and "待您评价" not in html


def test_only_my_proposals_is_lit_in_the_navigation(app, as_user):
    c = as_user("deputy")
    mine = text_of(c.get("/cases?deputy=1"))
    assert '<a href="/cases" class="">案件</a>' in mine
    assert '<a href="/cases?deputy=1" aria-current="page" id="nav-my-proposals" class="on">我的建议</a>' in mine
    every = text_of(c.get("/cases"))
    assert '<a href="/cases" aria-current="page" class="on">案件</a>' in every
    assert '<a href="/cases?deputy=1" id="nav-my-proposals" class="">我的建议</a>' in every


def test_no_process_filter_on_my_proposals(app, as_user):
    """A deputy's cases are his proposals: no choice of 信访 or 部门工作评议 there."""
    c = as_user("deputy")
    assert 'name="process"' not in text_of(c.get("/cases?deputy=1"))
    every = text_of(c.get("/cases"))
    assert 'name="process"' in every and '<option value="petition_min" >' in every


def test_my_proposals_in_english(app, as_user, proposals):
    client = as_user("wang")
    client.get("/lang/en")
    html = text_of(client.get("/cases?deputy=1"))
    assert "<h1>My proposals</h1>" in html
    row = row_of(html, proposals["evaluating"])
    assert cell(row, "step") == "Awaiting your evaluation due 2027-01-05 24:00"
    assert cell(row_of(html, proposals["handling"]), "step") == "With the handling units"
    assert cell(row_of(html, proposals["closed"]), "evaluation") == "Satisfied"
    assert 'data-label="Lead unit"' in row and 'data-label="Reply due"' in row


def test_my_proposals_download_has_the_columns_of_the_page(app, as_user, proposals):
    """导出 on 我的建议 writes what the deputy reads there, column by column in the page's order
    (his own step's deadline, the extension beside the reply deadline), not the officers' case
    list: no starter, and no count of open tasks (the units' views, the office's 督办) he never sees."""
    client = as_user("wang")
    assert 'href="/cases/export.xlsx?deputy=1"' in text_of(client.get("/cases?deputy=1"))
    sheet = load_workbook(io.BytesIO(client.get("/cases/export.xlsx?deputy=1").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "案件编号",
        "编号",
        "标题",
        "主办单位",
        "协办单位",
        "当前环节",
        "期限",
        "答复期限",
        "期限已延长",
        "逾期天数",
        "答复类别",
        "评价",
    )
    assert {r[1] for r in rows[1:]} == {None}  # no proposal here has a number of its own
    assert {r[0]: r[2:] for r in rows[1:]} == {
        proposals["registered"]: ("修缮村道", None, None, "未交办", None, None, None, None, None, None),
        proposals["handling"]: (
            "增设路灯",
            "财政所",
            "民政办、国土所",
            "承办单位办理中",
            None,
            datetime(2027, 3, 8),
            "否",
            None,
            None,
            None,
        ),
        proposals["extended"]: (
            "整治河道",
            "财政所",
            None,
            "承办单位办理中",
            None,
            datetime(2027, 4, 7),
            "是",
            None,
            None,
            None,
        ),
        proposals["evaluating"]: (
            "维修校舍",
            "财政所",
            "民政办",
            "待您评价",
            datetime(2027, 1, 5),
            datetime(2027, 3, 8),
            "否",
            None,
            "B 正在解决或列入计划逐步解决",
            None,
        ),
        proposals["closed"]: (
            "疏通水渠",
            "财政所",
            None,
            "已办结",
            None,
            datetime(2027, 3, 8),
            "否",
            None,
            "A 已解决或基本解决",
            "满意",
        ),
    }
    lines = list(csv.reader(io.StringIO(client.get("/cases/export.csv?deputy=1").data.decode("utf-8-sig"))))
    assert lines[0] == [str(header) for header in rows[0]]
    [evaluating] = [line for line in lines[1:] if line[2] == "维修校舍"]
    assert evaluating[5:8] == ["待您评价", "2027-01-05 24:00", "2027-03-08 24:00"]
    # the co-signer's download says the evaluation is the submitting deputy's, as his page does
    cosigner = load_workbook(io.BytesIO(as_user("li").get("/cases/export.xlsx?deputy=1").data)).active
    steps = {r[2]: (r[5], r[6]) for r in list(cosigner.iter_rows(values_only=True))[1:]}
    assert steps["维修校舍"] == ("待提出代表评价", None)


def test_a_proposal_past_its_reply_deadline_is_marked_overdue(app, as_user, proposals):
    """The unit's reply is late: 我的建议 says by how many days, on the page and in the download.
    A proposal replied to, or still within its (extended) deadline, is not marked."""
    clock.freeze(datetime(2027, 3, 20, 10, 0, tzinfo=BEIJING))  # the reply was due 2027-03-08 24:00
    client = as_user("wang")
    html = text_of(client.get("/cases?deputy=1"))
    late = row_of(html, proposals["handling"])
    assert cell(late, "reply-due") == "2027-03-08 24:00 已逾期 12 天"
    assert late.startswith('<tr class="overdue"')
    assert cell(row_of(html, proposals["extended"]), "reply-due") == "2027-04-07 24:00 期限已延长"
    for replied in ("evaluating", "closed"):  # answered before the deadline: nothing late now
        assert cell(row_of(html, proposals[replied]), "reply-due") == "2027-03-08 24:00", replied
    sheet = load_workbook(io.BytesIO(client.get("/cases/export.xlsx?deputy=1").data)).active
    days_late = {r[0]: r[9] for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert days_late == {id_: (12 if name == "handling" else None) for name, id_ in proposals.items()}
