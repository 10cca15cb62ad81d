"""The figures of the year's plan (``process=plan``: 接待选民日, 代表述职, 部门工作评议, 单位定期
报送; bpmn/README.md §6) from real cases of the process library driven through the use cases,
the clock and the scheduler (the January round of unit reports is started by its timer).
Every expected number is counted by hand from the steps of ``plan_year`` below, never by the
code under test."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, tasks, timers
from engine.usecases.statistics import Period, cases_behind, statistics, trend
from storage.enums import WorkItemState
from storage.models import ProcessInstance, WorkItem
from tests.world import REPO_ROOT, act, create_people, deploy

LIBRARY = REPO_ROOT / "bpmn"
PROCESSES = ("voter_reception", "deputy_report", "department_evaluation", "unit_report")
PERIOD = Period(date(2026, 12, 1), date(2027, 1, 31))  # the clock starts on Mon 2026-12-07, 09:00
JANUARY = Period(date(2027, 1, 1), date(2027, 1, 31))
# who completes a task offered to a group (the first of its candidate groups)
USER_OF = {
    "office": "clerk",
    "deputy": "wang",
    "presidium": "member",
    "finance": "fin",
    "land": "landy",
    "civil_affairs": "civ",
}


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk", "chair", "member", "fin", "landy", "civ", "wang", "li", "deputy", "boss")
    deploy(session_factory, *(LIBRARY / f"{name}.bpmn" for name in PROCESSES))
    return session_factory


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def advance_to(factory, moment: str) -> int:
    """Move the clock to ``moment`` and fire what is due then (the scheduler's use case)."""
    clock.advance(at(moment) - clock.now())
    return timers.fire_due(factory)


def case_ids(factory) -> list[int]:
    with factory() as s:
        return list(s.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))


def open_items(factory, case_id: int, bpmn_id: str) -> list[WorkItem]:
    with factory() as s:
        query = select(WorkItem).where(
            WorkItem.instance_id == case_id, WorkItem.bpmn_id == bpmn_id, WorkItem.state == WorkItemState.READY
        )
        return list(s.scalars(query.order_by(WorkItem.id)))


def start(factory, process: str, data: dict | None = None) -> int:
    return act(factory, "clerk", cases.start_instance, process, data or {}).id


def do(factory, case_id: int, bpmn_id: str, data: dict, **where) -> None:
    """Complete the open ``bpmn_id`` task of the case, as its assignee or someone of its first
    group; with ``where`` (``report_unit="land"``, ``issue="no:1"``), the one whose task data
    holds these values (an element that is a record is matched by ``key:value``)."""
    for item in open_items(factory, case_id, bpmn_id):
        user = item.assignee or USER_OF[(item.candidate_groups or ("office",))[0]]
        if where:
            held = act(factory, user, tasks.task_detail, item.task_id).data
            if not all(_holds(held.get(name), wanted) for name, wanted in where.items()):
                continue
        act(factory, user, tasks.complete, item.task_id, data)
        return
    raise AssertionError(f"no open {bpmn_id} with {where} in case {case_id}")


def _holds(value, wanted: str) -> bool:
    if isinstance(value, dict):
        key, _, expected = wanted.partition(":")
        return str(value.get(key)) == expected
    return value == wanted


def register_issue(factory, case_id: int, content: str, more: str) -> None:
    issue = {"issue_content": content, "issue_category": "livelihood", "receiving_group": "第一小组", "voter_count": 2}
    do(factory, case_id, "Task_RegisterIssue", {**issue, "more_issues": more})


