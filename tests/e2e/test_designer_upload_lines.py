"""In a real browser, a .bpmn file uploaded on the designer's front page (QA walk A §4): the
problem list names each problem by the line it has in the file as uploaded, which is where the
XML view the page opens "as is" shows it; and once the XML view shows the modeler's own
rewriting of a file it could draw, the list's lines are of that text."""

from __future__ import annotations

import pytest

from tests.e2e.test_designer_problem_list import rows
from tests.e2e.test_designer_workbench import settled
from tests.e2e.test_officer_flow import sign_in
from tests.web.test_designer_upload_lines import FIRST, ID_TWICE, SECOND

pytestmark = pytest.mark.browser

UPLOAD_DRAFT = "#upload-draft"
UPLOAD_DEPLOY = "#upload form:not(#upload-draft)"

# QA's no_end.bpmn, shortened: the flow flow_file_end at line 9 (counted by hand) leads to an
# end event that is not there
NO_END = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="no_end_defs" targetNamespace="http://congressflow.example/bpmn">
  <bpmn:process id="qa_no_end" name="缺少结束" isExecutable="true">
    <bpmn:startEvent id="start" name="提交事项" />
    <bpmn:sequenceFlow id="flow_start_file" sourceRef="start" targetRef="file" />
    <bpmn:userTask id="file" name="归档" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="flow_file_end" sourceRef="file" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
FLOW_LINE = 9


def uploaded(browser, live_server, tmp_path, form: str, name: str, content: str):
    """The designer's page after uploading ``content`` as ``name`` with the front page's ``form``."""
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/designer/")
    page.set_input_files(f"{form} input[type=file]", str(file))
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#modeler[data-ready=unread], #modeler[data-ready=true]")
    settled(page)
    return page, problems


def line_of(row: dict) -> int | None:
    """The line a row of the problem list names (第 n 行), if it names one."""
    words = row["text"].split("第 ", 1)
    return int(words[1].split(" 行", 1)[0]) if len(words) == 2 else None


@pytest.mark.parametrize("form", [UPLOAD_DRAFT, UPLOAD_DEPLOY])
def test_an_id_twice_is_named_at_the_files_lines_in_the_xml_view_opened_as_is(
    app, live_server, browser, tmp_path, form
):
    page, problems = uploaded(browser, live_server, tmp_path, form, "dup_id.bpmn", ID_TWICE)
    assert page.get_attribute("#modeler", "data-ready") == "unread"
    assert "已按原样打开 XML 视图" in page.inner_text("#load-error")

    twice = [r for r in rows(page) if r["message"] == "：标识「approve」重复"]
    assert [(r["where"], line_of(r)) for r in twice] == [("用户任务「审批」", FIRST), ("用户任务「归档」", SECOND)]
    [unread] = [r for r in rows(page) if r["source"] == "import"]
    assert line_of(unread) == SECOND

    # the XML view is the file as uploaded, line for line, the generated diagram after it
    shown = page.input_value("#xml").splitlines()
    written = ID_TWICE.splitlines()
    assert shown[: len(written) - 1] == written[:-1]
    assert shown[FIRST - 1].strip().startswith('<bpmn:userTask id="approve" name="审批"')
    assert shown[SECOND - 1].strip().startswith('<bpmn:userTask id="approve" name="归档"')
    assert problems == []


@pytest.mark.parametrize("form", [UPLOAD_DRAFT, UPLOAD_DEPLOY])
def test_a_drawn_file_is_named_at_its_own_lines_then_at_those_of_the_xml_view(
    app, live_server, browser, tmp_path, form
):
    page, problems = uploaded(browser, live_server, tmp_path, form, "no_end.bpmn", NO_END)
    assert page.get_attribute("#modeler", "data-ready") == "true"

    def flow_rows() -> list[dict]:
        return [r for r in rows(page) if r["element"] == "flow_file_end" and r["source"] == "engine"]

    [flow] = flow_rows()
    assert "连线的 targetRef「end」不是本流程的元素" in flow["message"] and line_of(flow) == FLOW_LINE

    # the XML view shows the modeler's rewriting: the list names the line the flow has there
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    settled(page)
    shown = page.input_value("#xml").splitlines()
    [flow] = flow_rows()
    line = line_of(flow)
    assert line is not None and shown[line - 1].strip().startswith('<bpmn:sequenceFlow id="flow_file_end"'), (
        line,
        shown,
    )
    assert problems == []
