"""The import templates (units, people, and this year's ledgers) downloaded from an English page
(the English walk): their notes sheet in English, each column named in English beside its
header, while what the import reads (the sheet of headers, its example row, the lists behind the
drop-downs) is the very workbook the Chinese page hands out, and reads back as that one does."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.web.conftest import text_of
from tests.world import deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"

HAN = re.compile(r"[\u4e00-\u9fff]")
TEMPLATES = {
    "units": "/admin/imports/units/template.xlsx",
    "people": "/admin/imports/people/template.xlsx",
    "proposals": "/admin/imports/ledger/proposals/template.xlsx",
    "petitions": "/admin/imports/ledger/petitions/template.xlsx",
}


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")  # the ledgers' processes
    return app


def workbook(client, kind: str):
    response = client.get(TEMPLATES[kind])
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.get_data()))


def cells(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def validations(sheet) -> list[tuple[str, str, str]]:
    return [(str(v.sqref), v.formula1, v.prompt) for v in sheet.data_validations.dataValidation]


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_the_notes_are_in_english_and_what_the_import_reads_is_as_handed_out_in_chinese(as_user, kind):
    c = as_user("admin")
    chinese = workbook(c, kind)
    c.get("/lang/en")
    english = workbook(c, kind)
    # the sheets the import reads: the same headers, example row, drop-downs and their lists
    assert english.sheetnames[:2] == chinese.sheetnames[:2]
    data, lists = english.sheetnames[:2]
    assert cells(english[data]) == cells(chinese[data]) and cells(english[lists]) == cells(chinese[lists])
    assert validations(english[data]) == validations(chinese[data])
    # the notes: a sheet of their own, named and written in the reader's language
    assert chinese.sheetnames[2] == "说明" and english.sheetnames[2] == "Instructions"
    notes = dict(cells(english["Instructions"]))
    labels = list(notes)
    assert labels[-1] == "Columns" and all(not HAN.search(label) for label in labels)
    assert "Required" in labels
    # each column by its English name beside its header, as the import page names it
    headers = [h.removesuffix("*") for h in cells(english[data])[0]]
    assert [re.search(r"\((.+)\)$", n)[1] for n in notes["Columns"].split("; ")] == headers
    # the sentences in English: Chinese only where they quote a header, in brackets or as written
    for label, text in notes.items():
        if label != "Columns":
            assert not HAN.search(label), label
            assert text[0].isupper() and "：" not in text and "；" not in text, text


def test_the_units_notes_say_the_order_of_the_imports(as_user):
    c = as_user("admin")
    assert dict(cells(workbook(c, "units")["说明"])) == {
        "导入顺序": "先导入单位表（负责人、联络员可先空着），再导入人员表，最后再导入一次填好负责人、联络员的单位表。",
        "必填": "带 * 的列必填；其余列空着表示不改动",
    }
    c.get("/lang/en")
    notes = dict(cells(workbook(c, "units")["Instructions"]))
    assert notes == {
        "Import order": "Import the units first (their heads and contact officers may be left empty), then the "
        "people, and last the units once more with their heads and contact officers filled in.",
        "Required": "Columns marked * are required; an empty cell in any other column leaves what is there as it is.",
        "Columns": "Code (代码); Name (名称); Head (负责人); Contact officer (联络员)",
    }


def test_the_english_ledger_template_uploaded_as_it_came_imports_nothing(as_user, frozen_clock):
    c = as_user("admin")
    c.get("/lang/en")
    template = c.get(TEMPLATES["petitions"]).get_data()
    html = text_of(
        c.post(
            "/admin/imports/ledger/petitions",
            data={"file": (io.BytesIO(template), "petitions.xlsx")},
            content_type="multipart/form-data",
        )
    )
    # its example row read as the template's, skipped: the headers and the example as the import reads them
    assert 'id="ledger-example"' in html and 'id="import-problems"' not in html
    assert 'id="ledger-confirm"' not in html
