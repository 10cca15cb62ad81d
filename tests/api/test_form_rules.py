"""Two form rules of the process library through every door (one validation, the use case's):
an inspected unit is none of the congress's own bodies (inspection.bpmn: ``options_exclude``
on 被检查单位), and the votes of a deputy's appraisal together are no more than the voters
present (deputy_report.bpmn: ``max_total``). The API answers 422 with the field's code, the
page says it in the reader's language and leaves the bodies out of its list, the command line
refuses as well."""

from __future__ import annotations

import json
import re

import lxml.html
import pytest
from sqlalchemy import select

from engine.usecases import cases, tasks
from storage.enums import WorkItemState
from storage.models import WorkItem
from tests.conftest import REPO_ROOT
from tests.world import act, deploy

LIBRARY = REPO_ROOT / "bpmn"
PLAN = {"topics": "预算执行", "units": ["finance", "office"], "selfcheck_deadline": "2026-12-20"}
VOTES = {"votes_satisfied": "30", "votes_basic": "20", "votes_unsatisfied": "15"}  # 65 of 42


@pytest.fixture
def library(world):
    deploy(world.app, LIBRARY / "inspection.bpmn", LIBRARY / "deputy_report.bpmn")
    return world


def open_task(world, case_id: int, bpmn_id: str) -> str:
    with world.factory() as s:
        query = select(WorkItem.task_id).where(
            WorkItem.instance_id == case_id, WorkItem.bpmn_id == bpmn_id, WorkItem.state == WorkItemState.READY
        )
        [task_id] = s.scalars(query).all()
    return task_id


def plan_task(world) -> str:
    case_id = act(world.app, "clerk", cases.start_instance, "inspection", {"inspection_title": "预算执行检查"}).id
    return open_task(world, case_id, "Task_Plan")


def appraisal_task(world) -> str:
    case_id = act(world.app, "clerk", cases.start_instance, "deputy_report", {}).id
    arrange = open_task(world, case_id, "Task_Arrange")
    act(world.app, "clerk", tasks.complete, arrange, {"reporting_deputies": ["deputy"]})
    report = open_task(world, case_id, "Task_SubmitReport")
    act(world.app, "deputy", tasks.complete, report, {"report_text": "述职报告", "voters_present": 42})
    return open_task(world, case_id, "Task_Appraise")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# -- the API -------------------------------------------------------------------------------------
def test_the_api_refuses_an_inspection_of_the_congress_office(library):
    task_id = plan_task(library)
    clerk = library.as_("clerk")
    page = clerk.get(f"/tasks/{task_id}").get_json()
    assert not {"office", "presidium"} & set(page["choices"]["departments"])
    [units] = [f for f in page["form"]["fields"] if f["id"] == "units"]
    assert units["options_exclude"] == ["office", "presidium"]
    refused = clerk.post(f"/tasks/{task_id}/complete", json={"data": PLAN})
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {"units": {"code": "not_allowed_value", "params": {"value": "office"}}}
    done = clerk.post(f"/tasks/{task_id}/complete", json={"data": {**PLAN, "units": ["finance"]}})
    assert done.status_code == 200, done.get_json()


def test_the_api_refuses_more_votes_than_voters_present(library):
    task_id = appraisal_task(library)
    clerk = library.as_("clerk")
    [unsatisfied] = [
        f for f in clerk.get(f"/tasks/{task_id}").get_json()["form"]["fields"] if f["id"] == "votes_unsatisfied"
    ]
    # the case value it names, as it is now (the 42 voters present), and the name it is declared by
    assert unsatisfied["constraints"]["max_total"] == "42"
    assert unsatisfied["constraints"]["max"] == "42"
    assert unsatisfied["constraints_as_declared"] == {"max": "${voters_present}", "max_total": "voters_present"}
    assert unsatisfied["total_of"] == ["votes_satisfied", "votes_basic", "votes_unsatisfied"]
    refused = clerk.post(f"/tasks/{task_id}/complete", json={"data": VOTES})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["codes"] == {
        "votes_unsatisfied": {
            "code": "max_total_named",
            "params": {"total": 65, "max": 42, "fields": "满意票、基本满意票、不满意票", "field": "到会选民人数"},
        }
    }
    assert body["fields"] == {
        "votes_unsatisfied": "不满意票: 满意票、基本满意票、不满意票 add up to 65: "
        "together they must not be more than 到会选民人数 (42)"
    }
    still = clerk.post(f"/tasks/{task_id}/complete", json={"data": {**VOTES, "votes_unsatisfied": "0"}})  # 50
    assert still.status_code == 422 and still.get_json()["codes"]["votes_unsatisfied"]["params"]["total"] == 50
    done = clerk.post(
        f"/tasks/{task_id}/complete", json={"data": {**VOTES, "votes_basic": "12", "votes_unsatisfied": "0"}}
    )
    assert done.status_code == 200, done.get_json()


# -- the pages -----------------------------------------------------------------------------------
def offered_units(html: str) -> list[str]:
    return lxml.html.fromstring(html).xpath('//select[@name="units"]/option/@value')


def test_the_page_leaves_the_congress_bodies_out_and_refuses_them_all_the_same(library):
    task_id = plan_task(library)
    browser, token = library.browser("clerk")
    offered = offered_units(browser.client.get(f"/tasks/{task_id}").get_data(as_text=True))
    assert "finance" in offered and not {"office", "presidium"} & set(offered)
    refused = browser.client.post(f"/tasks/{task_id}", data={"csrf_token": token, "action": "complete", **PLAN})
    assert refused.status_code == 422
    assert "不是可选的值：office" in text_of(refused)
    assert not {"office", "presidium"} & set(offered_units(refused.get_data(as_text=True)))


def test_the_page_says_the_votes_together_exceed_the_voters_present(library):
    task_id = appraisal_task(library)
    browser, token = library.browser("clerk")

    def submit():
        return browser.client.post(f"/tasks/{task_id}", data={"csrf_token": token, "action": "complete", **VOTES})

    chinese = submit()
    assert chinese.status_code == 422
    assert "满意票、基本满意票、不满意票合计 65，不能大于“到会选民人数”（42）" in text_of(chinese)
    browser.client.get("/lang/en")
    english = "满意票、基本满意票、不满意票 add up to 65: together they must not be more than “到会选民人数” (42)"
    assert english in text_of(submit())


# -- the command line ------------------------------------------------------------------------------
def test_the_command_line_refuses_both(library):
    runner = library.app.test_cli_runner()
    plan = runner.invoke(args=["complete", plan_task(library), "--user", "clerk", "--data", json.dumps(PLAN)])
    assert plan.exit_code == 1 and "units" in plan.output and "not one of the allowed values: office" in plan.output
    votes = runner.invoke(args=["complete", appraisal_task(library), "--user", "clerk", "--data", json.dumps(VOTES)])
    assert (
        votes.exit_code == 1 and "add up to 65: together they must not be more than 到会选民人数 (42)" in votes.output
    )
