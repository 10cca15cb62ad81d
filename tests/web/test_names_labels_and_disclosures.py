"""What an accessibility walk found a screen reader, a keyboard or a zoomed reader lost, as the
pages now say it (the browser's side: tests/e2e/test_keyboard_zoom_and_empty_pie.py):

- the designer's two upload forms: each a fieldset named for what it does, every field labelled
  (the file inputs had no label, the notes a placeholder only); required fields marked *;
- controls alike in every row named for their row (签收, 发出督办, 编辑, 查看任务, 标为已读, 发起);
- what lived only in a tooltip: a due date's rule, the inbox's 督办 badge, why a 督办 ended, the
  diagram's ＋ and －;
- the 督办 form's date bounded as the server bounds it, its refusals the server's, not a bubble;
- the admin forms refused by the server (novalidate), their required fields marked *;
- 统计: a row's name its header, the pie's label its counts (or 暂无数据), a wrong period's
  error taking the focus; 打印 a button.

The clock stands at Monday 2026-12-07 09:00 in Beijing (overdue_case: 2026-12-23 09:00)."""

from __future__ import annotations

import re

from engine.usecases import cases, supervision
from tests.integration.test_statistics import seed
from tests.web.conftest import text_of
from tests.web.test_board_page import overdue_case
from tests.web.test_deadline_rule_now import ESTIMATE, start_case
from tests.web.test_statistics_charts import chart_data
from tests.world import REVIEW_SUBJECT, act
from web import database

REQUIRED = '<span class="req" aria-hidden="true">*</span>'
HIDDEN = '<span class="visually-hidden">'


def between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_designers_upload_forms_are_named_and_labelled(as_user):
    html = text_of(as_user("designer").get("/designer/"))
    upload = between(html, 'id="upload"', "</section>")
    draft = between(upload, 'id="upload-draft"', "</form>")
    deploy_form = between(upload, 'action="/designer/deploy"', "</form>")
    for form, legend, note in ((draft, "保存为草稿", "说明（可选）"), (deploy_form, "直接部署", "部署说明（可选）")):
        assert f"<legend>{legend}</legend>" in form
        # each field inside its label: the file's named, and the note's not by a placeholder only
        assert re.search(rf"<label><span>BPMN 文件{re.escape(REQUIRED)}</span> <input type=\"file\"", form)
        assert f'<label>{note} <input name="note" maxlength="1000"></label>' in form
        assert "placeholder" not in form
    template = between(html, 'id="templates"', "</form>")
    assert f'<label><span>流程标识{REQUIRED}</span> <input name="key" id="tpl-key" value="" required' in template
    assert f'<label><span>流程名称{REQUIRED}</span> <input name="name" id="tpl-name" value="" required' in template
    # the process table in a box of its own that scrolls, each 编辑 named for its process
    assert '<div class="table-scroll"> <table class="list" id="definitions">' in html
    row = between(html, 'data-key="review"', "</tr>")
    assert 'aria-label="编辑：意见办理（测试）">编辑</a>' in row
    assert "<th></th>" not in html


def test_the_settings_table_scrolls_in_its_box_and_leaves_refusals_to_the_server(as_user):
    c = as_user("admin")
    html = text_of(c.get("/admin/settings"))
    assert '<div class="table-scroll"> <table class="list" id="settings">' in html
    row = between(html, 'data-setting="petition.accept_days"', "</tr>")
    assert '<td class="setting-name"><code>petition.<wbr>accept_days</code></td>' in row
    assert '<form method="post" action="/admin/settings" class="inline" novalidate>' in row


def test_the_admin_forms_are_refused_by_the_server_and_mark_what_is_required(as_user):
    c = as_user("admin")
    users = text_of(c.get("/admin/users"))
    new_user = between(users, 'id="new-user"', "</form>")
    assert new_user.startswith(" novalidate>")
    for name in ("用户名", "姓名", "初始密码"):
        assert f"<label><span>{name}{REQUIRED}</span><input" in new_user, name
    assert f"<span>电子邮件{REQUIRED}" not in new_user  # not required: no mark
    user = text_of(c.get("/admin/users/finance1"))
    assert 'id="edit-user" novalidate>' in user and f"<label><span>新密码{REQUIRED}</span>" in user
    assert 'class="stack" novalidate> <input type="hidden" name="csrf_token"' in between(user, "重设密码", "</form>")
    departments = text_of(c.get("/admin/departments"))
    assert 'id="department-form" novalidate>' in departments
    assert f"<label><span>代码{REQUIRED}</span>" in departments and f"<label><span>名称{REQUIRED}</span>" in departments
    imports = text_of(c.get("/admin/imports/"))
    assert imports.count("data-upload novalidate>") == 4 and imports.count(f"<label><span>文件{REQUIRED}</span>") == 4
    # what the browser would have stopped, the server says by the field, in the page's language
    refused = c.post("/admin/users", data={"username": "", "display_name": "", "password": ""})
    assert refused.status_code == 422 and "必填" in text_of(refused)


