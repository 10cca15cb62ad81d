"""The figures counted item by item (inspections, the year's plan), the trend per month, the
period presets and a proposal's co-signers, from cases of the real process library driven
through the use cases: every expected number is counted by hand from the steps below."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from engine import clock
from engine.errors import InvalidData, NotFound
from engine.usecases import case_facts, case_list, cases, item_facts, tasks
from engine.usecases.case_list import CaseFilter
from engine.usecases.statistics import Period, cases_behind, statistics, trend
from storage.enums import WorkItemState
from storage.models import CaseDeputy, CaseFacts, CaseItemFacts, ProcessInstance, WorkItem
from tests.integration.test_statistics import seed
from tests.world import REPO_ROOT, act, create_people, deploy

LIBRARY = REPO_ROOT / "bpmn"
PERIOD = Period(date(2026, 12, 1), date(2027, 3, 31))  # the clock starts on 2026-12-07
USER_OF = {
    "office": "clerk",
    "chair": "chair",
    "finance": "fin",
    "land": "landy",
    "civil_affairs": "civ",
    "presidium": "member",
}


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk", "chair", "member", "fin", "landy", "civ", "wang", "li", "deputy", "boss")
    deploy(session_factory, *(LIBRARY / f"{name}.bpmn" for name in ("inspection", "deputy_report", "unit_report")))
    return session_factory


def open_items(factory, case_id: int, bpmn_id: str) -> list[WorkItem]:
    with factory() as s:
        query = select(WorkItem).where(
            WorkItem.instance_id == case_id, WorkItem.bpmn_id == bpmn_id, WorkItem.state == WorkItemState.READY
        )
        return list(s.scalars(query.order_by(WorkItem.id)))


def do(factory, case_id: int, bpmn_id: str, data: dict, unit: str | None = None, element: str = "unit") -> None:
    """Complete the open ``bpmn_id`` task (of ``unit``'s branch, for a per-unit task)."""
    for item in open_items(factory, case_id, bpmn_id):
        group = (item.candidate_groups or ("office",))[0]
        user = item.assignee or USER_OF[group]
        if unit is None or act(factory, user, tasks.task_detail, item.task_id).data.get(element) == unit:
            act(factory, user, tasks.complete, item.task_id, data)
            return
    raise AssertionError(f"no open {bpmn_id} for {unit}")


def inspection(factory) -> int:
    """Three units: finance clean and on time; land late, problems, rectification returned once
    then accepted; civil affairs notified and never reports."""
    case_id = act(factory, "clerk", cases.start_instance, "inspection", {"inspection_title": "预算执行检查"}).id
    plan = {"topics": "预算执行", "units": ["finance", "land", "civil_affairs"], "selfcheck_deadline": "2026-12-20"}
    do(factory, case_id, "Task_Plan", plan)
    do(factory, case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    for unit in ("finance", "land", "civil_affairs"):
        do(factory, case_id, "Task_Notice", {"notice_text": "请自查"}, unit)
    do(factory, case_id, "Task_SelfCheck", {"selfcheck_report": "已自查"}, "finance")
    do(factory, case_id, "Task_OnSite", {"onsite_date": "2026-12-07", "onsite_record": "记录"}, "finance")
    do(factory, case_id, "Task_Findings", {"findings_result": "clean", "findings": "未发现问题"}, "finance")
    clock.advance(timedelta(days=20))  # 12-27: past the self-check deadline (12-20 24:00)
    do(factory, case_id, "Task_SelfCheck", {"selfcheck_report": "迟报"}, "land")
    do(factory, case_id, "Task_OnSite", {"onsite_date": "2026-12-27", "onsite_record": "记录"}, "land")
    findings = {"findings_result": "problems", "findings": "台账不全", "rectification_requirements": "补全"}
    do(factory, case_id, "Task_Findings", findings, "land")
    do(factory, case_id, "Task_Rectify", {"rectification_report": "部分"}, "land")
    do(factory, case_id, "Task_AcceptRectification", {"acceptance": "returned", "acceptance_opinion": "不全"}, "land")
    do(factory, case_id, "Task_Rectify", {"rectification_report": "全部"}, "land")
    do(factory, case_id, "Task_AcceptRectification", {"acceptance": "accepted"}, "land")
    return case_id


def finished_inspection(factory) -> int:
    """QA's walk: two units, finance (财政所) and civil affairs (民政办), both on time; finance's
    rectification sent back once (in January) then accepted, civil affairs clean; the report
    heard: the case is completed."""
    case_id = act(factory, "clerk", cases.start_instance, "inspection", {"inspection_title": "惠民资金检查"}).id
    plan = {"topics": "惠民资金发放", "units": ["finance", "civil_affairs"], "selfcheck_deadline": "2026-12-20"}
    do(factory, case_id, "Task_Plan", plan)
    do(factory, case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    for unit in ("finance", "civil_affairs"):
        do(factory, case_id, "Task_Notice", {"notice_text": "请自查"}, unit)
    for unit in ("finance", "civil_affairs"):
        do(factory, case_id, "Task_SelfCheck", {"selfcheck_report": "已自查"}, unit)
        do(factory, case_id, "Task_OnSite", {"onsite_date": "2026-12-07", "onsite_record": "记录"}, unit)
    findings = {"findings_result": "problems", "findings": "发放不及时", "rectification_requirements": "限期发放"}
    do(factory, case_id, "Task_Findings", findings, "finance")
    do(factory, case_id, "Task_Findings", {"findings_result": "clean", "findings": "未发现问题"}, "civil_affairs")
    clock.advance(timedelta(days=35))  # 2027-01-11: the rectification goes round in another month
    do(factory, case_id, "Task_Rectify", {"rectification_report": "部分发放"}, "finance")
    returned = {"acceptance": "returned", "acceptance_opinion": "尚未发放完毕"}
    do(factory, case_id, "Task_AcceptRectification", returned, "finance")
    do(factory, case_id, "Task_Rectify", {"rectification_report": "全部发放"}, "finance")
    do(factory, case_id, "Task_AcceptRectification", {"acceptance": "accepted"}, "finance")
    do(factory, case_id, "Task_Report", {"report_text": "检查情况报告"})
    do(factory, case_id, "Task_PresidiumHear", {"presidium_decision": "accepted"})
    return case_id


def counts(figures) -> dict[str, int]:
    return {key: f.count for key, f in figures.items()}


def test_inspection_figures_overall_and_per_unit(world):
    case_id = inspection(world)
    result = act(world, "boss", statistics, "inspection", PERIOD)
    assert counts(result.overall) == {
        "rounds": 1,
        "rounds_closed": 0,  # the report is not heard yet
        "units": 3,
        "notified": 3,
        "selfchecked": 2,  # finance, land
        "selfcheck_on_time": 1,  # finance
        "selfcheck_late": 2,  # land (late), civil affairs (deadline passed, nothing yet)
        "inspected": 2,
        "problems_found": 1,  # land
        "rectified": 1,
        "returned": 1,  # land, once
        "units_done": 2,
        "withdrawn": 0,
    }
    assert result.overall["selfcheck_on_time"].rate == 33.3  # 1 of the 3 notified
    by_unit = {u.unit: counts(u.figures) for u in result.units}
    assert set(by_unit) == {None, "finance", "land", "civil_affairs"}  # None: the round itself
    assert (by_unit["land"]["problems_found"], by_unit["land"]["rectified"], by_unit["land"]["units_done"]) == (1, 1, 1)
    assert (by_unit["civil_affairs"]["notified"], by_unit["civil_affairs"]["selfcheck_late"]) == (1, 1)
    assert by_unit[None]["rounds"] == 1 and by_unit[None]["units"] == 0
    behind = act(world, "boss", cases_behind, "inspection", PERIOD, "selfcheck_late")
    assert sorted((c.id, c.unit) for c in behind) == [(case_id, "civil_affairs"), (case_id, "land")]
    # outside the period nothing is counted
    later = act(world, "boss", statistics, "inspection", Period(date(2027, 1, 1), date(2027, 1, 31)))
    assert later.overall["units"].count == 0


def test_the_plan_deputies_who_reported_and_reports_on_time(world):
    report = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    do(world, report, "Task_Arrange", {"reporting_deputies": ["wang", "li"], "arrangement": "11月20日"})
    do(world, report, "Task_SubmitReport", {"report_text": "述职", "voters_present": 40}, "wang", "reporting_deputy")
    appraisal = {"votes_satisfied": 30, "votes_basic": 8, "votes_unsatisfied": 2}  # 满意
    do(world, report, "Task_Appraise", appraisal, "wang", "reporting_deputy")
    monthly = act(world, "clerk", cases.start_instance, "unit_report", {}).id
    do(world, monthly, "Task_Notify", {"monthly_units": ["finance", "land"]})
    do(world, monthly, "Task_SubmitMonthly", {"report_summary": "12月报表"}, "finance", "report_unit")
    do(world, monthly, "Task_CheckMonthly", {"check_result": "ok"}, "finance", "report_unit")
    clock.advance(timedelta(days=30))  # land never reports: its deadline (10 days) passes
    result = act(world, "boss", statistics, "plan", PERIOD)
    o = counts(result.overall)
    assert (o["deputies_scheduled"], o["deputies_reported"], o["deputies_satisfied"]) == (2, 1, 1)
    assert (o["reports_due"], o["reports_submitted"], o["reports_on_time"], o["reports_late"]) == (2, 1, 1, 1)
    assert (o["reception_days"], o["issues"], o["evaluations"]) == (0, 0, 0)
    by_unit = {u.unit: counts(u.figures) for u in result.units}
    assert (by_unit["finance"]["reports_on_time"], by_unit["land"]["reports_late"]) == (1, 1)
    assert by_unit[None]["deputies_reported"] == 1  # deputies belong to no unit
    assert result.overall["reports_on_time"].rate == 50.0


def test_the_trend_per_month(world):
    inspection(world)  # started 2026-12-07
    months = act(world, "boss", trend, "inspection", PERIOD)
    assert [(m.month, m.received, m.replied) for m in months] == [
        ("2026-12", 1, None),  # the one inspection, not its three units
        ("2027-01", 0, None),
        ("2027-02", 0, None),
        ("2027-03", 0, None),
    ]


def test_the_trend_counts_an_inspection_once_whatever_its_units_and_rectifications(world):
    case_id = finished_inspection(world)  # started 2026-12-07, rectified and closed in January
    assert act(world, "clerk", cases.instance_detail, case_id).status == "completed"
    result = act(world, "boss", statistics, "inspection", PERIOD)
    assert (result.overall["rounds"].count, result.overall["units"].count) == (1, 2)
    assert (result.overall["returned"].count, result.overall["rectified"].count) == (1, 1)
    months = act(world, "boss", trend, "inspection", PERIOD)
    assert [(m.month, m.received, m.replied, m.replied_on_time) for m in months] == [
        ("2026-12", 1, None, None),
        ("2027-01", 0, None, None),
        ("2027-02", 0, None, None),
        ("2027-03", 0, None, None),
    ]


def test_the_trend_of_proposals_by_month_of_receipt_and_reply(world):
    seed(world)  # PROPOSALS of tests/integration/test_statistics.py: the n-th received 2027-01-01 + n days
    months = act(world, "boss", trend, "proposal", Period(date(2027, 1, 1), date(2027, 6, 30)))
    by_month = {m.month: (m.received, m.replied, m.replied_on_time) for m in months}
    assert list(by_month) == ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"]
    # 24 received on 01-01 .. 01-24 (row n on 01-01 + n days), assigned a day later; a reply on
    # time 30 days after that (rows 0-3, 5, 7, 10-12, 15, 18-20: 02-01 + n, all in February),
    # a late one 100 days after (rows 4, 6, 13, 14: 04-16, 04-18, 04-25, 04-26)
    assert by_month["2027-01"] == (24, 0, 0)
    assert by_month["2027-02"] == (0, 13, 13)
    assert by_month["2027-03"] == (0, 0, 0)
    assert by_month["2027-04"] == (0, 4, 0)
    assert by_month["2027-05"] == by_month["2027-06"] == (0, 0, 0)


def test_period_presets():
    today = date(2027, 2, 10)
    assert Period.preset("session", today, (3, 1)) == Period(date(2026, 3, 1), date(2027, 2, 28))
    assert Period.preset("session", date(2027, 3, 1), (3, 1)) == Period(date(2027, 3, 1), date(2028, 2, 29))
    assert Period.preset("session", today, (2, 31)) == Period(date(2026, 2, 28), date(2027, 2, 27))
    assert Period.preset("first_half", today) == Period(date(2027, 1, 1), date(2027, 6, 30))
    assert Period.preset("second_half", today) == Period(date(2027, 7, 1), date(2027, 12, 31))
    assert Period.preset("last_year", today) == Period(date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(InvalidData) as refused:
        Period.preset("decade", today)
    assert refused.value.codes["preset"].code == "not_allowed_value"


def test_an_unknown_family_is_not_found(world):
    with pytest.raises(NotFound):
        act(world, "boss", statistics, "nope", PERIOD)


def proposal(factory, **data) -> int:
    deploy(factory, LIBRARY / "proposal.bpmn")
    start = {
        "kind": "suggestion",
        "title": "修缮村道",
        "content": "村道破损",
        "deputy": "wang",
        "submitted_during": "recess",
    }
    return act(factory, "clerk", cases.start_instance, "proposal", {**start, **data}).id


def my_proposals(factory, username: str) -> list[int]:
    found, _total = act(factory, username, case_list.list_cases, CaseFilter(as_deputy=True))
    return [c.id for c in found]


def test_a_cosigning_deputy_sees_the_proposal_another_does_not(world):
    case_id = proposal(world, joint_deputies=["li"])
    with world() as s:
        rows = s.execute(select(CaseDeputy.deputy, CaseDeputy.cosigner).where(CaseDeputy.instance_id == case_id))
        assert sorted(rows) == [("li", True), ("wang", False)]
    assert my_proposals(world, "wang") == [case_id] and my_proposals(world, "li") == [case_id]
    assert act(world, "li", cases.instance_detail, case_id).id == case_id
    assert my_proposals(world, "deputy") == []
    with pytest.raises(NotFound):
        act(world, "deputy", cases.instance_detail, case_id)


def test_co_signers_typed_as_text_in_older_cases_count_where_they_are_deputies(world):
    case_id = proposal(world)
    with world.begin() as s:  # an older case: 联名代表 typed as free text
        instance = s.get(ProcessInstance, case_id)
        rows = item_facts.deputy_rows(s, instance, "proposal", {"deputy": "wang", "joint_deputies": "li、张三 clerk"})
    assert sorted((r["deputy"], r["cosigner"]) for r in rows) == [("li", True), ("wang", False)]  # clerk: no deputy


def test_backfill_writes_item_facts_and_deputies(world):
    inspected = inspection(world)
    cosigned = proposal(world, joint_deputies=["li"])
    with world.begin() as s:  # as the migration leaves them: facts to be written again
        s.execute(delete(CaseItemFacts))
        s.execute(delete(CaseDeputy))
        s.execute(delete(CaseFacts))
    with world.begin() as s:
        assert case_facts.backfill(s) == 2
    with world() as s:
        kinds = s.scalars(select(CaseItemFacts.kind).where(CaseItemFacts.instance_id == inspected)).all()
        assert sorted(kinds) == ["inspected_unit"] * 3 + ["inspection"]
        assert set(s.scalars(select(CaseDeputy.deputy).where(CaseDeputy.instance_id == cosigned))) == {"wang", "li"}
    assert act(world, "boss", statistics, "inspection", PERIOD).overall["rectified"].count == 1


def test_each_number_of_the_trend_lists_its_cases(world):
    """The trend's numbers are clickable as every figure is: received that month, replied and
    replied on time that month (rows 4, 6, 13 and 14 of PROPOSALS replied late, in April)."""
    seed(world)
    half = Period(date(2027, 1, 1), date(2027, 6, 30))

    def titles(figure: str, month: str) -> list[str]:
        return sorted(c.title for c in act(world, "boss", cases_behind, "proposal", half, figure, month=month))

    assert titles("replied", "2027-04") == ["f5", "f7", "l4", "l5"]
    assert titles("replied_on_time", "2027-04") == []
    on_time = ["c1", "c2", "c3", "f1", "f2", "f3", "f4", "f6", "f8", "l1", "l2", "l3", "l6"]
    assert titles("replied_on_time", "2027-02") == titles("replied", "2027-02") == on_time
    assert len(titles("received", "2027-01")) == 24 and titles("received", "2027-02") == []
    with pytest.raises(NotFound):  # a month outside the period
        act(world, "boss", cases_behind, "proposal", half, "received", month="2027-07")
    with pytest.raises(NotFound):  # the trend has no such number
        act(world, "boss", cases_behind, "proposal", half, "assigned", month="2027-02")


def test_the_inspection_trends_number_lists_the_inspection_once(world):
    case_id = inspection(world)  # started 2026-12-07, three units
    [behind] = act(world, "boss", cases_behind, "inspection", PERIOD, "received", month="2026-12")
    assert (behind.id, behind.title) == (case_id, "预算执行检查")
    assert act(world, "boss", cases_behind, "inspection", PERIOD, "received", month="2027-01") == []
