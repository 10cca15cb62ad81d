"""监督检查: a rectification is returned with its reason and a deadline chosen explicitly (the
period counted again from the return, or a date named), and an on-site review is recorded on a
day that has come (bpmn/README.md §3.2)."""

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import InvalidData
from engine.usecases import cases, tasks

from .conftest import act, at, deploy, detail, do, one, open_ids


@pytest.fixture
def world(people):
    deploy(people, "inspection")
    return people


def to_rectification(world) -> int:
    """One unit (land), problems found on 2026-12-07, rectified, waiting for acceptance."""
    case_id = act(world, "clerk", cases.start_instance, "inspection", {"inspection_title": "专项资金检查"}).id
    do(world, "clerk", case_id, "Task_Plan", {"topics": "专项资金", "units": ["land"]})
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    do(world, "clerk", case_id, "Task_Notice", {"notice_text": "请自查"})
    do(world, "landy", case_id, "Task_SelfCheck", {"selfcheck_report": "已自查"})
    do(world, "clerk", case_id, "Task_OnSite", {"onsite_date": "2026-12-07", "onsite_record": "记录"})
    findings = {"findings_result": "problems", "findings": "台账不全", "rectification_requirements": "补全台账"}
    do(world, "clerk", case_id, "Task_Findings", findings)
    do(world, "landy", case_id, "Task_Rectify", {"rectification_report": "已补全部分"})
    return case_id


def refusal(world, case_id, data) -> dict:
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_AcceptRectification", data)
    return {name: (e.code, e.params) for name, e in refused.value.codes.items()}


def test_returning_needs_a_reason(world, frozen_clock):
    case_id = to_rectification(world)
    assert refusal(world, case_id, {"acceptance": "returned"}) == {"acceptance_opinion": ("required", {})}
    assert refusal(world, case_id, {"acceptance": "returned", "acceptance_opinion": "  "}) == {
        "acceptance_opinion": ("required", {})
    }
    assert open_ids(world, case_id) == ["Task_AcceptRectification"]  # nothing went back to the unit


def test_returned_by_default_the_period_is_counted_again_from_the_return(world, frozen_clock):
    case_id = to_rectification(world)
    form = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_AcceptRectification").task_id).detail.form
    rule = form.field("new_deadline_rule")
    assert rule.required and rule.default == "period"  # the choice is on the form, made explicitly
    assert {o.id: o.name for o in rule.options} == {
        "period": "按规定期限，自退回之日起重新计算",
        "date": "指定截止日期",
    }
    clock.advance(timedelta(days=3))  # returned on Thursday 2026-12-10
    do(
        world,
        "clerk",
        case_id,
        "Task_AcceptRectification",
        {"acceptance": "returned", "acceptance_opinion": "仍不完整"},
    )
    again = one(world, case_id, "Task_Rectify")
    # 12-10 + inspection.rectification_days (30) = 2027-01-09, a Saturday: the next working day, 01-11, to 24:00
    assert again.due_at == at("2027-01-12T00:00:00+08:00")


def test_returned_with_a_date_named_that_date_is_the_deadline(world, frozen_clock):
    case_id = to_rectification(world)
    returned = {"acceptance": "returned", "acceptance_opinion": "仍不完整", "new_deadline_rule": "date"}
    assert refusal(world, case_id, returned) == {"rectification_deadline": ("required", {})}
    assert refusal(world, case_id, {**returned, "rectification_deadline": "2026-12-06"}) == {
        "rectification_deadline": ("date_out_of_range", {"min": "2026-12-07", "max": "2099-12-31"})
    }
    do(world, "clerk", case_id, "Task_AcceptRectification", {**returned, "rectification_deadline": "2027-01-15"})
    assert one(world, case_id, "Task_Rectify").due_at == at("2027-01-16T00:00:00+08:00")  # 01-15, 24:00


def test_accepting_asks_for_no_reason_nor_deadline(world, frozen_clock):
    case_id = to_rectification(world)
    do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "accepted"})
    assert open_ids(world, case_id) == ["Task_Report"]


def test_a_pass_may_carry_an_acceptance_opinion(world, frozen_clock):
    """验收通过 with an opinion: kept in the acceptance's history entry; the return's reason, not
    asked on a pass, is not stored even when sent."""
    case_id = to_rectification(world)
    passed = {"acceptance": "accepted", "acceptance_note": "台账已补齐，验收通过", "acceptance_opinion": "x"}
    do(world, "clerk", case_id, "Task_AcceptRectification", passed)
    assert open_ids(world, case_id) == ["Task_Report"]
    [entry] = [e for e in detail(world, case_id).history if e.bpmn_id == "Task_AcceptRectification"]
    assert entry.data == {"acceptance": "accepted", "acceptance_note": "台账已补齐，验收通过"}


def test_an_on_site_review_is_recorded_on_a_day_that_has_come(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "inspection", {"inspection_title": "专项资金检查"}).id
    do(world, "clerk", case_id, "Task_Plan", {"topics": "专项资金", "units": ["land"]})
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    do(world, "clerk", case_id, "Task_Notice", {"notice_text": "请自查"})
    do(world, "landy", case_id, "Task_SelfCheck", {"selfcheck_report": "已自查"})
    for future in ("2099-12-31", "2026-12-08"):
        with pytest.raises(InvalidData) as refused:
            do(world, "clerk", case_id, "Task_OnSite", {"onsite_date": future, "onsite_record": "记录"})
        error = refused.value.codes["onsite_date"]
        assert (error.code, error.params) == ("date_out_of_range", {"min": "1900-01-01", "max": "2026-12-07"})
    do(world, "clerk", case_id, "Task_OnSite", {"onsite_date": "2026-12-07", "onsite_record": "记录"})
    assert open_ids(world, case_id) == ["Task_Findings"]
