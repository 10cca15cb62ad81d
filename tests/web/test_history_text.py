"""What each kind of history entry says (web/history_text.py), as the case page shows it and its
download writes it: by name, confidential values marked, nothing said twice."""

from __future__ import annotations

import ast
import csv
import html
import io
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from engine.usecases.results import HistoryEntry
from tests.conftest import REPO_ROOT
from web.history_text import Mark, Part, Words, action_names, details, download_rows, plain

AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
WORDS = Words(
    element_names={"register": "登记"},
    labels={"lead_unit": "主办单位", "co_units": "协办单位", "name": "来信人姓名", "note": "备注"},
    departments={"finance": "财政所", "civil_affairs": "民政办"},
    masked_fields={"name"},
    value_labels={"kind": {"suggestion": "建议"}},
    people={"finance1": "财政所 张所长"},
)


def entry(action: str, data: dict | None, actor: str = "finance1", bpmn_id: str | None = None) -> HistoryEntry:
    return HistoryEntry(AT, actor, action, bpmn_id, None, data)


@pytest.mark.parametrize(
    ("action", "data", "said"),
    [
        (
            "complete",
            {"lead_unit": "finance", "co_units": ["civil_affairs", "land"], "name": "张**", "note": None},
            "主办单位：财政所；协办单位：民政办、land；来信人姓名：张**（保密）",  # 备注 left empty: left out
        ),
        # what was left empty is left out, whatever its kind; what was written is quoted as it
        # was, its own closing stop kept, which then ends it without a ； ("。；" said it twice)
        ("complete", {"note": "", "co_units": [], "lead_unit": "finance", "name": None}, "主办单位：财政所"),
        ("complete", {"note": "路灯不亮。", "urgent": False}, "备注：路灯不亮。urgent：否"),
        ("complete", {"note": "分批安装；", "lead_unit": "finance"}, "备注：分批安装；主办单位：财政所"),
        ("complete", {"note": "见附件 No. 3.", "urgent": False}, "备注：见附件 No. 3. urgent：否"),
        ("complete", {"note": "  ", "kind": "suggestion", "urgent": 0}, "kind：建议；urgent：0"),
        ("complete", {"name": "张**。", "note": "已核实。"}, "来信人姓名：张**。（保密）；备注：已核实。"),
        ("complete", {"kind": "suggestion", "urgent": False}, "kind：建议；urgent：否"),
        ("hand_over", {"to": "finance1", "comment": "请你办理"}, "→ 财政所 张所长：请你办理"),
        ("hand_over", {"to": "civil1", "comment": "", "withheld": True}, "→ civil1：（保密）"),
        ("attach", {"filename": "答**.pdf", "withheld": True}, "答**.pdf（保密）"),
        ("supervise", {"opinion": "请今日内答复"}, "请今日内答复"),
        ("import", {"file": "台账.xlsx", "row": 7}, "台账.xlsx 第 7 行"),
        ("cancel", {"reason": "重复登记"}, "理由：重复登记"),
        ("external_task_completed", {"_worker": "gis-1", "lead_unit": "finance"}, "处理方：gis-1；主办单位：财政所"),
        ("claim", None, ""),
        ("mail_queued", {"to": ["a**@example.org"], "withheld": True}, ""),  # the page says nothing of it either
    ],
)
def test_what_an_entry_says(app, action, data, said):
    with app.test_request_context():
        assert plain(details(entry(action, data), WORDS)) == said


def test_the_page_marks_what_the_download_says_in_words(app):
    with app.test_request_context():
        parts = details(entry("complete", {"name": "张**", "note": "无"}), WORDS)
    assert parts == [
        Part("来信人姓名："),
        Part("张**"),
        Part("", Mark.MASKED),
        Part("；"),
        Part("备注："),
        Part("无"),
    ]


def test_download_rows_name_the_actor_the_action_and_the_step(app):
    with app.test_request_context():
        rows = download_rows([entry("complete", {"lead_unit": "finance"}, "system", "register")], WORDS)
    assert rows == [[AT, "系统", "办理完成", "登记", "主办单位：财政所"]]
    with app.test_request_context(), force_locale("en"):
        rows = download_rows([entry("complete", {"lead_unit": "finance"}, "system", "register")], WORDS)
    # an entry says what happened (the button that does it says "Complete")
    assert rows == [[AT, "System", "Completed", "登记", "主办单位: 财政所"]]


def test_an_entry_of_a_task_names_its_step_as_the_task_is_titled(app):
    """A round's title (its unit) where the entry has one, else the element's name, else nothing."""
    scored = HistoryEntry(AT, "wang", "complete", "Task_Score", "t1", None, "评议打分 · 财政所")
    register = entry("claim", None, bpmn_id="register")
    cancel = entry("cancel", None)
    with app.test_request_context():
        rows = download_rows([scored, register, cancel], WORDS)
    assert [row[3] for row in rows] == ["评议打分 · 财政所", "登记", ""]


