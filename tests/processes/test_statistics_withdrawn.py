"""A cancelled case (撤销: the only way the office withdraws a proposal or merges a duplicate)
in the statistics: real cases of the process library taken through the use cases, then
cancelled. It counts in no figure and in no month of the trend, only in ``withdrawn``, and the
cases behind every figure are exactly those it counts. Every expected number is counted by hand
from the steps below."""

from __future__ import annotations

from datetime import date, timedelta

from engine import clock
from engine.usecases import cases
from engine.usecases.statistics import Period, cases_behind, statistics, trend
from tests.integration.test_statistics_items import do as do_for_unit
from tests.processes.test_proposal import assign, register, reply

from .conftest import act, deploy, do

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))  # the clock starts on Mon 2026-12-07


def cancel(world, case_id: int, reason: str) -> None:
    act(world, "clerk", cases.cancel_instance, case_id, reason)


def titles(rows) -> list[str]:
    return [row.title for row in rows]


def test_a_withdrawn_proposal_counts_in_no_figure_but_withdrawn(people):
    world = people
    deploy(world, "proposal")
    answered = register(world, title="修缮校舍")
    assign(world, answered)
    reply(world, answered, "A")  # on time, the day it was assigned
    withdrawn = register(world, title="调整集市日期")
    assign(world, withdrawn)  # to finance too, then withdrawn by the deputy
    cancel(world, withdrawn, "提出代表书面申请撤回本建议。")
    duplicate = register(world, title="修缮校舍（重复）")
    cancel(world, duplicate, "重复，并入修缮校舍一件")  # before it was assigned
    register(world, title="农村道路硬化")  # registered, not assigned yet
    clock.advance(timedelta(days=120))  # past every reply deadline: nothing cancelled turns late

    result = act(world, "boss", statistics, "proposal", DECEMBER)
    o = result.overall
    assert (o["received"].count, o["assigned"].count, o["withdrawn"].count) == (2, 1, 2)  # answered, waiting
    assert (o["replied"].count, o["replied"].base, o["replied"].rate) == (1, 1, 100.0)  # 答复率 1 / 1
    assert (o["replied_on_time"].rate, o["late"].count) == (100.0, 0)
    assert o["withdrawn"].base is None  # a count of its own, in no rate
    by_unit = {u.unit: u.figures for u in result.units}
    finance = by_unit["finance"]
    # finance answered everything it still has: 100 %, not 1 of 2
    assert (finance["received"].count, finance["replied"].rate, finance["withdrawn"].count) == (1, 100.0, 1)
    # not assigned: the waiting one; the duplicate withdrawn before assignment is no such case
    assert (by_unit[None]["received"].count, by_unit[None]["withdrawn"].count) == (1, 1)

    def behind(figure: str, unit: str | None = None, no_unit: bool = False) -> list[str]:
        return titles(act(world, "boss", cases_behind, "proposal", DECEMBER, figure, unit, no_unit=no_unit))

    assert behind("received") == ["修缮校舍", "农村道路硬化"]
    assert behind("assigned", "finance") == ["修缮校舍"]
    assert behind("received", no_unit=True) == ["农村道路硬化"]
    assert behind("withdrawn") == ["调整集市日期", "修缮校舍（重复）"]
    assert {row.status for row in act(world, "boss", cases_behind, "proposal", DECEMBER, "withdrawn")} == {"cancelled"}
    assert [(m.month, m.received, m.replied) for m in act(world, "boss", trend, "proposal", DECEMBER)] == [
        ("2026-12", 2, 1)
    ]


def test_a_cancelled_inspection_counts_neither_its_round_nor_its_units(people):
    world = people
    deploy(world, "inspection")
    kept = act(world, "clerk", cases.start_instance, "inspection", {"inspection_title": "预算执行检查"}).id
    dropped = act(world, "clerk", cases.start_instance, "inspection", {"inspection_title": "重复的检查"}).id
    for case_id in (kept, dropped):
        plan = {"topics": "预算执行", "units": ["finance", "land"], "selfcheck_deadline": "2026-12-20"}
        do_for_unit(world, case_id, "Task_Plan", plan)
        do_for_unit(world, case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
        for unit in ("finance", "land"):
            do_for_unit(world, case_id, "Task_Notice", {"notice_text": "请自查"}, unit)
    # the cancelled one's finance finished its part first: a unit row that stays after the cancel
    do_for_unit(world, dropped, "Task_SelfCheck", {"selfcheck_report": "已自查"}, "finance")
    do_for_unit(world, dropped, "Task_OnSite", {"onsite_date": "2026-12-07", "onsite_record": "记录"}, "finance")
    do_for_unit(world, dropped, "Task_Findings", {"findings_result": "clean", "findings": "未发现问题"}, "finance")
    cancel(world, dropped, "与预算执行检查重复")
    clock.advance(timedelta(days=20))  # 12-27: past the self-check deadline (12-20 24:00)

    o = act(world, "boss", statistics, "inspection", DECEMBER).overall
    # the kept inspection alone: one round, two units notified, neither self-checked in time
    assert (o["rounds"].count, o["units"].count, o["notified"].count) == (1, 2, 2)
    assert (o["selfchecked"].count, o["selfcheck_late"].count, o["units_done"].count) == (0, 2, 0)
    assert o["withdrawn"].count == 1  # one inspection, however many rows it left
    [withdrawn] = act(world, "boss", cases_behind, "inspection", DECEMBER, "withdrawn")
    assert (withdrawn.id, withdrawn.title, withdrawn.unit) == (dropped, "重复的检查", None)
    assert [(m.month, m.received) for m in act(world, "boss", trend, "inspection", DECEMBER)] == [("2026-12", 1)]


def test_a_cancelled_reception_day_is_no_day_not_held(people):
    world = people
    deploy(world, "voter_reception")
    held = act(world, "clerk", cases.start_instance, "voter_reception", {}).id
    called_off = act(world, "clerk", cases.start_instance, "voter_reception", {}).id
    do(world, "clerk", held, "Task_Arrange", {"arrangement": "第一小组在镇接待室"})
    do(world, "wang", held, "Task_Reception", {"voters_received": 12, "has_issues": "no"})
    cancel(world, called_off, "接待日改期")
    o = act(world, "boss", statistics, "plan", DECEMBER).overall
    assert (o["reception_days"].count, o["receptions_held"].count, o["receptions_held"].rate) == (1, 1, 100.0)
    assert o["withdrawn"].count == 1
    assert [row.id for row in act(world, "boss", cases_behind, "plan", DECEMBER, "withdrawn")] == [called_off]
