"""The forms of 监督检查, 接待选民日, 部门工作评议, 代表述职 and 单位定期报送 bound what they take, as
proposal.bpmn and petition.bpmn do: every text a length (10000 for a long text, 2000 for a note or
an opinion, 50 for a name, 200 for a line), a count of votes the voters present (and the counts
together: max_total), a return its reason, an inspected unit none of the congress's own bodies
(options_exclude) (bpmn/README.md §1, Forms)."""

from pathlib import Path

import pytest

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidData
from engine.usecases import cases, tasks

from .conftest import act, deploy, do, items, one

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
KEYS = ("inspection", "voter_reception", "department_evaluation", "deputy_report", "unit_report")


@pytest.mark.parametrize("key", KEYS)
def test_every_text_a_person_types_has_a_maximum_length(key):
    [process] = parse_bpmn((LIBRARY / f"{key}.bpmn").read_bytes(), f"{key}.bpmn")
    forms = [("start", process.start_form)] + [(task_id, meta.form) for task_id, meta in process.tasks.items()]
    unbounded = [
        f"{where}.{f.id}"
        for where, form in forms
        for f in form.fields
        if f.type == "string" and not f.readonly and not f.multiple_source and "maxlength" not in f.constraints
    ]
    assert unbounded == []


@pytest.fixture
def world(people):
    deploy(people, *KEYS)
    return people


def test_a_monthly_report_longer_than_a_long_text_is_refused(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "unit_report", {}).id
    do(world, "clerk", case_id, "Task_Notify", {"monthly_units": ["finance"]})
    with pytest.raises(InvalidData) as refused:
        do(world, "fin", case_id, "Task_SubmitMonthly", {"report_summary": "报" * 200_000})
    error = refused.value.codes["report_summary"]
    assert (error.code, error.params) == ("max_length", {"max": 10000})
    do(world, "fin", case_id, "Task_SubmitMonthly", {"report_summary": "报" * 10000})
    assert one(world, case_id, "Task_CheckMonthly")


def test_a_monthly_report_is_returned_with_what_is_missing(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "unit_report", {}).id
    do(world, "clerk", case_id, "Task_Notify", {"monthly_units": ["finance"]})
    do(world, "fin", case_id, "Task_SubmitMonthly", {"report_summary": "12月报表"})
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_CheckMonthly", {"check_result": "returned"})
    assert refused.value.codes["check_note"].code == "required"
    do(world, "clerk", case_id, "Task_CheckMonthly", {"check_result": "returned", "check_note": "缺少附表"})
    assert one(world, case_id, "Task_SubmitMonthly")


def to_appraisal(world, voters_present: int) -> int:
    case_id = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang"]})
    do(world, "wang", case_id, "Task_SubmitReport", {"report_text": "述职报告", "voters_present": voters_present})
    return case_id


def test_no_count_of_votes_exceeds_the_voters_present(world, frozen_clock):
    case_id = to_appraisal(world, 42)
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_Appraise", {"votes_satisfied": 65})
    error = refused.value.codes["votes_satisfied"]
    # named by the label the deputy's report asked it with: the voters present are no allowance left
    assert (error.code, error.params) == ("max_named", {"max": 42, "field": "到会选民人数"})
    do(world, "clerk", case_id, "Task_Appraise", {"votes_satisfied": 42})
    assert [i.bpmn_id for i in items(world, case_id)] == ["Task_Summary"]


def test_the_votes_together_do_not_exceed_the_voters_present(world, frozen_clock):
    case_id = to_appraisal(world, 42)
    votes = {"votes_satisfied": 30, "votes_basic": 20, "votes_unsatisfied": 15}  # 65
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_Appraise", votes)
    assert {name: (e.code, e.params) for name, e in refused.value.codes.items()} == {
        "votes_unsatisfied": (
            "max_total_named",
            {"total": 65, "max": 42, "fields": "满意票、基本满意票、不满意票", "field": "到会选民人数"},
        )
    }
    with pytest.raises(InvalidData) as refused:  # a count left empty counts nothing
        do(world, "clerk", case_id, "Task_Appraise", {"votes_satisfied": 30, "votes_basic": 13})
    assert refused.value.codes["votes_unsatisfied"].params["total"] == 43
    do(world, "clerk", case_id, "Task_Appraise", {**votes, "votes_basic": 10, "votes_unsatisfied": 2})  # 42
    assert [i.bpmn_id for i in items(world, case_id)] == ["Task_Summary"]


def to_plan(world) -> int:
    return act(world, "clerk", cases.start_instance, "inspection", {"inspection_title": "检查"}).id


def test_the_congress_office_and_presidium_are_not_inspected_units(world, frozen_clock):
    case_id = to_plan(world)
    page = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_Plan").task_id)
    assert not {"office", "presidium"} & set(page.choices["departments"])
    assert {"finance", "land", "civil_affairs"} <= set(page.choices["departments"])
    # a case naming them still reads their names
    assert (page.department_names["office"], page.department_names["presidium"]) == ("镇人大办", "人大主席团")


def test_an_inspection_of_the_congress_office_is_refused(world, frozen_clock):
    case_id = to_plan(world)
    plan = {"topics": "预算执行", "units": ["finance", "office", "presidium"], "selfcheck_deadline": "2026-12-20"}
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_Plan", plan)
    error = refused.value.codes["units"]
    assert (error.code, error.params) == ("not_allowed_value", {"value": "office, presidium"})
    do(world, "clerk", case_id, "Task_Plan", {**plan, "units": ["finance"]})
    assert one(world, case_id, "Task_ApprovePlan")


# the fields of the library choosing departments, and the congress's bodies each leaves out: no
# supervised unit is one of them; no handling unit is the presidium (the office handles what
# concerns the congress's own work)
CONGRESS_BODIES_LEFT_OUT = {
    ("inspection", "Task_Plan", "units"): ("office", "presidium"),
    ("department_evaluation", "Task_Scheme", "evaluated_units"): ("office", "presidium"),
    ("unit_report", "Task_Notify", "monthly_units"): ("office", "presidium"),
    ("unit_report", "Task_Notify", "thematic_units"): ("office", "presidium"),
    ("proposal", "Task_Classify", "lead_unit"): ("presidium",),
    ("proposal", "Task_Classify", "cohandling_units"): ("presidium",),
    ("petition", "Task_Assign", "handling_unit"): ("presidium",),
    ("voter_reception", "Task_AssignIssue", "handling_unit"): ("presidium",),
}


def test_every_unit_a_process_chooses_leaves_out_the_congress_bodies_it_cannot_be():
    chosen = {}
    for path in sorted(LIBRARY.glob("*.bpmn")):
        for process in parse_bpmn(path.read_bytes(), path.name):
            for task_id, meta in process.tasks.items():
                for f in meta.form.fields:
                    if "departments" in (f.options_source, f.multiple_source) and not f.readonly:
                        chosen[(process.key, task_id, f.id)] = f.options_excluded
    assert chosen == CONGRESS_BODIES_LEFT_OUT
