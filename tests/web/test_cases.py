"""The case page: status, labelled variables, history, the diagram and its XML."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from lxml import etree

from engine import clock
from engine.bpmn.layout import BPMNDI, with_diagram
from engine.errors import NotFound
from engine.usecases import cases, deadlines, people, tasks
from engine.usecases.context import SYSTEM
from tests.conftest import FIXTURES, REPO_ROOT
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import PASSWORD, act, deploy, start_petition, start_review
from web import database


def diagram_state(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="diagram-state">(.*?)</script>', html)
    assert match
    return json.loads(match.group(1))


def test_case_page_shows_status_labelled_variables_and_history(app, as_user):
    case = start_review(app, "office1", "关于修缮村道的意见")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance", "urgent": True})
    html = text_of(as_user("office1").get(f"/cases/{case.id}"))
    assert 'id="case-status">办理中' in html
    assert '<dt>主办单位</dt><dd data-var="lead_unit">财政所</dd>' in html
    assert '<dt>紧急</dt><dd data-var="urgent">是</dd>' in html
    assert "<code>reply_due</code>" in html  # unlabelled variables under "other"
    history = html.split('id="history"', 1)[1]
    # people by their names (the user name on hover)
    assert history.index("office1 同志</strong> 发起") < history.index("office1 同志</strong> 办理完成 · 登记")
    assert "答复" in html.split("当前任务", 1)[1]  # the open task


# a due date, with its rule as a disclosure after it where it has one (tasks/_deadline.html)
DUE = (
    r'(<details class="due-rule"><summary[^>]*>)?\d{4}-\d\d-\d\d \d\d:\d\d'
    r'(</summary> <span class="due-rule-text">[^<]*</span></details>)?'
)


def test_english_punctuation_around_data(app, as_user):
    """Chinese full-width brackets and separators belong to the Chinese page only."""
    case = start_review(app, "office1", "关于修缮村道的意见")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance", "urgent": True})
    client = as_user("office1")
    zh = text_of(client.get(f"/cases/{case.id}"))
    assert re.search(rf"答复</a>\s*（财政所，期限 {DUE}）", zh)
    assert "主办单位：财政所" in zh  # history data
    client.get("/lang/en")
    en = text_of(client.get(f"/cases/{case.id}"))
    assert re.search(rf'<span lang="zh-CN">答复</span></a>\s* \(财政所, due {DUE}\)', en)
    assert "主办单位: 财政所" in en and "主办单位：" not in en
    cancel = en.split('data-action="cancel"', 1)[1].split("</button>", 1)[0]  # not the history's verb
    assert cancel.endswith(">Cancel the case") and "<h2>Cancel the case</h2>" in en


def test_diagram_marks_completed_active_and_overdue(app, as_user):
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    c = as_user("office1")
    html = text_of(c.get(f"/cases/{case.id}"))
    state = diagram_state(html)
    assert {"start", "register", "set_due"} <= set(state["completed"])
    assert "reply" in state["active"] and state["overdue"] == []
    assert 'data-xml-url="/definitions/' in html
    assert "bpmn-navigated-viewer.production.min.js" in html and "/static/js/diagram.js" in html
    clock.advance(timedelta(days=16))
    assert diagram_state(text_of(c.get(f"/cases/{case.id}")))["overdue"] == ["reply"]


def test_bpmn_xml_has_a_diagram_even_when_the_file_has_none(app, as_user):
    case = start_review(app, "office1")
    html = text_of(as_user("office1").get(f"/cases/{case.id}"))
    url = re.search(r'data-xml-url="([^"]+)"', html).group(1)
    response = as_user("office1").get(url)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    assert {"start", "register", "reply", "reply_timer", "check", "decide", "end"} <= shapes
    edges = {e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI}}}BPMNEdge")}
    assert {"f1", "f_again", "f_t"} <= edges


def test_layout_leaves_a_drawn_diagram_alone_and_places_columns_left_to_right():
    xml = (FIXTURES / "review.bpmn").read_text()
    drawn = with_diagram(xml)
    assert with_diagram(drawn) == drawn
    root = etree.fromstring(drawn.encode())
    x = {s.get("bpmnElement"): float(s[0].get("x")) for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    assert x["start"] < x["register"] < x["set_due"] < x["reply"] < x["check"] < x["decide"] < x["end"]


def test_cancelled_case(app, as_user):
    case = start_review(app, "office1")
    act(app, "office1", cases.cancel_instance, case.id, "重复登记")
    html = text_of(as_user("office1").get(f"/cases/{case.id}"))
    assert 'id="case-status">已撤销' in html and "撤销案件" in html


def test_case_comments_and_attachments(app, as_user):
    from io import BytesIO

    case = start_review(app, "office1")
    c = as_user("office1")
    assert c.post(f"/cases/{case.id}/comments", data={"body": "请尽快登记"}).status_code == 302
    # a blank comment is refused on the case page itself (no error page), nothing added
    refused = c.post(f"/cases/{case.id}/comments", data={"body": " \n "})
    assert refused.status_code == 422 and "意见未发表：请填写意见内容。" in text_of(refused)
    assert (
        c.post(
            f"/cases/{case.id}/attachments",
            data={"file": (BytesIO(b"hello"), "说明.txt")},
            content_type="multipart/form-data",
        ).status_code
        == 302
    )
    html = text_of(c.get(f"/cases/{case.id}"))
    assert "请尽快登记" in html and "说明.txt" in html
    # who wrote and who uploaded, by name
    assert '<span class="who" title="office1">office1 同志</span>' in html
    assert '<span class="when">5 B · office1 同志 · ' in html.split('id="attachments"', 1)[1]  # "hello"
    assert as_user("civil1").post(f"/cases/{case.id}/comments", data={"body": "x"}).status_code == 404


def test_other_units_cannot_see_a_case(app, as_user):
    task = to_reply(app, "finance")
    case_id = act(app, "finance1", tasks.task_detail, task).summary.instance_id
    assert as_user("finance1").get(f"/cases/{case_id}").status_code == 200
    # a case one may not see answers like a missing one
    assert as_user("civil1").get(f"/cases/{case_id}").status_code == 404
    assert as_user("deputy").get(f"/cases/{case_id}").status_code == 404
    assert as_user("supervisor").get(f"/cases/{case_id}").status_code == 200
    assert as_user("office1").get("/cases/999999").status_code == 404


def test_bpmn_js_is_served_from_node_modules(app, client, as_user):
    from web.views.assets import bpmn_js_dir

    with app.app_context():
        installed = (bpmn_js_dir() / "bpmn-navigated-viewer.production.min.js").exists()
    response = as_user("office1").get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
    assert response.status_code == (200 if installed else 404)
    assert as_user("office1").get("/vendor/bpmn-js/../../package.json").status_code == 404


def deadline_rows(html: str) -> list[tuple[str, str, str]]:
    """(bpmn id, state, the row's text) of the case page's statutory deadlines."""
    section = html.split('id="deadlines"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr data-bpmn-id="([^"]+)" data-state="([^"]+)">(.*?)</tr>', section, re.S)
    return [(bpmn_id, state, re.sub(r"<[^>]+>|\s+", " ", text).strip()) for bpmn_id, state, text in rows]


def test_a_deadline_counted_into_a_year_of_estimated_holidays_says_so(app, as_user):
    clock.advance(timedelta(days=13))  # Sunday 2026-12-20: 2027's holidays are an estimate
    case = start_review(app, "office1", "关于年底路灯的意见")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    client = as_user("office1")
    [(_, _, text)] = deadline_rows(text_of(client.get(f"/cases/{case.id}")))
    assert "自 2026-12-20 起 15 日，至 2027-01-04 24:00；遇节假日顺延；" in text
    assert "；2027 年的节假日按估算计算（国务院安排公布前）" in text
    client.get("/lang/en")
    [(_, _, text)] = deadline_rows(text_of(client.get(f"/cases/{case.id}")))
    assert "; the holidays of 2027 counted as estimated (before the State Council's schedule)" in text


def test_the_case_page_lists_each_statutory_deadline_with_its_rule(app, as_user):
    case = start_review(app, "office1", "关于修缮村道的意见")  # 2026-12-07 (Mon), 09:00
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    client = as_user("office1")
    # reply_due: 15 days from 12-07, the last day 12-22 (Tue), ending at 24:00
    [(bpmn_id, state, text)] = deadline_rows(text_of(client.get(f"/cases/{case.id}")))
    assert (bpmn_id, state) == ("reply", "open")
    assert "自 2026-12-07 起 15 日，至 2026-12-22 24:00；遇节假日顺延" in text
    assert "2026-12-22 24:00" in text and "期限内" in text and "财政所" in text

    client.get("/lang/en")
    [(_, _, text)] = deadline_rows(text_of(client.get(f"/cases/{case.id}")))
    rolled = "moved to the next working day if it falls on a rest day or holiday"
    assert f"15 days from 2026-12-07, until 2026-12-22 24:00; {rolled}" in text
    client.get("/lang/zh_CN")

    clock.advance(timedelta(days=15, hours=15, minutes=1))  # 2026-12-23 00:01: the period is over
    [(_, state, text)] = deadline_rows(text_of(client.get(f"/cases/{case.id}")))
    assert state == "overdue" and "已逾期" in text


def test_a_period_ending_on_a_weekend_says_where_it_moved(app, as_user):
    clock.advance(timedelta(days=4))  # Friday 2026-12-11: 15 days end on Saturday 12-26
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    client = as_user("finance1")
    [(_, _, text)] = deadline_rows(text_of(client.get(f"/cases/{case.id}")))
    assert "自 2026-12-11 起 15 日，至 2026-12-28 24:00；2026-12-26 逢休息日或节假日，顺延至 2026-12-28" in text
    task = text_of(client.get(f"/tasks/{act(app, 'finance1', cases.instance_detail, case.id).open_tasks[0].task_id}"))
    due = task.split('id="due"', 1)[1].split("</dd>", 1)[0]
    assert "2026-12-28 24:00" in due and "顺延至 2026-12-28" in due


def start_proposal(app):
    """A suggestion of the library's proposal process, registered by the office for a deputy."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    data = {"kind": "suggestion", "title": "修缮村道", "content": "村道破损", "deputy": "deputy"}
    return act(app, "office1", cases.start_instance, "proposal", {**data, "submitted_during": "recess"})


def test_a_deputys_own_proposal_is_the_congress_offices_to_cancel(app, as_user):
    """A deputy belongs to no unit: the proposal he files himself is withdrawn or merged by the
    congress office, as one it registered for him (only an administrator could)."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    data = {"kind": "suggestion", "title": "修缮村道", "content": "村道破损", "submitted_during": "recess"}
    case = act(app, "deputy", cases.start_instance, "proposal", data)
    assert 'data-action="cancel"' in text_of(as_user("office1").get(f"/cases/{case.id}"))
    with pytest.raises(NotFound):  # a unit with no task of it does not even see it
        act(app, "finance1", cases.cancel_instance, case.id, "并案")
    act(app, "office1", cases.cancel_instance, case.id, "代表撤回此建议")
    assert 'id="case-status">已撤销' in text_of(as_user("office1").get(f"/cases/{case.id}"))


def test_the_case_page_says_values_by_their_labels_not_codes(app, as_user):
    case = start_proposal(app)
    html = text_of(as_user("office1").get(f"/cases/{case.id}"))
    facts = html.split('id="variables"', 1)[1].split("</dl>", 1)[0]
    assert (
        '<dd data-var="kind">建议、批评和意见</dd>' in facts
        and '<dd data-var="submitted_during">闭会期间</dd>' in facts
    )
    assert '<dd data-var="deputy">deputy 同志</dd>' in facts
    history = html.split('id="history"', 1)[1].split("</ol>", 1)[0]
    assert "类型：建议、批评和意见" in history and "suggestion" not in history and "recess" not in history


def test_a_task_page_shows_the_officers_help_not_the_designers_notes(app, as_user):
    case = start_proposal(app)
    [classify] = case.open_tasks
    html = text_of(as_user("office1").get(f"/tasks/{classify.task_id}"))
    help_text = html.split('id="task-help">', 1)[1].split("</p>", 1)[0]
    assert help_text.startswith("核对建议内容，选择类别") and "自交办之日起3个月内答复" in help_text
    assert "The office" not in html  # bpmn:documentation is the designer's, in English


def test_a_help_text_names_the_period_in_effect_not_the_default(app, as_user):
    """The help says ``{setting:proposal.reply_months}``: the period the administrator set."""
    act(app, "admin", deadlines.set_setting, "proposal.reply_months", 2)
    case = start_proposal(app)
    [classify] = case.open_tasks
    html = text_of(as_user("office1").get(f"/tasks/{classify.task_id}"))
    help_text = html.split('id="task-help">', 1)[1].split("</p>", 1)[0]
    assert "主办单位自交办之日起2个月内答复" in help_text and "{setting:" not in help_text
    api = as_user("office1").get(f"/api/v1/tasks/{classify.task_id}").get_json()
    assert "主办单位自交办之日起2个月内答复" in api["help"]


def test_the_step_list_says_who_did_each_step_when_and_whether_in_time(app, as_user, frozen_clock):
    """For readers who do not read BPMN: 步骤, 办理人, 完成时间, 期限, 是否按期, one row per task."""
    case = start_review(app, "office1", "关于修缮村道的意见")  # 2026-12-07 (Mon), 09:00
    clock.advance(timedelta(minutes=30))
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=16))  # 2026-12-23: the reply's period (to 12-22 24:00) is over
    html = as_user("office1").get(f"/cases/{case.id}").get_data(as_text=True)
    section = re.search(r'<section class="card" id="steps">(.*?)</section>', html, re.S)
    assert section
    rows = [
        [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr data-bpmn-id.*?</tr>", section.group(1), re.S)
    ]
    assert rows == [
        ["登记", "office1 同志", "2026-12-07 09:30", "", "无期限"],
        ["答复", "财政所", "", "2026-12-22 24:00", "已逾期"],
    ]


def test_a_step_offered_to_a_unit_names_the_unit_even_where_a_user_has_its_code_as_name(app, as_user):
    """The demo has a user ``finance`` beside the unit ``finance``: a step waiting for the unit
    is the unit's, in the step list and the deadlines, never that person's."""
    with database.session_factory(app).begin() as s:
        people.create_user(
            s, SYSTEM, "finance", PASSWORD, roles=("officer",), department="finance", display_name="张会计"
        )
    case = start_review(app, "office1", "关于修缮村道的意见")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    html = as_user("office1").get(f"/cases/{case.id}").get_data(as_text=True)
    for section in ("steps", "deadlines"):
        found = re.search(rf'<section class="card" id="{section}">(.*?)</section>', html, re.S)
        assert found, section
        text = re.sub(r"<[^>]+>|\s+", " ", found.group(1))
        assert "财政所" in text and "张会计" not in text, (section, text)


def test_a_record_and_a_list_of_records_read_as_fields_not_as_code(app):
    """Working data such as an evaluation's per-unit tallies are records: shown key by key."""
    with app.test_request_context("/"):
        show = app.jinja_env.get_template("forms/fields.html").module.show_value
        units = {"finance": "财政所"}
        assert str(show({"unit": "finance", "average_score": 90.0}, units)) == "unit：财政所；average_score：90.0"
        listed = str(show([{"unit": "finance", "passed": True}, {"unit": "land", "passed": False}], units))
        assert listed == "<div>unit：财政所；passed：是</div><div>unit：land；passed：否</div>"
        assert str(show(["finance", "land"], units)) == "财政所、land"


def test_a_text_typed_on_several_lines_is_shown_on_them(app, as_user):
    petition = start_petition(app, "petition1", unit="finance")
    act(app, "finance1", tasks.complete, petition.task_id, {"answer": "已核实。\n下月起补发低保金。"})
    html = as_user("petition1").get(f"/cases/{petition.id}").get_data(as_text=True)
    assert '<span class="lines">已核实。\n下月起补发低保金。</span>' in html


def _open(app, case_id: int, bpmn_id: str) -> str:
    [task] = [t for t in act(app, "office1", cases.instance_detail, case_id).open_tasks if t.bpmn_id == bpmn_id]
    return task.task_id


def test_a_reply_that_asked_for_an_extension_did_not_keep_the_period_it_moved(app, as_user):
    """The unit's request for an extension is a submission of 办理并书面答复, within its period,
    but not the reply that period waits for: its row says the period went on (longer, or as it
    was when refused), and whether the period is kept is the later row's to say."""
    case = start_proposal(app)  # 2026-12-07 (Mon)
    act(
        app,
        "office1",
        tasks.complete,
        case.open_tasks[0].task_id,
        {"category": "construction", "lead_unit": "finance", "assignment_note": "请办理"},
    )
    ask = {"handling_action": "extend", "extension_months": 1, "extension_reason": "需要列入预算"}
    act(app, "finance1", tasks.complete, _open(app, case.id, "Task_Reply"), ask)
    act(app, "office1", tasks.complete, _open(app, case.id, "Task_ApproveExtension"), {"extension_decision": "approve"})
    act(app, "finance1", tasks.complete, _open(app, case.id, "Task_Reply"), {**ask, "extension_reason": "仍需时间"})
    act(app, "office1", tasks.complete, _open(app, case.id, "Task_ApproveExtension"), {"extension_decision": "reject"})
    client = as_user("office1")
    html = text_of(client.get(f"/cases/{case.id}"))
    replies = [(state, text) for bpmn_id, state, text in deadline_rows(html) if bpmn_id == "Task_Reply"]
    # three months from 12-07: 2027-03-07, a Sunday → 03-08; four months: 04-07 (Wed)
    assert [state for state, _ in replies] == ["extended", "carried", "open"]
    assert "2027-03-08 24:00" in replies[0][1] and "期限已延长" in replies[0][1]
    assert "2027-04-07 24:00" in replies[1][1] and "期限延续" in replies[1][1]
    assert "2027-04-07 24:00" in replies[2][1] and "期限内" in replies[2][1]
    # the same step three times: numbered, not three rows alike
    times = [re.match(r"办理并书面答复\s+第 (\d) 次", text) for _, text in replies]
    assert [m.group(1) if m else None for m in times] == ["1", "2", "3"]
    assert "期限在下一行继续计算" in html.split('id="deadlines"', 1)[1].split("</table>", 1)[0]
    steps = html.split('id="steps"', 1)[1].split("</section>", 1)[0]
    assert 'data-state="extended"' in steps and "期限已延长" in steps
    # the facts say whose decision on what, and no longer that the unit is asking for one
    facts = html.split('id="variables"', 1)[1].split("</dl>", 1)[0]
    assert '<dt>延期审批意见</dt><dd data-var="extension_decision">不同意</dd>' in facts
    assert 'data-var="handling_action"' not in facts


def test_an_evaluation_and_the_one_after_its_re_handling_are_two_periods_even_counted_from_one_day(app, as_user):
    """不满意 on the day of the reply, re-handled and answered that same day: the second
    evaluation's 20 working days are counted afresh from that day, as the first's were. The
    first evaluation ended its own period on time (按期), it is not 期限延续."""
    case = start_proposal(app)  # 2026-12-07 (Mon)
    assign = {"category": "construction", "lead_unit": "finance", "assignment_note": "请办理"}
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, assign)
    reply = {
        "handling_action": "reply",
        "reply_class": "C",
        "reply_text": "因条件限制需以后解决",
        "reply_signer": "张所长",
    }
    act(app, "finance1", tasks.complete, _open(app, case.id, "Task_Reply"), reply)
    unsatisfied = {"evaluation": "不满意", "unsatisfied_reason": "未解决"}
    act(app, "deputy", tasks.complete, _open(app, case.id, "Task_Evaluate"), unsatisfied)
    again = {"reply_class": "A", "reply_text": "已安排施工", "reply_signer": "张所长"}
    act(app, "finance1", tasks.complete, _open(app, case.id, "Task_Rehandle"), again)
    for reader in ("office1", "deputy"):
        rows = deadline_rows(text_of(as_user(reader).get(f"/cases/{case.id}")))
        evaluations = [(state, text) for bpmn_id, state, text in rows if bpmn_id == "Task_Evaluate"]
        assert [state for state, _ in evaluations] == ["met", "open"], reader
        # both 20 working days from 12-07 (2027-01-01 a holiday): Tuesday 2027-01-05
        assert all("2027-01-05 24:00" in text for _, text in evaluations)
        assert "按期" in evaluations[0][1] and "期限延续" not in evaluations[0][1]


