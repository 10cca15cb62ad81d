"""The process library's 停止发起 / 恢复发起 and 回滚到此版本, and a start form submitted after its
process was stopped: a second stop (or offer) changes nothing and says who made it so; a
rollback asks first; the start form's typed values come back to copy."""

from __future__ import annotations

import re

from engine.usecases import library
from tests.conftest import FIXTURES
from tests.web.conftest import text_of
from tests.world import act

REVIEW = (FIXTURES / "review.bpmn").read_text()
RENAMED = REVIEW.replace('name="登记"', 'name="登记分类"')


def flashed(page):
    return re.findall(r'<div class="flash [a-z]+"[^>]*>(.*?)</div>', page)


def test_a_second_stop_keeps_who_stopped_it_and_says_so(app, as_user):
    c = as_user("designer")
    c.post("/designer/processes/review/offering", data={"offered": "false"})
    c = as_user("admin")  # a page from before the designer's stop
    again = c.post("/designer/processes/review/offering", data={"offered": "false"}, follow_redirects=True)
    page = text_of(again)
    assert any("此流程已于 2026-12-07 09:00 由 designer 同志 停止发起；未作改变。" in f for f in flashed(page)), page
    assert "已停止发起：designer 同志 于" in page  # the record still names who stopped it
    assert act(app, "admin", library.process_versions, "review").offering_changed_by == "designer"


def test_offering_an_offered_process_changes_nothing(app, as_user):
    c = as_user("admin")
    never = text_of(c.post("/designer/processes/review/offering", data={"offered": "true"}, follow_redirects=True))
    assert any("此流程从未停止发起，一直可以发起新案件；未作改变。" in f for f in flashed(never)), never
    c.post("/designer/processes/review/offering", data={"offered": "false"})
    c = as_user("designer")
    c.post("/designer/processes/review/offering", data={"offered": "true"})
    c = as_user("admin")
    again = text_of(c.post("/designer/processes/review/offering", data={"offered": "true"}, follow_redirects=True))
    assert any("此流程已于 2026-12-07 09:00 由 designer 同志 恢复发起；未作改变。" in f for f in flashed(again)), again
    assert act(app, "admin", library.process_versions, "review").offering_changed_by == "designer"


def test_rollback_asks_first_and_deploys_only_when_confirmed(as_user):
    c = as_user("designer")
    deployed = c.post("/designer/deploy", data={"xml": RENAMED, "filename": "review.bpmn", "note": "登记改名"})
    assert deployed.status_code == 302
    asked = c.post("/designer/processes/review/v1/rollback", data={"note": "改名有误"})
    assert asked.status_code == 200
    page = text_of(asked)
    assert "回滚到 v1？" in page and "重新部署为新版本 v3，并立即生效" in page
    assert 'name="confirm" value="yes"' in page and 'value="改名有误"' in page  # the reason typed, carried on
    versions = text_of(c.get("/designer/processes/review"))
    assert 'data-version="3"' not in versions  # nothing went live
    done = c.post("/designer/processes/review/v1/rollback", data={"note": "改名有误", "confirm": "yes"})
    assert done.status_code == 302
    versions = text_of(c.get("/designer/processes/review"))
    assert "回滚：重新部署 v1。改名有误" in re.search(r'<tr data-version="3">.*?</tr>', versions).group(0)


def test_a_start_form_submitted_after_the_process_was_stopped_keeps_what_was_typed(app, as_user):
    c = as_user("office1")
    assert c.get("/start/review").status_code == 200  # the officer opens the form
    act(app, "designer", library.set_offered, "review", False)
    typed = {"case_title": "关于修缮村道的意见", "subject": "村道坑洼\n雨天积水", "checker": "chair", "rounds": "0"}
    refused = c.post("/start/review", data=typed)
    assert refused.status_code == 403
    page = text_of(refused)
    assert "已于 2026-12-07 09:00 由 designer 同志 停止发起，不能再发起新案件" in page
    assert "您填写的内容没有提交，保留在下方，可复制保存" in page
    assert "<dt>案件标题</dt><dd><textarea readonly" in page and ">关于修缮村道的意见</textarea>" in page
    assert "<dt>标题</dt>" in page and "村道坑洼\n雨天积水" in refused.get_data(as_text=True)
