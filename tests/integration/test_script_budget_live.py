"""A runaway script in a deployed process, live: the product served by waitress, a person
completing the user task before the script over HTTP. The answer is a 422 naming the
element, within the script budget and a margin; meanwhile the server goes on answering
others (another case's completion, who am I); nothing of the failed completion is stored.
On SQLite (whose writers queue behind the runaway's lock for at most its budget) and
PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.bpmn.sandbox import RUN_FACTOR
from engine.deadlines.settings import DEFAULTS
from engine.usecases import deadlines as admin
from engine.usecases import definitions
from engine.usecases.context import SYSTEM, actor_for
from storage.models import AuditEntry, ProcessInstance
from tests.api import conftest as api
from tests.api.conftest import World
from tests.servers import serving
from tests.world import start_review

pytestmark = pytest.mark.slow  # left out of make test-fast

BUDGET_S = DEFAULTS["script.time_budget_ms"].default / 1000
MARGIN_S = 2.0

world = api.world  # the API test world: its people, their tokens, the review process
world_people = api.world_people

RUNAWAY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="runaway_defs" targetNamespace="http://congressflow.example/test">
  <bpmn:process id="runaway" name="失控脚本（测试）" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements>
        <camunda:formData><camunda:formField id="subject" label="事由" type="string" /></camunda:formData>
      </bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
    <bpmn:userTask id="prepare" name="准备" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="Task_Runaway" />
    <bpmn:scriptTask id="Task_Runaway" name="统计">
      <bpmn:script>total = 0
while True:
    chunk = 'x' * 100000
    total = total + 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="Task_Runaway" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
</bpmn:definitions>
"""


@dataclass
class Answer:
    status: int
    body: Any
    started: float
    finished: float

    @property
    def took(self) -> float:
        return self.finished - self.started


class Http:
    """A real HTTP client of the served app, with one person's token."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, data: Any = None) -> Answer:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + "/api/v1" + path,
            data=body,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        return Answer(status, json.loads(text) if text else None, started, time.monotonic())


@pytest.fixture
def served(world: World) -> Iterator[str]:
    """The app on waitress (as ``congressflow serve`` runs it) on a free port."""
    with serving(world.app) as base:
        yield base


@pytest.fixture
def runaway(world: World) -> World:
    with world.factory.begin() as s:
        definitions.deploy(s, RUNAWAY_BPMN.encode(), "runaway.bpmn", SYSTEM)
    return world


def start_runaway(world: World) -> tuple[int, str]:
    response = world.as_("clerk").post("/instances", json={"process_key": "runaway", "data": {"subject": "统计"}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"], response.get_json()["open_tasks"][0]["task_id"]


def test_a_runaway_script_fails_alone_while_the_server_goes_on(runaway, served):
    world = runaway
    case_id, prepare = start_runaway(world)
    other = start_review(world.app, "clerk", "另一件")  # its registration is completed meanwhile
    register = other.task_id
    clerk, clerk2 = Http(served, world.token("clerk")), Http(served, world.token("clerk2"))
    with world.factory() as s:
        revision = s.get(ProcessInstance, case_id).revision

    answers: dict[str, Answer] = {}
    runaway_thread = threading.Thread(
        target=lambda: answers.update(runaway=clerk.call("POST", f"/tasks/{prepare}/complete", {"data": {}}))
    )
    runaway_thread.start()
    time.sleep(0.3)  # the script is running now
    answers["me"] = clerk2.call("GET", "/me")
    answers["other"] = clerk2.call("POST", f"/tasks/{register}/complete", {"data": {"lead_unit": "finance"}})
    runaway_thread.join(BUDGET_S * RUN_FACTOR + 30)

    failed = answers["runaway"]
    assert failed.status == 422, failed.body
    assert failed.body["code"] == "script_error"
    assert failed.body["message"] == f"script Task_Runaway ran longer than {int(BUDGET_S * 1000)} ms"
    assert failed.took < BUDGET_S + MARGIN_S, failed.took

    me, completed = answers["me"], answers["other"]
    assert me.status == 200 and me.body["username"] == "clerk2"
    assert completed.status == 200, completed.body
    assert [t["bpmn_id"] for t in completed.body["open_tasks"]] == ["reply"]
    # served while the runaway ran (on SQLite, a writer waits for its lock: at most its budget)
    assert me.finished < failed.finished + MARGIN_S and completed.finished < failed.finished + MARGIN_S
    if world.app.config["DATABASE_URL"].startswith("postgresql"):
        assert me.finished < failed.finished and completed.finished < failed.finished

    with world.factory() as s:  # nothing of the failed completion was stored
        assert s.get(ProcessInstance, case_id).revision == revision
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.instance_id == case_id, AuditEntry.action == "complete")
            )
            == 0
        )
    task = world.as_("clerk").get(f"/tasks/{prepare}").get_json()["task"]
    assert task["state"] == "ready"
    again = clerk.call("POST", f"/tasks/{prepare}/complete", {"data": {}})  # and it fails the same way again
    assert again.status == 422 and "Task_Runaway" in again.body["message"]


def test_an_administrator_sets_the_budget(runaway, served):
    world = runaway
    with world.factory.begin() as s:
        admin.set_setting(s, actor_for(s, "admin"), "script.time_budget_ms", 300)
    _case_id, prepare = start_runaway(world)
    failed = Http(served, world.token("clerk")).call("POST", f"/tasks/{prepare}/complete", {"data": {}})
    assert failed.status == 422 and failed.body["message"] == "script Task_Runaway ran longer than 300 ms"
    assert failed.took < 0.3 + MARGIN_S
