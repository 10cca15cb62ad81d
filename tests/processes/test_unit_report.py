"""单位定期报送 (bpmn/unit_report.bpmn) driven through the real use cases and the database."""

from datetime import date, timedelta

import pytest

from engine import clock
from engine.errors import NotFound
from engine.usecases import cases, tasks
from engine.usecases.statistics import Period, cases_behind, statistics, trend

from .conftest import (
    act,
    advance_and_fire,
    all_cases,
    at,
    deploy,
    detail,
    do,
    items,
    one,
    open_ids,
    variables,
    who,
)


@pytest.fixture
def world(people):
    deploy(people, "unit_report")
    return people


def test_ordinary_month_with_a_returned_report(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "unit_report", {}).id
    assert open_ids(world, case_id) == ["Task_Notify"]
    assert who(one(world, case_id, "Task_Notify")) == (("office",), None)
    v = variables(world, case_id)
    assert (v["report_period"], v["half_year_round"]) == ("2026-12", False)
    assert v["monthly_due"] == "2026-12-18T00:00:00+08:00"  # 12-07 + unit_report.monthly_due_days (10): Thu 12-17
    # 12-07 + unit_report.thematic_due_days (20) = 12-27, a Sunday: Monday 12-28, to 24:00
    assert v["thematic_due"] == "2026-12-29T00:00:00+08:00"
    do(world, "clerk", case_id, "Task_Notify", {"monthly_units": ["finance", "land"]})

    submits = items(world, case_id, "Task_SubmitMonthly")
    assert sorted(who(t) for t in submits) == [(("finance",), None), (("land",), None)]
    assert all(t.due_at == at("2026-12-18T00:00:00+08:00") for t in submits)
    fin = next(t for t in submits if who(t) == (("finance",), None))
    land = next(t for t in submits if t is not fin)
    with pytest.raises(NotFound):  # another unit's round is not land's to see
        act(world, "landy", tasks.complete, fin.task_id, {"report_summary": "x"})
    act(world, "fin", tasks.complete, fin.task_id, {"report_summary": "财政月报", "report_reference": "财报12"})
    act(world, "landy", tasks.complete, land.task_id, {"report_summary": "国土月报"})
    checks = items(world, case_id, "Task_CheckMonthly")
    assert len(checks) == 2 and all(who(c) == (("office",), None) for c in checks)
    # finance is accepted; land is returned and re-submits after monthly_due
    for c in checks:
        unit = act(world, "clerk", tasks.task_detail, c.task_id).data["report_unit"]
        result = "returned" if unit == "land" else "ok"
        act(
            world,
            "clerk",
            tasks.complete,
            c.task_id,
            {"check_result": result, "check_note": "数据不全" if unit == "land" else ""},
        )
    again = one(world, case_id, "Task_SubmitMonthly")
    assert who(again) == (("land",), None) and again.due_at == at("2026-12-18T00:00:00+08:00")
    clock.advance(timedelta(days=12))  # 2026-12-19, late
    do(world, "landy", case_id, "Task_SubmitMonthly", {"report_summary": "国土月报（补）"})
    do(world, "clerk", case_id, "Task_CheckMonthly", {"check_result": "ok"})

    case = detail(world, case_id)
    assert case.status == "completed" and open_ids(world, case_id) == []
    v = case.variables
    reports = {r["unit"]: r for r in v["monthly_reports"]}
    assert set(reports) == {"finance", "land"}
    assert (reports["finance"]["on_time"], reports["land"]["on_time"]) == (True, False)
    assert v["monthly_on_time"] == 1 and v["thematic_reports"] == [] and v["closed_at"]


def test_monthly_timer_starts_one_january_round_with_thematic_reports(world, frozen_clock):
    assert all_cases(world) == []
    first = at("2027-01-01T09:00:00+08:00")  # next 1st after deployment (2026-12-07)
    assert advance_and_fire(world, first - clock.now() - timedelta(minutes=1)) == 0
    assert all_cases(world) == []
    advance_and_fire(world, timedelta(minutes=2))
    [case_id] = all_cases(world)
    assert open_ids(world, case_id) == ["Task_Notify"]
    assert who(one(world, case_id, "Task_Notify")) == (("office",), None)
    v = variables(world, case_id)
    assert (v["report_period"], v["half_year_round"]) == ("2027-01", True)
    assert v["thematic_due"] == "2027-01-22T00:00:00+08:00"  # started 01-01 + 20 days = 01-21 (Thu)

    do(
        world,
        "clerk",
        case_id,
        "Task_Notify",
        {"monthly_units": ["finance"], "thematic_units": ["civil_affairs"], "thematic_topics": "民政工作半年汇报"},
    )
    assert open_ids(world, case_id) == ["Task_SubmitMonthly", "Task_SubmitThematic"]
    thematic = one(world, case_id, "Task_SubmitThematic")
    assert who(thematic) == (("civil_affairs",), None) and thematic.due_at == at("2027-01-22T00:00:00+08:00")
    do(world, "civ", case_id, "Task_SubmitThematic", {"thematic_report": "民政专题材料"})
    assert who(one(world, case_id, "Task_HearThematic")) == (("presidium",), None)
    do(world, "member", case_id, "Task_HearThematic", {"hearing_opinion": "继续做好低保工作", "problems_noted": ""})
    do(world, "fin", case_id, "Task_SubmitMonthly", {"report_summary": "财政月报"})
    do(world, "clerk", case_id, "Task_CheckMonthly", {"check_result": "ok"})

    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert [r["unit"] for r in v["monthly_reports"]] == ["finance"] and v["monthly_on_time"] == 1
    assert [(r["unit"], r["opinion"]) for r in v["thematic_reports"]] == [("civil_affairs", "继续做好低保工作")]
    assert all_cases(world) == [case_id]


