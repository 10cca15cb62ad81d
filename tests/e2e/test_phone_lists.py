"""In a real browser at a phone's width (390 px): the inbox (待办), the case list (案件), the
case page's tables (办理步骤, 法定期限, 关联案件, 故障, 外部任务, 发出的邮件) and the supervisor's board
(督查台) show each row as a card one reads without scrolling sideways (the title, the due date,
the state and the action in view), and the task page's hand-over row (转交给… / 转交说明 / 转交)
wraps inside its card instead of widening the page and cutting off its button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from engine import clock
from engine.usecases import cases, supervision, tasks
from engine.usecases.external_task_answers import failure
from engine.usecases.external_tasks import TopicRequest, fetch_and_lock
from storage.models import User
from tests.e2e.test_officer_flow import sign_in
from tests.world import REVIEW_SUBJECT, act, deploy, session_factory_of, start_review

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# a colleague's name as long as real ones get: the hand-over list is as wide as its longest option
LONG_NAME = "财政所综合业务股副股长欧阳明远（兼预算绩效管理办公室主任）"


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def in_view(page, locator, what: str) -> dict:
    """``locator`` is shown and lies wholly within the phone's width."""
    assert locator.is_visible(), f"{what} is not shown"
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, f"{what} at {box} is cut off"
    return box


@pytest.fixture
def phone_world(app):
    """Two review cases with finance: one reply overdue and unclaimed, one claimed by finance1."""
    with session_factory_of(app).begin() as s:
        s.execute(update(User).where(User.username == "finance2").values(display_name=LONG_NAME))
    waiting = start_review(app, "office1")
    act(app, "office1", tasks.complete, waiting.task_id, {"lead_unit": "finance"})
    held = start_review(app, "office1", "关于在镇中心小学门前增设交通信号灯和人行横道的建议")
    [reply] = act(app, "office1", tasks.complete, held.task_id, {"lead_unit": "finance"})
    act(app, "finance1", tasks.claim, reply.task_id)
    clock.advance(timedelta(days=16))  # both replies (due 2026-12-22 24:00) are overdue now
    return waiting, reply.task_id


def test_the_inbox_and_the_case_list_are_cards_on_a_phone(app, live_server, browser, artifacts, phone_world):
    page, problems = sign_in(browser, live_server, "finance1")
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server}/?tab=group")
    row = page.locator("#inbox tbody tr", has_text=REVIEW_SUBJECT)
    assert row.count() == 1
    page.screenshot(path=str(artifacts / "phone-inbox.png"), full_page=True)
    no_sideways_scroll(page)
    title = in_view(page, row.locator("td.title a"), "the task")
    in_view(page, row.locator("td.case a"), "the case's title")
    # the row's text runs across the card, not down a column a character or two wide
    assert in_view(page, row.locator("td.case"), "the case")["width"] > 300
    assert row.locator("td.case a").bounding_box()["height"] < 40  # its title on one line
    due = in_view(page, row.locator("td.due"), "the due date")
    assert "2026-12-22 24:00" in row.locator("td.due").inner_text() and "已逾期" in row.locator("td.due").inner_text()
    claim = in_view(page, row.locator("button[data-action=claim]"), "签收")
    assert title["y"] < due["y"] < claim["y"]  # a card read from the top: the task, its deadline, the action

    page.goto(f"{live_server}/?tab=mine")
    mine = page.locator("#inbox tbody tr", has_text="交通信号灯")
    in_view(page, mine.locator("td.due"), "the due date of my task")
    in_view(page, page.locator("#inbox thead a.sort").first, "the sorting link")
    no_sideways_scroll(page)

    page.goto(f"{live_server}/cases")
    row = page.locator("#cases tbody tr", has_text="交通信号灯")
    assert row.count() == 1
    page.screenshot(path=str(artifacts / "phone-cases.png"), full_page=True)
    no_sideways_scroll(page)
    title = in_view(page, row.locator("td.title a"), "the case's title")
    assert in_view(page, row.locator("td.title"), "the case")["width"] > 300
    in_view(page, row.locator("td.state .badge"), "the case's state")
    tasks_cell = in_view(page, row.locator("td.tasks"), "its open tasks")
    assert "1 项已逾期" in row.locator("td.tasks").inner_text() and tasks_cell["y"] > title["y"]

    assert problems == []


