"""A number field's bound evaluated from the case when the page is shown, hinted beside the field
and said when refused, in the reader's language: a case value as it is by the label of the field
that asked it (代表述职: no count of votes above the voters present the deputy recorded), an
allowance as what is left (信访: the extension days left of the 30)."""

from __future__ import annotations

import re

import pytest

from engine.usecases import cases, tasks
from engine.usecases.results import TaskSummary
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import act, deploy

LIBRARY = REPO_ROOT / "bpmn"


@pytest.fixture
def library(app):
    deploy(app, LIBRARY / "deputy_report.bpmn", LIBRARY / "petition.bpmn")
    return app


def the(opened: list[TaskSummary], bpmn_id: str) -> str:
    [task_id] = [t.task_id for t in opened if t.bpmn_id == bpmn_id]
    return task_id


def appraisal_task(app) -> str:
    started = act(app, "office1", cases.start_instance, "deputy_report", {})
    opened = act(
        app, "office1", tasks.complete, the(started.open_tasks, "Task_Arrange"), {"reporting_deputies": ["deputy"]}
    )
    report = {"report_text": "述职报告", "voters_present": 42}
    opened = act(app, "deputy", tasks.complete, the(opened, "Task_SubmitReport"), report)
    return the(opened, "Task_Appraise")


def handling_task(app) -> str:
    petition = {
        "channel": "visit",
        "petitioner_name": "赵某",
        "petitioner_phone": "13800000000",
        "petition_subject": "低保资格",
        "petition_content": "申请复核低保资格",
        "received_on": "2026-12-07",
        "disposition": "register",
    }
    started = act(app, "office1", cases.start_instance, "petition", petition)
    accepted = {"acceptance": "accept", "notified_on": "2026-12-07"}
    opened = act(app, "office1", tasks.complete, the(started.open_tasks, "Task_Accept"), accepted)
    assigned = {"handling_unit": "finance", "assignment_note": "请依法办理"}
    opened = act(app, "office1", tasks.complete, the(opened, "Task_Assign"), assigned)
    return the(opened, "Task_Handle")


def hints(html: str, field_id: str) -> list[str]:
    field = html.split(f'data-field="{field_id}"', 1)[1].split('<div class="field', 1)[0]
    return re.findall(r'<span class="hint" id="[^"]*">(.*?)</span>', field)


def test_the_votes_are_hinted_at_most_the_voters_present_by_name(library, as_user):
    task_id = appraisal_task(library)
    c = as_user("office1")
    chinese = text_of(c.get(f"/tasks/{task_id}"))
    assert [hints(chinese, f) for f in ("votes_satisfied", "votes_basic", "votes_unsatisfied")] == [
        ["最多“到会选民人数”（42）"]
    ] * 3
    assert "剩余可用额度" not in chinese
    c.get("/lang/en")
    assert hints(text_of(c.get(f"/tasks/{task_id}")), "votes_satisfied") == ["at most “到会选民人数” (42)"]


def test_a_count_above_the_voters_present_is_refused_naming_them(library, as_user):
    task_id = appraisal_task(library)
    c = as_user("office1")

    def submit():
        votes = {"action": "complete", "votes_satisfied": "50"}
        return c.post(f"/tasks/{task_id}", data=votes)

    chinese = submit()
    assert chinese.status_code == 422
    assert (
        '<p class="field-error" id="f-votes_satisfied-error" role="alert">不能大于“到会选民人数”（42）</p>'
        in text_of(chinese)
    )
    c.get("/lang/en")
    assert "Must not be more than “到会选民人数” (42).</p>" in text_of(submit())


def test_an_extension_is_hinted_at_most_what_is_left(library, as_user):
    task_id = handling_task(library)
    c = as_user("finance1")
    assert hints(text_of(c.get(f"/tasks/{task_id}")), "extension_days") == ["最多 30（剩余可用额度）"]
    c.get("/lang/en")
    assert hints(text_of(c.get(f"/tasks/{task_id}")), "extension_days") == ["at most 30 (what is left)"]


def test_the_votes_together_are_hinted_at_most_the_voters_present(library, as_user):
    """The field that carries the total's rule (the last count) says it before anyone submits."""
    task_id = appraisal_task(library)
    c = as_user("office1")

    def total_hint() -> list[str]:
        return re.findall(
            r'<span class="hint" data-hint="max_total" id="[^"]*">(.*?)</span>', text_of(c.get(f"/tasks/{task_id}"))
        )

    assert total_hint() == ["满意票、基本满意票、不满意票合计最多“到会选民人数”（42）"]
    c.get("/lang/en")
    assert total_hint() == ["满意票、基本满意票、不满意票 together: at most “到会选民人数” (42)"]