def facts_on(world, task_id: str, user: str) -> dict[str, object]:
    """What a task's page shows above its form: each labelled value of its data, by its label."""
    page = act(world, user, tasks.task_page, task_id)
    own = {f.id for f in page.detail.form.fields}
    return {page.labels[k]: v for k, v in page.detail.data.items() if k in page.labels and k not in own and v}


def test_every_task_of_a_round_shows_the_period_it_belongs_to(world, frozen_clock):
    """A December round (started 2026-12-07) with a thematic report as well: each unit's tasks and
    the office's and presidium's say 报送期次 2026年12月; the notice shows it read-only."""
    case_id = act(world, "clerk", cases.start_instance, "unit_report", {}).id
    notice = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_Notify").task_id)
    assert (notice.detail.form.field("report_month").readonly, notice.values["report_month"]) == (True, "2026年12月")
    # the thematic units are asked in any round: the label promises no months
    assert notice.detail.form.field("thematic_units").label == "专题汇报单位"
    do(
        world,
        "clerk",
        case_id,
        "Task_Notify",
        {"monthly_units": ["finance"], "thematic_units": ["civil_affairs"], "thematic_topics": "民政工作汇报"},
    )
    monthly, thematic = one(world, case_id, "Task_SubmitMonthly"), one(world, case_id, "Task_SubmitThematic")
    assert (monthly.name, thematic.name) == ("报送月度报表 · 财政所", "提交专题汇报材料 · 民政办")
    assert facts_on(world, monthly.task_id, "fin")["报送期次"] == "2026年12月"
    assert facts_on(world, thematic.task_id, "civ")["报送期次"] == "2026年12月"
    do(world, "fin", case_id, "Task_SubmitMonthly", {"report_summary": "财政月报"})
    do(world, "civ", case_id, "Task_SubmitThematic", {"thematic_report": "民政专题材料"})
    assert facts_on(world, one(world, case_id, "Task_CheckMonthly").task_id, "clerk")["报送期次"] == "2026年12月"
    assert facts_on(world, one(world, case_id, "Task_HearThematic").task_id, "member")["报送期次"] == "2026年12月"


def test_a_january_round_says_its_month_without_a_leading_zero(world, frozen_clock):
    advance_and_fire(world, at("2027-01-01T09:01:00+08:00") - clock.now())
    [case_id] = all_cases(world)
    assert variables(world, case_id)["report_month"] == "2027年1月"
    do(world, "clerk", case_id, "Task_Notify", {"monthly_units": ["land"]})
    assert facts_on(world, one(world, case_id, "Task_SubmitMonthly").task_id, "landy")["报送期次"] == "2027年1月"


# 统计 › 年度工作计划 over December and January (the clock starts on 2026-12-07)
WINTER = Period(date(2026, 12, 1), date(2027, 1, 31))


def plan_counted(world) -> dict[str, int]:
    """The plan's figures over WINTER that count anything."""
    return {key: f.count for key, f in act(world, "boss", statistics, "plan", WINTER).overall.items() if f.count}


def started_by_month(world) -> list[tuple[str, int]]:
    """The plan's trend over WINTER: 启动事项 of each month."""
    return [(m.month, m.received) for m in act(world, "boss", trend, "plan", WINTER)]


def test_a_round_the_timer_starts_counts_in_its_month_before_its_units_are_chosen(world, frozen_clock):
    advance_and_fire(world, at("2027-01-01T09:01:00+08:00") - clock.now())
    [case_id] = all_cases(world)
    assert open_ids(world, case_id) == ["Task_Notify"]  # no unit chosen yet
    assert started_by_month(world) == [("2026-12", 0), ("2027-01", 1)]
    assert plan_counted(world) == {}  # the round itself is no report due
    do(world, "clerk", case_id, "Task_Notify", {"monthly_units": ["finance", "land"]})
    assert started_by_month(world) == [("2026-12", 0), ("2027-01", 1)]  # once, not once per unit
    assert plan_counted(world) == {"reports_due": 2}


def test_a_round_cancelled_before_its_units_are_chosen_is_withdrawn_and_started_in_no_month(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "unit_report", {}).id
    assert started_by_month(world) == [("2026-12", 1), ("2027-01", 0)]
    act(world, "clerk", cases.cancel_instance, case_id, "重复发起，撤销")
    assert plan_counted(world) == {"withdrawn": 1}
    assert [c.id for c in act(world, "boss", cases_behind, "plan", WINTER, "withdrawn")] == [case_id]
    assert started_by_month(world) == [("2026-12", 0), ("2027-01", 0)]