def test_the_hand_over_row_fits_the_task_page_on_a_phone(app, live_server, browser, artifacts, phone_world):
    _waiting, held_task = phone_world
    page, problems = sign_in(browser, live_server, "finance1")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/tasks/{held_task}")
    form = page.locator("form.handover")
    assert LONG_NAME in form.locator("select[name=colleague]").inner_text()
    page.screenshot(path=str(artifacts / "phone-task-handover.png"), full_page=True)
    no_sideways_scroll(page)
    in_view(page, form.locator("select[name=colleague]"), "转交给…")
    in_view(page, form.locator("input[name=comment]"), "转交说明")
    in_view(page, form.locator("button[data-action=handover]"), "转交")
    # and it works from there
    form.locator("select[name=colleague]").select_option("finance2")
    form.locator("button[data-action=handover]").click()
    page.wait_for_selector(".flash.success")
    assert problems == []


def test_the_case_pages_steps_are_cards_on_a_phone(app, live_server, browser, artifacts, phone_world):
    """The case page's 办理步骤: each step a card like the inbox's rows, its name across the card
    on one line (not squeezed into a column a character or two wide), then its facts."""
    waiting, _held_task = phone_world
    page, problems = sign_in(browser, live_server, "office1")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/cases/{waiting.id}")
    page.screenshot(path=str(artifacts / "phone-case-steps.png"), full_page=True)
    no_sideways_scroll(page)
    reply = page.locator("#steps tbody tr[data-bpmn-id=reply]")
    name = in_view(page, reply.locator("td.title a"), "the step's name")
    assert in_view(page, reply.locator("td.title"), "the step")["width"] > 250 and name["height"] < 40
    due = in_view(page, reply.locator("td.due"), "its deadline")
    assert reply.locator("td.due").inner_text() == "2026-12-22 24:00" and name["y"] < due["y"]
    assert reply.locator("td.done").is_hidden()  # not done yet: no 完成时间 label left alone
    assert problems == []


def test_the_case_pages_deadlines_are_cards_on_a_phone(app, live_server, browser, artifacts, phone_world):
    """The case page's 法定期限, like its steps: each deadline a card, its step's name across the
    card on one line, then its unit, its rule as one sentence across the card, its due date and
    whether it was kept (not squeezed into six columns a character or two wide)."""
    waiting, _held_task = phone_world
    page, problems = sign_in(browser, live_server, "office1")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/cases/{waiting.id}")
    page.locator("#deadlines").screenshot(path=str(artifacts / "phone-case-deadlines.png"))
    no_sideways_scroll(page)
    reply = page.locator("#deadlines tbody tr[data-bpmn-id=reply]")
    name = in_view(page, reply.locator("td.title a"), "the deadline's step")
    assert in_view(page, reply.locator("td.title"), "the deadline")["width"] > 250 and name["height"] < 40
    assert "财政所" in in_view_text(page, reply.locator("td.holder"), "its unit")
    rule = in_view(page, reply.locator("td.rule"), "its rule")
    assert rule["width"] > 250 and rule["height"] < 80  # a sentence on a line or two, not a column
    due = in_view(page, reply.locator("td.due"), "its due date")
    assert reply.locator("td.due").inner_text() == "2026-12-22 24:00" and due["height"] < 40
    kept = in_view(page, reply.locator("td.on-time .badge"), "whether it was kept")
    assert reply.locator("td.on-time").inner_text() == "已逾期"
    assert name["y"] < rule["y"] < due["y"] < kept["y"]
    assert reply.locator("td.done").is_hidden()  # not done yet: no 完成 label left alone
    assert problems == []


