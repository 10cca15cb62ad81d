"""The API's exports (units, people, this year's ledger) write their notes sheet in the request's
language, as the pages' downloads do (Accept-Language; Chinese unless asked), while what the
import reads — the sheet of headers and rows, the lists behind the drop-downs — is the same
workbook whatever the language."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.world import deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
ENGLISH = {"Accept-Language": "en"}


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("path", ["/imports/units/export", "/imports/people/export"])
def test_the_roster_exports_notes_follow_the_requests_language(world, path):
    admin = world.as_("admin")
    chinese = load_workbook(BytesIO(admin.get(path).data))
    english = load_workbook(BytesIO(admin.get(path, headers=ENGLISH).data))
    assert chinese.sheetnames[2] == "说明" and english.sheetnames[2] == "Instructions"
    data, lists = english.sheetnames[:2]
    assert rows(english[data]) == rows(chinese[data]) and rows(english[lists]) == rows(chinese[lists])
    notes = dict(rows(english["Instructions"]))
    assert "Columns" in notes  # each column named in English beside its header


def test_the_ledger_exports_notes_follow_the_requests_language(world, frozen_clock):
    deploy(world.app, LIBRARY / "petition.bpmn")
    admin = world.as_("admin")
    path = "/imports/ledger/petitions/export"
    chinese = load_workbook(BytesIO(admin.get(path).data))
    english = load_workbook(BytesIO(admin.get(path, headers=ENGLISH).data))
    assert chinese.sheetnames[2] == "说明" and english.sheetnames[2] == "Instructions"
    assert rows(english["台账"]) == rows(chinese["台账"])  # the sheet the import reads, as it reads it
