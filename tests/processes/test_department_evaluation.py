"""部门工作评议 (bpmn/department_evaluation.bpmn) driven through the real use cases and the database."""

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import InvalidData, NotAllowed, NotFound
from engine.usecases import cases, people, tasks
from tests.world import create_people

from .conftest import act, at, deploy, detail, do, items, one, open_ids, variables, who


@pytest.fixture
def world(people):
    deploy(people, "department_evaluation")
    return people


def unit_of(world, item):
    return act(world, item.assignee or "clerk", tasks.task_detail, item.task_id).data["evaluated_unit"]


def test_scheme_sent_back_then_two_units_scored_and_one_rectified_twice(world, frozen_clock):
    case_id = act(
        world, "clerk", cases.start_instance, "department_evaluation", {"evaluation_title": "2026年度部门工作评议"}
    ).id
    assert open_ids(world, case_id) == ["Task_Scheme"]
    assert who(one(world, case_id, "Task_Scheme")) == (("office",), None)
    scheme = {"evaluated_units": ["finance", "land"], "scheme_text": "听取汇报、代表打分", "scorers": ["wang", "li"]}
    do(world, "clerk", case_id, "Task_Scheme", scheme)
    approve = one(world, case_id, "Task_ApproveScheme")
    assert who(approve) == (("presidium",), None)
    with pytest.raises(NotAllowed):
        act(world, "clerk", tasks.complete, approve.task_id, {"scheme_decision": "approve"})
    with pytest.raises(InvalidData) as refused:  # sent back, it says what to change
        do(world, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "revise"})
    assert refused.value.codes["scheme_revision"].code == "required"
    do(
        world,
        "chair",
        case_id,
        "Task_ApproveScheme",
        {"scheme_decision": "revise", "scheme_revision": "增加满意度测评"},
    )
    assert open_ids(world, case_id) == ["Task_Scheme"]  # 退回修改
    do(world, "clerk", case_id, "Task_Scheme", dict(scheme, scheme_text="听取汇报、满意度测评"))
    clock.advance(timedelta(days=1))  # approved 2026-12-08 09:00
    do(world, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "approve", "scheme_opinion": "同意"})

    v = variables(world, case_id)
    assert v["scorer_list"] == ["wang", "li"] and v["selfreport_due"] == "2026-12-24T00:00:00+08:00"
    reports = items(world, case_id, "Task_SelfReport")
    assert sorted(who(r) for r in reports) == [(("finance",), None), (("land",), None)]
    assert all(r.due_at == at("2026-12-24T00:00:00+08:00") for r in reports)  # 15 days: 12-23, 24:00
    fin = next(r for r in reports if who(r) == (("finance",), None))
    land = next(r for r in reports if r is not fin)
    with pytest.raises(NotFound):  # another unit's round is not land's to see
        act(world, "landy", tasks.complete, fin.task_id, {"self_report": "x"})
    act(world, "fin", tasks.complete, fin.task_id, {"self_report": "财政所自查"})
    clock.advance(timedelta(days=20))  # 2026-12-28: land reports late
    act(world, "landy", tasks.complete, land.task_id, {"self_report": "国土所自查"})

    scores = items(world, case_id, "Task_Score")
    assert sorted(who(s) for s in scores) == [((), "li"), ((), "li"), ((), "wang"), ((), "wang")]
    marks = {
        ("finance", "wang"): ("满意", 90),
        ("finance", "li"): ("基本满意", 80),
        ("land", "wang"): ("满意", 70),
        ("land", "li"): ("不满意", 55),
    }
    wang_task = next(s for s in scores if s.assignee == "wang")
    with pytest.raises(NotAllowed):
        act(world, "li", tasks.complete, wang_task.task_id, {"rating": "满意", "score": 1})
    for s in scores:
        rating, score = marks[(unit_of(world, s), s.assignee)]
        act(world, s.assignee, tasks.complete, s.task_id, {"rating": rating, "score": score})

    results = items(world, case_id, "Task_Result")
    assert len(results) == 2 and all(who(r) == (("office",), None) for r in results)
    for r in results:
        data = act(world, "clerk", tasks.task_detail, r.task_id).data
        if data["evaluated_unit"] == "finance":
            assert (data["average_score"], data["satisfaction_rate"], data["score_count"]) == (85.0, 100.0, 2)
            assert data["self_report_on_time"] is True
            act(world, "clerk", tasks.complete, r.task_id, {"evaluation_result": "满意", "rectification_needed": "no"})
        else:
            assert (data["average_score"], data["satisfaction_rate"]) == (62.5, 50.0)
            assert data["self_report_on_time"] is False
            act(
                world,
                "clerk",
                tasks.complete,
                r.task_id,
                {
                    "evaluation_result": "基本满意",
                    "rectification_needed": "yes",
                    "rectification_requirements": "规范审批流程",
                },
            )
    rectify = one(world, case_id, "Task_Rectify")
    assert who(rectify) == (("land",), None)
    # the scorers' form values stay in their rounds: nothing of them (not even a 保密) on the unit's
    # task, nor the presidium's request of the scheme it sent back before approving one
    shown = act(world, "landy", tasks.task_detail, rectify.task_id).data
    assert not {"rating", "score", "score_comment"} & set(shown) and shown["scheme_revision"] is None
    assert rectify.due_at == at("2027-01-28T00:00:00+08:00")  # 30 days from 12-28: 01-27, 24:00
    do(world, "landy", case_id, "Task_Rectify", {"rectification_report": "已整改"})
    assert who(one(world, case_id, "Task_AcceptRectification")) == (("office",), None)
    clock.advance(timedelta(days=2))
    do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "returned", "acceptance_opinion": "未到位"})
    again = one(world, case_id, "Task_Rectify")
    assert who(again) == (("land",), None) and again.due_at == at("2027-01-30T00:00:00+08:00")
    do(world, "landy", case_id, "Task_Rectify", {"rectification_report": "再次整改"})
    do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "accepted"})

    assert open_ids(world, case_id) == ["Task_Publish"]
    assert who(one(world, case_id, "Task_Publish")) == (("office",), None)
    do(world, "clerk", case_id, "Task_Publish", {"publication": "已在全镇通报"})
    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert v["evaluation_title"] == "2026年度部门工作评议" and v["evaluated_units"] == ["finance", "land"]
    assert v["scheme_decision"] == "approve" and v["publication"] == "已在全镇通报" and v["closed_at"]
    by_unit = {u["unit"]: u for u in v["unit_evaluations"]}
    assert by_unit["finance"] == {
        "unit": "finance",
        "average_score": 85.0,
        "satisfaction_rate": 100.0,
        "result": "满意",
        "rectification_rounds": 0,
    }
    assert by_unit["land"] == {
        "unit": "land",
        "average_score": 62.5,
        "satisfaction_rate": 50.0,
        "result": "基本满意",
        "rectification_rounds": 2,
    }