def test_the_case_pages_other_tables_are_cards_on_a_phone(app, live_server, browser, artifacts):
    """关联案件, 故障, 外部任务 and 发出的邮件 on the case page: each row a card, what it is across
    the card on one line, its facts below it, all in view."""
    deploy(app, "call_child.bpmn", "call_parent.bpmn", "external_task.bpmn", "mail_task.bpmn")
    caller = act(app, "office1", cases.start_instance, "call_parent", {"subject": "路灯", "unit": "finance"}).id
    sms = act(app, "office1", cases.start_instance, "external_task", {"subject": "开会通知"}).id
    [task] = act(app, "admin", fetch_and_lock, "sms-gateway", [TopicRequest("notify_sms", 60_000)])
    act(app, "admin", failure, task.id, "sms-gateway", error_message="网关拒绝：余额不足，请充值后重试", retries=0)
    meeting = {"subject": "第三次代表大会", "deputy_name": "王五", "meeting_day": "2027-01-05"}
    mail = act(app, "office1", cases.start_instance, "mail_task", {**meeting, "deputy_email": "wangwu@example.org"}).id
    page, problems = sign_in(browser, live_server, "admin")  # who reads incidents and workers' errors
    page.set_viewport_size(PHONE)
    for case_id, table, title in (
        (caller, "#called", "承办单位办理"),
        (sms, "#incidents", "外部任务失败"),
        (sms, "#external-tasks", "发送短信通知"),
        (mail, "#mails", "邮件通知代表"),
    ):
        page.goto(f"{live_server}/cases/{case_id}")
        no_sideways_scroll(page)
        row = page.locator(f"{table} tbody tr").first
        row.screenshot(path=str(artifacts / f"phone-case-{table.strip('#')}.png"))
        head = in_view(page, row.locator("td.title"), f"the title of {table}")
        assert row.locator("td.title").inner_text() == title
        assert head["width"] > 250 and head["height"] < 40, f"{table}'s title squeezed: {head}"
        facts = row.locator("td[data-label]")
        assert facts.count() >= 3, table
        for i in range(facts.count()):
            if facts.nth(i).is_visible():
                fact = in_view(page, facts.nth(i), f"a fact of {table}")
                assert fact["y"] > head["y"] and fact["width"] > 250, f"{table}: a fact at {fact}"
    assert problems == []


def in_view_text(page, locator, what: str) -> str:
    in_view(page, locator, what)
    return locator.inner_text()


