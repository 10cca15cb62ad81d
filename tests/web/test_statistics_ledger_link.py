"""The office head may export the year's petitions ledger with the petitioners' identities (the
one export that re-creates the cases in an empty database), but the import page where the
administrator finds the export is the administrator's: the statistics page links the shown
process's ledger of the shown year for whoever may export it, and for nobody else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.world import deploy

from .conftest import text_of

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("head", "supervisor", "admin")


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    return app


def test_the_head_finds_the_ledger_on_the_statistics_page(as_user):
    client = as_user("head")
    page = text_of(client.get("/statistics/?process=petition&from=2026-01-01&to=2026-12-31"))
    assert (
        '<a href="/admin/imports/ledger/petitions/export.xlsx?year=2026" id="export-ledger">导出 2026 年台账</a>'
        in page
    )
    exported = client.get("/admin/imports/ledger/petitions/export.xlsx?year=2026")
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    proposals = text_of(client.get("/statistics/?process=proposal&from=2025-01-01&to=2025-12-31"))
    assert 'href="/admin/imports/ledger/proposals/export.xlsx?year=2025" id="export-ledger"' in proposals
    # a process without a ledger: no link
    assert 'id="export-ledger"' not in text_of(
        client.get("/statistics/?process=inspection&from=2026-01-01&to=2026-12-31")
    )


def test_a_supervisor_who_may_not_export_it_sees_no_link(as_user):
    page = text_of(as_user("supervisor").get("/statistics/?process=petition&from=2026-01-01&to=2026-12-31"))
    assert "统计" in page and 'id="export-ledger"' not in page
