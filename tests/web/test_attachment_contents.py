"""An attached file's content must be what its extension claims: a program renamed fake.pdf is
refused on the task page and on the case page, naming the file, and nothing is stored; real
files of the allowed kinds are taken and served as their kind (QA finding: fake.pdf was served
as application/pdf)."""

from __future__ import annotations

import re
from io import BytesIO

import pytest

from engine.usecases import attachments, tasks
from tests import file_samples
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act, start_review


def upload(client, url: str, name: str, content: bytes):
    return client.post(
        url, data={"file": (BytesIO(content), name)}, content_type="multipart/form-data", follow_redirects=True
    )


def stored(app, task: str) -> list[tuple[str, str]]:
    case_id = act(app, "finance1", tasks.task_detail, task).summary.instance_id
    return [(a.filename, a.content_type) for a in act(app, "finance1", attachments.list_attachments, case_id)]


def test_a_program_renamed_pdf_is_refused_on_the_task_page(app, as_user):
    task = to_reply(app, "finance")
    page = text_of(upload(as_user("finance1"), f"/tasks/{task}/attachments", "fake.pdf", file_samples.EXECUTABLE))
    assert "附件未上传：“fake.pdf”的内容不是 .pdf 文件" in page
    assert "附件已上传" not in page
    assert stored(app, task) == []


def test_a_program_renamed_pdf_is_refused_on_the_case_page(app, as_user):
    case = start_review(app, "office1")
    page = text_of(upload(as_user("office1"), f"/cases/{case.id}/attachments", "来信.pdf", file_samples.EXECUTABLE))
    assert "附件未上传：“来信.pdf”的内容不是 .pdf 文件" in page
    assert act(app, "office1", attachments.list_attachments, case.id) == []


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("答复函.pdf", file_samples.PDF, "application/pdf"),
        ("现场照片.png", file_samples.png(), "image/png"),
        (
            "答复函.docx",
            file_samples.docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("台账.xlsx", file_samples.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("说明.txt", file_samples.GB18030_TEXT, "text/plain"),
    ],
)
def test_real_files_are_taken_and_served_as_their_kind(app, as_user, name, content, content_type):
    task = to_reply(app, "finance")
    client = as_user("finance1")
    assert "附件已上传。" in text_of(upload(client, f"/tasks/{task}/attachments", name, content))
    assert stored(app, task) == [(name, content_type)]
    link = re.search(r'href="(/attachments/\d+)"', text_of(client.get(f"/tasks/{task}")))
    assert link
    download = client.get(link.group(1))
    assert download.data == content and download.mimetype == content_type


def test_a_text_file_with_a_nul_is_refused(app, as_user):
    task = to_reply(app, "finance")
    page = text_of(upload(as_user("finance1"), f"/tasks/{task}/attachments", "说明.txt", b"hello\x00world"))
    assert "附件未上传：“说明.txt”的内容不是 .txt 文件" in page
    assert stored(app, task) == []
