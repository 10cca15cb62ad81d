"""An inspection of two units (bpmn/inspection.bpmn, one round per unit) as each reader sees
it. An inspected unit sees the case only through its own round's tasks: it reads its own
round (its self-check report, the on-site record, the findings and returns about it) and the
case outside the rounds (the plan), never the other unit's round, whose tasks answer as if
they did not exist. The office, the chair and a supervisor read every round. Once closed, the
case page shows each unit's result as a table, by the labels of its keys."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook

from engine.bpmn.runtime import Runtime
from engine.usecases import attachments, cases, comments, supervision, tasks
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import act, deploy

UNITS = ("finance", "civil_affairs")
# what each round holds (the unit's reports, what the office wrote of it), as typed
FINANCE_FILE = ("财政所自查报告正文", "财政所现场监查记录", "财政所未发现问题")
CIVIL_FILE = (
    "民政办自查报告正文",
    "民政办现场监查记录",
    "临时救助档案资料不全3户",
    "补齐救助档案",
    "民政办第一次整改报告",
    "仍缺1户评议记录",
    "民政办第二次整改报告",
)


def open_task(app, case_id: int, bpmn_id: str, unit: str = "") -> str:
    """The one open ``bpmn_id`` task of the case, of the round whose title names ``unit``."""
    [task] = [
        t
        for t in act(app, "office1", cases.instance_detail, case_id).open_tasks
        if t.bpmn_id == bpmn_id and t.name.endswith(unit)
    ]
    return task.task_id


def do(app, username: str, case_id: int, bpmn_id: str, data: dict, unit: str = "") -> str:
    task_id = open_task(app, case_id, bpmn_id, unit)
    act(app, username, tasks.complete, task_id, data)
    return task_id


def inspection_under_way(app) -> tuple[int, dict[str, str]]:
    """Both units notified and checked on site; finance found clean (its round done), civil
    affairs found with problems, its first rectification returned and its second reported:
    the office has its acceptance to do. Returns the case and the tasks done, by name."""
    deploy(app, REPO_ROOT / "bpmn" / "inspection.bpmn")
    start = {"inspection_title": "2026年惠民资金检查", "inspection_basis": "年度监督工作计划"}
    case_id = act(app, "office1", cases.start_instance, "inspection", start).id
    plan = {"topics": "惠民资金发放", "units": list(UNITS), "selfcheck_deadline": "2026-12-20"}
    done = {"plan": do(app, "office1", case_id, "Task_Plan", plan)}
    do(app, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    for unit in ("财政所", "民政办"):
        do(app, "office1", case_id, "Task_Notice", {"notice_text": "请开展自查"}, unit)
    done["finance_selfcheck"] = do(
        app, "finance1", case_id, "Task_SelfCheck", {"selfcheck_report": FINANCE_FILE[0]}, "财政所"
    )
    done["civil_selfcheck"] = do(
        app, "civil1", case_id, "Task_SelfCheck", {"selfcheck_report": CIVIL_FILE[0]}, "民政办"
    )
    for unit, record in (("财政所", FINANCE_FILE[1]), ("民政办", CIVIL_FILE[1])):
        do(app, "office1", case_id, "Task_OnSite", {"onsite_date": "2026-12-07", "onsite_record": record}, unit)
    clean = {"findings_result": "clean", "findings": FINANCE_FILE[2]}
    done["finance_findings"] = do(app, "office1", case_id, "Task_Findings", clean, "财政所")
    problems = {
        "findings_result": "problems",
        "findings": CIVIL_FILE[2],
        "rectification_requirements": CIVIL_FILE[3],
        "rectification_deadline": "2027-01-05",
    }
    done["civil_findings"] = do(app, "office1", case_id, "Task_Findings", problems, "民政办")
    done["civil_rectify"] = do(app, "civil1", case_id, "Task_Rectify", {"rectification_report": CIVIL_FILE[4]})
    returned = {"acceptance": "returned", "acceptance_opinion": CIVIL_FILE[5], "new_deadline_rule": "period"}
    do(app, "office1", case_id, "Task_AcceptRectification", returned)
    done["civil_rectify_again"] = do(app, "civil1", case_id, "Task_Rectify", {"rectification_report": CIVIL_FILE[6]})
    return case_id, done


def closed_inspection(app) -> tuple[int, dict[str, str]]:
    case_id, done = inspection_under_way(app)
    do(app, "office1", case_id, "Task_AcceptRectification", {"acceptance": "accepted"})
    do(app, "office1", case_id, "Task_Report", {"report_text": "检查情况报告"})
    do(app, "chair", case_id, "Task_PresidiumHear", {"presidium_decision": "accepted"})
    return case_id, done


def shown(html: str, texts: tuple[str, ...]) -> list[str]:
    return [t for t in texts if t in html]


def step_names(html: str) -> list[str]:
    steps = html.split('id="steps"', 1)[1].split("</table>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r'<td class="title">(.*?)</td>', steps)
    ]


def test_a_unit_reads_its_own_round_and_the_office_the_chair_and_a_supervisor_every_round(app, as_user):
    case_id, done = inspection_under_way(app)
    civil_open = open_task(app, case_id, "Task_AcceptRectification")
    # what civil affairs said on its own task is its round's
    act(app, "civil1", comments.add_comment, CIVIL_FILE[-1] + "的补充说明", task_id=done["civil_rectify_again"])
    finance = as_user("finance1")
    page = text_of(finance.get(f"/cases/{case_id}"))
    assert shown(page, CIVIL_FILE) == [] and shown(page, FINANCE_FILE) == list(FINANCE_FILE)
    assert "惠民资金发放" in page  # the plan is the whole case's
    assert [name for name in step_names(page) if "·" in name] == [
        "发出书面通知 · 财政所",
        "自查自纠并报告 · 财政所",
        "现场监查 · 财政所",
        "提出监查意见和整改要求 · 财政所",
    ]
    assert "整改验收" not in page.split('id="history"', 1)[0]  # the other round's open task is not listed
    # another round's task, done or open, answers as one that does not exist; its own open
    for task_id in (done["civil_selfcheck"], done["civil_findings"], civil_open):
        assert finance.get(f"/tasks/{task_id}").status_code == 404
        assert finance.get(f"/api/v1/tasks/{task_id}").status_code == 404
    own_task = finance.get(f"/tasks/{done['finance_selfcheck']}")
    assert own_task.status_code == 200
    # its own task's history and notes, and the history download, hold nothing of the other round
    assert shown(text_of(own_task), CIVIL_FILE) == [] and "的补充说明" not in text_of(own_task)
    book = load_workbook(BytesIO(finance.get(f"/cases/{case_id}/history.xlsx").data))
    cells = " ".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row)
    assert shown(cells, CIVIL_FILE) == [] and FINANCE_FILE[0] in cells
    api = finance.get(f"/api/v1/instances/{case_id}").get_json()
    assert {e["task_id"] for e in api["history"]}.isdisjoint(done[k] for k in done if k.startswith("civil"))
    assert shown(str(api), CIVIL_FILE) == []
    assert [t["task_id"] for t in api["open_tasks"]] == []

    # civil affairs reads its own round, none of finance's
    civil = as_user("civil1")
    page = text_of(civil.get(f"/cases/{case_id}"))
    assert shown(page, FINANCE_FILE) == [] and shown(page, CIVIL_FILE) == list(CIVIL_FILE)
    assert "的补充说明" in page
    assert civil.get(f"/tasks/{done['finance_selfcheck']}").status_code == 404

    # whoever runs or oversees the inspection reads every round
    for reader in ("office1", "office2", "chair", "supervisor"):
        client = as_user(reader)
        page = text_of(client.get(f"/cases/{case_id}"))
        assert shown(page, FINANCE_FILE + CIVIL_FILE) == list(FINANCE_FILE + CIVIL_FILE), reader
        assert "的补充说明" in page, reader
        assert client.get(f"/tasks/{done['civil_findings']}").status_code == 200, reader
        assert client.get(f"/tasks/{done['finance_findings']}").status_code == 200, reader


def test_a_supervision_on_another_rounds_task_is_not_the_units(app, as_user):
    case_id, done = inspection_under_way(app)
    rectify = open_task(app, case_id, "Task_AcceptRectification")
    act(app, "supervisor", supervision.issue, case_id, rectify, "请尽快验收民政办整改", None)
    assert as_user("finance1").get(f"/api/v1/instances/{case_id}/supervisions").get_json() == []
    page = text_of(as_user("finance1").get(f"/cases/{case_id}"))
    assert "请尽快验收民政办整改" not in page
    [issued] = as_user("office1").get(f"/api/v1/instances/{case_id}/supervisions").get_json()
    assert issued["opinion"] == "请尽快验收民政办整改"
    # nor its printed notice, nor what was said or filed on that round's task, by any door
    finance = as_user("finance1")
    assert finance.get(f"/board/supervisions/{issued['id']}/notice").status_code == 404
    act(app, "civil1", comments.add_comment, "民政办的整改补充说明", task_id=done["civil_rectify_again"])
    filed = act(app, "civil1", attachments.add_attachment, "民政办整改台账.pdf", b"%PDF-1.4", task_id=rectify)
    finance = as_user("finance1")
    said = finance.get(f"/api/v1/instances/{case_id}/comments").get_json()
    assert "民政办的整改补充说明" not in str(said)
    assert "民政办整改台账" not in str(finance.get(f"/api/v1/instances/{case_id}/attachments").get_json())
    assert finance.get(f"/attachments/{filed.id}").status_code == 404
    office = as_user("office1")
    assert "民政办的整改补充说明" in str(office.get(f"/api/v1/instances/{case_id}/comments").get_json())
    assert office.get(f"/attachments/{filed.id}").status_code == 200


def result_table(html: str) -> list[list[str]]:
    table = html.split('data-records="unit_results"', 1)[1].split("</table>", 1)[0]
    head = [" ".join(re.sub(r"<[^>]+>", " ", th).split()) for th in re.findall(r"<th>(.*?)</th>", table)]
    rows = [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1])
    ]
    return [head, *rows]


def test_the_closed_inspection_shows_each_units_result_by_labels(app, as_user):
    case_id, _done = closed_inspection(app)
    page = text_of(as_user("office1").get(f"/cases/{case_id}"))
    assert "<h3>逐单位监督检查</h3>" in page
    assert result_table(page) == [
        ["单位", "发现问题", "监查意见", "整改次数", "验收结论", "按期自查", "完成时间"],
        ["财政所", "否", "财政所未发现问题", "0", "", "是", "2026-12-07 09:00"],
        ["民政办", "是", "临时救助档案资料不全3户", "2", "整改到位，验收通过", "是", "2026-12-07 09:00"],
    ]
    others = page.split("其他流程变量", 1)[1].split("</details>", 1)[0]
    assert "unit_results" not in others and "problems_found" not in others

    # each unit reads its own result alone
    finance_page = text_of(as_user("finance1").get(f"/cases/{case_id}"))
    assert result_table(finance_page)[1:] == [["财政所", "否", "财政所未发现问题", "0", "", "是", "2026-12-07 09:00"]]


def test_a_units_task_page_works_out_its_rounds_once(app, as_user, monkeypatch):
    """What of the case an inspected unit may read is worked out from the case's workflow,
    restored for it: once for the page's history, notes and 督办 together, not once each."""
    _case_id, done = inspection_under_way(app)
    restored = []
    restore = Runtime.restore
    monkeypatch.setattr(Runtime, "restore", lambda runtime, *args: restored.append(1) or restore(runtime, *args))
    page = as_user("civil1").get(f"/tasks/{done['civil_rectify']}")
    assert page.status_code == 200 and CIVIL_FILE[4] in text_of(page)
    assert len(restored) == 1