def plan_year(factory) -> dict[str, int]:
    """The year's plan so far, every case started 2026-12-07 but the January reports:

    * reception day R1: held, three issues — 1 to land (replied late, after the 督办),
      2 to civil affairs (replied on time, fed back), 3 to finance (never replied);
    * reception day R2: held, no issues, closed; reception day R3: arranged, not held yet;
    * deputies' round D: wang reported (基本满意), li reported (不满意), deputy has not reported;
    * evaluation E1 of finance (on time, 满意) and land (late, 不满意, one rectification),
      published; evaluation E2 only started (no scheme yet);
    * December reports U1 (manual): finance on time; land on time, returned, then again late;
      civil affairs never; January reports U2 (the timer, 2027-01-01): land on time, finance
      late; thematic reports from civil affairs (heard) and finance (not submitted)."""
    r1, r2, r3 = (start(factory, "voter_reception") for _ in range(3))
    do(factory, r1, "Task_Arrange", {"arrangement": "第一小组在镇接待室"})
    do(factory, r1, "Task_Reception", {"voters_received": 15, "reception_summary": "三件问题", "has_issues": "yes"})
    register_issue(factory, r1, "村道破损", "yes")
    register_issue(factory, r1, "低保评定", "yes")
    register_issue(factory, r1, "财政补贴发放", "no")
    for no, unit in ((1, "land"), (2, "civil_affairs"), (3, "finance")):
        do(factory, r1, "Task_AssignIssue", {"handling_unit": unit, "assignment_note": "请办理"}, issue=f"问题{no}")
    # all three due 12-07 + 30 days = 2027-01-06, to 24:00
    assert {i.due_at for i in open_items(factory, r1, "Task_HandleIssue")} == {at("2027-01-07T00:00:00+08:00")}
    do(factory, r1, "Task_HandleIssue", {"handling_reply": "已重新评定"}, handling_unit="civil_affairs")
    do(factory, r1, "Task_Feedback", {"feedback_note": "已告知", "voter_satisfaction": "满意"})
    do(factory, r2, "Task_Arrange", {"arrangement": "第二小组"})
    do(factory, r2, "Task_Reception", {"voters_received": 0, "reception_summary": "无人到场", "has_issues": "no"})
    do(factory, r2, "Task_Summary", {"summary": "无问题反映"})

    d = start(factory, "deputy_report")
    do(factory, d, "Task_Arrange", {"reporting_deputies": ["wang", "li", "deputy"], "arrangement": "镇会议室"})
    for deputy, (satisfied, basic, unsatisfied) in (("wang", (10, 10, 10)), ("li", (5, 5, 20))):
        report = {"report_text": f"{deputy}述职", "voters_present": 30}
        do(factory, d, "Task_SubmitReport", report, reporting_deputy=deputy)
        # the appraisal follows the votes: wang 基本满意 (20 of 30), li 不满意 (10 of 30)
        votes = {"votes_satisfied": satisfied, "votes_basic": basic, "votes_unsatisfied": unsatisfied}
        do(factory, d, "Task_Appraise", votes, reporting_deputy=deputy)

    e1 = start(factory, "department_evaluation", {"evaluation_title": "2026年度部门工作评议"})
    scheme = {"evaluated_units": ["finance", "land"], "scheme_text": "听取汇报、代表打分", "scorers": ["wang", "li"]}
    do(factory, e1, "Task_Scheme", scheme)
    do(factory, e1, "Task_ApproveScheme", {"scheme_decision": "approve"})  # self-reports due 12-24 00:00
    do(factory, e1, "Task_SelfReport", {"self_report": "财政所自查"}, evaluated_unit="finance")
    e2 = start(factory, "department_evaluation", {"evaluation_title": "专项评议"})

    u1 = start(factory, "unit_report")  # due 12-18 00:00 (tests/processes/test_unit_report.py)
    do(factory, u1, "Task_Notify", {"monthly_units": ["finance", "land", "civil_affairs"]})
    for unit in ("finance", "land"):
        do(factory, u1, "Task_SubmitMonthly", {"report_summary": "12月报表"}, report_unit=unit)
    do(factory, u1, "Task_CheckMonthly", {"check_result": "ok"}, report_unit="finance")
    do(factory, u1, "Task_CheckMonthly", {"check_result": "returned", "check_note": "数据不全"}, report_unit="land")

    advance_to(factory, "2026-12-28T10:00:00+08:00")
    do(factory, u1, "Task_SubmitMonthly", {"report_summary": "12月报表（补）"}, report_unit="land")  # late
    do(factory, u1, "Task_CheckMonthly", {"check_result": "ok"}, report_unit="land")
    do(factory, e1, "Task_SelfReport", {"self_report": "国土所自查"}, evaluated_unit="land")  # late
    ratings = {
        ("finance", "wang"): "满意",
        ("finance", "li"): "基本满意",
        ("land", "wang"): "不满意",
        ("land", "li"): "不满意",
    }
    for (unit, scorer), rating in ratings.items():
        do(factory, e1, "Task_Score", {"rating": rating, "score": 60}, evaluated_unit=unit, scoring_deputy=scorer)
    satisfied = {"evaluation_result": "满意", "rectification_needed": "no"}
    do(factory, e1, "Task_Result", satisfied, evaluated_unit="finance")
    result = {"evaluation_result": "不满意", "rectification_needed": "yes", "rectification_requirements": "规范审批"}
    do(factory, e1, "Task_Result", result, evaluated_unit="land")
    do(factory, e1, "Task_Rectify", {"rectification_report": "已整改"})
    do(factory, e1, "Task_AcceptRectification", {"acceptance": "accepted"})
    do(factory, e1, "Task_Publish", {"publication": "已通报"})

    before = case_ids(factory)
    advance_to(factory, "2027-01-01T09:01:00+08:00")  # 每月1日: the timer starts the January round
    [u2] = [c for c in case_ids(factory) if c not in before]
    assert act(factory, "clerk", cases.instance_detail, u2).variables["report_period"] == "2027-01"
    notice = {"monthly_units": ["finance", "land"], "thematic_units": ["civil_affairs", "finance"]}
    do(factory, u2, "Task_Notify", {**notice, "thematic_topics": "半年工作汇报"})
    # due 01-01 + 10 days = Mon 01-11, to 24:00
    assert {i.due_at for i in open_items(factory, u2, "Task_SubmitMonthly")} == {at("2027-01-12T00:00:00+08:00")}
    do(factory, u2, "Task_SubmitMonthly", {"report_summary": "1月报表"}, report_unit="land")
    do(factory, u2, "Task_CheckMonthly", {"check_result": "ok"}, report_unit="land")
    do(factory, u2, "Task_SubmitThematic", {"thematic_report": "民政半年汇报"}, thematic_unit="civil_affairs")
    do(factory, u2, "Task_HearThematic", {"hearing_opinion": "继续做好", "problems_noted": ""})

    advance_to(factory, "2027-01-07T00:01:00+08:00")  # the issues' 办理期满: 督办 for land and finance
    assert len(open_items(factory, r1, "Task_SuperviseIssue")) == 2
    advance_to(factory, "2027-01-08T10:00:00+08:00")
    do(factory, r1, "Task_HandleIssue", {"handling_reply": "已修复村道"}, handling_unit="land")  # late
    do(factory, r1, "Task_Feedback", {"feedback_note": "现场告知", "voter_satisfaction": "基本满意"})
    advance_to(factory, "2027-01-15T10:00:00+08:00")
    do(factory, u2, "Task_SubmitMonthly", {"report_summary": "1月报表"}, report_unit="finance")  # late
    do(factory, u2, "Task_CheckMonthly", {"check_result": "ok"}, report_unit="finance")

    advance_to(factory, "2027-01-20T10:00:00+08:00")  # the day the statistics are read
    assert case_ids(factory) == sorted([r1, r2, r3, d, e1, e2, u1, u2])  # no other timer started a case
    return {"r1": r1, "r2": r2, "r3": r3, "d": d, "e1": e1, "e2": e2, "u1": u1, "u2": u2}


