"""The designer's process library pages: versions with notes and case counts, offering,
the read-only viewer, download, rollback, drafts (save, reopen, conflict, upload, template,
discard) and the diff page; only designers and administrators; the forms need the CSRF token."""

from __future__ import annotations

import re
from io import BytesIO

import pytest

from engine.usecases import cases
from tests.conftest import FIXTURES
from tests.web.conftest import login, text_of
from tests.world import PASSWORD, act, start_review

REVIEW = (FIXTURES / "review.bpmn").read_text()
RENAMED = REVIEW.replace('name="登记"', 'name="登记分类"')


def deploy_v2(c, note="登记改名"):
    response = c.post("/designer/deploy", data={"xml": RENAMED, "filename": "review.bpmn", "note": note})
    assert response.status_code == 302, text_of(response)[:2000]


@pytest.mark.parametrize("username, status", [("designer", 200), ("admin", 200), ("office1", 403), ("chair", 403)])
def test_only_designers_and_admins(as_user, username, status):
    c = as_user(username)
    for url in (
        "/designer/processes/review",
        "/designer/processes/review/v1",
        "/designer/processes/review/v1.bpmn",
        "/designer/processes/review/v1/diagram",
        "/designer/processes/review/diff?old=1&new=1",
    ):
        assert c.get(url).status_code == status, url
    for url in (
        "/designer/processes/review/offering",
        "/designer/processes/review/v1/rollback",
        "/designer/drafts/save",
    ):
        assert c.post(url, data={"xml": REVIEW, "filename": "review.bpmn", "confirm": "yes"}).status_code in (
            (403,) if status == 403 else (302, 422)
        ), url


def test_library_versions_notes_counts_and_download(app, as_user):
    start_review(app, "office1")
    c = as_user("designer")
    deploy_v2(c)
    start_review(app, "office1")
    start_review(app, "office1")
    index = text_of(c.get("/designer/"))
    assert re.search(r'<tr data-key="review">.*?<td>v2</td>.*?<td>3</td><td>0</td>', index)
    page = text_of(c.get("/designer/processes/review"))
    v2 = re.search(r'<tr data-version="2">.*?</tr>', page).group(0)
    assert "登记改名" in v2 and "<td>designer 同志</td>" in v2 and "<td>2</td><td>0</td>" in v2  # by name
    v1 = re.search(r'<tr data-version="1">.*?</tr>', page).group(0)
    assert "<td>1</td><td>0</td>" in v1 and "回滚到此版本" in v1 and "回滚到此版本" not in v2
    download = c.get("/designer/processes/review/v1.bpmn")
    assert download.headers["Content-Disposition"] == 'attachment; filename="review-v1.bpmn"'
    assert download.get_data(as_text=True) == REVIEW
    viewer = text_of(c.get("/designer/processes/review/v1"))
    assert 'data-xml-url="/designer/processes/review/v1/diagram"' in viewer and "bpmn-navigated-viewer" in viewer
    assert "BPMNShape" in c.get("/designer/processes/review/v1/diagram").get_data(as_text=True)


def test_an_unknown_version_or_process_is_a_clear_404(as_user):
    c = as_user("designer")
    missing = c.get("/designer/processes/review/v9")
    assert missing.status_code == 404 and "process &#39;review&#39; has no version 9" in text_of(missing)
    assert c.get("/designer/processes/review/v9.bpmn").status_code == 404
    assert c.post("/designer/processes/review/v9/rollback").status_code == 404
    assert "no process &#39;nope&#39; is deployed" in text_of(c.get("/designer/processes/nope"))
    assert c.get("/designer/drafts/999").status_code == 404


def test_rollback_from_the_page(as_user):
    c = as_user("designer")
    deploy_v2(c)
    done = c.post(
        "/designer/processes/review/v1/rollback", data={"note": "改名有误", "confirm": "yes"}, follow_redirects=True
    )
    page = text_of(done)
    assert "已回滚：v1 的内容已部署为 v3" in page
    assert "回滚：重新部署 v1。改名有误" in re.search(r'<tr data-version="3">.*?</tr>', page).group(0)


def test_stop_and_restart_offering(app, as_user):
    c = as_user("designer")
    c.post("/designer/processes/review/offering", data={"offered": "false"})
    assert "已停止发起：designer 同志 于" in text_of(c.get("/designer/processes/review"))  # by name
    office = as_user("office1")
    assert 'href="/start/review"' not in text_of(office.get("/start/"))
    refused = office.get("/start/review")
    assert refused.status_code == 403 and "由 designer 同志 停止发起，不能再发起新案件" in text_of(refused)
    c = as_user("designer")
    c.post("/designer/processes/review/offering", data={"offered": "true"})
    assert act(app, "office1", cases.start_instance, "review", {"subject": "又可以了"}).id


