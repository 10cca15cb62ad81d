"""The task page: form inputs per field type, server-side validation, drafts, completing,
comments, attachments and history."""

from __future__ import annotations

import re

from engine.usecases import attachments, tasks
from tests.web.conftest import text_of
from tests.web.test_inbox import rows, to_reply
from tests.world import act, rollbacks_on, start_petition, start_review
from web import database


def field_html(html: str, field_id: str) -> str:
    match = re.search(rf'<div class="field[^"]*" data-field="{field_id}">(.*?)</div>', html)
    assert match, f"no field {field_id}"
    return match.group(1)


def test_inputs_match_the_field_types(app, as_user):
    task = to_reply(app, "finance")
    html = text_of(as_user("finance1").get(f"/tasks/{task}"))
    reply_class = field_html(html, "reply_class")
    assert "<select" in reply_class and '<option value="A"' in reply_class and "已解决" in reply_class
    assert 'type="number"' in field_html(html, "pages") and 'min="1"' in field_html(html, "pages")
    petition = start_petition(app, "petition1", unit="finance")
    html = text_of(as_user("finance1").get(f"/tasks/{petition.task_id}"))
    assert "<textarea" in field_html(html, "answer")
    assert 'type="date"' in field_html(html, "answered_on")
    copy_to = field_html(html, "copy_to")
    assert "<select multiple" in copy_to and '<option value="civil_affairs"' in copy_to and "民政办" in copy_to
    register = start_review(app, "office1")
    html = text_of(as_user("office1").get(f"/tasks/{register.task_id}"))
    assert 'type="checkbox"' in field_html(html, "urgent")
    assert 'type="text"' in field_html(html, "lead_unit") and "aria-required=true" in field_html(html, "lead_unit")


def test_department_select_for_options_source(app, as_user):
    html = text_of(as_user("petition1").get("/start/petition_min"))
    unit = field_html(html, "unit")
    assert "<select" in unit and '<option value="finance"' in unit and "财政所" in unit


def test_validation_errors_are_shown_beside_each_field_and_values_kept(app, as_user):
    task = to_reply(app, "finance")
    c = as_user("finance1")
    response = c.post(f"/tasks/{task}", data={"action": "complete", "reply_class": "", "pages": "0"})
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="form-errors"' in html
    assert 'class="field has-error"' in html
    assert "必填" in field_html(html, "reply_class")
    pages = field_html(html, "pages")
    assert "不能小于 1" in pages and 'value="0"' in pages
    assert rows(text_of(c.get("/?tab=group"))) == [task]  # nothing happened


