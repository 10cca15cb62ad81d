"""The designer's two upload forms leave their checks to the server (novalidate), as its template
form does: a form sent without a file, with a file that is no BPMN document or with a note too
long comes back (422) saying why in the page's language, beside the field and in a summary over
the forms linking it, the note as typed; nothing is stored."""

from __future__ import annotations

import html
import re
from io import BytesIO

import pytest

from tests.conftest import FIXTURES
from tests.web.conftest import text_of

UPLOADS = [("/designer/drafts/upload", "draft"), ("/designer/deploy", "deploy")]


def summary(page: str) -> str:
    found = re.search(
        r'<div class="flash error" role="alert" id="form-errors" tabindex="-1" autofocus>(.*?)</div>', page, re.S
    )
    assert found, page
    return found.group(1)


def form_of(page: str, form: str) -> str:
    return page.split(f'id="upload-{form}"', 1)[1].split("</form>", 1)[0]


def sent(client, url: str, content: bytes, name: str, note: str = ""):
    data = {"file": (BytesIO(content), name), "note": note}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    return html.unescape(text_of(response))


def test_both_upload_forms_leave_their_checks_to_the_server(as_user):
    page = text_of(as_user("designer").get("/designer/"))
    for form in ("draft", "deploy"):
        opening = re.search(rf'<form [^>]*id="upload-{form}"[^>]*>', page).group(0)
        assert opening.endswith(" novalidate>")
        assert f'<input type="file" name="file" id="upload-{form}-file"' in form_of(page, form)
    assert 'id="form-errors"' not in page and "aria-invalid" not in page


@pytest.mark.parametrize("url, form", UPLOADS)
def test_no_file_chosen_is_said_at_the_file_input_in_the_pages_language(as_user, url, form):
    c = as_user("designer")
    page = sent(c, url, b"", "", "新版说明")  # what a browser sends for an empty file field
    assert f'<a href="#upload-{form}-file">BPMN 文件：请选择要上传的文件</a>' in summary(page)
    refused = form_of(page, form)
    file_input = re.search(r'<input type="file"[^>]*>', refused).group(0)
    assert 'aria-describedby="file-error" aria-invalid="true"' in file_input
    assert '<p class="field-error" id="file-error" data-field="file">请选择要上传的文件</p>' in refused
    assert f'id="upload-{form}-note" value="新版说明"' in refused  # the note as typed
    other = form_of(page, "deploy" if form == "draft" else "draft")
    assert "aria-invalid" not in other and "新版说明" not in other
    assert "文件未上传" not in page  # no file was read: not said to be no BPMN document
    assert 'id="drafts"' not in page and 'id="modeler"' not in page  # nothing stored, no modeler

    c.get("/lang/en")
    page = sent(c, url, b"", "")
    assert f'<a href="#upload-{form}-file">BPMN file: Choose a file to upload</a>' in summary(page)


@pytest.mark.parametrize("url, form", UPLOADS)
def test_a_file_that_is_no_bpmn_document_is_said_at_the_file_input(as_user, url, form):
    page = sent(as_user("designer"), url, b"", "empty.bpmn", "n")
    said = summary(page)
    assert f'<a href="#upload-{form}-file">BPMN 文件：「empty.bpmn」：文件是空的</a>' in said
    assert "文件未上传：它不是可以打开的 BPMN 文件" in said
    refused = form_of(page, form)
    assert '<p class="field-error" id="file-error" data-field="file">「empty.bpmn」：文件是空的</p>' in refused


def test_a_note_too_long_is_said_at_the_note(as_user):
    page = sent(
        as_user("designer"), "/designer/drafts/upload", (FIXTURES / "review.bpmn").read_bytes(), "r.bpmn", "长" * 1001
    )
    assert '<a href="#upload-draft-note">说明（可选）：最多 1000 个字符</a>' in summary(page)
    note = re.search(r'<input name="note" id="upload-draft-note"[^>]*>', form_of(page, "draft")).group(0)
    assert 'aria-invalid="true"' in note and 'value="' + "长" * 1001 + '"' in note
    assert "文件未上传" not in page  # the file was sound: only the note is refused
