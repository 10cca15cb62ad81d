"""监督检查 (bpmn/inspection.bpmn) driven through the real use cases and the database:
one instance, one multi-instance branch per unit, each unit's tasks handled separately."""

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import InvalidData, NotFound
from engine.usecases import cases, tasks

from .conftest import act, at, deploy, detail, do, facts_rows, items, one, open_ids, side_by_side, variables, who


@pytest.fixture
def world(people):
    deploy(people, "inspection")
    return people


USER_OF = {"office": "clerk", "finance": "fin", "land": "landy", "civil_affairs": "civ"}


def unit_of(world, item) -> str:
    """The unit a multi-instance task belongs to, as the task's own actor sees it."""
    return act(world, USER_OF[item.candidate_groups[0]], tasks.task_detail, item.task_id).data["unit"]


def by_unit(world, case_id, bpmn_id) -> dict:
    return {unit_of(world, i): i for i in items(world, case_id, bpmn_id)}


def complete(world, user, item, data):
    return act(world, user, tasks.complete, item.task_id, data)


def start_and_plan(world, units, selfcheck_deadline=None):
    case = act(
        world,
        "clerk",
        cases.start_instance,
        "inspection",
        {"inspection_title": "2027年财政预算执行情况检查", "inspection_basis": "年度监督工作计划"},
    )
    case_id = case.id
    plan = {"topics": "预算执行、专项资金", "units": list(units), "onsite_schedule": "12月下旬"}
    if selfcheck_deadline:
        plan["selfcheck_deadline"] = selfcheck_deadline
    assert who(one(world, case_id, "Task_Plan")) == (("office",), None)
    do(world, "clerk", case_id, "Task_Plan", plan)
    approve = one(world, case_id, "Task_ApprovePlan")
    assert who(approve) == (("chair",), None)
    with pytest.raises(NotFound):  # a case one may not see does not exist for them
        act(world, "member", tasks.complete, approve.task_id, {"plan_decision": "approve"})
    return case_id