def test_each_rows_control_is_named_for_its_row(app, as_user):
    case = overdue_case(app)
    inbox = text_of(as_user("finance1").get("/?tab=group"))
    row = between(inbox, "data-task-id=", "</tr>")
    assert f'data-action="claim" aria-label="签收：答复（{REVIEW_SUBJECT}）">签收</button>' in row

    board = text_of(as_user("supervisor").get("/board/"))
    row = between(board, '<tr class="overdue" data-task-id=', "</tr>")
    assert f"<summary>发出督办{HIDDEN}：答复（{REVIEW_SUBJECT}）</span></summary>" in row
    assert "<th></th>" not in board

    act(app, "supervisor", supervision.issue, case.id, None, "请加快办理", "2026-12-24")
    listed = text_of(as_user("finance1").get("/notifications"))
    row = between(listed, "data-notification-id=", "</tr>")
    subject = re.search(r'<td class="title"><strong>([^<]+)</strong>', row)[1]
    assert f'data-action="open" aria-label="查看任务：{subject}">查看任务</button>' in row or (
        f'data-action="open" aria-label="查看案件：{subject}">查看案件</button>' in row
    )
    assert f'data-action="read" aria-label="标为已读：{subject}">标为已读</button>' in row

    start = text_of(as_user("office1").get("/start"))
    assert 'aria-label="发起：意见办理（测试）">发起</a>' in start and "<th></th>" not in start


def test_what_was_only_a_tooltip_is_read_out_and_opens_from_the_keyboard(app, as_user):
    case = start_case(app)  # its 回执 due by an estimate of 2027's holidays
    inbox = text_of(as_user("office1").get("/"))
    row = next(r for r in re.findall(r"<tr.*?</tr>", inbox) if "回执" in r)
    rule = "自 2027-01-29 起 20 个工作日，至 2027-03-04 24:00；" + ESTIMATE
    assert (
        f'<details class="due-rule"><summary title="{rule}">2027-03-04 24:00</summary> '
        f'<span class="due-rule-text">{rule}</span></details>'
    ) in row
    assert f"/cases/{case}" in inbox

    supervised = overdue_case(app)
    act(app, "supervisor", supervision.issue, supervised.id, None, "请加快办理", "2026-12-24")
    inbox = text_of(as_user("finance1").get("/?tab=group"))
    assert f'title="有未回复的督办">督办{HIDDEN}：有未回复的督办</span></span>' in inbox
    act(app, "office1", cases.cancel_instance, supervised.id, "代表撤回建议")
    listed = text_of(as_user("supervisor").get(f"/cases/{supervised.id}")).split('id="supervisions"', 1)[1]
    assert f'title="案件已撤销，未作回复">未回复，已结束{HIDDEN}（案件已撤销，未作回复）</span></span>' in listed

    version = text_of(as_user("designer").get("/designer/processes/review/v1"))
    assert 'data-zoom="in" title="放大" aria-label="放大">＋</button>' in version
    assert 'data-zoom="out" title="缩小" aria-label="缩小">－</button>' in version


def test_the_supervision_forms_date_takes_the_days_the_server_does(app, as_user):
    overdue_case(app)  # 2026-12-23 09:00 in Beijing
    board = text_of(as_user("supervisor").get("/board/"))
    form = between(board, '<details class="supervise">', "</details>")
    assert '<form method="post" action="/board/supervise" class="stack" novalidate>' in form
    assert '<input type="date" name="respond_by" min="2026-12-23" max="2099-12-31" id="supervise-' in form


def test_statistics_rows_are_named_by_their_header_and_the_pie_by_its_counts(app, as_user):
    seed(database.session_factory(app))
    c = as_user("supervisor")
    html = text_of(c.get("/statistics/?process=proposal&from=2027-01-01&to=2027-06-30"))
    assert '<tr data-figure="replied"> <th scope="row">已答复（答复率）</th>' in html
    assert re.search(r'<tr data-unit="finance"> <th scope="row">财政所</th>', html)
    assert '<tr data-month="2027-01"><th scope="row">2027-01</th>' in html
    # the hand counts of tests/integration/test_statistics.py: A 8, B 4, C 3, D 2
    assert 'aria-label="代表建议 · 答复（A 类（办成率）：8，B 类：4，C 类：3，D 类：2）"' in html
    nothing = text_of(c.get("/statistics/?process=proposal&from=2026-01-01&to=2026-01-31"))
    assert 'aria-label="代表建议 · 答复（暂无数据）"' in nothing
    pie = chart_data(nothing)["pie"]  # what the chart draws instead of four quarters of nothing
    assert pie["empty"] == "暂无数据" and [d["value"] for d in pie["data"]] == [0, 0, 0, 0]

    report = text_of(c.get("/statistics/report?from=2027-01-01&to=2027-06-30"))
    assert '<tr><th scope="row">财政所</th><td>10</td>' in report
    assert '<button type="button" class="link-like" data-print>打印</button>' in report


def test_a_wrong_period_takes_the_focus_as_the_page_loads(as_user):
    c = as_user("supervisor")
    html = text_of(c.get("/statistics/?process=proposal&from=2026-12-01&to=2026-01-01"))
    assert re.findall(r"<[^>]*autofocus[^>]*>", html) == [
        '<span class="field-error" id="period-to-error" role="alert" style="display: block" tabindex="-1" autofocus>'
    ]


def test_the_notice_prints_from_a_button(app, as_user):
    case = overdue_case(app)
    issued = act(app, "supervisor", supervision.issue, case.id, None, "请加快办理", "2026-12-24")
    html = text_of(as_user("supervisor").get(f"/board/supervisions/{issued.id}/notice"))
    assert '<button type="button" class="link-like" data-print>打印</button>' in html and 'href="#"' not in html
