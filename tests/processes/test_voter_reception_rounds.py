"""接待选民日: each issue's round is about its own issue. Its tasks (交办承办单位, the unit's
办理并答复, 督办, 向选民反馈) are titled with the issue ("· 问题1") and show the issue's own
content, category, receiving group and number of voters, not those of the last issue registered
(bpmn/README.md §3.4)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.usecases import cases, tasks
from storage.models import CaseItemFacts

from .conftest import act, advance_and_fire, deploy, do, items


@pytest.fixture
def world(people):
    deploy(people, "voter_reception")
    return people


# what the task pages say of an issue (the day's own facts, 接待安排 and the like, besides)
ISSUE_FACTS = ("问题内容", "类别", "接待代表小组", "反映人数", "继续登记", "承办单位", "办理答复")


def facts(world, username, item) -> dict:
    """What the task page lists of the issue above its form, as the page shows it (web/
    templates/tasks/show.html: the labelled values of the case that are not the task's own
    fields, an option or a unit by its name; a value not set is not listed)."""
    page = act(world, username, tasks.task_page, item.task_id)
    own = {f.id for f in page.detail.form.fields}
    shown = {}
    for name, value in page.detail.data.items():
        if name in page.labels and name not in own and value not in (None, "", []):
            names = page.value_labels.get(name, page.department_names)
            shown[page.labels[name]] = names.get(value, value) if isinstance(value, str) else value
    return {label: value for label, value in shown.items() if label in ISSUE_FACTS}


def by_name(world, case_id, bpmn_id) -> dict:
    return {i.name: i for i in items(world, case_id, bpmn_id)}


FIRST = {"问题内容": "村道破损", "类别": "基础设施", "接待代表小组": "第一小组", "反映人数": 3}
SECOND = {"问题内容": "低保评定不公", "类别": "民生保障", "接待代表小组": "第二小组", "反映人数": 1}


def two_issues(world) -> int:
    case_id = act(world, "clerk", cases.start_instance, "voter_reception", {}).id
    do(world, "clerk", case_id, "Task_Arrange", {"arrangement": "第一、二小组在镇接待室"})
    do(world, "wang", case_id, "Task_Reception", {"voters_received": 12, "has_issues": "yes"})
    first = {
        "issue_content": "村道破损",
        "issue_category": "infrastructure",
        "receiving_group": "第一小组",
        "voter_count": 3,
        "more_issues": "yes",
    }
    do(world, "wang", case_id, "Task_RegisterIssue", first)
    second = {
        "issue_content": "低保评定不公",
        "issue_category": "livelihood",
        "receiving_group": "第二小组",
        "voter_count": 1,
        "more_issues": "no",
    }
    do(world, "li", case_id, "Task_RegisterIssue", second)
    return case_id


def test_each_issue_is_assigned_under_its_own_name_and_shows_its_own_content(world, frozen_clock):
    case_id = two_issues(world)
    assigns = by_name(world, case_id, "Task_AssignIssue")
    assert sorted(assigns) == ["交办承办单位 · 问题1", "交办承办单位 · 问题2"]
    # the registration's 继续登记 is no fact of an issue
    assert facts(world, "clerk", assigns["交办承办单位 · 问题1"]) == FIRST
    assert facts(world, "clerk", assigns["交办承办单位 · 问题2"]) == SECOND


def test_the_unit_the_supervision_and_the_feedback_see_the_issue_of_their_round(world, frozen_clock):
    case_id = two_issues(world)
    assigns = by_name(world, case_id, "Task_AssignIssue")
    act(world, "clerk", tasks.complete, assigns["交办承办单位 · 问题1"].task_id, {"handling_unit": "land"})
    act(world, "clerk", tasks.complete, assigns["交办承办单位 · 问题2"].task_id, {"handling_unit": "civil_affairs"})

    handles = by_name(world, case_id, "Task_HandleIssue")
    assert sorted(handles) == ["办理并答复 · 问题1", "办理并答复 · 问题2"]
    assert facts(world, "landy", handles["办理并答复 · 问题1"]) == {**FIRST, "承办单位": "国土所"}
    assert facts(world, "civ", handles["办理并答复 · 问题2"]) == {**SECOND, "承办单位": "民政办"}

    act(world, "landy", tasks.complete, handles["办理并答复 · 问题1"].task_id, {"handling_reply": "已修复村道"})
    [feedback] = items(world, case_id, "Task_Feedback")
    assert feedback.name == "向选民反馈 · 问题1"
    assert facts(world, "wang", feedback) == {**FIRST, "承办单位": "国土所", "办理答复": "已修复村道"}

    # 问题2 runs late: assigned 12-07, due 30 days later, 2027-01-06 24:00; the 督办 names it
    advance_and_fire(world, timedelta(days=31))
    [supervise] = items(world, case_id, "Task_SuperviseIssue")
    assert supervise.name == "督办 · 问题2"
    assert facts(world, "clerk", supervise) == {**SECOND, "承办单位": "民政办"}


def test_the_statistics_count_each_issue_by_its_name(world, frozen_clock):
    case_id = two_issues(world)
    for item in items(world, case_id, "Task_AssignIssue"):
        act(world, "clerk", tasks.complete, item.task_id, {"handling_unit": "land"})
    handle = by_name(world, case_id, "Task_HandleIssue")["办理并答复 · 问题1"]
    act(world, "landy", tasks.complete, handle.task_id, {"handling_reply": "已修复"})
    do(world, "wang", case_id, "Task_Feedback", {"feedback_note": "已告知", "voter_satisfaction": "满意"})
    with world() as session:
        rows = session.execute(
            select(CaseItemFacts.item, CaseItemFacts.done)
            .where(CaseItemFacts.instance_id == case_id, CaseItemFacts.kind == "voter_issue")
            .order_by(CaseItemFacts.position)
        ).all()
    # the finished issue keeps the name it ran under; the running one has it already
    assert [tuple(r) for r in rows] == [("问题1", True), ("问题2", False)]


def case_facts_of_issues(world, case_id) -> dict:
    """What the case page lists as the case's own of an issue's facts (round_local left out)."""
    case = act(world, "clerk", cases.instance_detail, case_id)
    names = ("issue_content", "issue_category", "receiving_group", "voter_count", "more_issues")
    names += ("handling_unit", "handling_reply", "feedback_note", "voter_satisfaction")
    return {name: case.variables[name] for name in names if case.variables.get(name) not in (None, "")}


def test_the_case_shows_no_issues_facts_as_its_own_while_or_after_they_run(world, frozen_clock):
    """With 问题1 fed back and 问题2 with its unit, the case page said 问题2's content and unit
    beside 问题1's reply and feedback, as if one issue; after both, the last registered issue's
    content lingered. Each issue's facts are its round's (round_local), and the day's case
    keeps the issues with their results in ``issues``."""
    case_id = two_issues(world)
    assigns = by_name(world, case_id, "Task_AssignIssue")
    act(world, "clerk", tasks.complete, assigns["交办承办单位 · 问题1"].task_id, {"handling_unit": "land"})
    act(world, "clerk", tasks.complete, assigns["交办承办单位 · 问题2"].task_id, {"handling_unit": "civil_affairs"})
    handles = by_name(world, case_id, "Task_HandleIssue")
    act(world, "landy", tasks.complete, handles["办理并答复 · 问题1"].task_id, {"handling_reply": "已修复村道"})
    do(world, "wang", case_id, "Task_Feedback", {"feedback_note": "已告知", "voter_satisfaction": "满意"})
    assert case_facts_of_issues(world, case_id) == {}
    running = act(world, "clerk", cases.instance_detail, case_id).round_local
    assert {"issue_content", "handling_unit", "handling_reply", "feedback_note"} <= set(running)

    act(world, "civ", tasks.complete, handles["办理并答复 · 问题2"].task_id, {"handling_reply": "已复核"})
    do(world, "wang", case_id, "Task_Feedback", {"feedback_note": "已告知", "voter_satisfaction": "基本满意"})
    assert case_facts_of_issues(world, case_id) == {}  # at 汇总: none of the last issue's left
    issues = act(world, "clerk", cases.instance_detail, case_id).variables["issues"]
    assert [(i["no"], i["content"], i["unit"], i["reply"]) for i in issues] == [
        ("问题1", "村道破损", "land", "已修复村道"),
        ("问题2", "低保评定不公", "civil_affairs", "已复核"),
    ]
