"""The supervisors' desk as its walk found it, in the browser's terms: an escalation over two
units says each unit's reason; a 督办 on the case as a whole reads answered once its unit has
answered; one issued before whom it went to was kept does not claim it told nobody; the board's
download says where each task stands and its case's number; the printed notice names what the
case is, then its title."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import update

from engine import clock
from engine.usecases import cases, supervision, tasks
from storage.models import Supervision
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.web.test_board_page import co_handled_proposal_late, overdue_case
from tests.world import PETITIONER, act, deploy, start_petition, start_review
from web import database

REVIEW_TITLE = "关于修缮村道的意见"


def supervisions_on_case_page(client, case_id: int) -> str:
    return text_of(client.get(f"/cases/{case_id}")).split('id="supervisions"', 1)[1].split("</section>", 1)[0]


def test_an_escalation_over_two_units_says_each_units_reason(app, as_user):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case = act(
        app,
        "office1",
        cases.start_instance,
        "proposal",
        {
            "kind": "suggestion",
            "title": "关于修缮村道的建议",
            "content": "见附件",
            "deputy": "deputy",
            "submitted_during": "recess",
        },
    )
    assign = {"category": "construction", "lead_unit": "civil_affairs", "cohandling_units": ["finance"]}
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, assign)
    client = as_user("supervisor")
    whole = {"instance_id": case.id, "task_id": "", "opinion": "请统筹办理", "escalate": "1"}
    page = text_of(client.post("/board/supervise", data=whole, follow_redirects=True))
    assert (
        "已发出督办，但未报告单位负责人："
        "民政办未设负责人。该单位 1 名在用人员已作为办理人收到督办，没有其他人可改为通知。"
        "财政所未设负责人。该单位 2 名在用人员已作为办理人收到督办，没有其他人可改为通知。"
        "请管理员在“系统管理 → 单位”中设置负责人。"
    ) in page
    [api] = client.get(f"/api/v1/instances/{case.id}/supervisions").get_json()
    assert [(u["unit"], u["unreported"]) for u in api["unreported_units"]] == [
        ("civil_affairs", "no_head"),
        ("finance", "no_head"),
    ]


def test_a_whole_case_supervision_reads_answered_once_its_unit_has_replied(app, as_user):
    case = overdue_case(app)  # finance's 答复 open
    act(app, "supervisor", supervision.issue, case.id, None, "请加快办理", None)
    client = as_user("supervisor")
    assert 'data-state="open"' in supervisions_on_case_page(client, case.id)
    task_id = act(app, "office1", cases.case_page, case.id).detail.open_tasks[0].task_id
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "1"})
    listed = supervisions_on_case_page(client, case.id)
    assert 'data-state="responded"' in listed and "已回复" in listed
    assert [s["state"] for s in client.get(f"/api/v1/instances/{case.id}/supervisions").get_json()] == ["responded"]
    assert "没有未办结的督办" in text_of(client.get("/board/"))


def test_a_whole_case_supervision_that_kept_no_addressees_says_they_were_not_recorded(app, as_user):
    case = overdue_case(app)
    issued = act(app, "supervisor", supervision.issue, case.id, None, "请加快办理", None)
    with database.session_factory(app).begin() as s:  # as one issued before issuing kept them
        s.execute(update(Supervision).where(Supervision.id == issued.id).values(escalation={}))
    client = as_user("supervisor")
    listed = supervisions_on_case_page(client, case.id)
    assert "发出时未记录送达单位" in listed and "未通知任何人" not in listed
    notice = text_of(client.get(f"/board/supervisions/{issued.id}/notice"))
    assert "未送达任何单位" not in notice and "<p>承办单位：</p>" in notice
    [api] = client.get(f"/api/v1/instances/{case.id}/supervisions").get_json()
    assert (api["addressed_units"], api["addressees_recorded"]) == ([], False)


# the board download's columns, as a supervisor reads them (the browser's download reads them too)
BOARD_DOWNLOAD_HEADER = (
    "任务",
    "案件",
    "流程",
    "单位",
    "办理人",
    "期限",
    "逾期天数",
    "状态",
    "督办次数",
    "案件编号",
    "督办落实情况",
)


def test_the_board_download_says_where_each_task_stands_and_its_case_number(app, as_user):
    late = start_review(app, "office1")  # assigned 2026-12-07: its reply is due 2026-12-22 24:00
    act(app, "office1", tasks.complete, late.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=2))
    soon = start_review(app, "office1", "关于路灯维修的意见")  # assigned 2026-12-09: due 2026-12-24 24:00
    act(app, "office1", tasks.complete, soon.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=14))  # 2026-12-23 09:00: the first a day late, the second due tomorrow
    client = as_user("supervisor")
    [header, *rows] = load_workbook(io.BytesIO(client.get("/board/export.xlsx").data)).active.values
    assert header == BOARD_DOWNLOAD_HEADER
    assert [(r[1], r[6], r[7], r[9]) for r in rows] == [
        (REVIEW_TITLE, 1, "已逾期 1 天", late.id),
        ("关于路灯维修的意见", None, "即将到期，还剩 1 天", soon.id),
    ]
    clock.advance(timedelta(days=1))  # 2026-12-24 09:00: the second falls due tonight
    [_header, *rows] = load_workbook(io.BytesIO(client.get("/board/export.xlsx").data)).active.values
    assert [r[7] for r in rows] == ["已逾期 2 天", "即将到期，今天到期"]
    assert [r["days_left"] for r in client.get("/api/v1/board").get_json()["rows"]] == [0, 0]


def test_the_printed_notice_names_what_the_case_is_then_its_title(app, as_user):
    client = as_user("supervisor")

    def notice_sentence(case_id: int, task_id: str | None) -> str:
        issued = act(app, "supervisor", supervision.issue, case_id, task_id, "请尽快办理", None)
        html = text_of(client.get(f"/board/supervisions/{issued.id}/notice"))
        return html.split('id="notice-subject">', 1)[1].split("</p>", 1)[0]

    proposal_id = co_handled_proposal_late(app)  # 财政所's co-handling view due 2027-01-07 24:00
    [view] = [
        t for t in act(app, "office1", cases.case_page, proposal_id).detail.open_tasks if t.name.endswith("财政所")
    ]
    assert notice_sentence(proposal_id, view.task_id) == (
        "你单位承办的代表建议“关于卫生院夜间值班的建议”（“向主办单位提出协办意见 · 财政所”环节，"
        "期限 2027-01-07 24:00），现予督办。"
    )
    assert notice_sentence(proposal_id, None) == "你单位承办的代表建议“关于卫生院夜间值班的建议”，现予督办。"

    petition = start_petition(app, "petition1")  # the petitioner's identity is confidential
    said = notice_sentence(petition.id, petition.task_id)
    assert said.startswith("你单位承办的信访（测试）事项“反映低保评定问题”（“") and said.endswith("），现予督办。")
    html = text_of(client.get(f"/cases/{petition.id}"))
    assert (
        PETITIONER["petitioner_name"] not in said and "反映低保评定问题" in html
    )  # the title as the case page says it
