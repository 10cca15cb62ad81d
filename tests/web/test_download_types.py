"""Every table download says what it is once: a CSV's Content-Type names its charset one
time (not "text/csv; charset=utf-8; charset=utf-8"), a workbook is a workbook."""

from __future__ import annotations

import pytest

from engine.usecases import tasks
from tests.world import act, start_review

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def case(app):
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    return case


@pytest.mark.parametrize(
    ("path", "reader"),
    [
        ("/board/export.{fmt}", "supervisor"),
        ("/statistics/export.{fmt}", "supervisor"),
        ("/audit/export.{fmt}", "admin"),
        ("/cases/export.{fmt}", "office1"),
        ("/cases/{case}/history.{fmt}", "office1"),
    ],
)
def test_a_download_names_its_type_and_charset_once(app, as_user, case, path, reader):
    client = as_user(reader)
    csv = client.get(path.format(fmt="csv", case=case.id))
    assert csv.status_code == 200
    assert csv.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert csv.data.startswith("\ufeff".encode())  # Excel on Chinese Windows reads it as UTF-8
    workbook = client.get(path.format(fmt="xlsx", case=case.id))
    assert workbook.status_code == 200 and workbook.headers.getlist("Content-Type") == [XLSX]
