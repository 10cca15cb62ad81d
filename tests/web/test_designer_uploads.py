"""A file uploaded on the designer's front page (as a draft, or to deploy) that is not a BPMN
document at all brings the front page back (422), saying in the reader's language which file,
which line and what is wrong, the XML parser's own words once beside; nothing is stored."""

from __future__ import annotations

import html
import re
from io import BytesIO

import pytest

from engine.errors import InvalidBpmn
from engine.usecases import drafts
from tests.conftest import FIXTURES
from tests.web.conftest import text_of
from tests.world import act

UNCLOSED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n'
    '  <bpmn:process id="p" isExecutable="true">\n'
    '    <bpmn:startEvent id="s">\n'
    "  </bpmn:process>\n"
    "</bpmn:definitions>\n"
)
LIBXML = "Opening and ending tag mismatch: startEvent line 4 and process, line 5"
PAGE = (
    '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>流程</title></head>\n'
    "<body><p>不是流程</p></body>\n</html>\n"
)
XHTML = '<?xml version="1.0"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>\n'
NOT_BPMN = '<?xml version="1.0"?>\n<process id="p"/>\n'


def upload(client, url: str, content: bytes, name: str):
    data = {"file": (BytesIO(content), name), "note": "试一下"}
    return client.post(url, data=data, content_type="multipart/form-data")


def refusal(response) -> tuple[str, str]:
    """(the refusal's text, the whole page) of the front page come back with the refusal."""
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="definitions"' in page and 'id="upload-draft"' in page  # the designer's own page
    assert "内容有误" not in page and "返回待办" not in page  # not the bare error page
    # the summary over the upload forms (its problems link to the file input)
    found = re.search(r'<div class="flash error" role="alert" id="form-errors"[^>]*>(.*?)</div>', page, re.S)
    assert found, page
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))), page


@pytest.mark.parametrize("url", ["/designer/drafts/upload", "/designer/deploy"])
def test_an_unclosed_tag_names_the_file_and_the_line_in_chinese_the_parsers_words_once(as_user, url):
    c = as_user("designer")
    text, page = refusal(upload(c, url, UNCLOSED.encode(), "答复流程.bpmn"))
    assert "「答复流程.bpmn」第 5 行：不是格式正确的 XML" in text
    assert page.count(LIBXML) == 1 and "解析器的原文" in text  # the detail, once
    assert "not well-formed" not in page
    assert 'id="drafts"' not in page  # nothing stored


@pytest.mark.parametrize(
    "content, name, said",
    [
        (PAGE, "page.html", "「page.html」第 3 行：不是格式正确的 XML"),
        (XHTML, "page.xhtml", "「page.xhtml」第 3 行：不是 BPMN 2.0 文件：根元素是 <html>"),
        (NOT_BPMN, "plain.bpmn", "「plain.bpmn」第 2 行：不是 BPMN 2.0 文件：根元素是 <process>"),
        ("", "empty.bpmn", "「empty.bpmn」：文件是空的"),
    ],
)
def test_what_is_not_bpmn_says_what_it_is_instead(as_user, content, name, said):
    text, page = refusal(upload(as_user("designer"), "/designer/drafts/upload", content.encode(), name))
    assert said in text
    assert "not a BPMN 2.0 file" not in page and "the document is empty" not in page


def test_a_file_not_in_utf8_and_the_english_page(as_user):
    c = as_user("designer")
    text, _ = refusal(upload(c, "/designer/drafts/upload", UNCLOSED.encode("utf-16"), "wide.bpmn"))
    assert "「wide.bpmn」第 1 行：不是 UTF-8 编码的文本（第 1 列）：BPMN 文件应是 UTF-8 编码的 XML" in text
    gbk = "<definitions>\n  <process>\n    <name>审议答复".encode("gb18030")
    text, _ = refusal(upload(c, "/designer/drafts/upload", gbk, "gbk.bpmn"))
    assert "「gbk.bpmn」第 3 行：不是 UTF-8 编码的文本（第 11 列）" in text  # 审, after 4 spaces and <name>
    c.get("/lang/en")
    text, page = refusal(upload(c, "/designer/drafts/upload", UNCLOSED.encode(), "reply.bpmn"))
    assert "“reply.bpmn”, line 5: not well-formed XML" in text and page.count(LIBXML) == 1


def test_a_sound_file_still_uploads(as_user):
    c = as_user("designer")
    made = upload(c, "/designer/drafts/upload", (FIXTURES / "review.bpmn").read_bytes(), "review.bpmn")
    assert made.status_code == 302 and "/designer/drafts/" in made.headers["Location"]


def test_reading_a_file_refuses_what_is_no_bpmn_document(app):
    with pytest.raises(InvalidBpmn) as refused:
        act(app, "designer", drafts.upload_draft, XHTML.encode(), "page.xhtml")
    [problem] = refused.value.problems  # what the file is, before its DOCTYPE
    assert problem.message.startswith("not a BPMN 2.0 file: the root element is <html>")
