"""What a screen-reader or keyboard user is told (QA-A, the accessibility walk): what an action did
takes the focus; a refused form's summary names each field, a link to it; a form field names its
hints with its error; on an English page the process's Chinese words are marked Chinese; the
current page or tab is said, not only coloured; the navigations are named apart; no column's
header is empty."""

from __future__ import annotations

import lxml.html
from flask import render_template_string

from engine.bpmn.forms import FormField, Option
from engine.usecases import cases, tasks
from tests.conftest import REPO_ROOT
from tests.web.test_inbox import to_reply
from tests.web.test_start_refusals_at_once import FORM
from tests.world import act, deploy, start_review


def page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def one(tree: lxml.html.HtmlElement, xpath: str) -> lxml.html.HtmlElement:
    found = tree.xpath(xpath)
    assert len(found) == 1, (xpath, len(found))
    return found[0]


def said(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


# ---- what an action did ----


def test_a_claim_is_said_by_a_message_that_takes_the_focus(app, as_user):
    task_id = to_reply(app, "finance")
    answer = as_user("finance1").post(f"/tasks/{task_id}/claim", follow_redirects=True)
    flashes = page(answer).xpath("//main/div[contains(@class, 'flash')]")
    assert len(flashes) == 1
    first = flashes[0]
    assert said(first) == "已签收：答复"
    # a status region present at load is read by no screen reader: the message is focused instead
    assert (first.get("id"), first.get("tabindex"), "autofocus" in first.attrib) == ("flash-said", "-1", True)
    assert first.get("role") == "status"  # a success: polite
    # js/flash.js, loaded on every page, focuses it where autofocus is skipped (#attachments)
    assert page(answer).xpath("//script[@src='/static/js/flash.js']")


def test_a_warning_or_an_error_is_an_alert_and_only_the_first_message_takes_the_focus(app, as_user):
    client = as_user("supervisor")
    board = page(client.get("/board/?unit=nope"))  # an unknown unit: said as an error, board shown
    error = one(board, "//main/div[contains(@class, 'flash')]")
    assert error.get("class") == "flash error" and error.get("role") == "alert" and error.get("id") == "flash-said"

    with client.session_transaction() as s:  # two messages at once: the first is the one focused
        s["_flashes"] = [("success", "已发起：甲"), ("warning", "没有在用的人员可以办理")]
    two = page(client.get("/"))
    first, second = two.xpath("//main/div[contains(@class, 'flash')]")
    assert (first.get("role"), first.get("id"), "autofocus" in first.attrib) == ("status", "flash-said", True)
    assert (second.get("role"), second.get("id"), "autofocus" in second.attrib) == ("alert", None, False)
    assert two.xpath("count(//*[@autofocus])") == 1


# ---- a refused form's summary ----


def test_a_refused_task_form_lists_each_field_with_a_link_to_it(app, as_user):
    task_id = to_reply(app, "finance")
    client = as_user("finance1")
    act(app, "finance1", tasks.claim, task_id)
    refused = client.post(f"/tasks/{task_id}", data={"action": "complete", "pages": "0"})
    assert refused.status_code == 422
    summary = one(page(refused), "//*[@id='form-errors']")
    assert summary.get("role") == "alert" and "autofocus" in summary.attrib
    assert said(summary).startswith("有 2 项需要修改：")
    links = [(a.get("href"), said(a)) for a in summary.xpath(".//li/a")]
    assert links == [("#f-reply_class", "答复类别：必填"), ("#f-pages", "页数：不能小于 1")]
    # each link goes to an input of the page
    tree = page(refused)
    for href, _text in links:
        assert one(tree, f"//*[@id='{href[1:]}']").tag in ("input", "select", "textarea")
    assert "请修改标红的项目后再提交" not in said(summary)


def test_a_refused_start_form_counts_one(app, as_user):
    refused = as_user("office1").post("/start/review", data={"case_title": "", "subject": ""})
    assert refused.status_code == 422
    summary = one(page(refused), "//*[@id='form-errors']")
    assert said(summary).startswith("有 1 项需要修改：")
    assert [(a.get("href"), said(a)) for a in summary.xpath(".//li/a")] == [("#f-subject", "标题：必填")]


def test_a_refused_start_form_names_the_case_title_first(app, as_user, frozen_clock):
    deploy(app, REPO_ROOT / "bpmn" / "petition.bpmn")
    refused = as_user("office1").post("/start/petition", data=FORM)  # a future day, a title with the name
    summary = one(page(refused), "//*[@id='form-errors']")
    assert said(summary).startswith("有 2 项需要修改：")
    links = [(a.get("href"), said(a)) for a in summary.xpath(".//li/a")]
    assert links == [
        ("#f-case_title", "案件标题：用作案件标题，能看到此案件的人都可见：不能含有保密的“信访人姓名”"),
        ("#f-received_on", "收到日期：日期应在 2025-12-07 至 2026-12-07 之间"),
    ]


# ---- a field's hints, read with it ----

FIELD = """{% from "forms/fields.html" import field %}{{ field(f, values, errors, choices, bounds, none, labels) }}"""


def render_field(app, f: FormField, errors=None, bounds=None, labels=None, language="zh_CN") -> lxml.html.HtmlElement:
    with app.test_request_context("/", headers={"Cookie": f"lang={language}"}):
        html = render_template_string(
            FIELD,
            f=f,
            values={},
            errors=errors or {},
            choices={"departments": {"finance": "财政所", "civil": "民政办"}},
            bounds=bounds or {},
            labels=labels or {},
        )
    return lxml.html.fromstring(f"<div>{html}</div>")


def described(tree: lxml.html.HtmlElement, field_id: str) -> list[str]:
    """The texts the field's input names in aria-describedby, in order; each id found once."""
    control = one(tree, f"//*[@id='f-{field_id}']")
    return [said(one(tree, f"//*[@id='{i}']")) for i in control.get("aria-describedby", "").split()]


def test_a_refused_allowance_names_what_is_left_with_its_error(app):
    days = FormField("extension_days", "申请延期（天）", "long", constraints={"max": "${30 - used}"})
    tree = render_field(app, days, errors={"extension_days": "不能大于 12"}, bounds={"extension_days": {"max": 12}})
    assert described(tree, "extension_days") == ["最多 12（剩余可用额度）", "不能大于 12"]
    assert one(tree, "//input").get("aria-invalid") == "true"


def test_a_list_of_several_names_how_to_choose_by_keyboard_too(app):
    copy_to = FormField("copy_to", "抄送单位", "string", properties={"multiple": "departments", "hint": "可不选"})
    [instruction, hint] = described(render_field(app, copy_to), "copy_to")
    assert "Ctrl+空格" in instruction and "Shift+方向键" in instruction and "手机上直接勾选" in instruction
    assert hint == "可不选"


def test_a_confidential_field_names_its_notice_its_hint_and_its_error(app):
    name = FormField("petitioner_name", "来信人姓名", "string", properties={"confidential": "true", "hint": "写全名"})
    tree = render_field(app, name, errors={"petitioner_name": "必填"})
    assert described(tree, "petitioner_name") == [
        "保密信息：仅有保密权限的人员（人大办主任、信访专员）可见",
        "写全名",
        "必填",
    ]
    plain = render_field(app, FormField("subject", "标题", "string"))  # nothing to name: no empty list
    assert one(plain, "//input").get("aria-describedby") is None


def test_a_total_bound_is_named_with_the_field(app):
    votes = FormField(
        "votes_basic", "基本满意票", "long", constraints={"max_total": "${voters}"}, properties={"total_of": "votes_a"}
    )
    tree = render_field(
        app,
        votes,
        bounds={"votes_basic": {"max_total": 42}},
        labels={"votes_basic": {"total_of": "满意票、基本满意票", "max_total": "到会选民人数"}},
    )
    assert described(tree, "votes_basic") == ["满意票、基本满意票合计最多“到会选民人数”（42）"]


def test_a_checkbox_names_its_error(app):
    agree = FormField("agree", "同意", "boolean", properties={"hint": "勾选表示同意"})
    tree = render_field(app, agree, errors={"agree": "必填"})
    assert described(tree, "agree") == ["勾选表示同意", "必填"]
    assert one(tree, "//input").get("aria-invalid") == "true"


# ---- the process's Chinese on an English page ----


def test_on_an_english_page_the_forms_chinese_is_marked_chinese(app):
    reply = FormField(
        "reply_class",
        "答复类别",
        "enum",
        options=(Option("A", "已解决"), Option("B", "Solved in part")),
        properties={"hint": "按答复函填写"},
    )
    english = render_field(app, reply, language="en")
    assert one(english, "//label/span[@lang='zh-CN']").text == "答复类别"
    assert [(o.get("value"), o.get("lang")) for o in english.xpath("//option")] == [
        ("", None),  # 请选择, translated
        ("A", "zh-CN"),
        ("B", None),  # English already
    ]
    assert said(one(english, "//*[@id='f-reply_class-hint']/span[@lang='zh-CN']")) == "按答复函填写"
    chinese = render_field(app, reply)  # a Chinese page: nothing to mark
    assert chinese.xpath("//*[@lang]") == []


def test_on_an_english_page_the_task_and_case_pages_mark_the_processs_words(app, as_user):
    task_id = to_reply(app, "finance")
    client = as_user("finance1")
    act(app, "finance1", tasks.claim, task_id)
    client.get("/lang/en")
    task = page(client.get(f"/tasks/{task_id}"))
    assert one(task, "//html").get("lang") == "en"
    assert said(one(task, "//h1/span[@lang='zh-CN']")) == "答复"
    assert "答复类别" in [said(s) for s in task.xpath("//label[@for='f-reply_class']/span[@lang='zh-CN']")]
    assert "主办单位" in [said(s) for s in task.xpath("//dl[@class='facts']/dt/span[@lang='zh-CN']")]
    history_steps = [said(s) for s in task.xpath("//ol[@id='history']//span[@lang='zh-CN']")]
    assert "登记" in history_steps
    # the switch to the other language is read in that language
    switch = one(task, "//button[@class='link lang']")
    assert (said(switch), switch.get("lang")) == ("中文", "zh-CN")

    [case_link] = task.xpath("//dl[@class='facts']/dd/a[starts-with(@href, '/cases/')]")
    case = page(client.get(case_link.get("href")))
    steps = [said(s) for s in case.xpath("//section[@id='steps']//td[@class='title']//span[@lang='zh-CN']")]
    assert steps == ["登记", "答复"]
    assert "主办单位" in [said(s) for s in case.xpath("//dl[@id='variables']/dt/span[@lang='zh-CN']")]
    assert said(one(case, "//h1/span[@lang='zh-CN']")) == "关于修缮村道的意见"

    client.get("/lang/zh_CN")
    chinese = page(client.get(f"/tasks/{task_id}"))
    assert chinese.xpath("//main//*[@lang]") == []  # the page's own language: nothing marked
    switch = one(chinese, "//button[@class='link lang']")
    assert (said(switch), switch.get("lang")) == ("English", "en")


# ---- where one is, and the navigations ----


def current(tree: lxml.html.HtmlElement, nav_xpath: str) -> list[str]:
    return [said(a) for a in tree.xpath(f"{nav_xpath}//a[@aria-current='page']")]


def test_the_current_page_and_tab_are_said_not_only_coloured(app, as_user):
    to_reply(app, "finance")
    client = as_user("admin")
    users = page(client.get("/admin/users"))
    assert current(users, "//nav[@class='mainnav']") == ["系统管理"]
    assert current(users, "//nav[@class='tabs']") == ["用户"]
    # two navigations, each named apart (axe: landmark-unique)
    assert [n.get("aria-label") for n in users.xpath("//nav")] == ["主导航", "管理"]
    # every link lit is the one said, and no other
    for tree in (users, page(client.get("/admin/departments"))):
        for a in tree.xpath("//nav//a"):
            assert (a.get("class") == "on") == (a.get("aria-current") == "page"), lxml.html.tostring(a)

    officer = as_user("finance1")
    inbox = page(officer.get("/?tab=group"))
    assert current(inbox, "//nav[@class='mainnav']") == ["待办"]
    # the count read apart from the tab's name: "待签收，1", not "待签收1"
    assert current(inbox, "//nav[@class='tabs']") == ["待签收，1"]
    assert said(one(inbox, "//nav[@class='tabs']/a[@data-tab='group']/span[@class='count']/span")) == "，"
    assert one(inbox, "//nav[@class='tabs']/a[@data-tab='group']/span[@class='count']/span").get("class") == (
        "visually-hidden"
    )

    notices = page(officer.get("/notifications?unread=1"))
    assert current(notices, "//nav[@class='tabs']") == [said(one(notices, "//a[@data-tab='unread']"))]
    assert current(page(officer.get("/notifications")), "//nav[@class='tabs']") == ["全部"]


def test_no_column_header_is_empty(app, as_user):
    deploy(app, "await_trigger.bpmn")
    case_id = act(app, "office1", cases.start_instance, "await_trigger", {}, validate=False).id
    start_review(app, "office1")
    pages = {"/start": "office1", f"/cases/{case_id}": "office1", "/designer/processes/review": "designer"}
    for path, username in pages.items():
        tree = page(as_user(username).get(path))
        headers = tree.xpath("//th")
        assert headers, path
        for th in headers:
            assert said(th), (path, lxml.html.tostring(th))
        # the action column's header is read, not shown
        assert [said(h) for h in tree.xpath("//th/span[@class='visually-hidden']")] == ["操作"], path
