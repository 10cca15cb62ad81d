"""A .csv with a control character in one cell (NUL, \\x01, ESC, pasted from elsewhere) is a
table with a bad cell, named by row and column, as the import names every bad cell; a file that
is no text at all (an image, a PDF, a zip that is no workbook) stays "not a spreadsheet"
(QA-D defect 11)."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest

from engine.errors import InvalidData
from engine.usecases import onboarding
from engine.usecases.onboarding import ImportRefused
from tests.unit.test_spreadsheets import PNG
from tests.world import act, create_people


@pytest.fixture
def factory(session_factory):
    create_people(session_factory, "admin")
    return session_factory


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x1b", "\x08"])
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_control_character_in_a_cell_is_named_by_row_and_column(factory, control, encoding):
    units = f"代码,名称,负责人,联络员\nwater,水利站,,\nroads,交通{control}站,,\n".encode(encoding)
    with pytest.raises(ImportRefused) as refused:
        act(factory, "admin", onboarding.apply, "units", "u2.csv", units)
    assert [(p.row, p.column, p.error.code) for p in refused.value.plan.problems] == [(3, "名称", "control_character")]


def zip_of_text() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "代码,名称\nwater,水利站\n")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("u2.csv", PNG),
        ("u2.csv", zip_of_text()),  # a zip that is no workbook
        # UTF-16 without its BOM: every other byte a NUL, text in an encoding not read here
        ("u2.csv", "代码,名称,负责人,联络员\nwater,水利站,,\n".encode("utf-16-le")),
        ("u2.csv", "code,name\nwater,water station\nroads,roads office\n".encode("utf-16-le")),
    ],
)
def test_a_file_that_is_no_text_is_still_not_a_spreadsheet(factory, name, content):
    with pytest.raises(InvalidData) as refused:
        act(factory, "admin", onboarding.plan, "units", name, content)
    assert refused.value.codes["file"].code == "unreadable_file"