def test_the_board_is_cards_on_a_phone(app, live_server, browser, artifacts, phone_world):
    """督查台 at a phone's width: each overdue task a card, the task across it, its case, unit,
    holder and deadline below, its 督办 fold-out in view and, opened, its form within the card
    (not a table squeezed to a character a line with its 督办 columns cut off); the 督办 still
    open are cards too."""
    reply = act(app, "supervisor", supervision.board).rows[0]
    act(app, "supervisor", supervision.issue, reply.instance_id, reply.task_id, "请今日内答复", None)
    page, problems = sign_in(browser, live_server, "supervisor")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/board/")
    row = page.locator("#board tbody tr", has_text=REVIEW_SUBJECT)
    assert row.count() == 1
    page.screenshot(path=str(artifacts / "phone-board.png"), full_page=True)
    no_sideways_scroll(page)
    title = in_view(page, row.locator("td.title a"), "the task")
    assert in_view(page, row.locator("td.title"), "the task's cell")["width"] > 300 and title["height"] < 40
    case = in_view(page, row.locator("td.case a"), "the case's title")
    assert case["height"] < 40  # on one line, not a character a line
    assert "财政所" in in_view_text(page, row.locator("td.unit"), "the unit")
    due = in_view(page, row.locator("td.due"), "the deadline")
    assert row.locator("td.due").inner_text() == "2026-12-22 24:00"
    late = in_view(page, row.locator("td.late .badge"), "how late")
    assert "督办 1" in in_view_text(page, row.locator("td.supervisions .badge"), "the 督办 count")
    fold = in_view(page, row.locator("details.supervise summary"), "发出督办")
    assert title["y"] < case["y"] < due["y"] < late["y"] < fold["y"]  # read from the top, the action last

    row.locator("details.supervise summary").click()
    in_view(page, row.locator("textarea[name=opinion]"), "督办意见")
    row.locator("textarea[name=opinion]").fill("请本周内书面答复")
    in_view(page, row.locator("input[name=respond_by]"), "回复期限")
    row.locator("input[name=respond_by]").fill("2026-12-01")  # past: refused
    in_view(page, row.locator("button[type=submit]"), "the form's 发出督办")
    page.screenshot(path=str(artifacts / "phone-board-supervise.png"), full_page=True)
    no_sideways_scroll(page)
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#supervise-refused")
    # the refused form back in its card, open, as typed, why beside the date
    row = page.locator("#board tbody tr", has_text=REVIEW_SUBJECT)
    assert row.locator("details.supervise").get_attribute("open") is not None
    assert row.locator("textarea[name=opinion]").input_value() == "请本周内书面答复"
    assert row.locator("input[name=respond_by]").input_value() == "2026-12-01"
    assert "2026-12-23" in in_view_text(page, row.locator("p.field-error"), "why the date was refused")
    page.screenshot(path=str(artifacts / "phone-board-refused.png"), full_page=True)
    no_sideways_scroll(page)

    issued = page.locator("#open-supervisions tbody tr").first
    head = in_view(page, issued.locator("td.title"), "the 督办's case")
    assert head["width"] > 250 and head["height"] < 40
    opinion = issued.locator("td", has_text="请今日内答复")
    assert in_view(page, opinion, "the 督办's opinion")["y"] > head["y"]
    assert problems == []


@pytest.mark.parametrize("width", [PHONE["width"], 1280], ids=["phone", "desktop"])
def test_the_comment_and_cancel_boxes_label_their_fields_above_them(
    app, live_server, browser, artifacts, phone_world, width
):
    """添加意见 and 撤销理由 stand above their boxes, as every form field's label does, not beside
    a box's lower corner."""
    waiting, _held_task = phone_world
    page, problems = sign_in(browser, live_server, "office1")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/cases/{waiting.id}")
    page.screenshot(path=str(artifacts / f"comment-box-{width}.png"), full_page=True)
    for label, box in (("label[for=comment-body]", "#comment-body"), ("label[for=cancel-reason]", "#cancel-reason")):
        above, field = page.locator(label).bounding_box(), page.locator(box).bounding_box()
        assert above["y"] + above["height"] <= field["y"] + 1, (label, above, field)
        assert abs(above["x"] - field["x"]) < 2, (label, above, field)
    assert problems == []


def test_the_messages_are_cards_on_a_phone_in_either_language(app, live_server, browser, artifacts, phone_world):
    """消息 at a phone's width: each message a card, its text across it and its actions (open,
    mark as read) in view; in English too, whose words are longer (the actions were cut off)."""
    page, problems = sign_in(browser, live_server, "finance1")
    page.set_viewport_size(PHONE)
    for language in ("zh_CN", "en"):
        page.goto(f"{live_server}/lang/{language}")
        page.goto(f"{live_server}/notifications")
        row = page.locator("#notifications tbody tr").first
        page.screenshot(path=str(artifacts / f"phone-notifications-{language}.png"), full_page=True)
        no_sideways_scroll(page)
        text = in_view(page, row.locator("td.title"), "the message")
        assert text["width"] > 300  # across the card, not a narrow column
        opening = in_view(page, row.locator("button[data-action=open]"), "open")
        in_view(page, row.locator("button[data-action=read]"), "mark as read")
        assert text["y"] < opening["y"]  # read from the top: what it says, then what to do
    assert problems == []
