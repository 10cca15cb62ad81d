"""This year's ledger through the doors: the admin's page (upload → the rows replayed as a
preview → confirm → the cases) and the command line (the API: tests/api/test_imports_api.py)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.integration.test_ledger import DONE, PROPOSAL_HEADERS, with_step, workbook
from tests.web.conftest import text_of
from tests.world import deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
# a petition ledger as Excel on Chinese Windows saves it: .csv in GB18030
LEDGER = (
    "编号,事由,来源,信访人姓名,联系电话,信访内容,收到日期,受理日期,承办单位,交办日期,答复日期,答复内容\r\n"
    "2026-信-001,低保资格,来访,赵某某,13800001234,申请复核,2026-11-02,2026-11-04,财政所,2026-11-05,,\r\n"
    "2026-信-002,道路积水,来信,钱某,,反映积水,2026-11-09,,,,,\r\n"
).encode("gb18030")


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, LIBRARY / "petition.bpmn")
    return app


def upload(client, content: bytes = LEDGER):
    return client.post(
        "/admin/imports/ledger/petitions",
        data={"file": (io.BytesIO(content), "信访台账.csv")},
        content_type="multipart/form-data",
    )


def test_the_page_previews_every_row_then_imports(as_user, frozen_clock):
    admin = as_user("admin")
    preview = upload(admin)
    assert preview.status_code == 200
    html = text_of(preview)
    assert "共 2 行：已办结 0 件，办理中 2 件，系统中已有、不变 0 件。" in html
    assert re.search(r'data-row="2">.*?等待：办理并书面答复信访人', html)
    assert re.search(r'data-row="3">.*?等待：审查是否受理并告知信访人', html)
    assert "低保资格" not in text_of(admin.get("/cases"))  # the preview wrote nothing

    token = re.search(r'name="token" value="([^"]+)"', preview.get_data(as_text=True))[1]
    done = admin.post("/admin/imports/ledger/petitions/confirm", data={"token": token})
    assert done.status_code == 200 and "已导入台账：信访台账.csv" in text_of(done)
    case_path = re.search(r'href="(/cases/[0-9]+)"', done.get_data(as_text=True))[1]
    case = text_of(admin.get(case_path))
    assert "按台账导入" in case and "信访台账.csv 第 2 行" in case

    # the petition's unit has it in its inbox, due 15 days after it was assigned... from receipt
    assert "低保资格 · 来访" in text_of(as_user("finance1").get("/?tab=group"))


def test_problems_by_row_and_column_and_only_for_administrators(as_user, frozen_clock):
    bad = LEDGER.replace("财政所".encode("gb18030"), "水利站".encode("gb18030"))
    html = text_of(upload(as_user("admin"), bad))
    assert 'data-row="2" data-column="承办单位"' in html and "ledger-confirm" not in html
    assert upload(as_user("office1")).status_code == 403
    assert as_user("office1").get("/admin/imports/ledger/petitions/template.xlsx").status_code == 403


def test_a_unit_the_process_does_not_assign_to_is_said_at_its_cell_in_the_readers_language(as_user, frozen_clock):
    presidium = LEDGER.replace("财政所".encode("gb18030"), "人大主席团".encode("gb18030"))
    admin = as_user("admin")
    html = text_of(upload(admin, presidium))
    cell = '<tr data-row="2" data-column="承办单位"><td>2</td><td>承办单位</td>'
    assert f"{cell}<td>人大主席团 不是本流程交办的单位</td>" in html and "ledger-confirm" not in html
    admin.get("/lang/en")
    english = text_of(upload(admin, presidium))
    assert '<tr data-row="2" data-column="承办单位"><td>2</td><td>Handling unit (承办单位)</td>' in english
    assert "<td>人大主席团 is not a unit this process assigns to.</td>" in english


def test_the_template_lists_the_units(as_user):
    response = as_user("admin").get("/admin/imports/ledger/petitions/template.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert [c.value for c in book["台账"][1]][:3] == ["编号*", "事由*", "来源*"]
    assert "财政所" in [c.value for c in book["选项"]["I"]]  # 承办单位, the 9th column


def test_the_command_line(app, tmp_path, frozen_clock):
    path = tmp_path / "ledger.csv"
    path.write_bytes(LEDGER)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["ledger", "petitions", str(path), "--dry-run", "--user", "admin", "--json"])
    assert dry.exit_code == 0, dry.output
    assert [(o["row"], o["closed"]) for o in json.loads(dry.output)["outcomes"]] == [(2, False), (3, False)]
    done = runner.invoke(args=["ledger", "petitions", str(path), "--user", "admin"])
    # (case numbers: PostgreSQL's sequences do not roll back with the dry run)
    assert done.exit_code == 0
    assert re.search(r"row 2: case #[0-9]+ 低保资格 · 来访: waiting at 办理并书面答复信访人", done.output)
    # received 11-09, told within 15 days: by 24:00 of 11-24 Beijing, over on 12-07 already
    assert "    审查是否受理并告知信访人: its period ended 2026-11-24 24:00; on import: overdue" in done.output
    again = runner.invoke(args=["ledger", "petitions", str(path), "--user", "admin"])  # changes nothing
    assert again.exit_code == 0 and re.search(r"row 2: case #[0-9]+ 低保资格 · 来访: waiting at", again.output)
    assert "(already in the system: unchanged)" in again.output
    assert runner.invoke(args=["ledger", "petitions", str(path), "--user", "office1"]).exit_code == 4


def test_no_file_or_an_unreadable_one_is_said_on_the_import_page(as_user):
    admin = as_user("admin")
    missing = admin.post("/admin/imports/ledger/proposals", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "请选择要上传的文件" in text_of(missing)
    unreadable = admin.post(
        "/admin/imports/ledger/petitions",
        data={"file": (io.BytesIO(b"PK\x03\x04 nope"), "l.xlsx")},
        content_type="multipart/form-data",
    )
    assert unreadable.status_code == 422 and "无法读取" in text_of(unreadable)


def test_the_same_ledger_again_has_nothing_to_import(app, as_user, tmp_path, frozen_clock):
    path = tmp_path / "ledger.csv"
    path.write_bytes(LEDGER)
    assert app.test_cli_runner().invoke(args=["ledger", "petitions", str(path), "--user", "admin"]).exit_code == 0
    html = text_of(upload(as_user("admin")))
    assert "系统中已有、不变 2 件" in html
    assert '<p id="ledger-nothing">没有需要导入的内容：每一行在系统中都已有。</p>' in html
    assert 'id="ledger-confirm"' not in html


def test_a_date_that_is_no_day_of_the_calendar_is_said_so(as_user, frozen_clock):
    no_day = LEDGER.replace(b"2026-11-09", b"2026-13-45")
    html = text_of(upload(as_user("admin"), no_day))
    cell = '<tr data-row="3" data-column="收到日期"><td>3</td><td>收到日期</td>'
    assert f"{cell}<td>没有 2026-13-45 这一天，请检查月份和日期</td>" in html


def test_the_template_uploaded_as_it_came_imports_nothing_and_says_why(app, as_user, tmp_path, frozen_clock):
    admin = as_user("admin")
    template = admin.get("/admin/imports/ledger/petitions/template.xlsx").get_data()
    html = text_of(
        admin.post(
            "/admin/imports/ledger/petitions",
            data={"file": (io.BytesIO(template), "信访台账模板.xlsx")},
            content_type="multipart/form-data",
        )
    )
    assert '<p id="ledger-example">第 2 行是模板中的填写示例，已跳过，不会导入。</p>' in html
    assert '<p id="ledger-nothing">没有需要导入的内容：文件中只有模板的填写示例。</p>' in html
    assert 'id="ledger-confirm"' not in html
    path = tmp_path / "信访台账模板.xlsx"
    path.write_bytes(template)
    dry = app.test_cli_runner().invoke(args=["ledger", "petitions", str(path), "--dry-run", "--user", "admin"])
    assert dry.output == (
        "dry run: nothing written\n1 row\nworksheet read: 台账\n  row 2: the template's example, skipped\n"
    )


def test_a_task_whose_period_is_over_and_a_date_that_does_not_read_are_said_so(as_user, frozen_clock):
    """Replied 09-30, the petitioner's 30 days to ask for a review ended 10-30: on import the
    case does not wait for it, it ends then, and the preview says so, with the date. A date written as the
    office says it aloud is quoted, with the ways it may be written."""
    replied = (
        "2026-信-003,低保资格,来访,赵某某,,申请复核,2026-09-01,2026-09-03,财政所,2026-09-04,2026-09-30,符合条件\r\n"
    )
    html = text_of(upload(as_user("admin"), LEDGER + replied.encode("gb18030")))
    lapse = "“登记复查请求”的期限已于 2026-10-30 24:00 届满：导入后随即按“复查请求期满”处理，不再等待这一步。"
    # the preview says what the import gives: the case closed then, and why
    closed = '<span class="badge ok">已办结</span>'
    assert f'{closed} <div class="field-error" data-lapsed="登记复查请求">{lapse}</div>' in html
    assert "共 3 行：已办结 1 件，办理中 2 件" in html  # (0 and 3 as the row read before its period ended)
    assert "data-lapsed" not in re.search(r'<tr data-row="2">.*?</tr>', html)[0]  # in its period still
    spoken = LEDGER.replace(b"2026-11-09", "11月9日".encode("gb18030"))
    html = text_of(upload(as_user("admin"), spoken))
    cell = '<tr data-row="3" data-column="收到日期"><td>3</td><td>收到日期</td>'
    assert f"{cell}<td>“11月9日”不是日期：请写成 2026-03-02、2026/3/2 或 2026年3月2日</td>" in html


def test_a_step_the_current_version_does_not_reach_names_where_the_case_stopped(app, as_user, frozen_clock, tmp_path):
    changed = tmp_path / "proposal.bpmn"
    changed.write_text(with_step((LIBRARY / "proposal.bpmn").read_text(encoding="utf-8")), encoding="utf-8")
    deploy(app, LIBRARY / "proposal.bpmn", changed)  # versions 1 and 2, a task added before the reply
    html = text_of(
        as_user("admin").post(
            "/admin/imports/ledger/proposals",
            data={"file": (io.BytesIO(workbook(PROPOSAL_HEADERS, {**DONE, "提出代表": "deputy"})), "台账.xlsx")},
            content_type="multipart/form-data",
        )
    )
    cell = '<tr data-row="3" data-column="答复日期"><td>3</td><td>答复日期</td>'
    said = (
        "按台账的办理顺序，案件到不了“办理并书面答复”这一步。"
        "按流程“代表建议、批评和意见办理”的现行版本 v2，案件停在“主任审核交办意见”，"
        "台账没有这一步的列：请与流程设计员核对。"
    )
    assert f"{cell}<td>{said}</td>" in html
    assert '<p class="hint" id="import-sheet" data-sheet="Sheet">读取的工作表：「Sheet」。</p>' in html