# the actions audited under a name made at run time: a message, signal or trigger delivered
# (engine/usecases/messages.py), an import (onboarding.py), a timer's kind (timers.py), an
# external task's answer (external_task_answers.py)
COMPOSED_ACTIONS = {
    "message_received",
    "signal_received",
    "trigger_received",
    "import_units",
    "import_people",
    "task_overdue",
    "reminder",
    "start_timer",
    "external_task_completed",
    "external_task_failed",
    "external_task_error",
}


def audited_actions() -> set[str]:
    """Every action the code passes to ``audit(session, actor, "<action>", ...)`` as text."""
    found = set()
    for path in [*(REPO_ROOT / "engine").rglob("*.py"), *(REPO_ROOT / "web").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            calls_audit = isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("audit", "_audit")
            if calls_audit and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant):
                found.add(node.args[2].value)
    return found


def test_every_audited_action_has_a_name(app):
    actions = audited_actions()
    assert {"start", "complete", "sign_in", "deploy", "calendar_year_set"} <= actions  # the scan finds them
    with app.test_request_context():
        named = action_names()
    assert actions | COMPOSED_ACTIONS <= set(named), sorted((actions | COMPOSED_ACTIONS) - set(named))


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
HISTORY = '{% from "tasks/_history.html" import history %}{{ history(entries, {}, {}, {}) }}'


def test_every_action_reads_english_on_the_page_and_in_the_download(app):
    """An entry of each kind, said by the page's macro and by the download in English, after a
    Chinese page (the macro's template is kept once imported: its words must not be)."""
    with app.test_request_context():
        kinds = sorted(action_names())
    entries = [HistoryEntry(AT, "system", kind, None, None, None) for kind in kinds]
    template = app.jinja_env.from_string(HISTORY)
    with app.test_request_context():
        chinese = template.render(entries=entries)
    assert "发起" in chinese and "期限届满" in chinese
    with app.test_request_context(), force_locale("en"):
        english = template.render(entries=entries)
        rows = download_rows(entries, Words())
    found = re.findall(r'<li data-action="(\w+)">.*?</strong>\s*([^<]*?)\s*</div>', english, re.S)
    said = {kind: html.unescape(text) for kind, text in found}
    assert set(said) == set(kinds)
    assert {kind: text for kind, text in said.items() if CJK.search(text) or not text} == {}
    assert said["start"] == "Started" and said["supervise"] == "Issued a supervision notice"
    assert [row[2] for row in rows] == [said[kind] for kind in kinds]


def test_the_task_pages_history_follows_the_readers_language(app, as_user):
    from tests.web.test_inbox import to_reply

    task = to_reply(app, "finance")
    c = as_user("finance1")
    assert "发起 · " in c.get(f"/tasks/{task}").get_data(as_text=True)
    c.get("/lang/en")
    page = c.get(f"/tasks/{task}").get_data(as_text=True)
    history = page.split('id="history"', 1)[1].split("</ol>", 1)[0]
    assert "Started · " in history and "Completed · " in history
    assert "发起" not in history and "办理完成" not in history, history


def test_in_english_a_value_keeps_its_full_stop_too(app):
    with app.test_request_context(), force_locale("en"):
        said = plain(details(entry("complete", {"note": "The lamp is out.", "urgent": True}), WORDS))
    assert said == "备注: The lamp is out. urgent: Yes"


def test_a_submission_reads_in_the_order_its_form_asks(app, as_user):
    """The values are stored by name (sorted): the history lists them as the form does, the
    start form's for the start (标题, 审核人, 轮次), the task's for the task (答复类别, 页数)."""
    from engine.usecases import tasks
    from tests.world import act, start_review

    case = start_review(app, "office1")
    [reply] = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance", "urgent": False})
    act(app, "finance1", tasks.complete, reply.task_id, {"reply_class": "A", "pages": 2})
    client = as_user("office1")
    rows = list(csv.reader(io.StringIO(client.get(f"/cases/{case.id}/history.csv").data.decode("utf-8-sig"))))
    said = {row[3]: row[4] for row in rows[1:] if row[2] in ("发起", "办理完成")}
    assert said == {
        "收到意见": "标题：关于修缮村道的意见；审核人：chair；轮次：0",
        "登记": "主办单位：财政所；紧急：否",
        "答复": "答复类别：已解决；页数：2",
    }


def test_a_list_ending_a_sentence_before_the_next_field_says_its_stop_once():
    parts = details(entry("complete", {"co_units": ["甲。", "乙。"], "note": "无"}), WORDS)
    assert plain(parts) == "协办单位：甲。、乙。备注：无"
