"""A case brought in from this year's ledger (台账) names who did its steps and who started it as
its history does: a step the administrator replayed from the ledger's row, and the start, were
recorded from the ledger by him (台账补录（admin 同志）), not done by him. So say the case page's
step list (办理人) and its 发起 fact, the case list's 发起人 and its download, in Chinese and
English; the API keeps ``started_by`` and says ``started_from_ledger`` beside it. A step done
here after the import, and a case started here, name who did it."""

from __future__ import annotations

import csv
import io
import re

import pytest

from engine.usecases import cases, ledger, tasks
from tests.integration.test_ledger import OPEN, PROPOSAL_HEADERS, workbook
from tests.web.conftest import text_of
from tests.web.test_ledger_history import LIBRARY
from tests.world import act, deploy, start_review

REPLY = {"handling_action": "reply", "reply_class": "A", "reply_text": "已协调交警"}


@pytest.fixture
def imported(app, frozen_clock) -> int:
    """Row 3 of 台账.xlsx: registered 2026-11-20 and assigned to 财政所 on 11-23 (both replayed
    from the row), then replied here by finance1: the deputy's evaluation waits."""
    deploy(app, LIBRARY / "proposal.bpmn")
    content = workbook(PROPOSAL_HEADERS, {**OPEN, "提出代表": "deputy"})
    [outcome] = act(app, "admin", ledger.apply, "proposals", "台账.xlsx", content).outcomes
    assert outcome.instance_id is not None
    [reply] = act(app, "admin", cases.instance_detail, outcome.instance_id).open_tasks
    act(app, "finance1", tasks.complete, reply.task_id, REPLY)
    return outcome.instance_id


@pytest.fixture
def ordinary(app, frozen_clock) -> int:
    """A case started here by office1 and registered by office2."""
    case = start_review(app, "office1", "关于修缮村道的意见")
    act(app, "office2", tasks.complete, case.task_id, {"lead_unit": "finance"})
    return case.id


def step_holders(html: str) -> list[tuple[str, str]]:
    """The case page's step list: each step's name and its 办理人 cell, as text."""
    section = re.search(r'<section class="card" id="steps">(.*?)</section>', html, re.S)
    assert section
    rows = re.findall(r'<tr data-bpmn-id.*?<td class="title">(.*?)</td>\s*<td class="holder"[^>]*>(.*?)</td>',
                      section[1], re.S)  # fmt: skip
    return [(re.sub(r"<[^>]+>", "", name).strip(), holder.strip()) for name, holder in rows]


def started(html: str) -> str:
    """The case page's 发起 fact: who, and when."""
    return re.search(r'<dd id="started-by"[^>]*>(.*?)</dd>', html, re.S)[1].strip()


def test_the_step_list_says_a_step_replayed_from_the_ledger_was_recorded_from_it(as_user, imported, ordinary):
    admin = as_user("admin")
    assert step_holders(admin.get(f"/cases/{imported}").get_data(as_text=True)) == [
        ("整理分类并交办", "台账补录（admin 同志）"),  # replayed from the row's 交办日期
        ("办理并书面答复", "finance1 同志"),  # replied here, after the import
        ("评价办理结果（回执）", "deputy 同志"),  # waiting for the deputy
    ]
    assert step_holders(admin.get(f"/cases/{ordinary}").get_data(as_text=True)) == [
        ("登记", "office2 同志"),
        ("答复", "财政所"),
    ]
    admin.get("/lang/en")
    assert step_holders(admin.get(f"/cases/{imported}").get_data(as_text=True))[:2] == [
        ("整理分类并交办", "From the ledger (admin 同志)"),
        ("办理并书面答复", "finance1 同志"),
    ]
    assert step_holders(admin.get(f"/cases/{ordinary}").get_data(as_text=True))[0] == ("登记", "office2 同志")


def test_the_deputy_reads_the_step_list_so_too(as_user, imported):
    """Nor does the deputy whose proposal it is read that the administrator assigned it."""
    html = as_user("deputy").get(f"/cases/{imported}").get_data(as_text=True)
    assert step_holders(html)[0] == ("整理分类并交办", "台账补录（admin 同志）")
    assert started(html) == "台账补录（admin 同志） · 2026-11-20 09:00"


def test_the_case_page_says_the_case_was_started_from_the_ledger(as_user, imported, ordinary):
    admin = as_user("admin")
    assert (
        started(admin.get(f"/cases/{imported}").get_data(as_text=True)) == "台账补录（admin 同志） · 2026-11-20 09:00"
    )
    assert started(admin.get(f"/cases/{ordinary}").get_data(as_text=True)) == "office1 同志 · 2026-12-07 09:00"
    admin.get("/lang/en")
    english = admin.get(f"/cases/{imported}").get_data(as_text=True)
    assert started(english) == "From the ledger (admin 同志) · 2026-11-20 09:00"


def test_the_case_list_says_who_started_each_case(as_user, imported, ordinary):
    admin = as_user("admin")
    html = text_of(admin.get("/cases"))
    assert '<td title="admin" data-label="发起人">台账补录（admin 同志）</td>' in html
    assert '<td title="office1" data-label="发起人">office1 同志</td>' in html
    admin.get("/lang/en")
    html = text_of(admin.get("/cases"))
    assert '<td title="admin" data-label="Started by">From the ledger (admin 同志)</td>' in html
    assert '<td title="office1" data-label="Started by">office1 同志</td>' in html


def test_the_case_lists_download_says_so_too(as_user, imported, ordinary):
    lines = list(csv.reader(io.StringIO(as_user("admin").get("/cases/export.csv").data.decode("utf-8-sig"))))
    starter = lines[0].index("发起人")
    assert [(line[0], line[starter]) for line in lines[1:]] == [
        (str(ordinary), "office1 同志"),
        (str(imported), "台账补录（admin 同志）"),
    ]


def test_the_api_keeps_started_by_and_says_started_from_ledger(as_user, imported, ordinary):
    """``started_by`` stays who recorded the start (backward compatible); a field beside it says
    the start was recorded from the ledger, on the list and on the case alike."""
    admin = as_user("admin")
    items = admin.get("/api/v1/instances").get_json()["items"]
    assert [(i["id"], i["started_by"], i["started_from_ledger"]) for i in items] == [
        (ordinary, "office1", False),
        (imported, "admin", True),
    ]
    for instance_id, expected in ((imported, ("admin", True)), (ordinary, ("office1", False))):
        case = admin.get(f"/api/v1/instances/{instance_id}").get_json()
        assert (case["started_by"], case["started_from_ledger"]) == expected
    schemas = admin.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for schema in ("InstanceListItem", "InstanceDetail"):
        assert schemas[schema]["properties"]["started_from_ledger"]["type"] == "boolean"
