"""The error pages (403 / 404 / 409 / 422 in a browser) say in the reader's language what happened
and what to do: from the error's reason and params (engine.errors.REASONS), people by name, times
in the reader's time zone; the developer's English is not the message. The API's JSON errors stay
as they were."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask

from engine.access import Permission
from engine.errors import REASONS, Conflict, EngineError, NotAllowed, NotFound
from engine.usecases import definitions, library, people, tasks
from engine.usecases.context import SYSTEM
from tests.conftest import FIXTURES
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act, start_review
from web import database, errors, roles

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# the English the engine says, which a page must not show as its message
DEVELOPER = re.compile(
    r"no case \d|no task |(?<!you )may not |needs the permission|UTC|already completed by|data is not valid:"
)


def page(response) -> str:
    return html.unescape(text_of(response))


def said(response) -> str:
    """The error page's own section (not the navigation around it)."""
    return page(response).split('class="card narrow error-page"', 1)[1].split("</section>", 1)[0]


def taken(response) -> str:
    """What the task page says above the form it keeps as typed, of a submission someone beat."""
    return page(response).split('id="task-taken"', 1)[1].split("</div>", 1)[0]


def test_a_missing_case_or_task_is_said_in_words_with_a_way_back(as_user):
    c = as_user("office1")
    case = c.get("/cases/999999")
    assert case.status_code == 404
    text = said(case)
    assert "找不到案件 #999999：它不存在，或者您无权查看。" in text and 'href="/cases"' in text
    assert not DEVELOPER.search(text) and "技术信息" not in text, text
    task = c.get("/tasks/00000000-0000-0000-0000-000000000000")
    assert task.status_code == 404 and "找不到这项任务" in said(task) and not DEVELOPER.search(said(task))
    c.get("/lang/en")
    english = said(c.get("/cases/999999"))
    assert "Case #999999 cannot be found: it does not exist, or you may not see it." in english
    assert not CJK.search(english) and not DEVELOPER.search(english), english


def test_a_refused_page_names_the_permission_and_who_has_it(as_user):
    c = as_user("deputy")
    board = c.get("/board/")
    assert board.status_code == 403
    text = said(board)
    assert "您没有“督办和督查台”的权限。" in text and "有此权限的角色：" in text and "督查" in text
    assert "deputy" not in text and not DEVELOPER.search(text), text
    c.get("/lang/en")
    english = said(c.get("/board/"))
    assert "You do not have the permission “Overdue board and supervision notices”." in english
    assert "Supervisor" in english and not CJK.search(english) and not DEVELOPER.search(english), english


@pytest.mark.parametrize(
    "path, permission",
    [("/designer/", "流程设计和部署"), ("/admin/users", "管理用户和单位"), ("/admin/incidents/", "查看和处理故障")],
)
def test_a_closed_area_names_the_permission_too(as_user, path, permission):
    refused = as_user("deputy").get(path)
    assert refused.status_code == 403
    text = said(refused)
    assert f"您没有“{permission}”的权限。" in text and "有此权限的角色：" in text, text


def test_a_task_completed_by_someone_else_names_them_and_says_when_in_the_readers_zone(app, as_user):
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.complete, task, {"reply_class": "A"})  # 2026-12-07 01:00 UTC
    act(app, "finance2", people.update_profile, timezone="Europe/Berlin")
    c = as_user("finance2")
    response = c.post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B"})
    assert response.status_code == 409
    text = taken(response)  # on the task page, above what the reader typed (tests/web/test_task_races.py)
    assert "任务已由他人办理" in text
    assert "「答复」已由 finance1 同志 于 2026-12-07 02:00 办理完成，您的提交没有保存。" in text, text
    assert re.search(r'href="/cases/\d+"', text) and not DEVELOPER.search(text) and "已被他人处理" not in text
    c.get("/lang/en")
    english = taken(c.post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B"}))
    assert "finance1 同志 completed “答复” on 2026-12-07 02:00; what you submitted was not saved." in english


def test_a_task_someone_holds_names_them(app, as_user):
    """To one it was never offered to (a colleague it was offered to too lost a race: a 409,
    tests/web/test_task_races.py)."""
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    response = as_user("office1").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "A"})
    assert response.status_code == 403
    text = said(response)
    assert "「答复」已由 finance1 同志 签收" in text and "请 finance1 同志 转交给您" in text, text
    assert not DEVELOPER.search(text)