# every figure of the plan, counted by hand: overall, then of no unit (reception days,
# deputies, evaluation rounds), finance, land, civil affairs
COUNTS = {
    "reception_days": (3, 3, 0, 0, 0),  # R1, R2, R3
    "receptions_held": (2, 2, 0, 0, 0),  # R1, R2
    "voters_received": (15, 15, 0, 0, 0),  # R1 15, R2 0: a sum of voters, not a count of days
    "issues": (3, 0, 1, 1, 1),
    "issues_replied_on_time": (1, 0, 0, 0, 1),  # civil affairs
    "issues_late": (2, 0, 1, 1, 0),  # land replied late, finance not replied by 01-07
    "deputies_scheduled": (3, 3, 0, 0, 0),
    "deputies_reported": (2, 2, 0, 0, 0),  # wang, li
    "deputies_satisfied": (1, 1, 0, 0, 0),  # wang (基本满意)
    "evaluations": (2, 2, 0, 0, 0),  # E1, E2
    "evaluations_done": (1, 1, 0, 0, 0),  # E1
    "units_evaluated": (2, 0, 1, 1, 0),
    "units_evaluated_done": (2, 0, 1, 1, 0),
    "units_evaluated_satisfied": (1, 0, 1, 0, 0),  # finance (满意)
    "reports_due": (5, 0, 2, 2, 1),  # U1: 3, U2: 2
    "reports_submitted": (4, 0, 2, 2, 0),  # all but civil affairs in December
    "reports_on_time": (2, 0, 1, 1, 0),  # U1 finance, U2 land
    "reports_late": (3, 0, 1, 1, 1),  # U1 land (resubmitted late), U1 civil affairs (never), U2 finance
    "thematic_due": (2, 0, 1, 0, 1),
    "thematic_heard": (1, 0, 0, 0, 1),  # civil affairs
    "withdrawn": (0, 0, 0, 0, 0),  # no case cancelled
}
UNITS = (None, "finance", "land", "civil_affairs")
# overall: (base, rate) of each figure with a rate, counted by hand from COUNTS
RATES = {
    "receptions_held": (3, 66.7),
    "issues_replied_on_time": (3, 33.3),
    "issues_late": (3, 66.7),
    "deputies_reported": (3, 66.7),
    "deputies_satisfied": (2, 50.0),
    "evaluations_done": (2, 50.0),
    "units_evaluated_done": (2, 100.0),
    "units_evaluated_satisfied": (2, 50.0),
    "reports_submitted": (5, 80.0),
    "reports_on_time": (5, 40.0),
    "reports_late": (5, 60.0),
    "thematic_heard": (2, 50.0),
}


