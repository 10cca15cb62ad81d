"""The ledger's dates are date cells in the workbooks handed out (the blank template's example
row, an export's rows): Excel sorts, filters and counts them as dates, shown yyyy-mm-dd. The
import reads a date cell as the day it holds, beside dates typed as text, as before."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from engine.usecases import ledger, ledger_export
from tests.integration.test_ledger import DONE, world  # noqa: F401  (the fixture)
from tests.world import act

# the template's example row: each date column's cell (the 协办意见日期 of the example is empty)
PROPOSAL_DATES = {"F2": datetime(2026, 3, 2), "G2": datetime(2026, 3, 9), "L2": datetime(2026, 5, 20),
                  "O2": datetime(2026, 6, 1)}  # fmt: skip
PETITION_DATES = {"G2": datetime(2026, 3, 2), "H2": datetime(2026, 3, 5), "J2": datetime(2026, 3, 6),
                  "K2": datetime(2026, 3, 30)}  # fmt: skip


@pytest.mark.parametrize(("kind", "dates"), [("proposals", PROPOSAL_DATES), ("petitions", PETITION_DATES)])
def test_the_templates_example_dates_are_date_cells(world, kind, dates):  # noqa: F811
    sheet = load_workbook(io.BytesIO(act(world, "admin", ledger.template, kind)))["台账"]
    cells = {ref: (sheet[ref].is_date, sheet[ref].number_format, sheet[ref].value) for ref in dates}
    assert cells == {ref: (True, "yyyy-mm-dd", day) for ref, day in dates.items()}
    if kind == "proposals":
        assert (sheet["K1"].value, sheet["K2"].value) == ("协办意见日期", None)


def test_the_templates_date_cells_import_as_their_days_beside_typed_ones(world):  # noqa: F811
    """The example row made a real one (its deputy one there is), its dates date cells as the
    template wrote them; a row under it typed as text, and one pasted with a time of day: each
    replayed at its days."""
    book = load_workbook(io.BytesIO(act(world, "admin", ledger.template, "proposals")))
    sheet = book["台账"]
    headers = [str(cell.value).rstrip("*") for cell in sheet[1]]
    sheet["A2"], sheet["D2"] = "2026-建-101", "wang"
    sheet.append([{**DONE, "编号": "2026-建-102"}.get(h, "") for h in headers])
    sheet.append(
        [{**DONE, "编号": "2026-建-103", "登记日期": datetime(2026, 3, 2, 15, 30)}.get(h, "") for h in headers]
    )
    out = io.BytesIO()
    book.save(out)
    assert (sheet["F2"].is_date, sheet["F3"].is_date, sheet["F4"].is_date) == (True, False, True)

    done = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", out.getvalue())
    assert (done.problems, done.example_rows) == ([], [])
    assert [(o.row, o.closed) for o in done.outcomes] == [(2, True), (3, True), (4, True)]
    exported = load_workbook(io.BytesIO(act(world, "admin", ledger_export.export, "proposals").content))["台账"]
    # registered 03-02 each (the example's own date cell, the typed one, the one with a time)
    assert [(row[0].value, row[5].value, row[5].is_date) for row in exported.iter_rows(min_row=2)] == [
        ("2026-建-101", datetime(2026, 3, 2), True),
        ("2026-建-102", datetime(2026, 3, 2), True),
        ("2026-建-103", datetime(2026, 3, 2), True),
    ]
