"""The modeler left open on a draft that was then discarded or deployed: its 保存草稿 is refused,
saying who did it and when, keeps the designer's XML on a page no longer on a draft (so that
saving it makes a new one), and writes over no other draft (tests/integration/test_draft_ids.py
has the use case's rules)."""

from __future__ import annotations

import re
from io import BytesIO

from tests.conftest import FIXTURES
from tests.web.conftest import text_of

REVIEW = (FIXTURES / "review.bpmn").read_text()
RENAMED = REVIEW.replace('name="登记"', 'name="登记分类"')
PETITION = (FIXTURES / "petition_min.bpmn").read_text()


def open_draft(c, draft_url):
    """What the modeler's form holds for the draft: its id, revision and creation stamp."""
    page = text_of(c.get(draft_url))
    fields = dict(re.findall(r'name="(draft_id|revision|draft_created)" value="([^"]*)"', page))
    assert set(fields) == {"draft_id", "revision", "draft_created"}, page
    return fields


def new_draft(c, xml=RENAMED, filename="review.bpmn"):
    saved = c.post("/designer/drafts/save", data={"xml": xml, "filename": filename})
    assert saved.status_code == 302, text_of(saved)[:2000]
    return saved.headers["Location"]


def said(page):
    return page.split('id="draft-error"', 1)[1].split("</div>", 1)[0]


def test_a_save_from_a_tab_open_on_a_discarded_draft_is_refused_and_keeps_the_xml(as_user):
    c = as_user("designer")
    draft_url = new_draft(c)
    c = as_user("admin")
    opened = open_draft(c, draft_url)  # the admin's tab
    c = as_user("designer")
    assert c.post(f"/designer/drafts/{opened['draft_id']}/discard", data={"revision": "1"}).status_code == 302
    upload = {"file": (BytesIO(PETITION.encode()), "petition.bpmn")}
    petition_url = c.post("/designer/drafts/upload", data=upload, content_type="multipart/form-data").headers[
        "Location"
    ]
    assert petition_url != draft_url  # the number is not given out again
    c = as_user("admin")
    mine = RENAMED.replace("答复", "管理员的答复")
    stale = c.post("/designer/drafts/save", data={"xml": mine, "filename": "review.bpmn", **opened})
    assert stale.status_code == 409
    page = text_of(stale)
    assert f"您打开草稿 #{opened['draft_id']} 后，designer 同志 于 2026-12-07" in said(page)
    assert "已将它删除，所以您的修改没有保存" in said(page) and "UTC" not in said(page)
    assert "点“保存草稿”可另存为新草稿" in said(page)
    assert "管理员的答复" in page and 'name="draft_id"' not in page  # kept; saving makes a new draft
    petition = text_of(c.get(petition_url))
    assert "petition_min" in petition and "管理员的答复" not in petition and "第 1 稿" in petition
    again = c.post("/designer/drafts/save", data={"xml": mine, "filename": "review.bpmn"})
    assert again.status_code == 302 and again.headers["Location"] not in (draft_url, petition_url)


def test_a_save_or_deploy_from_a_tab_open_on_a_deployed_draft_names_the_version(as_user):
    c = as_user("designer")
    draft_url = new_draft(c)
    c = as_user("admin")
    opened = open_draft(c, draft_url)
    c = as_user("designer")
    deployed = c.post("/designer/deploy", data={"xml": RENAMED, "filename": "review.bpmn", **opened})
    assert deployed.status_code == 302
    c = as_user("admin")
    for url in ("/designer/drafts/save", "/designer/deploy"):
        stale = c.post(url, data={"xml": REVIEW, "filename": "review.bpmn", **opened})
        assert stale.status_code == 409, url
        assert "designer 同志 于 2026-12-07" in said(text_of(stale)) and "已将它部署（review v2）" in said(
            text_of(stale)
        )


def discard_said(page):
    return page.split('id="discard-error"', 1)[1].split("</section>", 1)[0]


def test_deleting_a_draft_another_tab_deleted_says_who_did_it_and_when(as_user):
    c = as_user("designer")
    draft_url = new_draft(c)
    c = as_user("admin")
    opened = open_draft(c, draft_url)  # the admin's list, shown before the designer deleted it
    c = as_user("designer")
    assert c.post(f"/designer/drafts/{opened['draft_id']}/discard", data=opened).status_code == 302
    c = as_user("admin")
    late = c.post(f"/designer/drafts/{opened['draft_id']}/discard", data=opened)
    assert late.status_code == 409
    said_there = discard_said(text_of(late))
    assert f"草稿 #{opened['draft_id']} 已由 designer 同志 于 2026-12-07 09:00 删除，无需再删除。" in said_there
    assert "下面的草稿列表是现在的。" in said_there
    assert 'id="drafts"' not in text_of(late)  # the list as it is now: no draft left


def test_deleting_a_draft_another_tab_deployed_names_the_version(as_user):
    c = as_user("designer")
    draft_url = new_draft(c)
    opened = open_draft(c, draft_url)
    assert c.post("/designer/deploy", data={"xml": RENAMED, "filename": "review.bpmn", **opened}).status_code == 302
    late = c.post(f"/designer/drafts/{opened['draft_id']}/discard", data=opened)
    assert late.status_code == 409
    said_there = discard_said(text_of(late))
    assert f"草稿 #{opened['draft_id']} 已由 designer 同志 于 2026-12-07 09:00 部署（review v2）" in said_there
    assert "草稿随之删除，无需再删除。" in said_there


def test_deleting_a_draft_someone_saved_since_is_refused_saying_it_was_not_deleted(as_user):
    c = as_user("designer")
    draft_url = new_draft(c)
    c = as_user("admin")
    opened = open_draft(c, draft_url)  # revision 1 in the admin's tab
    c = as_user("designer")
    saved = c.post("/designer/drafts/save", data={"xml": REVIEW, "filename": "review.bpmn", **opened})
    assert saved.status_code == 302
    c = as_user("admin")
    late = c.post(f"/designer/drafts/{opened['draft_id']}/discard", data=opened)
    assert late.status_code == 409
    page = text_of(late)
    draft = opened["draft_id"]
    assert f"您打开草稿 #{draft} 的第 1 稿后，designer 同志 于 2026-12-07 09:00 又保存了第 2 稿" in page
    assert "又保存了第 2 稿，所以草稿没有删除。" in page
    assert "请先打开草稿的最新一稿看过，再决定是否删除。" in page and "您的修改" not in page
    assert "第 2 稿" in text_of(c.get(draft_url))  # still there
    c.get("/lang/en")
    again = text_of(c.post(f"/designer/drafts/{opened['draft_id']}/discard", data=opened))
    assert f"After you opened revision 1 of draft #{opened['draft_id']}, designer 同志 saved revision 2 at" in again
    assert "so the draft was not deleted." in again