def test_every_figure_of_the_plan_overall_and_per_unit(world):
    plan_year(world)
    result = act(world, "boss", statistics, "plan", PERIOD)
    assert list(result.overall) == list(COUNTS)  # every figure of the plan is checked here
    assert {key: f.count for key, f in result.overall.items()} == {key: c[0] for key, c in COUNTS.items()}
    assert {key: (f.base, f.rate) for key, f in result.overall.items() if f.base is not None} == RATES
    # units by code, the row of no unit last, on both databases
    assert [u.unit for u in result.units] == ["civil_affairs", "finance", "land", None]
    by_unit = {u.unit: {key: f.count for key, f in u.figures.items()} for u in result.units}
    for column, unit in enumerate(UNITS, start=1):
        assert by_unit[unit] == {key: c[column] for key, c in COUNTS.items()}, unit
    land = next(u for u in result.units if u.unit == "land").figures
    assert (land["reports_on_time"].base, land["reports_on_time"].rate) == (2, 50.0)
    assert (land["units_evaluated_satisfied"].base, land["units_evaluated_satisfied"].rate) == (1, 0.0)
    assert result.handling_days == {}  # no handling time for item figures


def test_the_cases_behind_the_plan_figures(world):
    c = plan_year(world)

    def behind(figure: str, unit: str | None = None) -> list[tuple[int, str]]:
        rows = act(world, "boss", cases_behind, "plan", PERIOD, figure, unit)
        return sorted((row.id, row.unit or "") for row in rows)

    assert behind("receptions_held") == sorted([(c["r1"], ""), (c["r2"], "")])
    assert behind("issues_late") == [(c["r1"], "finance"), (c["r1"], "land")]
    assert behind("deputies_satisfied") == [(c["d"], "")]
    assert behind("evaluations_done") == [(c["e1"], "")]
    assert behind("units_evaluated_satisfied") == [(c["e1"], "finance")]
    assert behind("reports_late") == sorted([(c["u1"], "civil_affairs"), (c["u1"], "land"), (c["u2"], "finance")])
    assert behind("reports_on_time", "land") == [(c["u2"], "land")]
    assert behind("thematic_heard") == [(c["u2"], "civil_affairs")]
    [held] = act(world, "boss", cases_behind, "plan", PERIOD, "receptions_held", None, 1)  # limit: the first
    assert held.received_at == at("2026-12-07T09:00:00+08:00") and held.status == "running"  # R1, still open


def test_a_period_counts_only_the_items_received_in_it(world):
    plan_year(world)
    january = act(world, "boss", statistics, "plan", JANUARY)  # only the timer's round, U2
    counted = {key: f.count for key, f in january.overall.items() if f.count}
    assert counted == {
        "reports_due": 2,
        "reports_submitted": 2,
        "reports_on_time": 1,  # land
        "reports_late": 1,  # finance
        "thematic_due": 2,
        "thematic_heard": 1,
    }
    assert [u.unit for u in january.units] == ["civil_affairs", "finance", "land", None]  # None: the round U2
    months = act(world, "boss", trend, "plan", PERIOD)
    # each case once, not its issues, deputies, units or reports: December R1, R2, R3, D, E1,
    # E2, U1; January the timer's U2
    assert [(m.month, m.received, m.replied) for m in months] == [("2026-12", 7, None), ("2027-01", 1, None)]
