"""迁移运行中的案件, from the process library's version list: the plan with its editable map,
the dry run per case (title, current step, can move or why not), the move after a
confirmation and its result; in English too; only designers and administrators."""

from __future__ import annotations

import html
import re

import pytest

from engine.usecases import cases, tasks
from tests.web.conftest import text_of
from tests.world import act, deploy

PAGE = "/designer/processes/migrate/v1/migrate"


@pytest.fixture
def town(app):
    deploy(app, "migrate_v1.bpmn")
    at_accept = act(app, "office1", cases.start_instance, "migrate", {"subject": "来信甲"}).id
    at_handle = act(app, "office1", cases.start_instance, "migrate", {"subject": "来信乙"})
    act(app, "office1", tasks.complete, at_handle.open_tasks[0].task_id, {})
    deploy(app, "migrate_v2.bpmn")
    return at_accept, at_handle.id


def row(page: str, attribute: str, value: object) -> str:
    return re.search(rf'<tr {attribute}="{value}".*?</tr>', page).group(0)


def hidden_fields(page: str) -> dict[str, str]:
    form = page.split('id="migrate-confirm"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_from_the_version_list_to_the_dry_run_and_the_move(town, as_user):
    at_accept, at_handle = town
    c = as_user("designer")
    versions = text_of(c.get("/designer/processes/migrate"))
    assert 'data-action="migrate">迁移运行中的案件</a>' in row(versions, "data-version", 1)
    assert "迁移运行中的案件" not in row(versions, "data-version", 2)  # nothing runs on it

    page = text_of(c.get(PAGE))
    assert "迁移运行中的案件 <small>v1 → v2</small>" in page
    mapped = row(page, "data-element", "handle")
    assert "办理 <code>handle</code>" in mapped and "用户任务" in mapped
    assert '<option value="" selected' not in mapped  # no option chosen: the first, none
    assert re.search(r'<option value="review" >复核 \(review\) · 用户任务 （建议）</option>', mapped)
    assert "可以迁移 1 件，不能迁移 1 件" in page
    movable, refused = row(page, "data-case", at_accept), row(page, "data-case", at_handle)
    assert "来信甲" in movable and "<td>受理</td>" in movable and "可以迁移" in movable
    assert "来信乙" in refused and "<td>办理</td>" in refused and "不能迁移" in refused
    assert "正在办理的「办理」（handle）在新版本中已删除，也没有映射到新版本的环节。" in html.unescape(refused)

    fields = hidden_fields(page)
    assert fields["to"] == "2" and fields["map:handle"] == "" and f"case:{at_accept}" in fields
    assert f"case:{at_handle}" not in fields  # only what can move is moved
    unconfirmed = c.post(PAGE, data=fields)  # said on the page itself: see the test below
    assert unconfirmed.status_code == 422 and "请先勾选确认" in text_of(unconfirmed)

    result = text_of(c.post(PAGE, data={**fields, "confirm": "yes"}))
    assert "已迁移 1 件，未迁移 0 件，失败 0 件。" in result
    assert 'data-outcome="moved"' in row(result, "data-case", at_accept)
    versions = text_of(c.get("/designer/processes/migrate"))
    assert "<td>1</td><td>0</td>" in row(versions, "data-version", 2)  # running 1, finished 0


def confirm_form(page: str) -> str:
    return re.search(r'<form [^>]*id="migrate-confirm".*?</form>', page, re.S).group(0)


@pytest.mark.usefixtures("town")
def test_an_unticked_confirmation_comes_back_said_at_the_box(as_user):
    """The form leaves its checkbox to the server (novalidate): unticked, the plan and its dry run
    come back (422), nothing moved, the box's message beside it and a summary linking it."""
    c = as_user("designer")
    page = text_of(c.get(PAGE, query_string={"to": 2}))
    assert re.match(r'<form [^>]*id="migrate-confirm"[^>]* novalidate>', confirm_form(page))
    assert 'id="form-errors"' not in page and "aria-invalid" not in page
    fields = hidden_fields(page)

    refused = c.post(PAGE, data=fields)
    assert refused.status_code == 422
    page = text_of(refused)
    kept = {name: value for name, value in hidden_fields(page).items() if name != "csrf_token"}
    assert "可以迁移 1 件，不能迁移 1 件" in page and kept == {n: v for n, v in fields.items() if n != "csrf_token"}
    form = confirm_form(page)
    box = re.search(r'<input type="checkbox" name="confirm"[^>]*>', form).group(0)
    assert 'id="migrate-confirm-box"' in box
    assert 'aria-describedby="confirm-error" aria-invalid="true"' in box
    assert '<p class="field-error" id="confirm-error" data-field="confirm">请先勾选确认，再迁移。</p>' in form
    summary = re.search(r'<div class="flash error" role="alert" id="form-errors".*?</div>', page, re.S).group(0)
    assert '<a href="#migrate-confirm-box">迁移确认：请先勾选确认，再迁移。</a>' in summary
    assert "可以迁移 1 件" in text_of(c.get(PAGE))  # nothing was moved

    c.get("/lang/en")
    page = html.unescape(text_of(c.post(PAGE, data=fields)))
    assert '<a href="#migrate-confirm-box">Confirmation: Tick the confirmation first, then migrate.</a>' in page


def test_the_map_is_edited_on_the_page(town, as_user):
    _at_accept, at_handle = town
    c = as_user("admin")
    page = text_of(c.get(PAGE, query_string={"to": 2, "map:handle": "review"}))
    assert re.search(r'<option value="review" selected>复核 \(review\)', row(page, "data-element", "handle"))
    assert "可以迁移 2 件，不能迁移 0 件" in page
    fields = hidden_fields(page)
    assert fields["map:handle"] == "review"
    result = text_of(c.post(PAGE, data={**fields, "confirm": "yes"}))
    assert "已迁移 2 件" in result and 'data-outcome="moved"' in row(result, "data-case", at_handle)


def test_bad_input_is_said_never_a_500(town, as_user):
    c = as_user("designer")
    unknown = c.get(PAGE, query_string={"map:nope": "review"})
    assert unknown.status_code == 422 and "「migrate」v1 中没有元素「nope」" in html.unescape(text_of(unknown))
    assert c.get("/designer/processes/migrate/v9/migrate").status_code == 404
    assert c.get(PAGE, query_string={"to": "99999999999"}).status_code == 422
    assert c.post(PAGE, data={"to": "2", "confirm": "yes", "case:99999999999": "1"}).status_code == 422


def test_the_page_reads_english(town, as_user):
    c = as_user("designer")
    c.get("/lang/en")
    page = html.unescape(text_of(c.get(PAGE)))
    assert "Migrate running cases <small>v1 → v2</small>" in page
    assert "1 can move, 1 cannot" in page
    assert "The open task “办理” (handle) was removed in the new version and is not mapped to an element of it." in page
    assert "user task" in page


@pytest.mark.parametrize("username", ["office1", "chair", "supervisor"])
def test_only_designers_and_admins(town, as_user, username):
    c = as_user(username)
    assert c.get(PAGE).status_code == 403
    assert c.post(PAGE, data={"to": "2", "confirm": "yes"}).status_code == 403
