"""Each deputy's rating, score and comment in 部门工作评议 (``readers=office``) through every door:
the congress office reads them; the evaluated unit's officers see them withheld (***) on the
case page and in its history download, in the API's case and task, and on the command line.
The rule itself: tests/unit/test_field_readers.py; on the case: tests/processes/
test_department_evaluation_rounds.py."""

from __future__ import annotations

import json
import re

import pytest

from engine.errors import InvalidBpmn
from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM
from tests.access.conftest import Town
from tests.conftest import REPO_ROOT
from tests.world import act, create_people, deploy
from web import database

EVALUATION = REPO_ROOT / "bpmn" / "department_evaluation.bpmn"
WITHHELD = {"rating": "***", "score": "***", "score_comment": "***"}


def complete(town: Town, username: str, case_id: int, bpmn_id: str, data: dict, assignee: str | None = None) -> str:
    """Complete the case's open ``bpmn_id`` task (``assignee``'s, when several are open); its id."""
    open_tasks = act(town.app, "clerk", cases.instance_detail, case_id).open_tasks
    [task] = [t for t in open_tasks if t.bpmn_id == bpmn_id and assignee in (None, t.assignee)]
    act(town.app, username, tasks.complete, task.task_id, data)
    return task.task_id


def evaluated(town: Town) -> tuple[int, str]:
    """An evaluation of finance scored by ``deputy`` (满意, 90, 台账规范) and ``wang`` (基本满意, 80,
    no comment), its result fixed with rectification: the case, and finance's open task."""
    create_people(town.app, "wang")
    deploy(town.app, EVALUATION)
    case_id = act(
        town.app, "clerk", cases.start_instance, "department_evaluation", {"evaluation_title": "2026年度部门工作评议"}
    ).id
    scheme = {"evaluated_units": ["finance"], "scheme_text": "听取汇报、代表打分", "scorers": ["deputy", "wang"]}
    complete(town, "clerk", case_id, "Task_Scheme", scheme)
    complete(town, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "approve"})
    complete(town, "finance", case_id, "Task_SelfReport", {"self_report": "自查报告"})
    scored = {"rating": "满意", "score": 90, "score_comment": "台账规范"}
    complete(town, "deputy", case_id, "Task_Score", scored, assignee="deputy")
    complete(town, "wang", case_id, "Task_Score", {"rating": "基本满意", "score": 80}, assignee="wang")
    result = {"evaluation_result": "基本满意", "rectification_needed": "yes", "rectification_requirements": "整改"}
    complete(town, "clerk", case_id, "Task_Result", result)
    [rectify] = act(town.app, "clerk", cases.instance_detail, case_id).open_tasks
    return case_id, rectify.task_id


def history_text(html: str) -> str:
    return re.sub(r"<[^>]+>|\s+", " ", html.split('id="history"', 1)[1].split("</ol>", 1)[0])


def scored(history: list[dict]) -> list[tuple[str, dict]]:
    return [(h["actor"], h["data"]) for h in history if h["bpmn_id"] == "Task_Score"]


def test_the_case_page_and_its_history_download_withhold_the_scores_from_the_unit(town: Town):
    case_id, _rectify = evaluated(town)
    page = town.browser("finance").get(f"/cases/{case_id}").get_data(as_text=True)
    unit = history_text(page)
    assert " ".join(unit.split()).count("评议等次： 保密 ；得分： 保密 ；意见和建议： 保密") == 2  # said, not ***
    assert "***" not in page
    assert "得分：90" not in unit and "台账规范" not in unit
    office = history_text(town.browser("clerk").get(f"/cases/{case_id}").get_data(as_text=True))
    assert "评议等次：满意；得分：90；意见和建议：台账规范" in office and "评议等次：基本满意；得分：80" in office

    download = town.browser("finance").get(f"/cases/{case_id}/history.csv").get_data(as_text=True)
    assert (
        download.count("评议等次：（保密）；得分：（保密）；意见和建议：（保密）") == 2 and "得分：90" not in download
    )
    assert "得分：90" in town.browser("clerk").get(f"/cases/{case_id}/history.csv").get_data(as_text=True)


def test_the_api_gives_the_unit_the_case_and_its_task_without_scores(town: Town):
    """wang sent no comment: his entry shows it withheld all the same, not who commented."""
    case_id, rectify = evaluated(town)
    case = town.api("finance", "GET", f"/instances/{case_id}").get_json()
    assert scored(case["history"]) == [("deputy", WITHHELD), ("wang", WITHHELD)]
    assert "score_comment" not in case["variables"]  # a round's own value: on its tasks (withheld), not the case's
    task = town.api("finance", "GET", f"/tasks/{rectify}").get_json()
    assert task["task"]["name"] == "整改并报告 · 财政所"
    assert not {"rating", "score", "score_comment"} & set(task["data"])  # no stray 保密 for a comment
    assert scored(task["history"]) == [("deputy", WITHHELD), ("wang", WITHHELD)]

    office = town.api("clerk", "GET", f"/instances/{case_id}").get_json()
    assert scored(office["history"]) == [
        ("deputy", {"rating": "满意", "score": 90, "score_comment": "台账规范"}),
        ("wang", {"rating": "基本满意", "score": 80}),  # what he sent: no comment
    ]


def test_the_command_line_gives_the_deputy_his_own_score_alone(town: Town):
    case_id, _rectify = evaluated(town)
    code, out, _error = town.cli("deputy", "instance", str(case_id))
    assert code == 0
    assert scored(json.loads(out)["history"]) == [
        ("deputy", {"rating": "满意", "score": 90, "score_comment": "台账规范"}),
        ("wang", WITHHELD),
    ]
    code, out, _error = town.cli("finance", "instance", str(case_id))
    assert code == 0 and scored(json.loads(out)["history"]) == [("deputy", WITHHELD), ("wang", WITHHELD)]


@pytest.mark.parametrize("readers", ["", " , "])
def test_a_process_whose_field_names_no_reader_is_refused_at_deploy(town: Town, readers: str):
    source = EVALUATION.read_text(encoding="utf-8")
    naming = '<camunda:formField id="score" label="得分" type="long">\n                <camunda:properties>\n'
    naming += '                  <camunda:property id="readers" value="office"/>'
    assert naming in source
    empty = source.replace(naming, naming.replace('value="office"', f'value="{readers}"'))
    with pytest.raises(InvalidBpmn) as refused, database.session_factory(town.app).begin() as s:
        definitions.deploy(s, empty.encode(), "department_evaluation.bpmn", SYSTEM)
    [problem] = refused.value.problems
    assert problem.element_id == "Task_Score" and problem.file == "department_evaluation.bpmn"
    assert problem.message.startswith("form field 'score': readers names no group")
