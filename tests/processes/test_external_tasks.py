"""External tasks (issue 15): a service task ``camunda:type="external"`` waits for a worker who
fetches it by topic and locks it for a while, then completes it with variables (the case moves
on), fails it with retries and a back-off (none left: an incident on the case, fetchable again
once the incident is retried) or reports a BPMN error (caught by the boundary event, or an
incident). The ``external_tasks`` rows follow what each case waits for."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from engine.usecases import cases, definitions, external_task_list, incidents, recovery
from engine.usecases.context import SYSTEM, actor_for
from engine.usecases.external_task_answers import bpmn_error, complete, failure
from engine.usecases.external_tasks import TopicRequest, extend_lock, fetch_and_lock, unlock
from storage.enums import InstanceStatus
from storage.models import AuditEntry, ExternalTask, ProcessInstance
from tests.world import FIXTURES, create_people
from tests.world import deploy as deploy_fixtures

from .conftest import act, do, open_ids, variables

SMS = TopicRequest("notify_sms", 60_000)  # a minute's lock


@pytest.fixture
def township(people):
    create_people(people, "admin", "head")
    deploy_fixtures(people, "external_task.bpmn")
    return people


def start(factory, subject="人代会开会通知", **data) -> int:
    return act(factory, "clerk", cases.start_instance, "external_task", {"subject": subject, **data}).id


def fetch(factory, worker, *topics, **options):
    return act(factory, "admin", fetch_and_lock, worker, list(topics or (SMS,)), **options)


def rows(factory, case_id=None) -> list[ExternalTask]:
    with factory() as s:
        query = select(ExternalTask).order_by(ExternalTask.id)
        if case_id is not None:
            query = query.where(ExternalTask.instance_id == case_id)
        return list(s.scalars(query))


def status(factory, case_id) -> InstanceStatus:
    with factory() as s:
        return s.get(ProcessInstance, case_id).status


def test_a_worker_fetches_the_task_with_the_variables_asked_and_completes_it(township, frozen_clock):
    case_id = start(township, phone="13900001111")
    [row] = rows(township, case_id)
    assert (row.bpmn_id, row.topic, row.priority, row.worker_id, row.retries) == (
        "send_sms",
        "notify_sms",
        5,
        None,
        None,
    )
    assert open_ids(township, case_id) == []
    assert act(township, "admin", incidents.list_incidents) == []  # waiting for a worker: not stuck

    [task] = fetch(township, "sms-1", TopicRequest("notify_sms", 30_000, ["phone"]))
    assert (task.id, task.instance_id, task.bpmn_id, task.process_key) == (row.id, case_id, "send_sms", "external_task")
    assert task.variables == {"phone": "13900001111"}
    assert task.lock_expires_at == frozen_clock + timedelta(seconds=30)
    assert fetch(township, "sms-2") == []  # locked: nobody else gets it

    done = act(township, "admin", complete, task.id, "sms-1", {"receipt": "SMS-0001"})
    assert (done.outcome, done.case_status) == ("completed", "running")
    assert open_ids(township, case_id) == ["check"]
    assert variables(township, case_id)["receipt"] == "SMS-0001"
    assert rows(township, case_id) == []
    with township() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "external_task_completed")).all()
    assert (entry.instance_id, entry.actor, entry.bpmn_id) == (case_id, "admin", "send_sms")
    assert entry.data == {"receipt": "SMS-0001", "_worker": "sms-1", "_topic": "notify_sms"}
    do(township, "clerk", case_id, "check", {})
    assert status(township, case_id) == InstanceStatus.COMPLETED


def test_every_variable_without_names_none_with_an_empty_list_and_only_the_topics_asked(township):
    start(township, phone="139")
    assert fetch(township, "w", TopicRequest("other_topic", 1000)) == []
    [task] = fetch(township, "w", TopicRequest("notify_sms", 1000, []))
    assert task.variables == {}
    clock.advance(timedelta(seconds=2))
    [again] = fetch(township, "w")
    assert (again.variables["subject"], again.variables["phone"]) == ("人代会开会通知", "139")


def test_several_at_once_oldest_first_or_by_priority(township):
    xml = (FIXTURES / "external_task.bpmn").read_text()
    urgent = xml.replace('id="external_task"', 'id="urgent_sms"').replace(
        'camunda:taskPriority="5"', 'camunda:taskPriority="50"'
    )
    with township.begin() as s:
        definitions.deploy(s, urgent.encode(), "urgent_sms.bpmn", SYSTEM)
    first, second = start(township), start(township)
    hurry = act(township, "clerk", cases.start_instance, "urgent_sms", {"subject": "急"}).id
    oldest = fetch(township, "w", max_tasks=2)
    assert [t.instance_id for t in oldest] == [first, second]
    clock.advance(timedelta(minutes=2))
    by_priority = fetch(township, "w", max_tasks=2, use_priority=True)
    assert [(t.instance_id, t.priority) for t in by_priority] == [(hurry, 50), (first, 5)]


def test_a_confidential_variable_is_masked_for_a_worker_who_may_not_read_it(township):
    xml = (FIXTURES / "external_task.bpmn").read_text()
    secret = xml.replace('id="external_task"', 'id="secret_sms"').replace(
        '<camunda:formField id="phone" label="手机号" type="string" />',
        '<camunda:formField id="phone" label="手机号" type="string"><camunda:properties>'
        '<camunda:property id="confidential" value="true" /></camunda:properties></camunda:formField>',
    )
    with township.begin() as s:
        definitions.deploy(s, secret.encode(), "secret_sms.bpmn", SYSTEM)
    act(township, "clerk", cases.start_instance, "secret_sms", {"subject": "通知", "phone": "13900001111"})
    [task] = fetch(township, "w", TopicRequest("notify_sms", 1000, ["phone", "subject"]))
    assert task.variables == {"phone": "******", "subject": "通知"}  # administrators may not read it either


def test_a_lock_expires_another_worker_fetches_and_the_first_is_refused(township):
    start(township)
    [task] = fetch(township, "w1", TopicRequest("notify_sms", 1000))
    act(township, "admin", extend_lock, task.id, "w1", 5000)  # five seconds from now
    clock.advance(timedelta(seconds=3))
    assert fetch(township, "w2") == []  # still w1's
    clock.advance(timedelta(seconds=3))
    with pytest.raises(Conflict, match=r"lock of the worker 'w1' on external task \d+ expired"):
        act(township, "admin", extend_lock, task.id, "w1", 5000)
    [taken] = fetch(township, "w2")
    assert taken.id == task.id
    with pytest.raises(Conflict, match="locked by the worker 'w2' until"):
        act(township, "admin", complete, task.id, "w1", {})
    assert act(township, "admin", complete, task.id, "w2", {}).outcome == "completed"
    with pytest.raises(NotFound, match=f"no external task {task.id} waits"):
        act(township, "admin", complete, task.id, "w2", {})


def test_two_workers_racing_get_disjoint_tasks(township):
    started = {start(township, f"通知 {n}") for n in range(6)}
    barrier = threading.Barrier(2)
    got: dict[str, list[int]] = {}

    def work(worker: str) -> None:
        barrier.wait()
        with township.begin() as s:
            locked = fetch_and_lock(s, actor_for(s, "admin"), worker, [SMS], max_tasks=4)
            got[worker] = [t.instance_id for t in locked]

    threads = [threading.Thread(target=work, args=(w,)) for w in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(got) == {"w1", "w2"}
    assert not set(got["w1"]) & set(got["w2"])
    assert len(got["w1"]) + len(got["w2"]) == 6 and set(got["w1"]) | set(got["w2"]) == started
    assert {r.worker_id for r in rows(township)} == {"w1", "w2"}


def test_a_failure_with_retries_waits_for_its_back_off(township, frozen_clock):
    case_id = start(township)
    [task] = fetch(township, "w1")
    failed = act(
        township,
        "admin",
        failure,
        task.id,
        "w1",
        error_message="短信网关超时",
        error_details="Traceback ...",
        retries=2,
        retry_timeout=60_000,
    )
    assert (failed.outcome, failed.retries, failed.retry_at) == ("failed", 2, frozen_clock + timedelta(minutes=1))
    assert fetch(township, "w2") == []  # not before the back-off
    clock.advance(timedelta(seconds=61))
    [again] = fetch(township, "w2")
    assert (again.id, again.retries, again.error_message) == (task.id, 2, "短信网关超时")
    assert act(township, "admin", incidents.list_incidents) == []
    [shown] = act(township, "head", cases.case_page, case_id).external_tasks
    assert (shown.topic, shown.worker_id, shown.state, shown.retries, shown.error_message) == (
        "notify_sms",
        "w2",
        "locked",
        2,
        "短信网关超时",
    )
    [officer_sees] = act(township, "clerk", cases.case_page, case_id).external_tasks
    assert (officer_sees.state, officer_sees.error_message, officer_sees.error_details) == ("locked", None, None)


def test_no_retries_left_is_an_incident_and_its_retry_makes_the_task_fetchable(township):
    case_id = start(township)
    [task] = fetch(township, "w1")
    failed = act(township, "admin", failure, task.id, "w1", error_message="号码无效", retries=0)
    assert failed.outcome == "incident" and failed.incident_id is not None
    [incident] = act(township, "admin", incidents.list_incidents)
    assert (incident.id, incident.instance_id, incident.kind, incident.bpmn_id) == (
        failed.incident_id,
        case_id,
        "external_task",
        "send_sms",
    )
    assert "'notify_sms'" in incident.message and "send_sms" in incident.message and "号码无效" in incident.message
    assert fetch(township, "w1") == []  # not handed out again until the incident is retried
    [listed] = act(township, "admin", external_task_list.list_external_tasks, topic="notify_sms")
    assert (listed.state, listed.retries, listed.error_message) == ("failed", 0, "号码无效")

    retried = act(township, "admin", recovery.retry_case, case_id)
    assert (retried.ok, retried.resolved) == (True, 1)
    [task] = fetch(township, "w1")
    assert task.retries == 1
    act(township, "admin", complete, task.id, "w1", {})
    assert open_ids(township, case_id) == ["check"]


def test_a_bpmn_error_caught_by_the_boundary_event_takes_its_path(township):
    case_id = start(township)
    [task] = fetch(township, "w1")
    caught = act(
        township, "admin", bpmn_error, task.id, "w1", error_code="no_phone", variables={"reason": "未登记手机号"}
    )
    assert (caught.outcome, caught.incident_id) == ("error_caught", None)
    assert open_ids(township, case_id) == ["call_instead"]
    assert variables(township, case_id)["reason"] == "未登记手机号"
    assert rows(township, case_id) == []


def test_a_bpmn_error_nothing_catches_is_an_incident(township):
    case_id = start(township)
    [task] = fetch(township, "w1")
    uncaught = act(township, "admin", bpmn_error, task.id, "w1", error_code="gateway_down", error_message="网关停机")
    assert uncaught.outcome == "incident"
    [incident] = act(township, "admin", incidents.list_incidents)
    assert incident.kind == "external_task" and "'gateway_down'" in incident.message and "网关停机" in incident.message
    assert open_ids(township, case_id) == [] and status(township, case_id) == InstanceStatus.RUNNING
    assert fetch(township, "w1") == []
    act(township, "admin", recovery.retry_case, case_id)
    assert [t.id for t in fetch(township, "w1")] == [task.id]


def test_unlock_frees_a_task_a_worker_holds(township):
    start(township)
    [task] = fetch(township, "crashed")
    freed = act(township, "admin", unlock, task.id)
    assert (freed.outcome, freed.worker_id, freed.lock_expires_at) == ("unlocked", None, None)
    [taken] = fetch(township, "w2")
    assert taken.id == task.id
    with pytest.raises(Conflict, match="locked by the worker 'w2'"):
        act(township, "admin", failure, task.id, "crashed", error_message="x", retries=0)


def test_a_cancelled_case_waits_for_no_worker(township):
    case_id = start(township)
    [task] = fetch(township, "w1")
    act(township, "admin", cases.cancel_instance, case_id, "重复登记")
    assert rows(township, case_id) == []
    with pytest.raises(NotFound):
        act(township, "admin", complete, task.id, "w1", {})
    assert fetch(township, "w1") == []


def test_only_who_may_work_on_external_tasks(township):
    case_id = start(township)
    [task] = fetch(township, "w1")
    for who in ("clerk", "head"):
        with pytest.raises(NotAllowed, match=r"external_task\.work"):
            act(township, who, fetch_and_lock, "w1", [SMS])
        with pytest.raises(NotAllowed, match=r"external_task\.work"):
            act(township, who, complete, task.id, "w1", {})
        with pytest.raises(NotAllowed):
            act(township, who, unlock, task.id)
    with pytest.raises(NotAllowed, match="may not list external tasks"):
        act(township, "clerk", external_task_list.list_external_tasks)
    assert [t.id for t in act(township, "head", external_task_list.list_external_tasks)] == [task.id]
    assert open_ids(township, case_id) == []


@pytest.mark.parametrize(
    "call, field, code",
    [
        (lambda f: fetch(f, " "), "worker_id", "required"),
        (lambda f: fetch(f, "w", TopicRequest("notify_sms", 0)), "topics.0.lock_duration", "min"),
        (lambda f: fetch(f, "w", TopicRequest("", 10)), "topics.0.topic_name", "required"),
        (lambda f: act(f, "admin", fetch_and_lock, "w", []), "topics", "required"),
        (lambda f: fetch(f, "w", max_tasks=0), "max_tasks", "min"),
        (lambda f: fetch(f, "w", max_tasks=101), "max_tasks", "max"),
        (lambda f: act(f, "admin", complete, 1, "w", {"_deadlines": 1}), "variables._deadlines", "variable_name"),
        (lambda f: act(f, "admin", complete, 1, "w", {"a b": 1}), "variables.a b", "variable_name"),
        (lambda f: act(f, "admin", failure, 1, "w", error_message="x", retries=-1), "retries", "min"),
        (lambda f: act(f, "admin", bpmn_error, 1, "w", error_code=""), "error_code", "required"),
        (lambda f: act(f, "admin", extend_lock, 1, "w", 0), "new_duration", "min"),
    ],
)
def test_bad_input_names_the_field(township, call, field, code):
    with pytest.raises(InvalidData) as refused:
        call(township)
    assert {name: error.code for name, error in refused.value.codes.items()} == {field: code}


ARCHIVE_AT_THE_END = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:message id="m" name="archived" />
  <bpmn:process id="archive" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="file" />
    <bpmn:sendTask id="file" camunda:type="external" camunda:topic="archive" />
    <bpmn:sequenceFlow id="f2" sourceRef="file" targetRef="told" />
    <bpmn:endEvent id="told">
      <bpmn:messageEventDefinition messageRef="m" camunda:type="external" camunda:topic="archive" />
    </bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_send_task_and_a_message_end_event_camunda_hands_to_workers_wait_for_them_by_their_ids(township):
    from engine.usecases import definitions
    from engine.usecases.context import SYSTEM

    with township.begin() as s:
        definitions.deploy(s, ARCHIVE_AT_THE_END.encode(), "archive.bpmn", SYSTEM)
    case_id = act(township, "clerk", cases.start_instance, "archive", {}).id
    archive = TopicRequest("archive", 60_000)
    [send] = fetch(township, "archiver", archive)
    assert send.bpmn_id == "file"
    act(township, "admin", complete, send.id, "archiver", {})
    [end] = fetch(township, "archiver", archive)
    assert end.bpmn_id == "told"
    assert status(township, case_id) == InstanceStatus.RUNNING  # the end event waits for its worker
    assert act(township, "admin", complete, end.id, "archiver", {}).case_status == "completed"
    assert status(township, case_id) == InstanceStatus.COMPLETED
