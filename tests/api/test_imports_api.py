"""POST /api/v1/imports/{kind}: the dry run, the import with its passwords once, the
problems by row and column, who may; GET /api/v1/imports/{kind}/export; and the OpenAPI
document declares them."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from tests.world import deploy, xlsx_file

UNITS = "代码,名称\nwater,水利站\n".encode("utf-8-sig")


def send(caller, kind: str, content: bytes, query: str = ""):
    return caller.post(
        f"/imports/{kind}{query}", data={"file": (BytesIO(content), "f.csv")}, content_type="multipart/form-data"
    )


def test_dry_run_then_import(world):
    admin = world.as_("admin")
    dry = send(admin, "units", UNITS, "?dry_run=true")
    assert dry.status_code == 200, dry.get_json()
    body = dry.get_json()
    assert body["passwords"] == [] and (body["plan"]["created"], body["plan"]["rows"]) == (1, 1)
    assert body["plan"]["changes"][0]["fields"] == {"名称": [None, "水利站"]}
    assert send(admin, "units", UNITS).status_code == 200
    people = "用户名,姓名,单位代码,角色\nli4,李四,water,人大代表\n".encode("gb18030")
    done = send(admin, "people", people).get_json()
    assert [p["username"] for p in done["passwords"]] == ["li4"]
    again = send(admin, "people", people).get_json()  # nothing new: no password
    assert (again["plan"]["unchanged"], again["passwords"]) == (1, [])


def test_the_worksheet_read_is_said(world):
    content = xlsx_file(
        ("填表说明", [["请在“单位”表中填写"]], []), ("单位", [["代码*", "名称*"], ["water", "水利站"]], [])
    )
    dry = world.as_("admin").post(
        "/imports/units?dry_run=true",
        data={"file": (BytesIO(content), "单位.xlsx")},
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["plan"]["sheet"] == {
        "name": "单位",
        "searched": ["填表说明", "单位"],
        "has_header": True,
        "also": [],
    }


def test_problems_by_row_and_column_and_who_may(world):
    refused = send(world.as_("admin"), "people", "用户名,姓名,角色\nli4,李四,国王\n".encode(), "?dry_run=true")
    assert refused.status_code == 422
    assert refused.get_json()["codes"]["row 2, 角色"]["code"] == "unknown_role"
    assert send(world.as_("clerk"), "units", UNITS).status_code == 403
    assert send(world.as_("admin"), "ledger", UNITS).status_code == 404
    assert world.as_("admin").post("/imports/units", data={}, content_type="multipart/form-data").status_code == 422


def test_the_openapi_document_declares_it(world):
    spec = world.anonymous().get("/openapi.json").get_json()
    path = spec["paths"]["/api/v1/imports/{kind}"]
    assert "multipart/form-data" in path["post"]["requestBody"]["content"]
    [kind] = path["parameters"]
    assert kind["schema"]["enum"] == ["units", "people"]
    assert [p["name"] for p in path["post"]["parameters"]] == ["dry_run"]


def test_a_ledger_dry_run_and_import(world, frozen_clock):
    deploy(world.app, Path(__file__).resolve().parents[2] / "bpmn" / "petition.bpmn")
    ledger = "编号,事由,来源,信访人姓名,信访内容,收到日期\n信-9,道路积水,来信,钱某,反映积水,2026-11-09\n".encode(
        "gb18030"
    )
    dry = world.as_("admin").post(
        "/imports/ledger/petitions?dry_run=true",
        data={"file": (BytesIO(ledger), "l.csv")},
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200, dry.get_json()
    [row] = dry.get_json()["outcomes"]
    assert (row["row"], row["closed"], row["waiting_at"]) == (2, False, ["审查是否受理并告知信访人"])
    assert dry.get_json()["sheet"] is None  # a .csv has no worksheets
    # received 11-09: told within 15 days, by 24:00 of 11-24 Beijing; on 12-07 that period is over already
    assert row["lapsed"] == [
        {"task": "审查是否受理并告知信访人", "due_at": "2026-11-24T16:00:00+00:00", "ends_by": "", "supervised_by": ""}
    ]
    refused = world.as_("clerk").post(
        "/imports/ledger/petitions", data={"file": (BytesIO(ledger), "l.csv")}, content_type="multipart/form-data"
    )
    assert refused.status_code == 403


def test_export_in_the_templates_shape_and_who_may(world):
    assert send(world.as_("admin"), "units", UNITS).status_code == 200
    response = world.as_("admin").get("/imports/units/export")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(response.data))["单位"]
    assert [c.value for c in sheet[1]] == ["代码*", "名称*", "负责人", "联络员"]
    assert ("water", "水利站", None, None) in list(sheet.iter_rows(min_row=2, values_only=True))
    again = send(world.as_("admin"), "units", response.data, "?dry_run=true").get_json()
    assert (again["plan"]["created"], again["plan"]["updated"]) == (0, 0)
    assert world.as_("clerk").get("/imports/people/export").status_code == 403
    spec = world.anonymous().get("/openapi.json").get_json()
    content = spec["paths"]["/api/v1/imports/{kind}/export"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