def test_two_units_each_inspected_separately_with_a_rectification_loop(world, frozen_clock):
    case_id = start_and_plan(world, ["finance", "land"], "2026-12-20")
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "revise", "plan_opinion": "补充专项资金"})
    assert open_ids(world, case_id) == ["Task_Plan"]  # sent back
    do(
        world,
        "clerk",
        case_id,
        "Task_Plan",
        {"topics": "预算执行、专项资金、债务", "units": ["finance", "land"], "selfcheck_deadline": "2026-12-20"},
    )
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    assert variables(world, case_id)["selfcheck_due"] == "2026-12-21T00:00:00+08:00"  # the date typed, at 24:00

    notices = by_unit(world, case_id, "Task_Notice")
    assert set(notices) == {"finance", "land"}
    assert all(who(n) == (("office",), None) for n in notices.values())
    complete(world, "clerk", notices["finance"], {"notice_no": "人大办〔2026〕1号", "notice_text": "请自查"})
    # finance moved on, land is still at its notice
    assert open_ids(world, case_id) == ["Task_Notice", "Task_SelfCheck"]
    [selfcheck] = items(world, case_id, "Task_SelfCheck")
    assert who(selfcheck) == (("finance",), None) and selfcheck.due_at == at("2026-12-21T00:00:00+08:00")
    complete(world, "clerk", notices["land"], {"notice_text": "请自查"})
    checks = by_unit(world, case_id, "Task_SelfCheck")
    assert who(checks["land"]) == (("land",), None)
    with pytest.raises(NotFound):  # another unit's round is not finance's to see
        complete(world, "fin", checks["land"], {"selfcheck_report": "x"})

    complete(world, "fin", checks["finance"], {"selfcheck_report": "已自查", "self_corrected": "已纠正两项"})
    clock.advance(timedelta(days=20))  # land reports late
    # the diagram's counts on the subprocess: finance's round goes on, land's is overdue
    assert detail(world, case_id).rounds == {"Sub_InspectUnit": {"completed": 0, "active": 1, "overdue": 1}}
    complete(world, "landy", checks["land"], {"selfcheck_report": "迟报的自查报告"})
    onsite = by_unit(world, case_id, "Task_OnSite")
    assert set(onsite) == {"finance", "land"} and all(who(i) == (("office",), None) for i in onsite.values())
    for unit, item in onsite.items():
        complete(world, "clerk", item, {"onsite_date": "2026-12-27", "onsite_record": f"{unit}现场记录"})

    findings = by_unit(world, case_id, "Task_Findings")
    complete(world, "clerk", findings["finance"], {"findings_result": "clean", "findings": "未发现问题"})
    complete(
        world,
        "clerk",
        findings["land"],
        {
            "findings_result": "problems",
            "findings": "台账不全",
            "rectification_requirements": "补全台账",
            "rectification_deadline": "2027-01-31",
        },
    )
    assert open_ids(world, case_id) == ["Task_Rectify"]  # finance is done, land rectifies
    assert detail(world, case_id).rounds == {"Sub_InspectUnit": {"completed": 1, "active": 1, "overdue": 0}}
    rectify = one(world, case_id, "Task_Rectify")
    assert who(rectify) == (("land",), None) and rectify.due_at == at("2027-02-01T00:00:00+08:00")
    complete(world, "landy", rectify, {"rectification_report": "已补全部分"})
    acceptance = one(world, case_id, "Task_AcceptRectification")
    assert who(acceptance) == (("office",), None)
    complete(world, "clerk", acceptance, {"acceptance": "returned", "acceptance_opinion": "仍不完整"})
    again = one(world, case_id, "Task_Rectify")  # 直到问题解决: back to the unit, default deadline
    assert again.task_id != rectify.task_id
    # returned on 12-27 + inspection.rectification_days (30) = 2027-01-26 (Tue), to 24:00
    assert again.due_at == at("2027-01-27T00:00:00+08:00")
    complete(world, "landy", again, {"rectification_report": "已全部补全"})
    do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "accepted"})

    assert open_ids(world, case_id) == ["Task_Report"]
    assert who(one(world, case_id, "Task_Report")) == (("office",), None)
    do(world, "clerk", case_id, "Task_Report", {"report_text": "检查情况报告"})
    hear = one(world, case_id, "Task_PresidiumHear")
    assert who(hear) == (("presidium",), None)
    do(world, "member", case_id, "Task_PresidiumHear", {"presidium_decision": "revise"})
    do(world, "clerk", case_id, "Task_Report", {"report_text": "修改后的报告"})
    do(world, "member", case_id, "Task_PresidiumHear", {"presidium_decision": "accepted"})

    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert v["units_with_problems"] == ["land"] and v["report_text"] == "修改后的报告"
    results = {r["unit"]: r for r in v["unit_results"]}
    assert set(results) == {"finance", "land"}
    assert (results["finance"]["problems_found"], results["finance"]["rectification_rounds"]) == (False, 0)
    assert (results["land"]["problems_found"], results["land"]["rectification_rounds"]) == (True, 2)
    assert results["finance"]["selfcheck_on_time"] is True and results["land"]["selfcheck_on_time"] is False


def test_single_unit_with_default_self_check_deadline(world, frozen_clock):
    case_id = start_and_plan(world, ["civil_affairs"])
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    do(world, "clerk", case_id, "Task_Notice", {"notice_text": "请自查"})
    check = one(world, case_id, "Task_SelfCheck")
    assert who(check) == (("civil_affairs",), None)
    assert check.due_at == at("2026-12-23T00:00:00+08:00")  # 15 days from 12-07: Tuesday 12-22, 24:00
    do(world, "civ", case_id, "Task_SelfCheck", {"selfcheck_report": "无问题"})
    do(world, "clerk", case_id, "Task_OnSite", {"onsite_date": "2026-12-07", "onsite_record": "记录"})
    do(world, "clerk", case_id, "Task_Findings", {"findings_result": "clean", "findings": "良好"})
    do(world, "clerk", case_id, "Task_Report", {"report_text": "报告"})
    do(world, "chair", case_id, "Task_PresidiumHear", {"presidium_decision": "accepted"})
    case = detail(world, case_id)
    assert case.status == "completed" and case.variables["units_with_problems"] == []


