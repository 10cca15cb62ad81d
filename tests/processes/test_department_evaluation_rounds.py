"""部门工作评议: a deputy's scoring task names the unit scored (评议打分 · 财政所) and shows it; the
office fixes each unit's result (确定评议结果和整改要求 · 财政所) reading the tally on the task; the
tally names no deputy, and no record of a named deputy's score travels on to the evaluated unit;
the case is titled by the evaluation's name; a rectification is returned with its reason. Each
deputy's rating, score and comment (readers=office) are read in the history by the office and by
the deputy who gave them, withheld from everyone else: the evaluated unit, the other deputies,
administrators, the chair."""

import pytest

from engine.errors import InvalidData
from engine.usecases import cases, tasks
from tests.world import create_people

from .conftest import act, deploy, detail, do, items, one

TALLY = ("score_count", "average_score", "satisfaction_rate", "rating_counts", "scores_given", "score_comments")


@pytest.fixture
def world(people):
    deploy(people, "department_evaluation")
    return people


def to_scoring(world) -> int:
    """A round over finance and land, scored by wang and li, both units reported."""
    case_id = act(
        world, "clerk", cases.start_instance, "department_evaluation", {"evaluation_title": "2026年度部门工作评议"}
    ).id
    scheme = {"evaluated_units": ["finance", "land"], "scheme_text": "听取汇报、代表打分", "scorers": ["wang", "li"]}
    do(world, "clerk", case_id, "Task_Scheme", scheme)
    do(world, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "approve"})
    for report in items(world, case_id, "Task_SelfReport"):
        user = "fin" if report.candidate_groups == ["finance"] else "landy"
        act(world, user, tasks.complete, report.task_id, {"self_report": "自查报告"})
    return case_id


# (unit name in the title, deputy) → rating, score, comment
MARKS = {
    ("财政所", "wang"): ("满意", 90, "台账规范"),
    ("财政所", "li"): ("基本满意", 80, ""),
    ("国土所", "wang"): ("满意", 70, "服务态度差"),
    ("国土所", "li"): ("不满意", 55, "按时公开"),
}


def score_all(world, case_id, unit: str | None = None) -> None:
    """Each deputy scores each unit (only ``unit``, a name, when given) as MARKS says."""
    for item in items(world, case_id, "Task_Score"):
        scored = item.name.split(" · ")[1]
        if unit not in (None, scored):
            continue
        rating, score, comment = MARKS[(scored, item.assignee)]
        act(
            world,
            item.assignee,
            tasks.complete,
            item.task_id,
            {"rating": rating, "score": score, "score_comment": comment},
        )


def to_rectification(world) -> int:
    """Both units scored (MARKS), their results fixed as 基本满意 with rectification required."""
    case_id = to_scoring(world)
    score_all(world, case_id)
    for result in items(world, case_id, "Task_Result"):
        needed = {"evaluation_result": "基本满意", "rectification_needed": "yes", "rectification_requirements": "整改"}
        act(world, "clerk", tasks.complete, result.task_id, needed)
    return case_id


def test_the_case_is_titled_by_the_evaluations_name(world, frozen_clock):
    case_id = to_scoring(world)
    assert detail(world, case_id).title == "2026年度部门工作评议"


def test_each_scoring_task_names_and_shows_the_unit_scored(world, frozen_clock):
    case_id = to_scoring(world)
    scores = items(world, case_id, "Task_Score")
    assert sorted((s.name, s.assignee) for s in scores) == [
        ("评议打分 · 国土所", "li"),
        ("评议打分 · 国土所", "wang"),
        ("评议打分 · 财政所", "li"),
        ("评议打分 · 财政所", "wang"),
    ]
    for item in scores:
        page = act(world, item.assignee, tasks.task_page, item.task_id)
        unit = page.detail.form.field("evaluated_unit")
        assert unit is not None and unit.label == "被评议单位" and unit.readonly  # shown, not answered
        assert page.department_names[page.values["evaluated_unit"]] == item.name.split(" · ")[1]


