"""The API refuses an attachment whose content is not what its extension claims: 422, the
code ``file_content`` naming the file and the kind, nothing stored."""

from __future__ import annotations

from io import BytesIO

from tests import file_samples


def post_file(world, url: str, name: str, content: bytes):
    return world.as_("fin").post(url, data={"file": (BytesIO(content), name)}, content_type="multipart/form-data")


def test_a_program_renamed_pdf_is_refused_with_422(world):
    case = world.to_unit("finance")
    refused = post_file(world, f"/tasks/{case['reply']}/attachments", "fake.pdf", file_samples.EXECUTABLE)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["codes"] == {"file": {"code": "file_content", "params": {"file": "fake.pdf", "type": ".pdf"}}}
    assert body["fields"]["file"] == "the content of fake.pdf is not a .pdf file"
    assert world.as_("fin").get(f"/instances/{case['case']}/attachments").get_json() == []


def test_a_word_document_is_taken_on_the_case(world):
    case = world.to_unit("finance")
    content = file_samples.docx()
    taken = post_file(world, f"/instances/{case['case']}/attachments", "答复函.docx", content)
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["content_type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert taken.get_json()["size"] == len(content)
