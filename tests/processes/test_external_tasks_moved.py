"""A case waiting for an external worker moved to another version (case migration): its row in
the ``external_tasks`` index takes the element the map moved it to and the new version's topic
and priority, so the new version's workers fetch it and the old topic's get nothing; completing
it moves the case on, and its history names the new element. And the index's rows follow what
the workflow waits at whenever the case is saved (external_tasks.sync), their lock kept.

external_task.bpmn (v1): 发送短信通知 (send_sms, topic notify_sms, priority 5) → 核对回执.
v2: the same task as 发送短信（新） (sms2, topic notify_sms_v2, priority 7): mapped by hand.
v3: v2 with sms2's topic notify_sms_v3: the same id, so the same element by default."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import clock
from engine.usecases import case_migration, cases, definitions, external_tasks
from engine.usecases.context import SYSTEM, actor_for, processes, runtime_for
from engine.usecases.external_task_answers import complete
from engine.usecases.external_tasks import TopicRequest, fetch_and_lock
from storage.models import AuditEntry, ExternalTask, ProcessInstance
from tests.world import FIXTURES, create_people
from tests.world import deploy as deploy_fixtures

from .conftest import act, open_ids

V1 = (FIXTURES / "external_task.bpmn").read_text(encoding="utf-8")
V2 = (
    V1.replace('id="send_sms" name="发送短信通知"', 'id="sms2" name="发送短信（新）"')
    .replace('targetRef="send_sms"', 'targetRef="sms2"')
    .replace('sourceRef="send_sms"', 'sourceRef="sms2"')
    .replace('attachedToRef="send_sms"', 'attachedToRef="sms2"')
    .replace('camunda:topic="notify_sms"', 'camunda:topic="notify_sms_v2"')
    .replace('camunda:taskPriority="5"', 'camunda:taskPriority="7"')
)
V3 = V2.replace('camunda:topic="notify_sms_v2"', 'camunda:topic="notify_sms_v3"')


@pytest.fixture
def township(people):
    create_people(people, "admin", "designer")
    deploy_fixtures(people, "external_task.bpmn")
    return people


def start(factory, subject) -> int:
    return act(factory, "clerk", cases.start_instance, "external_task", {"subject": subject}).id


def deploy_version(factory, xml: str) -> None:
    with factory.begin() as s:
        definitions.deploy(s, xml.encode(), "external_task.bpmn", SYSTEM)


def move(factory, from_version, to_version, overrides=None, only=None):
    with factory() as s:
        actor = actor_for(s, "designer")
    report = case_migration.migrate_cases(factory, actor, "external_task", from_version, to_version, overrides, only)
    return [(c.instance_id, c.outcome) for c in report.cases]


def indexed(factory, case_id):
    with factory() as s:
        return [
            (r.bpmn_id, r.topic, r.priority)
            for r in s.scalars(select(ExternalTask).where(ExternalTask.instance_id == case_id))
        ]


def fetch(factory, topic, worker="w"):
    return [t.instance_id for t in act(factory, "admin", fetch_and_lock, worker, [TopicRequest(topic, 60_000)])]


def test_a_moved_case_is_fetched_by_the_new_topic_and_completed_at_the_new_element(township):
    moved, stays = start(township, "甲"), start(township, "乙")
    deploy_version(township, V2)
    assert move(township, 1, 2, {"send_sms": "sms2"}, {moved: None}) == [(moved, "moved")]
    assert indexed(township, moved) == [("sms2", "notify_sms_v2", 7)]
    assert indexed(township, stays) == [("send_sms", "notify_sms", 5)]  # still on v1

    assert fetch(township, "notify_sms", "old-worker") == [stays]  # the old topic: only the case on v1
    clock.advance(timedelta(minutes=5))  # the old worker's lock lapsed: it would fetch again if it could
    assert fetch(township, "notify_sms", "old-worker") == [stays]
    [task] = act(township, "admin", fetch_and_lock, "new-worker", [TopicRequest("notify_sms_v2", 60_000)])
    assert (task.instance_id, task.bpmn_id, task.topic, task.priority) == (moved, "sms2", "notify_sms_v2", 7)

    done = act(township, "admin", complete, task.id, "new-worker", {"receipt": "R-1"})
    assert (done.outcome, done.case_status) == ("completed", "running")
    assert open_ids(township, moved) == ["check"]
    with township() as s:
        [entry] = s.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == moved, AuditEntry.action == "external_task_completed")
        ).all()
    assert (entry.bpmn_id, entry.data["_topic"]) == ("sms2", "notify_sms_v2")


def test_a_topic_changed_under_the_same_id_follows_the_move(township):
    case_id = start(township, "甲")
    deploy_version(township, V2)
    move(township, 1, 2, {"send_sms": "sms2"})
    deploy_version(township, V3)
    assert move(township, 2, 3) == [(case_id, "moved")]  # sms2 keeps its id: nothing mapped by hand
    assert indexed(township, case_id) == [("sms2", "notify_sms_v3", 7)]
    assert fetch(township, "notify_sms_v2") == []
    assert fetch(township, "notify_sms_v3") == [case_id]


def test_a_save_refreshes_a_kept_rows_element_topic_and_priority_keeping_its_lock(township):
    """external_tasks.sync: a row that stays takes what the workflow waits at (a row written
    before moves were followed, say), its lock and retries kept."""
    case_id = start(township, "甲")
    assert fetch(township, "notify_sms", "w1") == [case_id]
    with township.begin() as s:
        s.execute(
            update(ExternalTask)
            .where(ExternalTask.instance_id == case_id)
            .values(bpmn_id="gone", topic="stale_topic", priority=1, retries=2)
        )
    with township.begin() as s:
        instance = s.get(ProcessInstance, case_id)
        runtime = runtime_for(s)
        workflow = runtime.restore(processes.get_by_id(s, instance.definition_id), instance.workflow_json)
        assert external_tasks.sync(s, instance, runtime, workflow) == 1
    with township() as s:
        [row] = s.scalars(select(ExternalTask).where(ExternalTask.instance_id == case_id)).all()
        assert (row.bpmn_id, row.topic, row.priority, row.worker_id, row.retries) == (
            "send_sms",
            "notify_sms",
            5,
            "w1",
            2,
        )