def test_completing_moves_the_case_to_the_next_lane(app, as_user):
    case = start_review(app, "office1")
    c = as_user("office1")
    response = c.post(f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance", "urgent": "true"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert rows(text_of(c.get("/?tab=group"))) == []
    (reply,) = rows(text_of(as_user("finance1").get("/?tab=group")))
    response = as_user("finance1").post(
        f"/tasks/{reply}", data={"action": "complete", "reply_class": "A", "pages": "3"}
    )
    assert response.status_code == 302
    # the check task is assigned to the user "chair" by expression
    assert len(rows(text_of(as_user("chair").get("/?tab=mine")))) == 1
    html = text_of(as_user("office1").get(f"/cases/{case.id}"))
    assert "紧急" in html and "答复类别" in html


def test_completed_task_shows_no_form_and_refuses_a_second_completion(app, as_user):
    case = start_review(app, "office1")
    c = as_user("office1")
    c.post(f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"})
    html = text_of(c.get(f"/tasks/{case.task_id}"))
    assert 'id="task-form"' not in html and "已完成" in html
    again = c.post(f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"})
    assert again.status_code == 409
    # a second tab's submit: the same person, told so (not "someone else"), with a way on
    page = text_of(again)
    assert "任务已办理" in page and "您已于 2026-12-07 09:00 办理完成「登记」" in page, page
    assert f'<a href="/cases/{case.id}">' in page and "UTC" not in page and "已被他人处理" not in page


def test_save_draft_keeps_unvalidated_values(app, as_user):
    task = to_reply(app, "finance")
    c = as_user("finance1")
    response = c.post(f"/tasks/{task}", data={"action": "draft", "reply_class": "B", "pages": "abc"})
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{task}"
    html = text_of(c.get(f"/tasks/{task}"))
    assert "已载入草稿" in html
    assert '<option value="B" selected' in field_html(html, "reply_class")
    assert 'value="abc"' in field_html(html, "pages")
    # the draft is its author's until the task is submitted: a colleague of the unit, who may
    # complete the task too, sees the form as it starts, with no mark of a draft
    theirs = text_of(as_user("finance2").get(f"/tasks/{task}"))
    assert 'id="task-form"' in theirs and "已载入草稿" not in theirs
    assert 'value=""' in field_html(theirs, "pages") and " selected" not in field_html(theirs, "reply_class")


def test_claimed_task_is_closed_to_colleagues(app, as_user):
    """The access policy: a claimed task is its assignee's; colleagues see it (and its case)
    without the form, and may not act on it until it is handed back: what a page opened before
    the claim still sends is a race lost to it (409, tests/web/test_task_races.py), nothing done."""
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    c = as_user("finance2")
    page = text_of(c.get(f"/tasks/{task}"))
    assert 'id="task-form" novalidate' not in page and 'class="small primary" data-action="claim"' not in page
    assert "答复" in text_of(c.get(f"/cases/{act(app, 'finance1', tasks.task_detail, task).summary.instance_id}"))
    assert c.post(f"/tasks/{task}", data={"action": "complete", "reply_class": "A"}).status_code == 409
    assert c.post(f"/tasks/{task}", data={"action": "draft", "reply_class": "A"}).status_code == 409
    assert act(app, "finance1", tasks.task_detail, task).summary.assignee == "finance1"


def test_comments(app, as_user):
    task = to_reply(app, "finance")
    c = as_user("finance1")
    response = c.post(f"/tasks/{task}/comments", data={"body": "已联系村委会，下周答复"})
    assert response.status_code == 302
    html = text_of(c.get(f"/tasks/{task}"))
    assert "已联系村委会，下周答复" in html and "发表意见" in html
    assert '<span class="who" title="finance1">finance1 同志</span>' in html  # by name, not user name
    # a blank comment is refused on the task page itself, which stays open (no error page)
    refused = c.post(f"/tasks/{task}/comments", data={"body": "   "})
    assert refused.status_code == 422
    page = text_of(refused)
    assert '<p class="field-error" id="comment-error" role="alert">意见未发表：请填写意见内容。</p>' in page
    assert 'id="task-form"' in page and page.count('data-comment="') == 1
    assert as_user("civil1").post(f"/tasks/{task}/comments", data={"body": "x"}).status_code == 404


def test_attachments_upload_download_and_limits(app, as_user):
    from io import BytesIO

    task = to_reply(app, "finance")
    c = as_user("finance1")
    pdf = b"%PDF-1.4 reply letter"
    response = c.post(
        f"/tasks/{task}/attachments", data={"file": (BytesIO(pdf), "答复函.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    html = text_of(c.get(f"/tasks/{task}"))
    link = re.search(r'href="(/attachments/\d+)">答复函.pdf', html)
    assert link
    download = c.get(link.group(1))
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    # the real name for those who read filename*, a name of ASCII for those who do not, as the API's
    number = link.group(1).rsplit("/", 1)[1]
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename=attachment-{number}.pdf; filename*=UTF-8''%E7%AD%94%E5%A4%8D%E5%87%BD.pdf"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # refused: a type not on the list, an empty file, a file over the limit
    for name, content in (
        ("run.exe", b"MZ"),
        ("empty.pdf", b""),
        ("big.pdf", b"0" * (attachments.MAX_ATTACHMENT_BYTES + 1)),
    ):
        response = c.post(
            f"/tasks/{task}/attachments",
            data={"file": (BytesIO(content), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert "附件未上传" in text_of(response), name
    assert len(re.findall(r'href="/attachments/\d+"', text_of(c.get(f"/tasks/{task}")))) == 1
    # another unit cannot download it: for them it is not there
    assert as_user("civil1").get(link.group(1)).status_code == 404


def test_history_so_far(app, as_user):
    task = to_reply(app, "finance")
    html = text_of(as_user("finance1").get(f"/tasks/{task}"))
    history = html.split('id="history"', 1)[1]
    assert history.index("发起") < history.index("办理完成 · 登记")
    assert "主办单位：财政所" in history


def test_unknown_task_is_404(as_user):
    response = as_user("office1").get("/tasks/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and "未找到" in text_of(response)


def test_error_pages_speak_the_users_language(app, as_user):
    case = start_review(app, "office1")
    c = as_user("admin")
    response = c.post(f"/cases/{case.id}/trigger", data={"element": ""})
    assert response.status_code == 422
    html = text_of(response)
    assert "内容有误" in html and "<code>element</code>" in html
    c.get("/lang/en")
    html = text_of(c.post(f"/cases/{case.id}/trigger", data={"element": ""}))
    assert "Invalid data" in html and "<code>element</code>" in html


def test_a_submitted_form_is_read_by_a_reader_not_a_writers_transaction(app, as_user):
    """Submitting a task's form and a start form reads the form first: with a reader, so that
    no writer's transaction ends in a ROLLBACK (on SQLite it took the write lock to read; on
    PostgreSQL psycopg forgets its prepared statements at every ROLLBACK, and the completion
    after it ran unprepared)."""
    case = start_review(app, "office1")
    client = as_user("office1")
    with rollbacks_on(database.engine(app)) as rollbacks:  # the writers' engine
        done = client.post(f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"})
        started = client.post("/start/review", data={"subject": "路灯不亮"})
    assert done.status_code == 302 and started.status_code == 302
    assert False not in rollbacks, rollbacks


def test_a_list_of_several_says_how_to_choose_on_a_computer_and_on_a_phone(app, as_user):
    petition = start_petition(app, "petition1", unit="finance")
    copy_to = field_html(text_of(as_user("finance1").get(f"/tasks/{petition.task_id}")), "copy_to")
    assert (
        "可选多项：按住 Ctrl（苹果电脑按住 ⌘）点选；"
        "键盘上按 Ctrl+方向键 移动、Ctrl+空格 选取，Shift+方向键 连选；手机上直接勾选" in copy_to
    )
