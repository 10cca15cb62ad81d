"""A called case that its caller gave confidential fields (the petitioner's name passed as
``topic``) keeps its tasks offered to the office for the office's readers of the identity, as
its caller's are kept (``access.may_take``: the rule is the case's, for any of its tasks): a
plain officer of the office finds it neither in his inbox's 待签收 tab nor in the API's task
list, may not claim it on the page or through the API, and is not told it arrived; the
petition officer takes it. A called case given nothing confidential stays any officer's.

Every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from engine.access import OPERATOR
from engine.usecases import cases, definitions, tokens
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind
from storage.models import Notification, ProcessInstance, WorkItem
from tests.api.conftest import Caller
from tests.processes.test_call_activities import SECRET_CALLER
from tests.web import conftest as web
from tests.world import act, deploy, session_factory_of, start_review

# the office's petition officer and its head (who may read the identity), a plain officer of the office
PEOPLE = ("keeper", "head", "clerk")
# the caller passes its petitioner, a confidential field of its own, as the called case's topic
CALLS_WITH_THE_PETITIONER = SECRET_CALLER.replace(
    '<camunda:in source="subject" target="topic" />', '<camunda:in source="petitioner" target="topic" />'
)
START = {"subject": "路灯", "petitioner": "张三丰", "unit": "office"}  # the office handles the called case itself
FOR_READERS = "「办理并答复」所在案件含保密信息，只有有保密权限的人员可以签收办理。"  # task_for_confidential_readers

app, client, as_user = web.app, web.client, web.as_user


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


def _called_task(app: Flask, process: str, caller_source: str | None = None) -> str:
    """The called case's task 办理并答复 (offered to the office), its caller started by the
    petition officer."""
    deploy(app, "call_child.bpmn", "call_parent.bpmn")
    if caller_source is not None:
        with session_factory_of(app).begin() as s:
            definitions.deploy(s, caller_source.encode(), "call_secret.bpmn", OPERATOR)
    caller = act(app, "keeper", cases.start_instance, process, START, validate=False).id
    with session_factory_of(app)() as s:
        return s.scalars(
            select(WorkItem.task_id)
            .join(ProcessInstance, ProcessInstance.id == WorkItem.instance_id)
            .where(ProcessInstance.parent_instance_id == caller, WorkItem.bpmn_id == "answer_task")
        ).one()


def _inbox_rows(client) -> list[str]:
    html = web.text_of(client.get("/?tab=group"))
    return re.findall(r'<tr class="[^"]*" data-task-id="([^"]+)">', html)


def _told(app: Flask, task_id: str) -> set[str]:
    """Who was told that the task arrived (新任务)."""
    with session_factory_of(app)() as s:
        return set(
            s.scalars(
                select(Notification.username)
                .join(WorkItem, WorkItem.id == Notification.work_item_id)
                .where(WorkItem.task_id == task_id, Notification.kind == NotificationKind.TASK)
            )
        )


def test_the_page_keeps_the_called_cases_task_for_the_readers(app, as_user):
    task = _called_task(app, "call_secret", CALLS_WITH_THE_PETITIONER)
    review = start_review(app, "clerk")  # no confidential field: any of the office takes it
    clerk = as_user("clerk")
    assert _inbox_rows(clerk) == [review.task_id]
    shown = web.text_of(clerk.get(f"/tasks/{task}"))
    assert 'id="for-confidential-readers"' in shown and f"/tasks/{task}/claim" not in shown
    refused = web.text_of(clerk.post(f"/tasks/{task}/claim", follow_redirects=True))
    assert FOR_READERS in refused
    keeper = as_user("keeper")
    assert set(_inbox_rows(keeper)) == {task, review.task_id}
    keeper.post(f"/tasks/{task}/claim")
    with session_factory_of(app)() as s:
        assert s.scalar(select(WorkItem.assignee).where(WorkItem.task_id == task)) == "keeper"


def _api(app: Flask, person: str) -> Caller:
    """``person``'s API client, with a personal token."""
    with session_factory_of(app).begin() as s:
        secret = tokens.create_token(s, SYSTEM, person, "tests").secret
    return Caller(app.test_client(), {"Authorization": f"Bearer {secret}"})


def _api_group_tasks(client: Caller) -> set[str]:
    listed = client.get("/tasks?scope=group")
    assert listed.status_code == 200, listed.get_json()
    return {row["task_id"] for row in listed.get_json()["items"]}


def test_the_api_keeps_the_called_cases_task_for_the_readers(app):
    task = _called_task(app, "call_secret", CALLS_WITH_THE_PETITIONER)
    clerk = _api(app, "clerk")
    assert task not in _api_group_tasks(clerk)
    claimed = clerk.post(f"/tasks/{task}/claim")
    assert claimed.status_code == 403, claimed.get_json()
    assert claimed.get_json()["said"]["text"] == FOR_READERS
    done = clerk.post(f"/tasks/{task}/complete", json={"data": {"answer": "已修"}})
    assert done.status_code == 403 and done.get_json()["said"]["text"] == FOR_READERS
    keeper = _api(app, "keeper")
    assert task in _api_group_tasks(keeper)
    assert keeper.post(f"/tasks/{task}/claim").status_code == 200


def test_its_arrival_is_told_only_to_the_readers(app):
    """Of the office, the petition officer and its head read the identity; the plain officer does not."""
    task = _called_task(app, "call_secret", CALLS_WITH_THE_PETITIONER)
    assert _told(app, task) == {"keeper", "head"}


def test_a_called_case_given_nothing_confidential_is_any_officers(app, as_user):
    task = _called_task(app, "call_parent")
    assert _told(app, task) == {"keeper", "head", "clerk"}
    assert _inbox_rows(as_user("clerk")) == [task]
    clerk = _api(app, "clerk")
    assert task in _api_group_tasks(clerk)
    assert clerk.post(f"/tasks/{task}/claim").status_code == 200