def test_a_rule_of_one_month_reads_as_one_month_in_english(app, as_user):
    case = start_proposal(app)  # 2026-12-07 (Mon)
    assign = {"category": "construction", "lead_unit": "finance", "cohandling_units": ["civil_affairs"]}
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, {**assign, "assignment_note": "请办理"})
    client = as_user("office1")
    client.get("/lang/en")
    rules = {bpmn_id: text for bpmn_id, _, text in deadline_rows(text_of(client.get(f"/cases/{case.id}")))}
    assert "1 month from 2026-12-07, until 2027-01-07 24:00" in rules["Task_CohandlingView"]
    assert "3 months from 2026-12-07, until 2027-03-08 24:00" in rules["Task_Reply"]


def test_a_finally_unsatisfied_proposal_says_so_and_no_routing_choice_is_a_fact(app, as_user):
    """Re-handled and still 不满意: the case page says 最终不满意, as 我的建议 and the statistics do.
    办理操作 (reply or ask for an extension) only chose which fields the unit filled in: not a fact
    of the case, nor in the deputy's history."""
    case = start_proposal(app)
    assign = {"category": "construction", "lead_unit": "finance", "assignment_note": "请办理"}
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, assign)
    reply = {"handling_action": "reply", "reply_class": "C", "reply_text": "以后解决。", "reply_signer": "张所长"}
    act(app, "finance1", tasks.complete, _open(app, case.id, "Task_Reply"), reply)
    unsatisfied = {"evaluation": "不满意", "unsatisfied_reason": "未解决"}
    act(app, "deputy", tasks.complete, _open(app, case.id, "Task_Evaluate"), unsatisfied)
    again = {"reply_class": "C", "reply_text": "仍需以后解决", "reply_signer": "张所长"}
    act(app, "finance1", tasks.complete, _open(app, case.id, "Task_Rehandle"), again)
    act(app, "deputy", tasks.complete, _open(app, case.id, "Task_Evaluate"), unsatisfied)
    for reader in ("deputy", "office1"):
        html = text_of(as_user(reader).get(f"/cases/{case.id}"))
        facts = html.split('id="variables"', 1)[1].split("</dl>", 1)[0]
        assert '<dt>最终评价</dt><dd id="final-evaluation">最终不满意</dd>' in facts, reader
        assert 'data-var="handling_action"' not in facts and "办理操作" not in facts, reader
    deputy_history = text_of(as_user("deputy").get(f"/cases/{case.id}")).split('id="history"', 1)[1]
    assert "答复类别：C 因条件限制需以后解决" in deputy_history and "办理操作" not in deputy_history
    assert "办理操作：提交书面答复" in text_of(as_user("office1").get(f"/cases/{case.id}")).split('id="history"', 1)[1]
    assert "最终不满意" in text_of(as_user("deputy").get("/cases?deputy=1"))
