"""A comment the case page or the task page refuses (empty, too long, a control character) comes
back in its form as it was typed, with why beside it, as a form field refused does: nothing the
person wrote is lost, and nothing is added."""

from __future__ import annotations

from engine.usecases import cases, comments
from engine.usecases.comments import MAX_COMMENT_CHARS
from tests.web.conftest import text_of
from tests.world import act, start_petition, start_review


def comment_form(page: str) -> str:
    return page.split('id="comments"', 1)[1].split("</form>", 1)[0]


def test_a_too_long_comment_on_the_task_page_comes_back_as_typed(app, as_user):
    case = start_review(app, "office1")
    typed = "已电话联系村委会，" + "情况" * (MAX_COMMENT_CHARS // 2)  # 4009 characters
    client = as_user("office1")
    refused = client.post(f"/tasks/{case.task_id}/comments", data={"body": typed})
    assert refused.status_code == 422
    form = comment_form(text_of(refused))
    assert f'aria-invalid="true" aria-describedby="comment-error" autofocus>{typed}</textarea>' in form
    assert '<p class="field-error" id="comment-error" role="alert">意见未发表：最多 4000 个字符</p>' in form
    assert 'id="task-form"' in text_of(refused)  # the rest of the page as it was
    assert "data-comment=" not in text_of(client.get(f"/tasks/{case.task_id}"))  # nothing added


def test_a_comment_with_a_nul_on_the_case_page_keeps_the_text_and_the_confidential_choice(app, as_user):
    """A petition's notes are confidential by default: the officer unticked it, and the page
    keeps it unticked. A NUL (pasted from another program) is refused, not a server error."""
    case = start_petition(app, "office1")
    client = as_user("office1")
    assert 'name="confidential" value="true" checked' in comment_form(text_of(client.get(f"/cases/{case.id}")))
    refused = client.post(f"/cases/{case.id}/comments", data={"body": "已转财政所\x00办理"})
    assert refused.status_code == 422
    form = comment_form(text_of(refused))
    assert "autofocus>已转财政所\x00办理</textarea>" in form
    assert "意见未发表：含有控制字符（如 NUL），请删去后再提交" in form
    assert 'name="confidential" value="true" >' in form  # as sent: not ticked
    client.get("/lang/en")
    blank = client.post(f"/cases/{case.id}/comments", data={"body": "  ", "confidential": "true"})
    form = comment_form(text_of(blank))
    assert blank.status_code == 422 and "The comment was not posted: write something first." in form
    assert 'name="confidential" value="true" checked' in form
    assert act(app, "office1", comments.comments, case.id) == []  # nothing added


def test_a_refused_cancellation_keeps_its_reason_beside_why(app, as_user):
    case = start_review(app, "office1")
    client = as_user("office1")
    typed = "申请人撤回，" + "详" * 1000  # 1006 characters: the reason takes at most 1000
    refused = client.post(f"/cases/{case.id}/cancel", data={"reason": typed})
    assert refused.status_code == 422
    form = text_of(refused).split('id="cancel"', 1)[1].split("</form>", 1)[0]
    assert f'aria-invalid="true" aria-describedby="cancel-error" autofocus>{typed}</textarea>' in form
    assert '<p class="field-error" id="cancel-error" role="alert">案件未撤销：最多 1000 个字符</p>' in form
    assert act(app, "office1", cases.instance_detail, case.id).status == "running"  # nothing done
