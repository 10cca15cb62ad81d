"""An attached file's content must be what its extension claims (engine/usecases/file_types.py):
each allowed extension has its check, and each check tells its kind from a program renamed."""

import pytest

from engine.usecases.attachments import ALLOWED_TYPES
from engine.usecases.file_types import CONTENT_CHECKS, content_matches
from tests import file_samples

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # a compound file's header block
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
ODT = file_samples.zip_of({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})
OFD = file_samples.zip_of({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<ofd:Document/>"})
PLAIN_ZIP = file_samples.zip_of({"说明.txt": "x"})


def test_every_allowed_extension_has_its_check():
    assert set(CONTENT_CHECKS) == set(ALLOWED_TYPES)


@pytest.mark.parametrize(
    "suffix, content",
    [
        (".pdf", file_samples.PDF),
        (".png", file_samples.png()),
        (".jpg", JPEG),
        (".jpeg", JPEG),
        (".docx", file_samples.docx()),
        (".xlsx", file_samples.xlsx()),
        (".doc", OLE2),
        (".xls", OLE2),
        (".wps", OLE2),
        (".odt", ODT),
        (".ofd", OFD),
        (".zip", PLAIN_ZIP),
        (".zip", b"PK\x05\x06" + b"\x00" * 18),  # an empty archive
        (".txt", "答复函：路灯已修复。".encode()),
        (".txt", b"\xef\xbb\xbf" + "答复函".encode()),  # UTF-8 with its BOM, as Notepad saves it
        (".txt", file_samples.GB18030_TEXT),
    ],
)
def test_a_file_of_its_kind_passes(suffix, content):
    assert content_matches(suffix, content)


@pytest.mark.parametrize("suffix", sorted(ALLOWED_TYPES))
def test_a_renamed_program_passes_as_nothing(suffix):
    assert not content_matches(suffix, file_samples.EXECUTABLE)


@pytest.mark.parametrize(
    "suffix, content",
    [
        (".pdf", b"PDF-1.4 no percent sign"),
        (".pdf", b" %PDF-1.4"),  # not at its start
        (".png", b"\x89PNG"),  # a signature cut short
        (".docx", PLAIN_ZIP),  # a ZIP, but no Office document
        (".docx", file_samples.xlsx()),  # a workbook renamed .docx
        (".xlsx", file_samples.docx()),
        (".docx", b"PK\x03\x04 no archive after it"),
        (".docx", OLE2),  # an old .doc renamed .docx
        (".doc", file_samples.docx()),
        (".odt", PLAIN_ZIP),
        (".odt", file_samples.zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})),
        (".ofd", PLAIN_ZIP),
        (".zip", b"Rar!\x1a\x07\x00"),
        (".jpg", file_samples.png()),
        (".txt", b"line\x00with a NUL"),
        (".txt", "答复".encode("utf-16")),  # UTF-16 has NULs: refused, as a program's bytes are
        (".txt", b"\xff\xfe\xfd\x80\x81"),  # neither UTF-8 nor GB18030
        (".exe", file_samples.EXECUTABLE),  # no check: nothing passes
    ],
)
def test_content_of_another_kind_is_refused(suffix, content):
    assert not content_matches(suffix, content)
