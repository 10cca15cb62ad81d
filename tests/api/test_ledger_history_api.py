"""GET /api/v1/instances/{id} of a case brought in from this year's ledger (台账): each entry
replayed from the ledger's row says so (``ledger``: the file and row), its ``actor`` the
administrator who recorded it; his import is his own entry, of no row; what the case did since
(a step done here) is of no ledger. The OpenAPI document declares it."""

from __future__ import annotations

from pathlib import Path

from engine.usecases import ledger
from tests.integration.test_ledger import OPEN, PROPOSAL_HEADERS, workbook
from tests.world import act, deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"


def test_each_replayed_entry_names_its_ledger_row(world):
    deploy(world.app, LIBRARY / "proposal.bpmn")
    row = {**OPEN, "提出代表": "deputy"}  # row 3: registered, assigned; 财政所 replies here
    [outcome] = act(
        world.app, "admin", ledger.apply, "proposals", "建议台账.xlsx", workbook(PROPOSAL_HEADERS, row)
    ).outcomes
    fin = world.as_("fin")
    [reply] = [t for t in fin.get("/tasks?tab=group").get_json()["items"] if t["instance_id"] == outcome.instance_id]
    answer = {"handling_action": "reply", "reply_class": "A", "reply_text": "已协调交警"}
    assert fin.post(f"/tasks/{reply['task_id']}/complete", json={"data": answer}).status_code == 200

    from_row = {"file": "建议台账.xlsx", "row": 3}
    for reader in ("admin", "deputy"):
        history = world.as_(reader).get(f"/instances/{outcome.instance_id}").get_json()["history"]
        assert [(h["actor"], h["action"], h["task_name"], h["ledger"]) for h in history] == [
            ("admin", "start", None, from_row),
            ("admin", "complete", "整理分类并交办", from_row),
            ("admin", "import", None, None),  # when he imported it, after the steps dated by the ledger
            ("fin", "complete", "办理并书面答复", None),
        ], reader
        assert all("_ledger" not in (h["data"] or {}) for h in history)  # said by ``ledger``, not as a value


def test_the_openapi_document_declares_it(world):
    schemas = world.anonymous().get("/openapi.json").get_json()["components"]["schemas"]
    assert set(schemas["LedgerRow"]["properties"]) == {"file", "row"}
    assert "ledger" in schemas["History"]["properties"]
