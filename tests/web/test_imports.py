"""The admin's import page (upload → preview → confirm → the password sheet), its template
downloads, and the same import from the command line."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from engine.usecases.labels import ROLE_NAMES
from tests.unit.test_spreadsheets import BMP, PNG
from tests.web.conftest import login, text_of
from tests.world import PASSWORD, xlsx_file
from web.roles import role_names

UNITS = "代码,名称,负责人,联络员\r\nwater,水利站,,\r\n".encode("utf-8-sig")
PEOPLE = "用户名,姓名,单位代码,选区,角色,电话,邮箱\r\nzhang3,张三,water,,办理人员,13800001111,\r\n".encode("gb18030")


def upload(client, kind: str, content: bytes, name: str = "file.csv"):
    return client.post(
        f"/admin/imports/{kind}", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))[1]


def test_upload_preview_confirm_and_the_password_sheet(client, as_user, app):
    c = as_user("admin")
    preview = upload(c, "units", UNITS)
    assert preview.status_code == 200
    html = text_of(preview)
    assert "共 1 行：新建 1，修改 0，不变 0。" in html and 'data-key="water"' in html
    assert "水利站" not in text_of(c.get("/admin/departments"))  # a preview writes nothing
    assert c.post("/admin/imports/units/confirm", data={"token": token_of(preview)}).status_code == 200
    assert "水利站" in text_of(c.get("/admin/departments"))

    preview = upload(c, "people", PEOPLE)
    sheet = c.post("/admin/imports/people/confirm", data={"token": token_of(preview)})
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    html = text_of(sheet)
    assert "初始密码单" in html and "首次登录须修改密码" in html
    password = re.search(r'data-user="zhang3">.*?<code class="password">([^<]+)</code>', html)[1]
    # the upload is gone: confirming it again imports nothing, and says it was imported
    again = c.post("/admin/imports/people/confirm", data={"token": token_of(preview)})
    assert again.status_code == 200 and 'id="import-already"' in text_of(again)
    c.post("/logout")
    assert login(client, "zhang3", password).status_code == 302
    assert client.get("/").headers["Location"] == "/settings#password"  # the change comes first


def test_problems_are_listed_by_row_and_column_and_cannot_be_confirmed(as_user):
    bad = "用户名,姓名,单位代码,角色\nx1,甲,nowhere,书记\n".encode()
    html = text_of(upload(as_user("admin"), "people", bad))
    assert 'data-row="2" data-column="单位代码"' in html and "没有这个单位：nowhere" in html
    assert "没有这个角色：书记" in html and "import-confirm" not in html
    unreadable = upload(as_user("admin"), "units", b"PK\x03\x04 nope", "u.xlsx")
    assert unreadable.status_code == 422 and "无法读取" in text_of(unreadable)


def test_a_huge_cell_is_quoted_by_its_start_and_its_length(as_user):
    """A user name cell of 100,000 letters is refused (too long) and quoted by its first 60 letters
    and its length, not whole: a cell of 90 MB came back as a page of 94 MB."""
    huge = "u" * 100_000
    html = text_of(upload(as_user("admin"), "people", f"用户名,姓名,单位代码,角色\n{huge},甲,,办理人员\n".encode()))
    assert f"“{'u' * 60}…（共 100000 字）”" in html
    assert "u" * 61 not in html


def test_the_preview_counts_the_rows_it_would_write_and_says_how_many_it_refuses(as_user):
    rows = (
        "用户名,姓名,单位代码,角色\n"
        "zhang3,张三,,办理人员\n"
        "zhang3,张三,,办理人员\n"  # the same person twice: refused, not counted
        "x1,甲,nowhere,办理人员\n"
        "finance1,财政所 小方,finance,办理人员\n"  # renamed
    )
    html = text_of(upload(as_user("admin"), "people", rows.encode()))
    assert "共 4 行：2 行有问题；其余各行中新建 1，修改 1，不变 0。" in html


def test_the_previews_name_a_person_by_his_name_and_a_unit_by_its_name(as_user):
    c = as_user("admin")
    people = text_of(upload(c, "people", "用户名,姓名,角色\nzhang3,张三,办理人员\n".encode()))
    assert "<thead><tr><th>行</th><th>用户名</th><th>姓名</th><th>操作</th><th>内容</th></tr></thead>" in people
    units = text_of(upload(c, "units", UNITS))
    assert "<thead><tr><th>行</th><th>代码</th><th>名称</th><th>操作</th><th>内容</th></tr></thead>" in units


def test_the_preview_in_english(as_user):
    c = as_user("admin")
    c.get("/lang/en")
    html = text_of(upload(c, "people", "用户名,姓名,单位代码\nx1,甲,nowhere\n".encode(), "p.csv"))
    # the column named as the problem's Column cell names it
    assert "The column “Roles (角色)” is missing" in html and "Import preview" in html


def test_templates_have_the_units_drop_down(as_user):
    response = as_user("admin").get("/admin/imports/people/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book["人员"][1]][:3] == ["用户名*", "姓名*", "单位代码"]
    codes = [c.value for c in book["选项"]["C"]][1:]
    assert "finance" in codes and "office" in codes


def test_only_administrators_and_only_with_the_csrf_token(db_url, make_app, app, as_user):
    assert upload(as_user("office1"), "units", UNITS).status_code == 403
    assert as_user("office1").get("/admin/imports/").status_code == 403
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    client = strict.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert upload(client, "units", UNITS).status_code == 400


def test_role_names_agree_with_the_pages(app):
    with app.test_request_context():
        assert {str(k): v for k, v in role_names().items()} == {str(k): v for k, v in ROLE_NAMES.items()}


def test_the_command_line_dry_run_then_import(app, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "units.csv").write_bytes(UNITS)
    dry = runner.invoke(args=["import", "units", str(tmp_path / "units.csv"), "--dry-run", "--user", "admin"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing written" in dry.output and "row 2: create water" in dry.output
    (tmp_path / "people.csv").write_bytes(PEOPLE)
    refused = runner.invoke(args=["import", "people", str(tmp_path / "people.csv"), "--user", "admin", "--json"])
    assert refused.exit_code == 1  # water is not there yet: nothing written
    body = json.loads(refused.stderr if hasattr(refused, "stderr") and refused.stderr else refused.output)
    assert body["codes"]["row 2, 单位代码"] == {"code": "unknown_department", "params": {"department": "water"}}
    assert runner.invoke(args=["import", "units", str(tmp_path / "units.csv"), "--operator"]).exit_code == 0
    done = runner.invoke(args=["import", "people", str(tmp_path / "people.csv"), "--user", "admin", "--json"])
    assert done.exit_code == 0, done.output
    [password] = json.loads(done.output)["passwords"]
    assert password["username"] == "zhang3" and len(password["password"]) == 14
    denied = runner.invoke(args=["import", "units", str(tmp_path / "units.csv"), "--user", "office1"])
    assert denied.exit_code == 4


def test_export_the_current_people_and_import_it_back_unchanged(as_user, app, tmp_path):
    c = as_user("admin")
    assert 'id="export-people"' in text_of(c.get("/admin/imports/"))
    response = c.get("/admin/imports/people/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data))["人员"]
    assert [c.value for c in sheet[1]] == ["用户名*", "姓名*", "单位代码", "选区", "角色*", "电话", "邮箱"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["admin"][4] == ROLE_NAMES["admin"] and "office1" in rows
    preview = upload(c, "people", response.data, "人员.xlsx")
    assert f"共 {len(rows)} 行：新建 0，修改 0，不变 {len(rows)}。" in text_of(preview)
    assert as_user("office1").get("/admin/imports/units/export.xlsx").status_code == 403

    runner = app.test_cli_runner()
    out = tmp_path / "units.xlsx"
    done = runner.invoke(args=["export", "units", str(out), "--user", "admin", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["rows"] == len(load_workbook(out)["单位"]["A"]) - 1 > 5
    again = runner.invoke(args=["export", "people", "--output", str(tmp_path / "p.xlsx"), "--operator"])
    assert again.exit_code == 0 and "people written to" in again.output
    assert runner.invoke(args=["export", "people", "--user", "admin"]).exit_code == 2  # where to?
    denied = tmp_path / "denied.xlsx"  # a new file: an existing one is refused first, unless --force
    assert runner.invoke(args=["export", "people", str(denied), "--user", "office1"]).exit_code == 4
    assert not denied.exists()


def test_the_same_units_file_again_has_nothing_to_import(as_user):
    c = as_user("admin")
    preview = upload(c, "units", UNITS)
    assert c.post("/admin/imports/units/confirm", data={"token": token_of(preview)}).status_code == 200
    again = upload(c, "units", UNITS)
    assert again.status_code == 200
    html = text_of(again)
    assert "共 1 行：新建 0，修改 0，不变 1。" in html
    assert '<p id="import-nothing">没有需要导入的内容：文件中的每一行都与系统中现有的一致。</p>' in html
    assert 'id="import-confirm"' not in html and 'name="token"' not in html  # nothing kept to confirm
    exported = c.get("/admin/imports/people/export.xlsx").data  # the people exported: the same
    assert 'id="import-nothing"' in text_of(upload(c, "people", exported, "人员.xlsx"))


# a roster's pictures, the unit tests' (a PNG read as a .csv was "neither UTF-8 nor GB18030", a BMP
# whose pixels hold line ends read as rows with every column "missing")


@pytest.mark.parametrize(("name", "content"), [("名册照片.png", PNG), ("名册.bmp", BMP)])
def test_an_image_uploaded_as_the_people_file_cannot_be_read_and_is_named(as_user, name, content):
    c = as_user("admin")
    response = upload(c, "people", content, name)
    assert response.status_code == 422
    html = text_of(response)
    assert re.findall(r'<p class="field-error" id="file-people-error">([^<]*)</p>', html) == [
        f"无法读取“{name}”：它不是 .xlsx 或 .csv 表格文件"
    ]
    c.get("/lang/en")
    english = text_of(upload(c, "people", content, name))
    assert f"Cannot read “{name}”: it is not an .xlsx or .csv spreadsheet" in english


NOTES = ("填表说明", [["填表说明：本表由镇人大办整理，请勿改动表头。"]], [])


def test_the_preview_and_the_result_say_which_worksheet_they_read(as_user):
    c = as_user("admin")
    units = ("单位", [["代码*", "名称*"], ["water", "水利站"]], [])
    preview = upload(c, "units", xlsx_file(NOTES, units), "单位.xlsx")
    html = text_of(preview)
    assert '<p class="hint" id="import-sheet" data-sheet="单位">读取的工作表：「单位」。</p>' in html
    assert "共 1 行：新建 1，修改 0，不变 0。" in html
    done = text_of(c.post("/admin/imports/units/confirm", data={"token": token_of(preview)}))
    assert "读取的工作表：「单位」。" in done
    # no worksheet with the header: the sheets looked at, and the columns the nearest lacks
    html = text_of(upload(c, "units", xlsx_file(NOTES, ("备注", [["2025年的名单见另表"]], [])), "单位.xlsx"))
    assert (
        "没有一个工作表有完整的表头（查看了工作表「填表说明」、「备注」）；"
        "下面列出的是其中最接近的「填表说明」所缺的列。" in html
    )
    assert "缺少“代码”列" in html


def test_a_merged_cell_is_refused_saying_where_and_what_to_do(as_user):
    people = [
        ["用户名*", "姓名*", "选区", "角色*"],
        ["zhangjg", "张建国", "第一选区", "人大代表"],
        ["lixy", "李秀英", None, "人大代表"],
    ]
    html = text_of(upload(as_user("admin"), "people", xlsx_file(("人员", people, ["C2:C3"])), "名册.xlsx"))
    cell = '<tr data-row="2" data-column="选区"><td>2</td><td>选区</td>'
    message = "工作表「人员」的 C2:C3 是合并单元格，只有第一格读得到值：请取消合并，每行填写自己的值"
    assert f"{cell}<td>{message}</td>" in html and 'id="import-confirm"' not in html


def test_a_head_given_by_name_is_read_as_his_user_name_and_a_wrong_cell_is_quoted(as_user):
    c = as_user("admin")
    html = text_of(upload(c, "units", "代码,名称,负责人\nfinance,财政所,finance1 同志\n".encode()))
    # said by name, the user name beside it (the name was read as it)
    assert "负责人：（空） → finance1 同志（finance1）" in html and 'id="import-confirm"' in html
    html = text_of(upload(c, "units", "代码,名称\nwa ter,水利站\n".encode()))
    assert "<td>“wa ter”：只能使用字母、数字、- 和 _</td>" in html