def test_a_stopped_process_says_who_stopped_it_and_when(app, as_user):
    act(app, "admin", library.set_offered, "review", False)  # 2026-12-07 09:00 Beijing
    response = as_user("office1").post("/start/review", data={"subject": "路灯"})
    assert response.status_code == 403
    text = said(response)
    assert "已于 2026-12-07 09:00 由 admin 同志 停止发起" in text and 'href="/start"' in text, text
    assert not DEVELOPER.search(text)


def test_a_422_lists_each_fields_message_by_its_label(as_user):
    c = as_user("supervisor")
    response = c.get("/statistics/cases", query_string={"process": "proposal", "figure": "answered", "from": "x"})
    assert response.status_code == 422
    text = said(response)
    assert '<li data-field="from">开始日期：日期格式应为 年-月-日</li>' in text, text
    assert "must be a date" not in text and "the submitted data" not in text
    c.get("/lang/en")
    english = said(c.get("/statistics/cases", query_string={"process": "proposal", "figure": "x", "from": "x"}))
    assert '<li data-field="from">From: Must be a date written as YYYY-MM-DD.</li>' in english  # as the forms say it
    assert not CJK.search(english) and not DEVELOPER.search(english), english


def test_an_error_no_reason_explains_keeps_the_detail_folded_away(app: Flask, as_user):
    as_user("office1")
    with app.test_request_context("/somewhere"):
        body, status = errors.handle_engine_error(NotFound("no widget 3"))
    assert status == 404
    text = re.sub(r"\s+", " ", body)
    assert "要找的页面、任务或案件不存在" in text
    assert '<details class="detail"><summary>技术信息</summary><code>no widget 3</code></details>' in text


def test_the_api_keeps_its_english_json(as_user):
    c = as_user("office1")
    response = c.get("/api/v1/instances/999999")
    assert response.status_code == 404 and response.mimetype == "application/json"
    body = response.get_json()
    assert {k: body[k] for k in ("code", "message", "fields", "codes")} == {
        "code": "not_found",
        "message": "no case 999999",
        "fields": {},
        "codes": {},
    }
    # beside it, as the case page says it, in the API's language (tests/api/test_error_language.py)
    assert body["said"]["text"] == "找不到案件 #999999：它不存在，或者您无权查看。"
    board = as_user("deputy").get("/api/v1/board")
    assert board.status_code == 403
    assert board.get_json()["message"].startswith("deputy may not see the overdue board (needs the permission")


def test_every_reason_and_permission_is_said(app):
    assert set(errors._SAY) == set(REASONS)
    with app.test_request_context():
        assert set(roles.permission_names()) == set(Permission)


def test_a_reason_takes_exactly_its_params():
    with pytest.raises(ValueError, match="takes the params"):
        NotFound("no case 7", "no_case")
    with pytest.raises(ValueError, match="params without a reason"):
        NotAllowed("x", permission="supervise")
    error = Conflict("changed", "changed_meanwhile")
    assert (error.message, error.reason, error.params, error.to_dict()) == (
        "changed",
        "changed_meanwhile",
        {},
        {"code": "conflict", "message": "changed"},
    )
    assert EngineError("plain").reason is None


def test_the_hand_over_message_names_the_colleague(app, as_user):
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    c = as_user("finance1")
    done = page(c.post(f"/tasks/{task}/handover", data={"colleague": "finance2"}, follow_redirects=True))
    assert "已转交给 finance2 同志：答复" in done


def test_a_process_whose_own_script_fails_says_so_and_does_not_blame_the_reader(app, as_user):
    broken = (FIXTURES / "review.bpmn").read_text(encoding="utf-8")
    script = re.search(r"(<bpmn:scriptTask id=\"set_due\".*?<bpmn:script>)(.*?)(</bpmn:script>)", broken, re.S)
    broken = broken.replace(script.group(0), script.group(1) + "ratio = 1 / 0" + script.group(3))
    with database.session_factory(app).begin() as s:
        definitions.deploy(s, broken.encode(), "review.bpmn", SYSTEM)
    register = start_review(app, "office1", "路灯")
    response = as_user("office1").post(f"/tasks/{register.task_id}", data={"action": "complete", "lead_unit": "office"})
    assert response.status_code == 422
    text = said(response)
    assert "流程运行出错" in page(response) and "流程本身出错，这次操作没有保存" in text, text
    assert "ZeroDivisionError" in text and "这不是您填写的内容有误" in text
    assert "提交的内容未通过检查" not in text
