"""A .bpmn file uploaded on the designer's front page (as a draft, or to deploy) without a
diagram: the lines its problems are named by are the lines of the file as uploaded (the
CLI's), and the text the modeler's page opens (its XML view, "as is") is that file, line for
line, the generated diagram written in after its own lines (QA walk A §4: dup_id.bpmn)."""

from __future__ import annotations

import html
import json
import re
from io import BytesIO

import pytest

from tests.web.conftest import text_of

# two elements with the id "approve": the user task 审批 at line 12, the user task 归档 at
# line 19 (counted by hand); the XML declaration and the namespaces on lines of their own, as
# a designer's editor writes them
ID_TWICE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="approval_defs" targetNamespace="http://congressflow.example/bpmn">
  <bpmn:process id="qa_lines" name="行号审批" isExecutable="true" camunda:candidateStarterGroups="office">
    <bpmn:startEvent id="start" name="提交事项" />
    <bpmn:sequenceFlow id="flow_start_approve" sourceRef="start" targetRef="approve" />

    <!-- the office head decides -->

    <bpmn:userTask id="approve" name="审批" camunda:candidateGroups="office_head" />
    <bpmn:sequenceFlow id="flow_approve_file" sourceRef="approve" targetRef="file" />
    <bpmn:userTask id="file" name="登记" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="flow_file_approve" sourceRef="file" targetRef="approve" />
    <bpmn:sequenceFlow id="flow_end"
                       sourceRef="approve"
                       targetRef="end" />
    <bpmn:userTask id="approve" name="归档" camunda:candidateGroups="office" />
    <bpmn:endEvent id="end" name="办结" />
  </bpmn:process>
</bpmn:definitions>
"""
FIRST, SECOND = 12, 19


def test_the_lines_counted_by_hand():
    lines = ID_TWICE.splitlines()
    assert lines[FIRST - 1].strip().startswith('<bpmn:userTask id="approve" name="审批"')
    assert lines[SECOND - 1].strip().startswith('<bpmn:userTask id="approve" name="归档"')


def _upload(client, url: str):
    data = {"file": (BytesIO(ID_TWICE.encode()), "dup_id.bpmn"), "note": ""}
    return client.post(url, data=data, content_type="multipart/form-data")


def _opened_text(page: str) -> str:
    """The text the modeler's page opens: the XML view's (#xml)."""
    found = re.search(r'<textarea name="xml" id="xml"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def _checked_lines(client, page: str) -> list[int]:
    """The lines of the duplicate id as the page's check of the text it opens gives them (the
    modeler's list shows these), asked as the page's script asks."""
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    answer = client.post(
        "/api/v1/designer/check",
        json={"xml": _opened_text(page), "filename": "dup_id.bpmn"},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200, answer.get_json()
    return [p["line"] for p in answer.get_json()["problems"] if p["element_id"] == "approve"]


def _is_the_file_line_for_line(opened: str) -> None:
    """Every line of the file as uploaded, where it was; the generated diagram after them."""
    uploaded = ID_TWICE.splitlines()
    shown = opened.splitlines()
    assert shown[: len(uploaded) - 1] == uploaded[:-1]
    assert "<bpmndi:BPMNShape" in opened[opened.index("</bpmn:process>") :]
    assert shown[-1] == "</bpmn:definitions>"


def test_uploaded_as_a_draft_the_lines_are_the_files(as_user):
    c = as_user("designer")
    response = _upload(c, "/designer/drafts/upload")
    assert response.status_code == 302
    page = c.get(response.headers["Location"]).get_data(as_text=True)
    opened = _opened_text(page)
    _is_the_file_line_for_line(opened)
    assert _checked_lines(c, page) == [FIRST, SECOND]


def test_uploaded_to_deploy_the_refusal_names_the_files_lines(as_user):
    c = as_user("designer")
    response = _upload(c, "/designer/deploy")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    refused = json.loads(html.unescape(re.search(r'data-refused="([^"]*)"', page).group(1)))
    assert [p["line"] for p in refused if p["element_id"] == "approve"] == [FIRST, SECOND]
    listed = re.findall(r'<li class="lint-error" data-element="approve".*?</li>', text_of(response))
    assert [re.search(r"第 (\d+) 行", row).group(1) for row in listed] == [str(FIRST), str(SECOND)]
    opened = _opened_text(page)
    _is_the_file_line_for_line(opened)
    # the page's own check of the text it opens (which replaces the refusal's rows) agrees
    assert _checked_lines(c, page) == [FIRST, SECOND]


@pytest.mark.parametrize("url", ["/designer/drafts/upload", "/designer/deploy"])
def test_a_file_whose_closing_tag_ends_a_line_keeps_its_lines(as_user, url):
    """``</bpmn:process></bpmn:definitions>`` on one line: the diagram goes after it all the same."""
    c = as_user("designer")
    joined = ID_TWICE.replace("</bpmn:process>\n</bpmn:definitions>", "</bpmn:process></bpmn:definitions>")
    data = {"file": (BytesIO(joined.encode()), "dup_id.bpmn"), "note": ""}
    response = c.post(url, data=data, content_type="multipart/form-data")
    if response.status_code == 302:
        response = c.get(response.headers["Location"])
    page = response.get_data(as_text=True)
    shown, written = _opened_text(page).splitlines(), joined.splitlines()
    assert shown[: len(written) - 1] == written[:-1] and shown[len(written) - 1] == "  </bpmn:process>"
    assert _checked_lines(c, page) == [FIRST, SECOND]