def test_save_a_draft_reopen_it_and_deploy_it(as_user):
    c = as_user("designer")
    saved = c.post("/designer/drafts/save", data={"xml": RENAMED, "filename": "review.bpmn", "note": "先存着"})
    assert saved.status_code == 302
    draft_url = saved.headers["Location"]
    page = text_of(c.get(draft_url))
    assert "草稿已保存" in page and 'name="revision" value="1"' in page and 'value="先存着"' in page
    assert "登记分类" in page and "designer 同志 最后保存于" in page  # who saved it, by name
    draft_id = re.search(r"/designer/drafts/(\d+)", draft_url).group(1)
    listed = text_of(c.get("/designer/"))
    assert f'data-draft="{draft_id}"' in listed and "<td>designer 同志</td>" in listed  # its owner, by name
    assert "· designer 同志 ·" in text_of(c.get("/designer/processes/review"))
    diff = text_of(c.get(f"/designer/processes/drafts/{draft_id}/diff"))
    assert 'data-element="register" data-status="changed"' in diff and "登记分类" in diff
    deployed = c.post(
        "/designer/deploy",
        data={"xml": RENAMED, "filename": "review.bpmn", "note": "登记改名", "draft_id": draft_id, "revision": "1"},
        follow_redirects=True,
    )
    page = text_of(deployed)
    assert "已部署：意见办理（测试）（review）v2" in page and f'data-draft="{draft_id}"' not in page
    assert "登记改名" in text_of(c.get("/designer/processes/review"))


def test_a_stale_save_is_refused_and_keeps_the_designers_xml(as_user):
    c = as_user("designer")
    draft_url = c.post("/designer/drafts/save", data={"xml": RENAMED, "filename": "review.bpmn"}).headers["Location"]
    draft_id = re.search(r"(\d+)$", draft_url).group(1)
    c.post("/designer/drafts/save", data={"xml": RENAMED, "draft_id": draft_id, "revision": "1"})
    mine = RENAMED.replace("答复", "我的答复")
    stale = c.post("/designer/drafts/save", data={"xml": mine, "draft_id": draft_id, "revision": "1", "note": "x"})
    assert stale.status_code == 409
    page = text_of(stale)
    said = page.split('id="draft-error"', 1)[1].split("</div>", 1)[0]
    assert (
        "您打开草稿 #" in said
        and "的第 1 稿后，designer 同志 于" in said
        and "又保存了第 2 稿，所以您的修改没有保存" in said
    )
    assert f'href="/designer/drafts/{draft_id}"' in said and "UTC" not in said
    assert "我的答复" in page and 'name="revision" value="2"' in page  # nothing of theirs lost; the new revision
    deploy = c.post("/designer/deploy", data={"xml": mine, "draft_id": draft_id, "revision": "1"})
    assert deploy.status_code == 409


def test_upload_into_a_draft_and_a_file_that_is_not_bpmn(as_user):
    c = as_user("designer")
    data = {"file": (BytesIO(RENAMED.encode()), "review.bpmn"), "note": "来自文件"}
    response = c.post("/designer/drafts/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and "/designer/drafts/" in response.headers["Location"]
    data = {"file": (BytesIO(b"%PDF-1.4 not xml"), "scan.pdf")}
    refused = c.post("/designer/drafts/upload", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "「scan.pdf」第 1 行：不是格式正确的 XML" in text_of(refused)  # on the designer's page, in Chinese


def test_a_new_process_from_a_template(as_user):
    c = as_user("designer")
    index = text_of(c.get("/designer/"))
    assert 'value="approval"' in index and 'value="deadline_supervision"' in index and 'value="unit_round"' in index
    made = c.post("/designer/drafts/from-template", data={"template": "approval", "key": "leave", "name": "请假审批"})
    assert made.status_code == 302
    page = text_of(c.get(made.headers["Location"]))
    assert "id=&#34;leave&#34;" in page and "请假审批" in page  # the XML, escaped in its textarea
    bad = c.post("/designer/drafts/from-template", data={"template": "approval", "key": "9 x", "name": ""})
    assert bad.status_code == 422 and "流程标识须以字母或 _ 开头" in text_of(bad)


def test_discard_a_draft(as_user):
    c = as_user("designer")
    draft_url = c.post("/designer/drafts/save", data={"xml": RENAMED, "filename": "review.bpmn"}).headers["Location"]
    draft_id = re.search(r"(\d+)$", draft_url).group(1)
    assert c.post(f"/designer/drafts/{draft_id}/discard", data={"revision": "1"}).status_code == 302
    assert c.get(draft_url).status_code == 404


def test_the_diff_page(as_user):
    c = as_user("designer")
    deploy_v2(c)
    page = text_of(c.get("/designer/processes/review/diff?old=1&new=2"))
    assert "新增 0，删除 0，修改 1" in page
    assert re.search(r'data-element="register" data-status="changed".*?登记分类.*?（原名：登记）', page)
    row = page.split('data-element="register" data-status="changed"', 1)[1].split("</tr>", 1)[0]
    assert "<td>用户任务</td>" in row and "userTask" not in row  # the kind in the designer's words
    assert "版本比较：意见办理（测试） <code>review</code>" in page
    default = text_of(c.get("/designer/processes/review/diff"))  # the newest against the one before
    assert "v1 → v2" in default and "新增 0，删除 0，修改 1" in default
    assert "<h3>旧版本 v1</h3>" in default and "<h3>新版本 v2</h3>" in default
    # the newer compared with the older (what a rollback changes): each side by its role, not 旧/新
    backwards = text_of(c.get("/designer/processes/review/diff?old=2&new=1"))
    assert "<h3>比较自 v2</h3>" in backwards and "<h3>比较到 v1</h3>" in backwards and "旧版本" not in backwards
    # a version that is no number is said so, not shown as another pair
    refused = c.get("/designer/processes/review/diff?old=abc&new=2")
    assert refused.status_code == 422 and "v1 → v2" not in text_of(refused) and "必须是整数" in text_of(refused)
    below_one = c.get("/designer/processes/review/diff?old=-1&new=2")
    said = text_of(below_one)
    assert below_one.status_code == 422 and "不能小于 1" in said and "必须是整数" not in said
    c.get("/lang/en")
    english = text_of(c.get("/designer/processes/review/diff?old=1&new=2"))
    assert "(formerly: 登记)" in english and "<td>user task</td>" in english


def test_the_forms_need_the_csrf_token(db_url, make_app, app):
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    client = strict.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"username": "designer", "password": PASSWORD, "csrf_token": token})
    page = client.get("/designer/processes/review").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 2
    for url, data in (
        ("/designer/processes/review/offering", {"offered": "false"}),
        ("/designer/drafts/save", {"xml": RENAMED, "filename": "review.bpmn"}),
        ("/designer/processes/review/v1/rollback", {}),
    ):
        assert client.post(url, data=data).status_code == 400, url
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    stopped = client.post("/designer/processes/review/offering", data={"offered": "false", "csrf_token": token})
    assert stopped.status_code == 302