def test_a_deputys_score_is_his_to_give_and_handed_to_no_one_while_he_may_sign_in(world, frozen_clock):
    """The office head may reassign tasks, but a deputy's score of a unit is assigned to that
    deputy alone (offered to no one else): it was handed to the scored unit's own officer, who
    scored his unit, and the score counted as a deputy's. Nobody hands it on while the deputy
    may sign in; once he no longer may, the office head can, so that the case does not wait."""
    create_people(world, "head")
    case_id = act(world, "clerk", cases.start_instance, "department_evaluation", {"evaluation_title": "评议"}).id
    scheme = {"evaluated_units": ["finance"], "scheme_text": "打分", "scorers": ["wang"]}
    do(world, "clerk", case_id, "Task_Scheme", scheme)
    do(world, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "approve", "scheme_opinion": "同意"})
    [report] = items(world, case_id, "Task_SelfReport")
    act(world, "fin", tasks.complete, report.task_id, {"self_report": "财政所自查"})
    [score] = items(world, case_id, "Task_Score")
    assert act(world, "head", tasks.colleagues, score.task_id) == []
    with pytest.raises(NotAllowed):
        act(world, "head", tasks.hand_over, score.task_id, "fin")
    with pytest.raises(NotAllowed):
        act(world, "wang", tasks.hand_over, score.task_id, "li")
    assert [s.assignee for s in items(world, case_id, "Task_Score")] == ["wang"]

    create_people(world, "admin")
    act(world, "admin", people.set_active, "wang", False)  # moved away: his score is someone's to give
    act(world, "head", tasks.hand_over, score.task_id, "li", "王代表已调离")
    assert [s.assignee for s in items(world, case_id, "Task_Score")] == ["li"]


@pytest.mark.parametrize("opinion", [None, ""], ids=["not_sent", "left_empty"])
def test_a_scoring_deputy_reads_the_presidiums_decision_when_its_opinion_was_left_empty(world, frozen_clock, opinion):
    """A deputy reads a routing choice by the fields it opened (审定意见 by its 意见); an opened field
    left empty says nothing, so the choice itself stays in his history."""
    case_id = act(world, "clerk", cases.start_instance, "department_evaluation", {"evaluation_title": "评议"}).id
    scheme = {"evaluated_units": ["finance"], "scheme_text": "打分", "scorers": ["wang"]}
    do(world, "clerk", case_id, "Task_Scheme", scheme)
    decision = {"scheme_decision": "approve"} | ({} if opinion is None else {"scheme_opinion": opinion})
    do(world, "chair", case_id, "Task_ApproveScheme", decision)
    [report] = items(world, case_id, "Task_SelfReport")
    act(world, "fin", tasks.complete, report.task_id, {"self_report": "财政所自查"})  # his score's task comes
    history = act(world, "wang", cases.instance_detail, case_id).history
    [approved] = [e for e in history if e.bpmn_id == "Task_ApproveScheme"]
    assert approved.data["scheme_decision"] == "approve"  # the empty 意见 (stored as null) says nothing