def test_the_result_task_names_the_unit_and_shows_the_tally_without_names(world, frozen_clock):
    case_id = to_scoring(world)
    score_all(world, case_id)
    results = {r.name: r for r in items(world, case_id, "Task_Result")}
    assert sorted(results) == ["确定评议结果和整改要求 · 国土所", "确定评议结果和整改要求 · 财政所"]
    finance = act(world, "clerk", tasks.task_page, results["确定评议结果和整改要求 · 财政所"].task_id)
    assert all(finance.detail.form.field(name).readonly for name in TALLY)
    # 90 and 80: average 85.0; 满意 and 基本满意 both count as satisfied
    assert {name: finance.values[name] for name in TALLY} == {
        "score_count": 2,
        "average_score": 85.0,
        "satisfaction_rate": 100.0,
        "rating_counts": "满意 1 票，基本满意 1 票，不满意 0 票",
        "scores_given": "90、80",
        "score_comments": "台账规范",
    }
    land = act(world, "clerk", tasks.task_page, results["确定评议结果和整改要求 · 国土所"].task_id)
    # 70 and 55: 62.5; one of two satisfied; the comments sorted, not in the scorers' order
    assert {name: land.values[name] for name in TALLY} == {
        "score_count": 2,
        "average_score": 62.5,
        "satisfaction_rate": 50.0,
        "rating_counts": "满意 1 票，基本满意 0 票，不满意 1 票",
        "scores_given": "70、55",
        "score_comments": "按时公开\n服务态度差",
    }


def named_scores(value) -> bool:
    """Whether ``value`` holds a per-deputy score record (one naming its deputy)."""
    if isinstance(value, dict):
        return "deputy" in value or any(named_scores(v) for v in value.values())
    if isinstance(value, list):
        return any(named_scores(v) for v in value)
    return False


def test_no_named_score_reaches_the_evaluated_unit(world, frozen_clock):
    case_id = to_rectification(world)
    rectify = next(i for i in items(world, case_id, "Task_Rectify") if i.candidate_groups == ["finance"])
    assert rectify.name == "整改并报告 · 财政所"
    page = act(world, "fin", tasks.task_page, rectify.task_id)
    assert page.detail.data["unit_scores"] is None  # the per-deputy records are dropped once tallied
    assert not named_scores(page.detail.data)
    assert not named_scores(detail(world, case_id).variables)
    # what the unit reads instead: the tally, labelled
    shown = {page.labels[k]: v for k, v in page.detail.data.items() if k in TALLY}
    assert shown["各代表得分（不记名，由高到低）"] == "90、80" and shown["平均得分"] == 85.0


def test_the_evaluated_unit_does_not_read_each_deputys_score_in_the_history(world, frozen_clock):
    case_id = to_scoring(world)
    score_all(world, case_id)
    history = act(world, "fin", cases.instance_detail, case_id).history
    scored = [e.data for e in history if e.bpmn_id == "Task_Score"]
    assert scored and all(data.get("score") not in (90, 80, 70, 55) for data in scored)


# the history's 评议打分 entries, in the order score_all gives them: who, what he entered
SCORED = [
    ("wang", {"rating": "满意", "score": 90, "score_comment": "台账规范"}),
    ("li", {"rating": "基本满意", "score": 80, "score_comment": None}),
    ("wang", {"rating": "满意", "score": 70, "score_comment": "服务态度差"}),
    ("li", {"rating": "不满意", "score": 55, "score_comment": "按时公开"}),
]
# an entry as those who may not read it see it: an empty comment too, which would tell who commented
WITHHELD = {"rating": "***", "score": "***", "score_comment": "***"}


def scored_entries(history) -> list[tuple[str, dict]]:
    return [(e.actor, e.data) for e in history if e.bpmn_id == "Task_Score"]


# the office, an evaluated unit (its own round alone: 国土所's is not its to read), a scoring deputy
@pytest.mark.parametrize(
    ("reader", "units"), [("clerk", ("财政所", "国土所")), ("fin", ("财政所",)), ("wang", ("财政所", "国土所"))]
)
def test_the_history_names_the_unit_each_score_was_for(world, frozen_clock, reader, units):
    """Two deputies scoring two units: four 评议打分 entries, each titled by its round as the
    case's steps are; an entry of the whole case (the start) names no task."""
    case_id = to_scoring(world)
    score_all(world, case_id)
    history = act(world, reader, cases.instance_detail, case_id).history
    assert [(e.actor, e.task_name) for e in history if e.bpmn_id == "Task_Score" and e.action == "complete"] == [
        (deputy, f"评议打分 · {unit}") for unit in units for deputy in ("wang", "li")
    ]
    assert [(e.action, e.task_name) for e in history[:2]] == [("start", None), ("complete", "制定评议方案")]


@pytest.mark.parametrize("reader", ["clerk", "boss"])  # an officer of the office; a supervisor sitting in it
def test_the_office_reads_each_deputys_score_in_the_history(world, frozen_clock, reader):
    case_id = to_scoring(world)
    score_all(world, case_id)
    assert scored_entries(act(world, reader, cases.instance_detail, case_id).history) == SCORED


