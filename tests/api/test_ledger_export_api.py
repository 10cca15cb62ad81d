"""GET /api/v1/imports/ledger/{kind}/export: this year's ledger in the import template's
columns, which POSTed back changes nothing; who may; the OpenAPI document declares it."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from tests.world import deploy

LEDGER = "编号,事由,来源,信访人姓名,信访内容,收到日期\n信-9,道路积水,来信,钱某,反映积水,2026-11-09\n".encode("gb18030")


def post(caller, content: bytes, name: str, query: str = ""):
    return caller.post(
        f"/imports/ledger/petitions{query}", data={"file": (BytesIO(content), name)}, content_type="multipart/form-data"
    )


def test_the_ledger_export_round_trips_and_who_may(world, frozen_clock):
    deploy(world.app, Path(__file__).resolve().parents[2] / "bpmn" / "petition.bpmn")
    assert post(world.as_("admin"), LEDGER, "l.csv").status_code == 200
    response = world.as_("admin").get("/imports/ledger/petitions/export")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(BytesIO(response.data))["台账"]
    rows = list(sheet.iter_rows(values_only=True))
    # the administrator may not read a petitioner's identity: masked, as on the case page; the day
    # it was received a date cell, shown as the template writes it
    assert rows[1] == (
        "信-9", "道路积水", "来信", "******", None, "反映积水", datetime(2026, 11, 9), None, None, None, None, None,
        "办理中", "审查是否受理并告知信访人",
    )  # fmt: skip
    assert (sheet["G2"].is_date, sheet["G2"].number_format) == (True, "yyyy-mm-dd")
    again = post(world.as_("admin"), response.data, "台账.xlsx", "?dry_run=true")
    assert again.status_code == 200, again.get_json()
    assert [o["existing"] for o in again.get_json()["outcomes"]] == [True]
    last_year = world.as_("admin").get("/imports/ledger/petitions/export?year=2025")
    assert len(list(load_workbook(BytesIO(last_year.data))["台账"].iter_rows())) == 1  # the header alone
    assert world.as_("admin").get("/imports/ledger/petitions/export?year=1800").status_code == 422
    assert world.as_("supervisor").get("/imports/ledger/proposals/export").status_code == 403
    spec = world.anonymous().get("/openapi.json").get_json()
    content = spec["paths"]["/api/v1/imports/ledger/{kind}/export"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
