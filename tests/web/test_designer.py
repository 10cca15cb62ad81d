"""The designer page: open a deployed process or a new one in the modeler, deploy an
edited document as a new version; a broken document is refused with its problems."""

from __future__ import annotations

import re
from io import BytesIO

import pytest

from tests.conftest import FIXTURES
from tests.web.conftest import text_of

BROKEN = (
    (FIXTURES / "review.bpmn")
    .read_text()
    .replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="set_due" />',
        '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="nowhere" />',
    )
)


@pytest.mark.parametrize("username, status", [("designer", 200), ("admin", 200), ("office1", 403), ("supervisor", 403)])
def test_only_designers_and_admins(as_user, username, status):
    assert as_user(username).get("/designer/").status_code == status
    assert as_user(username).get("/designer/new").status_code == status
    assert as_user(username).post("/designer/deploy", data={"xml": "x", "filename": "x.bpmn"}).status_code == (
        422 if status == 200 else 403
    )


def test_list_and_open_a_deployed_process(as_user):
    c = as_user("designer")
    html = text_of(c.get("/designer/"))
    assert 'data-key="review"' in html and 'data-key="petition_min"' in html
    review_row = html.split('<tr data-key="review">', 1)[1].split("</tr>", 1)[0]
    assert "<td>系统</td>" in review_row  # deployed by the system: named, not "system"
    # the shipped templates described in the reader's language, not by their English notes
    assert "<b>审批</b>：人大办提交事项，人大办主任同意或退回修改，同意的事项归档。" in html
    c.get("/lang/en")
    english = text_of(c.get("/designer/"))
    assert "<b>审批</b>: The office submits a matter, the office head approves it or sends it back" in english
    edit = re.search(r'<tr data-key="review">.*?href="(/designer/\d+)"', html).group(1)
    page = text_of(c.get(edit))
    assert "vendor/modeler/modeler.js" in page and 'id="modeler"' in page and 'id="properties"' in page
    bundle = c.get("/static/vendor/modeler/modeler.js")  # built by the setup step
    assert bundle.status_code == 200 and b"CongressFlowModeler" in bundle.get_data()
    assert "BPMNShape" in page  # the generated layout travels with the document
    assert 'name="filename" value="review.bpmn"' in page


def test_deploy_an_edited_process_as_a_new_version(as_user):
    c = as_user("designer")
    xml = (FIXTURES / "review.bpmn").read_text().replace('name="登记"', 'name="登记分类"')
    response = c.post("/designer/deploy", data={"xml": xml, "filename": "review.bpmn"})
    assert response.status_code == 302
    html = text_of(c.get("/designer/"))
    assert "已部署：意见办理（测试）（review）v2" in html
    assert re.search(r'<tr data-key="review">.*?<td>v2</td>', html)
    # the same document again is no new version
    c.post("/designer/deploy", data={"xml": xml, "filename": "review.bpmn"})
    assert "未改变：意见办理（测试）（review）v2" in text_of(c.get("/designer/"))


def test_a_broken_document_is_refused_with_file_line_and_element(as_user):
    c = as_user("designer")
    response = c.post("/designer/deploy", data={"xml": BROKEN, "filename": "review.bpmn"})
    assert response.status_code == 422
    html = text_of(response)
    assert "流程文件有误，未部署" in html and 'id="refused"' in html
    # in the page's one problem list (the script names and translates them), by line and element
    row = re.search(
        r'<li class="lint-error" data-element="(\w+)" data-severity="error"'
        r' data-source="engine">.*?</li>',
        html,
    )
    assert row and "nowhere" in row.group(0) and re.search(r"第 \d+ 行", row.group(0))
    assert f"&#34;element_id&#34;: &#34;{row.group(1)}&#34;" in html  # the same, for the script
    assert "targetRef=&#34;nowhere&#34;" in html or "targetRef=&quot;nowhere&quot;" in html  # the XML is kept
    listing = text_of(c.get("/designer/"))  # the review row still at v1 (the page's CSRF token may hold any letters)
    assert re.search(r'<tr data-key="review">.*?<td>v1</td>', listing) and "<td>v2</td>" not in listing


def test_upload_a_bpmn_file(as_user):
    c = as_user("admin")
    content = (FIXTURES / "review.bpmn").read_text().replace('name="答复"', 'name="书面答复"').encode()
    data = {"file": (BytesIO(content), "review.bpmn")}
    assert c.post("/designer/deploy", data=data, content_type="multipart/form-data").status_code == 302
    assert "已部署" in text_of(c.get("/designer/"))
