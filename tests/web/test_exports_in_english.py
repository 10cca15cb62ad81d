"""The exports (units, people, and this year's ledgers) downloaded from an English page: their
notes sheet in English, as the import templates' is, each column named in English beside its
header, while what the import reads (the sheet of headers and rows, the lists behind the
drop-downs) is the very workbook the Chinese page hands out."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

# the templates' test's world (the ledgers' processes deployed) and its readers of a workbook
from tests.web.test_import_templates_in_english import HAN, app, cells, validations

__all__ = ["app"]  # the fixture, shared

EXPORTS = {
    "units": "/admin/imports/units/export.xlsx",
    "people": "/admin/imports/people/export.xlsx",
    "proposals": "/admin/imports/ledger/proposals/export.xlsx",
    "petitions": "/admin/imports/ledger/petitions/export.xlsx",
}


def workbook(client, kind: str):
    response = client.get(EXPORTS[kind])
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.get_data()))


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_the_notes_are_in_english_and_what_the_import_reads_is_as_handed_out_in_chinese(as_user, kind):
    c = as_user("admin")
    chinese = workbook(c, kind)
    c.get("/lang/en")
    english = workbook(c, kind)
    # the sheets the import reads: the same headers, rows, drop-downs and their lists
    assert english.sheetnames[:2] == chinese.sheetnames[:2]
    data, lists = english.sheetnames[:2]
    assert cells(english[data]) == cells(chinese[data]) and cells(english[lists]) == cells(chinese[lists])
    assert validations(english[data]) == validations(chinese[data])
    # the notes: a sheet of their own, named and written in the reader's language
    assert chinese.sheetnames[2] == "说明" and english.sheetnames[2] == "Instructions"
    notes = dict(cells(english["Instructions"]))
    labels = list(notes)
    assert labels[-1] == "Columns" and "Required" in labels and "This export" in labels
    # each column by its English name beside its header
    headers = [h.removesuffix("*") for h in cells(english[data])[0]]
    assert [re.search(r"\((.+)\)$", n)[1] for n in notes["Columns"].split("; ")] == headers
    assert not any(HAN.search(n.rsplit(" (", 1)[0]) for n in notes["Columns"].split("; "))
    # the sentences in English: Chinese only where they quote a header, in brackets or as written
    for label, text in notes.items():
        assert not HAN.search(label), label
        if label != "Columns":
            assert text[0].isupper() and "：" not in text and "；" not in text, text
    # and in Chinese as before, no English
    said = dict(cells(chinese["说明"]))
    assert "导出" in said and "必填" in said and "各列" not in said


def test_the_units_export_says_what_it_is(as_user):
    c = as_user("admin")
    assert dict(cells(workbook(c, "units")["说明"])) == {
        "导出": "本表为系统中现有的单位，格式与导入模板相同：在 Excel 中修改后可再导入；未修改的行导入时保持不变。",
        "必填": "带 * 的列必填；其余列空着表示不改动",
    }
    c.get("/lang/en")
    assert dict(cells(workbook(c, "units")["Instructions"])) == {
        "This export": "The units in the system now, in the shape of the import template: edit them in Excel and "
        "import them again. A row left unchanged changes nothing when imported.",
        "Required": "Columns marked * are required; an empty cell in any other column leaves what is there as it is.",
        "Columns": "Code (代码); Name (名称); Head (负责人); Contact officer (联络员)",
    }


def test_the_people_export_says_it_leaves_out_the_deactivated_and_the_passwords(as_user):
    c = as_user("admin")
    said = dict(cells(workbook(c, "people")["说明"]))
    assert said["导出"] == (
        "本表为系统中现有的人员（不含停用的账号，不含密码），格式与导入模板相同：在 Excel 中修改后可再导入；"
        "未修改的行导入时保持不变。"
    )
    c.get("/lang/en")
    notes = dict(cells(workbook(c, "people")["Instructions"]))
    assert notes["This export"] == (
        "The people in the system now (not the deactivated accounts, and no passwords), in the shape of the "
        "import template: edit them in Excel and import them again. A row left unchanged changes nothing when "
        "imported."
    )


def test_a_masked_petitions_ledger_says_so_first_in_english_naming_who_exports_one_that_is_not(as_user):
    c = as_user("admin")  # may not read the petitioners' identities: the export is masked
    assert next(iter(dict(cells(workbook(c, "petitions")["说明"])))) == "不能重建"
    c.get("/lang/en")
    notes = dict(cells(workbook(c, "petitions")["Instructions"]))
    first, said = next(iter(notes.items()))
    assert first == "Not for re-creating cases"
    assert said.endswith(
        "For a petitions ledger that re-creates these cases in a new system, ask someone who may read "
        "petitioners' details (Office head) to export it."
    )
    # the template's own note on what is required, and the read-only columns named in English
    assert notes["Required"].startswith("Columns marked * are required. A step with a date needs")
    assert notes["Columns"].endswith("; Status, read-only (状态（只读）); Current step, read-only (当前环节（只读）)")