# each evaluated unit reads its own round's two scorings; the chair and an administrator, all four
@pytest.mark.parametrize(("reader", "entries"), [("fin", 2), ("landy", 2), ("chair", 4), ("admin", 4)])
def test_outside_the_office_no_one_reads_a_deputys_score(world, frozen_clock, reader, entries):
    """The evaluated units, the chair (who sees every case), an administrator: no permission reads it."""
    create_people(world, "admin")
    case_id = to_scoring(world)
    score_all(world, case_id)
    history = act(world, reader, cases.instance_detail, case_id).history
    assert scored_entries(history) == [(deputy, WITHHELD) for deputy in ("wang", "li", "wang", "li")[:entries]]


def test_a_scoring_deputy_reads_his_own_scores_but_not_anothers(world, frozen_clock):
    case_id = to_scoring(world)
    score_all(world, case_id)
    expected = [
        ("wang", {"rating": "满意", "score": 90, "score_comment": "台账规范"}),
        ("li", WITHHELD),
        ("wang", {"rating": "满意", "score": 70, "score_comment": "服务态度差"}),
        ("li", WITHHELD),
    ]
    assert scored_entries(act(world, "wang", cases.instance_detail, case_id).history) == expected
    # and on his done task
    done = next(i for i in items(world, case_id, "Task_Score", state=None) if i.assignee == "wang")
    page = act(world, "wang", tasks.task_page, done.task_id)
    assert page.detail.summary.state == "completed" and scored_entries(page.history) == expected


def test_the_evaluated_unit_reads_no_score_in_the_case_or_on_its_task(world, frozen_clock):
    case_id = to_rectification(world)
    case = act(world, "fin", cases.instance_detail, case_id)
    # the scoring rounds' own value, dropped once the unit's scores are tallied: not the case's,
    # not on the unit's later tasks either (it read 意见和建议 保密 there, for a comment nobody wrote)
    assert "score_comment" not in case.variables and "score_comment" not in detail(world, case_id).variables
    rectify = next(i for i in items(world, case_id, "Task_Rectify") if i.candidate_groups == ["finance"])
    page = act(world, "fin", tasks.task_page, rectify.task_id)
    assert not {"rating", "score", "score_comment"} & set(page.detail.data)
    # its own round's scoring (each deputy's of it), not the other evaluated unit's
    assert scored_entries(page.history) == [(deputy, WITHHELD) for deputy in ("wang", "li")]


def test_a_deputys_draft_score_is_his_not_the_evaluated_units(world, frozen_clock):
    case_id = to_scoring(world)
    [mine] = [i for i in items(world, case_id, "Task_Score") if i.assignee == "wang" and i.name.endswith("财政所")]
    act(world, "wang", tasks.save_draft, mine.task_id, {"rating": "满意", "score": 95})
    own = act(world, "wang", tasks.task_page, mine.task_id)
    assert own.values["score"] == 95 and own.values["rating"] == "满意"
    theirs = act(world, "fin", tasks.task_page, mine.task_id)
    assert "score" not in theirs.values and "rating" not in theirs.values


def test_the_scoring_form_starts_empty_never_at_the_withheld_marker(world, frozen_clock):
    """The round's data holds the comment the unit's scoring starts with (None), nobody's: a
    deputy reads it withheld, and his form starts empty, not at the marker he would submit."""
    case_id = to_scoring(world)
    [mine] = [i for i in items(world, case_id, "Task_Score") if i.assignee == "wang" and i.name.endswith("财政所")]
    page = act(world, "wang", tasks.task_page, mine.task_id)
    assert page.detail.data["score_comment"] == "***" and "score_comment" not in page.values
    assert page.can_act and page.hidden == frozenset()  # he writes the fields: nothing refused


def test_a_rectification_is_returned_with_its_reason(world, frozen_clock):
    case_id = to_scoring(world)
    score_all(world, case_id)
    for result in items(world, case_id, "Task_Result"):
        needed = "yes" if result.name.endswith("财政所") else "no"
        data = {"evaluation_result": "基本满意", "rectification_needed": needed, "rectification_requirements": "整改"}
        act(world, "clerk", tasks.complete, result.task_id, data)
    do(world, "fin", case_id, "Task_Rectify", {"rectification_report": "已整改"})
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "returned", "acceptance_opinion": " "})
    assert refused.value.codes["acceptance_opinion"].code == "required"
    do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "returned", "acceptance_opinion": "未到位"})
    again = one(world, case_id, "Task_Rectify")
    assert again.name == "整改并报告 · 财政所"
    do(world, "fin", case_id, "Task_Rectify", {"rectification_report": "再次整改"})
    # accepting needs no reason: the field is not asked
    do(world, "clerk", case_id, "Task_AcceptRectification", {"acceptance": "accepted"})
    assert [i.bpmn_id for i in items(world, case_id)] == ["Task_Publish"]