def test_each_units_round_carries_the_unit_in_its_title(world, frozen_clock):
    """Nine identical "发出书面通知" rows tell nothing: each is titled with its unit."""
    case_id = start_and_plan(world, ["finance", "land"], "2026-12-20")
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    names = sorted(i.name for i in items(world, case_id, "Task_Notice"))
    assert names == ["发出书面通知 · 国土所", "发出书面通知 · 财政所"]
    notices = by_unit(world, case_id, "Task_Notice")
    complete(world, "clerk", notices["finance"], {"notice_text": "请自查"})
    [selfcheck] = items(world, case_id, "Task_SelfCheck")
    assert selfcheck.name == "自查自纠并报告 · 财政所"


def test_a_deadline_in_the_past_is_refused_naming_the_earliest_day(world, frozen_clock):
    """A self-check deadline already over would make every unit late the moment it is told."""
    case_id = act(world, "clerk", cases.start_instance, "inspection", {"inspection_title": "检查"}).id
    with pytest.raises(InvalidData) as refused:
        do(
            world,
            "clerk",
            case_id,
            "Task_Plan",
            {"topics": "预算", "units": ["finance"], "selfcheck_deadline": "2026-12-06"},
        )
    error = refused.value.codes["selfcheck_deadline"]
    assert (error.code, error.params) == ("date_out_of_range", {"min": "2026-12-07", "max": "2099-12-31"})
    do(
        world,
        "clerk",
        case_id,
        "Task_Plan",
        {"topics": "预算", "units": ["finance"], "selfcheck_deadline": "2026-12-07"},
    )


def test_item_facts_skipped_when_unchanged_are_the_rows_written_every_time(world, frozen_clock):
    """Each unit's round is a row of item facts that changes as the unit moves on, the case's
    facts row changes only when the case ends: a save served by the workflow cache writes
    what changed, and the rows are those of a case that writes them all at every save."""
    kept, written = start_and_plan(world, ["civil_affairs"]), start_and_plan(world, ["civil_affairs"])
    with side_by_side(world, kept, written) as (both, statements):
        both(lambda case_id: do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"}))
        both(lambda case_id: do(world, "clerk", case_id, "Task_Notice", {"notice_text": "请自查"}))
        clock.advance(timedelta(days=20))  # the self-check comes late
        both(lambda case_id: do(world, "civ", case_id, "Task_SelfCheck", {"selfcheck_report": "迟报"}))
        onsite = {"onsite_date": "2026-12-27", "onsite_record": "记录"}
        both(lambda case_id: do(world, "clerk", case_id, "Task_OnSite", onsite))
        findings = {
            "findings_result": "problems",
            "findings": "台账不全",
            "rectification_requirements": "补全台账",
            "rectification_deadline": "2027-01-31",
        }
        both(lambda case_id: do(world, "clerk", case_id, "Task_Findings", findings))
        both(lambda case_id: do(world, "civ", case_id, "Task_Rectify", {"rectification_report": "已补全"}))
        both(lambda case_id: do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "accepted"}))
        both(lambda case_id: do(world, "clerk", case_id, "Task_Report", {"report_text": "报告"}))
        both(lambda case_id: do(world, "chair", case_id, "Task_PresidiumHear", {"presidium_decision": "accepted"}))
    rows = facts_rows(world, kept)
    assert rows[0][:2] == ("inspection", "completed")
    assert [row[:2] for row in rows[1:]] == [("inspected_unit", 0), ("inspection", 0)]  # the unit's, the round's
    assert 0 < statements[kept] < statements[written]
