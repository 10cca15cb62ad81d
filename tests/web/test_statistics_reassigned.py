"""改办 (re-assigned) in the statistics, on real proposals (bpmn/proposal.bpmn): a proposal its
lead unit returned and the office re-assigned counts once overall and under the unit that
returned it, not under the unit it went to; a return the office refused is no 改办. The page (in
Chinese and English), the cases behind each number, the .xlsx, the period report and the API
say the same. Counted by hand from the four cases below."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from engine.usecases.statistics import Period, cases_behind, statistics
from tests.conftest import REPO_ROOT
from tests.processes.conftest import do
from tests.processes.test_proposal import assign, register, reply
from tests.web.conftest import text_of
from tests.world import act, deploy
from web import database

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))  # the clock stands at Mon 2026-12-07
QUERY = "process=proposal&from=2026-12-01&to=2026-12-31"


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("clerk", "fin", "landy", "civ", "wang", "supervisor")


def returned(factory, case_id, user: str, decision: str = "reassign") -> None:
    """``user``'s unit asks to return the proposal; the office agrees (改办) or refuses."""
    do(factory, user, case_id, "Task_Reply", {"handling_action": "return", "return_reason": "不属本单位职责"})
    do(factory, "clerk", case_id, "Task_ReviewReturn", {"return_decision": decision, "return_opinion": "意见"})


@pytest.fixture
def factory(app):
    """p1 财政所 → returned, re-assigned to 民政办; p2 财政所, its return refused, replied;
    p3 民政办; p4 财政所 → returned, to 国土所 → returned, to 民政办. So 改办 2 (p1 p4):
    财政所 2 (p1 p4), 国土所 1 (p4, which has no proposal of its own now), 民政办 0."""
    factory = database.session_factory(app)
    deploy(factory, REPO_ROOT / "bpmn" / "proposal.bpmn")
    ids = {title: register(factory, title=title) for title in ("p1", "p2", "p3", "p4")}
    assign(factory, ids["p1"])
    returned(factory, ids["p1"], "fin")
    assign(factory, ids["p1"], lead="civil_affairs")
    assign(factory, ids["p2"])
    returned(factory, ids["p2"], "fin", decision="keep")
    reply(factory, ids["p2"], "A")
    assign(factory, ids["p3"], lead="civil_affairs")
    assign(factory, ids["p4"])
    returned(factory, ids["p4"], "fin")
    assign(factory, ids["p4"], lead="land")
    returned(factory, ids["p4"], "landy")
    assign(factory, ids["p4"], lead="civil_affairs")
    return factory


def test_a_reassignment_counts_under_the_unit_that_returned_it(factory):
    result = act(factory, "supervisor", statistics, "proposal", DECEMBER)
    reassigned = result.overall["reassigned"]
    assert (reassigned.count, reassigned.base, reassigned.rate) == (2, None, None)
    by_unit = {u.unit: (u.figures["received"].count, u.figures["reassigned"].count) for u in result.units}
    # received: each case under the unit that holds it now
    assert by_unit == {"civil_affairs": (3, 0), "finance": (1, 2), "land": (0, 1)}
    assert [u.unit for u in result.units] == ["civil_affairs", "finance", "land"]

    def behind(unit: str | None = None) -> list[str]:
        rows = act(factory, "supervisor", cases_behind, "proposal", DECEMBER, "reassigned", unit)
        return [c.title for c in rows]

    assert (behind(), behind("finance"), behind("land"), behind("civil_affairs")) == (
        ["p1", "p4"],
        ["p1", "p4"],
        ["p4"],
        [],
    )


def test_one_reassigned_of_three(app):
    """The simplest: three proposals, one returned by 财政所 and re-assigned to 民政办."""
    factory = database.session_factory(app)
    deploy(factory, REPO_ROOT / "bpmn" / "proposal.bpmn")
    first, second, third = (register(factory, title=title) for title in ("a", "b", "c"))
    for case_id in (first, second, third):
        assign(factory, case_id)
    returned(factory, first, "fin")
    assign(factory, first, lead="civil_affairs")
    result = act(factory, "supervisor", statistics, "proposal", DECEMBER)
    assert result.overall["reassigned"].count == 1
    assert {u.unit: u.figures["reassigned"].count for u in result.units} == {"civil_affairs": 0, "finance": 1}


def test_a_case_waiting_to_be_reassigned_is_the_returning_units_already(app):
    """Agreed at 审核退回申请, 整理分类并交办 open again: 改办 under 财政所, the case itself in the
    row of no unit (未交办), and 财政所 listed for its 改办 though it holds nothing."""
    factory = database.session_factory(app)
    deploy(factory, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(factory, title="a")
    assign(factory, case_id)
    returned(factory, case_id, "fin")
    result = act(factory, "supervisor", statistics, "proposal", DECEMBER)
    by_unit = {u.unit: (u.figures["received"].count, u.figures["reassigned"].count) for u in result.units}
    assert by_unit == {"finance": (0, 1), None: (1, 0)}
    assert [u.unit for u in result.units] == ["finance", None]
    none_row = act(factory, "supervisor", cases_behind, "proposal", DECEMBER, "reassigned", None, no_unit=True)
    assert none_row == []


def unit_cells(html: str, unit: str) -> list[str]:
    table = html.split('id="units"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'data-unit="{unit}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="num">(?:<a href="[^"]*">)?(\d+)', row)


def test_the_page_the_download_the_report_and_the_api_say_it(factory, as_user):
    client = as_user("supervisor")
    html = text_of(client.get(f"/statistics/?{QUERY}"))
    row = html.split('data-figure="reassigned"', 1)[1].split("</tr>", 1)[0]
    assert '<th scope="row">改办</th>' in row and ">2</a>" in row and "计入申请退回的单位" in row
    # the last column of the unit table: received, replied, on time, late, satisfied, class A, 改办
    assert unit_cells(html, "finance") == ["1", "1", "1", "0", "0", "1", "2"]
    assert unit_cells(html, "land") == ["0", "0", "0", "0", "0", "0", "1"]
    assert unit_cells(html, "civil_affairs")[-1] == "0"
    listed = text_of(client.get(f"/statistics/cases?{QUERY}&figure=reassigned&unit=land"))
    assert re.findall(r'<th scope="row" class="title"><a href="/cases/\d+">([^<]+)</a>', listed) == ["p4"]

    sheet = load_workbook(io.BytesIO(client.get(f"/statistics/export.xlsx?{QUERY}").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert next(r for r in rows if r[0] == "改办")[1:4] == [2, None, None]
    heads = next(r for r in rows if r[0] == "单位")
    at = heads.index("改办·件数")
    assert {r[0]: r[at] for r in rows if r[0] in ("财政所", "国土所", "民政办")} == {
        "财政所": 2,
        "国土所": 1,
        "民政办": 0,
    }

    report = text_of(client.get(f"/statistics/report?{QUERY[len('process=proposal&') :]}"))
    assert "经批准延期办理0件，退回改办2件，要求重新办理0件" in report
    # the unit table's 改办 counts under the returning unit: defined under the table, as the rates are
    assert "改办：承办单位申请退回、经审核同意改办（重新交办）的件数" in report

    api = client.get(f"/api/v1/statistics?{QUERY}").get_json()
    assert (api["overall"]["reassigned"]["count"], api["overall"]["reassigned"]["label"]) == (2, "改办")
    assert {u["unit"]: u["figures"]["reassigned"]["count"] for u in api["units"]} == {
        "civil_affairs": 0,
        "finance": 2,
        "land": 1,
    }
