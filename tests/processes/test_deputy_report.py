"""代表述职 (bpmn/deputy_report.bpmn) driven through the real use cases and the database."""

from datetime import date, datetime, timedelta

import pytest

from engine import clock
from engine.errors import InvalidData, NotFound
from engine.usecases import cases, tasks
from engine.usecases.statistics import Period, cases_behind, statistics, trend

from .conftest import (
    act,
    advance_and_fire,
    all_cases,
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
    deploy(people, "deputy_report")
    return people


def test_two_deputies_report_and_are_appraised(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    assert open_ids(world, case_id) == ["Task_Arrange"]
    assert who(one(world, case_id, "Task_Arrange")) == (("office",), None)
    assert variables(world, case_id)["report_day"] == "2026-12-07"
    with pytest.raises(InvalidData) as refused:  # only deputies report
        do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang", "clerk"], "arrangement": "x"})
    assert "clerk" in refused.value.field_errors["reporting_deputies"]
    do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang", "li"], "arrangement": "镇会议室"})

    reports = items(world, case_id, "Task_SubmitReport")
    assert sorted(who(r) for r in reports) == [((), "li"), ((), "wang")]
    wang = next(r for r in reports if r.assignee == "wang")
    with pytest.raises(NotFound):  # another deputy's round is not li's to see
        act(world, "li", tasks.complete, wang.task_id, {"report_text": "x", "voters_present": 1})
    for r in reports:
        act(world, r.assignee, tasks.complete, r.task_id, {"report_text": f"{r.assignee}述职", "voters_present": 30})
    appraisals = items(world, case_id, "Task_Appraise")
    assert len(appraisals) == 2 and all(who(a) == (("office",), None) for a in appraisals)
    for a, votes in zip(appraisals, ((20, 5, 5), (5, 5, 20)), strict=True):  # 满意, 不满意 (of 30)
        act(
            world,
            "clerk",
            tasks.complete,
            a.task_id,
            dict(zip(("votes_satisfied", "votes_basic", "votes_unsatisfied"), votes, strict=True)),
        )
    assert open_ids(world, case_id) == ["Task_Summary"]
    v = variables(world, case_id)
    assert (v["deputies_reported"], v["deputies_satisfied"]) == (2, 1)
    assert sorted(r["deputy"] for r in v["deputy_reports"]) == ["li", "wang"]
    assert sorted(r["appraisal"] for r in v["deputy_reports"]) == ["不满意", "满意"]
    assert all(r["voters_present"] == 30 and r["reported_at"] for r in v["deputy_reports"])
    do(world, "clerk", case_id, "Task_Summary", {"summary": "两名代表完成述职"})
    case = detail(world, case_id)
    assert case.status == "completed" and case.variables["summary"] == "两名代表完成述职"


def test_november_timer_starts_exactly_one_round(world, frozen_clock):
    assert all_cases(world) == []
    first = datetime.fromisoformat("2027-11-20T08:30:00+08:00")
    assert advance_and_fire(world, first - clock.now() - timedelta(minutes=1)) == 0
    assert all_cases(world) == []
    advance_and_fire(world, timedelta(minutes=2))
    [case_id] = all_cases(world)
    assert open_ids(world, case_id) == ["Task_Arrange"]
    assert who(one(world, case_id, "Task_Arrange")) == (("office",), None)
    assert variables(world, case_id)["report_day"] == "2027-11-20"
    advance_and_fire(world, timedelta(hours=1))
    assert all_cases(world) == [case_id]


def appraised(world, votes: dict) -> tuple[str, int]:
    """One deputy (wang) reported to 40 voters and appraised with ``votes``: his result, and
    the satisfied deputies the round counts (its variable, and the statistics count as many)."""
    case_id = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang"]})
    do(world, "wang", case_id, "Task_SubmitReport", {"report_text": "述职报告", "voters_present": 40})
    do(world, "clerk", case_id, "Task_Appraise", votes)
    v = variables(world, case_id)
    [report] = v["deputy_reports"]
    figures = act(world, "boss", statistics, "plan", Period(date(2026, 12, 1), date(2026, 12, 31))).overall
    assert figures["deputies_satisfied"].count == v["deputies_satisfied"]  # the statistics count the same
    return report["appraisal"], v["deputies_satisfied"]


@pytest.mark.parametrize(
    ("satisfied", "basic", "unsatisfied", "result", "counted"),
    [
        (3, 2, 35, "不满意", 0),  # 5 of 40 content: no majority
        (21, 10, 9, "满意", 1),  # 满意 21 of 40: more than half
        (20, 10, 10, "基本满意", 1),  # 满意 20 of 40 is no majority; with 基本满意 30 of 40
        (10, 10, 20, "不满意", 0),  # 满意 and 基本满意 together 20 of 40: half is no majority
        (12, 3, None, "满意", 1),  # a count left empty is 0 votes: 12 of 15 cast
    ],
)
def test_the_appraisal_follows_the_votes(world, frozen_clock, satisfied, basic, unsatisfied, result, counted):
    votes = {"votes_satisfied": satisfied, "votes_basic": basic, "votes_unsatisfied": unsatisfied}
    assert appraised(world, votes) == (result, counted)


def test_no_votes_counted_is_no_appraisal_and_not_counted_satisfied(world, frozen_clock):
    assert appraised(world, {}) == ("未测评", 0)


def test_the_result_is_not_chosen_on_the_form(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang"]})
    do(world, "wang", case_id, "Task_SubmitReport", {"report_text": "述职报告", "voters_present": 40})
    form = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_Appraise").task_id).detail.form
    assert [f.id for f in form.fields] == ["votes_satisfied", "votes_basic", "votes_unsatisfied", "voter_opinions"]
    with pytest.raises(InvalidData) as refused:  # a client still sending one is told so, by the field
        do(
            world,
            "clerk",
            case_id,
            "Task_Appraise",
            {"appraisal": "满意", "votes_satisfied": 3, "votes_unsatisfied": 35},
        )
    assert refused.value.codes["appraisal"].code == "unknown_field"
    assert open_ids(world, case_id) == ["Task_Appraise"]


DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))  # the clock starts on 2026-12-07


def plan_counted(world) -> dict[str, int]:
    """The plan's figures of December that count anything."""
    return {key: f.count for key, f in act(world, "boss", statistics, "plan", DECEMBER).overall.items() if f.count}


def started_in_december(world) -> int:
    """The plan's trend of December: 启动事项."""
    [december] = act(world, "boss", trend, "plan", DECEMBER)
    return december.received


def test_a_round_counts_as_started_before_its_deputies_are_chosen_and_once_after(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    assert open_ids(world, case_id) == ["Task_Arrange"]
    assert started_in_december(world) == 1
    assert plan_counted(world) == {}  # the round itself is no deputy scheduled
    do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang", "li"], "arrangement": "镇会议室"})
    assert started_in_december(world) == 1  # once, not once per deputy
    assert plan_counted(world) == {"deputies_scheduled": 2}


def test_a_round_cancelled_before_its_deputies_are_chosen_is_withdrawn(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    act(world, "clerk", cases.cancel_instance, case_id, "重复发起，撤销")
    assert plan_counted(world) == {"withdrawn": 1}
    assert [c.id for c in act(world, "boss", cases_behind, "plan", DECEMBER, "withdrawn")] == [case_id]
    assert started_in_december(world) == 0