def test_a_rectification_is_accepted_with_an_opinion_or_none(world, frozen_clock):
    """整改到位 may carry a 验收意见 (optional), which the acceptance's history entry keeps; the
    return's reason, not asked on a pass, is not stored even when sent."""
    case_id = to_rectification(world)
    for rectify in items(world, case_id, "Task_Rectify"):
        user = "fin" if rectify.candidate_groups == ["finance"] else "landy"
        act(world, user, tasks.complete, rectify.task_id, {"rectification_report": "已整改"})
    acceptances = {i.name: i.task_id for i in items(world, case_id, "Task_AcceptRectification")}
    noted = {"acceptance": "accepted", "acceptance_note": "整改措施已落实", "acceptance_opinion": "x"}
    act(world, "clerk", tasks.complete, acceptances["整改验收 · 财政所"], noted)
    act(world, "clerk", tasks.complete, acceptances["整改验收 · 国土所"], {"acceptance": "accepted"})
    assert [i.bpmn_id for i in items(world, case_id)] == ["Task_Publish"]
    entries = {e.task_name: e.data for e in detail(world, case_id).history if e.bpmn_id == "Task_AcceptRectification"}
    assert entries == {
        "整改验收 · 财政所": {"acceptance": "accepted", "acceptance_note": "整改措施已落实"},
        "整改验收 · 国土所": {"acceptance": "accepted", "acceptance_note": None},  # left empty
    }


def test_what_each_open_round_holds_is_not_shown_as_the_cases(world, frozen_clock):
    """财政所 scored and at its result, 国土所 still being scored: the case's facts are the
    evaluation's, not 财政所's tally under 国土所's name."""
    case_id = to_scoring(world)
    score_all(world, case_id, unit="财政所")
    case = detail(world, case_id)
    assert sorted(t.name for t in case.open_tasks) == [
        "确定评议结果和整改要求 · 财政所",
        "评议打分 · 国土所",
        "评议打分 · 国土所",
    ]
    assert case.round_local == [
        *("average_score", "evaluated_unit", "rating_counts", "satisfaction_rate", "score_comment"),
        *("score_comments", "score_count", "scored_unit", "scores_given", "scoring_deputy", "unit_scores"),
        # 财政所's tally, 国土所's scorers (score_comment: 国土所's rounds still hold it, 财政所's dropped it)
    ]
    assert not {"evaluated_unit", "average_score", "scores_given"} & set(case.variables)
    assert case.variables["self_report"] == "自查报告"  # both units reported the same words: no round's own
    assert case.variables["evaluation_title"] == "2026年度部门工作评议"
    assert case.variables["evaluated_units"] == ["finance", "land"]
    # the round's own, on its task
    result = next(i for i in items(world, case_id, "Task_Result"))
    assert act(world, "clerk", tasks.task_page, result.task_id).values["average_score"] == 85.0


def test_one_round_open_holds_the_cases_values_alone(world, frozen_clock):
    case_id = act(
        world, "clerk", cases.start_instance, "department_evaluation", {"evaluation_title": "2026年度部门工作评议"}
    ).id
    scheme = {"evaluated_units": ["finance"], "scheme_text": "听取汇报、代表打分", "scorers": ["wang"]}
    do(world, "clerk", case_id, "Task_Scheme", scheme)
    do(world, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "approve"})
    case = detail(world, case_id)
    assert case.round_local == [] and case.variables["evaluated_unit"] == "finance"


def test_the_schemes_units_and_a_rounds_unit_are_labelled_apart(world, frozen_clock):
    """A unit's task listed 被评议单位 twice (its own, and the scheme's list of every unit):
    the scheme's reads 本次被评议单位."""
    case_id = act(
        world, "clerk", cases.start_instance, "department_evaluation", {"evaluation_title": "2026年度部门工作评议"}
    ).id
    page = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_Scheme").task_id)
    assert (page.labels["evaluated_units"], page.labels["evaluated_unit"]) == ("本次被评议单位", "被评议单位")