BASED_ON = re.compile(r'<input type="hidden" name="based_on" value="([^"]*)">')


def test_a_deploy_over_a_version_deployed_meanwhile_is_refused_and_then_deployed_knowingly(app):
    """Two designers open v1; the first deploys hers (v2); the second's deploy would undo it
    unseen: refused, his XML kept, the page now based on v2, so deploying again is his choice."""
    first, second = app.test_client(), app.test_client()
    assert login(first, "designer").status_code == 302 and login(second, "admin").status_code == 302
    opened = {}
    for who, c in (("first", first), ("second", second)):
        page = c.get("/designer/1").get_data(as_text=True)
        opened[who] = BASED_ON.search(page).group(1)
    assert opened == {"first": "review:1", "second": "review:1"}
    deployed = first.post(
        "/designer/deploy", data={"xml": RENAMED, "filename": "review.bpmn", "based_on": opened["first"]}
    )
    assert deployed.status_code == 302

    mine = REVIEW.replace('name="答复"', 'name="书面答复"')
    refused = second.post("/designer/deploy", data={"xml": mine, "filename": "review.bpmn", "based_on": "review:1"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    said = text_of(refused).split('id="draft-error"', 1)[1].split("</div>", 1)[0]
    assert "designer 同志 于" in said and "部署了「意见办理（测试）」的新版本 v2。您的修改基于 v1" in said
    assert "现在部署会撤销 v2 的修改，所以没有部署" in said
    assert 'href="/designer/processes/review/diff?old=1&amp;new=2"' in said
    assert "书面答复" in page and BASED_ON.search(page).group(1) == "review:2"  # nothing lost; now on v2
    versions = text_of(second.get("/designer/processes/review"))
    assert 'data-version="2"' in versions and 'data-version="3"' not in versions

    again = second.post("/designer/deploy", data={"xml": mine, "filename": "review.bpmn", "based_on": "review:2"})
    assert again.status_code == 302
    assert "已部署：意见办理（测试）（review）v3" in text_of(second.get(again.headers["Location"]))


def test_a_draft_deployed_over_a_newer_version_is_refused(as_user):
    c = as_user("designer")
    mine = REVIEW.replace('name="答复"', 'name="书面答复"')
    saved = c.post("/designer/drafts/save", data={"xml": mine, "filename": "review.bpmn", "based_on": "review:1"})
    draft_id = re.search(r"(\d+)$", saved.headers["Location"]).group(1)
    assert BASED_ON.search(c.get(f"/designer/drafts/{draft_id}").get_data(as_text=True)).group(1) == "review:1"
    deploy_v2(as_user("admin"), note="另一位设计人员的修改")
    refused = c.post("/designer/deploy", data={"xml": mine, "draft_id": draft_id, "revision": "1"})
    assert refused.status_code == 409 and "您的修改基于 v1" in text_of(refused)
    assert f'data-draft="{draft_id}"' in text_of(c.get("/designer/"))  # the draft is still there
