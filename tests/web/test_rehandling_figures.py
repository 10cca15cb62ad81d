"""要求重新办理 and 已重新答复 on real proposals (bpmn/proposal.bpmn): the figure of the proposals
sent back to their unit after a 不满意 counts them from the moment the re-handling task opens,
so beside it the figure of those the unit has replied to again, each with the cases behind
it, and the period report says both. Counted by hand from the four cases below."""

from __future__ import annotations

import re
from datetime import date

import pytest

from engine.usecases.statistics import Period, cases_behind, statistics
from tests.conftest import REPO_ROOT
from tests.processes.conftest import do
from tests.processes.test_proposal import assign, evaluate, register, reply
from tests.web.conftest import text_of
from tests.world import act, deploy
from web import database


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("clerk", "fin", "wang", "supervisor")


def four_proposals(factory) -> None:
    """p1 satisfied at once; p2 不满意, replied again, then 满意; p3 不满意, its re-handling
    still open; p4 不满意, replied again, 不满意 again (最终不满意)."""
    ids = {}
    for title in ("p1", "p2", "p3", "p4"):
        ids[title] = register(factory, title=title)
        assign(factory, ids[title])
        reply(factory, ids[title], "C")
    evaluate(factory, ids["p1"], "满意")
    for title in ("p2", "p3", "p4"):
        evaluate(factory, ids[title], "不满意")
    for title in ("p2", "p4"):
        do(factory, "fin", ids[title], "Task_Rehandle", {"reply_class": "B", "reply_text": "重新答复"})
    evaluate(factory, ids["p2"], "满意")
    evaluate(factory, ids["p4"], "不满意")


@pytest.fixture
def factory(app):
    factory = database.session_factory(app)
    deploy(factory, REPO_ROOT / "bpmn" / "proposal.bpmn")
    four_proposals(factory)
    return factory


def this_year(frozen_clock) -> Period:
    return Period(date(frozen_clock.year, 1, 1), date(frozen_clock.year, 12, 31))


def test_sent_to_re_handling_and_replied_again_are_two_figures(factory, frozen_clock):
    overall = act(factory, "supervisor", statistics, "proposal", this_year(frozen_clock)).overall
    # evaluated: p1-p4 (first evaluations); sent to re-handling: p2 p3 p4; replied again: p2 p4
    assert (overall["evaluated"].count, overall["rehandled"].count) == (4, 3)
    replied_again = overall["rehandle_replied"]
    assert (replied_again.count, replied_again.base, replied_again.rate) == (2, 3, 66.7)
    assert overall["finally_unsatisfied"].count == 1  # p4

    def behind(figure: str) -> list[str]:
        return [c.title for c in act(factory, "supervisor", cases_behind, "proposal", this_year(frozen_clock), figure)]

    assert behind("rehandled") == ["p2", "p3", "p4"]
    assert behind("rehandle_replied") == ["p2", "p4"]
    finance = next(u for u in act(factory, "supervisor", statistics, "proposal", this_year(frozen_clock)).units)
    assert (finance.unit, finance.figures["rehandled"].count, finance.figures["rehandle_replied"].count) == (
        "finance",
        3,
        2,
    )


def test_the_page_and_the_report_say_what_the_figures_count(factory, frozen_clock, as_user):
    client = as_user("supervisor")
    query = f"process=proposal&from={frozen_clock.year}-01-01&to={frozen_clock.year}-12-31"
    html = text_of(client.get(f"/statistics/?{query}"))
    sent = html.split('data-figure="rehandled"', 1)[1].split("</tr>", 1)[0]
    assert "要求重新办理" in sent and "(3/4)" in sent and "含尚未重新答复的" in sent
    done = html.split('data-figure="rehandle_replied"', 1)[1].split("</tr>", 1)[0]
    assert "已重新答复" in done and "(2/3)" in done and "66.7%" in done
    listed = text_of(client.get(f"/statistics/cases?{query}&figure=rehandle_replied"))
    # the table's titles only: the page's sign-out form carries a random token that may hold "p3"
    titles = re.findall(
        r'<th scope="row" class="title"><a href="/cases/\d+">([^<]*)</a>', listed.split('id="cases-behind"', 1)[1]
    )
    assert titles == ["p2", "p4"]
    report = text_of(client.get(f"/statistics/report?{query}"))
    assert "经批准延期办理0件，要求重新办理3件（其中已重新答复2件），最终不满意1件。" in report
