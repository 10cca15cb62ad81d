"""Service tasks at deploy (issue 15): an external task (``camunda:type="external"`` with a
topic) is read as a task that waits for a worker, kept through the stored spec; every other
service task implementation is refused in one line naming the file, the element and why."""

from __future__ import annotations

import pytest

from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.bpmn.waiting_tasks import ExternalServiceTask
from engine.errors import InvalidBpmn
from tests.world import FIXTURES

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
)


def with_service_task(attributes: str) -> str:
    return (
        HEAD
        + '<bpmn:process id="p" isExecutable="true">\n'
        + '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="send"/>\n'
        + f'<bpmn:serviceTask id="send" name="发送" {attributes}/>\n'
        + '<bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="e"/><bpmn:endEvent id="e"/>\n'
        + "</bpmn:process>\n</bpmn:definitions>"
    )


def refusals(source: str) -> list[str]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, "svc.bpmn")
    return [str(p) for p in info.value.problems]


def test_an_external_task_is_a_task_that_waits_for_a_worker_and_survives_the_stored_spec() -> None:
    [process] = parse_bpmn((FIXTURES / "external_task.bpmn").read_bytes(), "external_task.bpmn")
    spec = process.spec.task_specs["send_sms"]
    assert isinstance(spec, ExternalServiceTask)
    assert (spec.topic, spec.priority) == ("notify_sms", "5")
    stored = load_process(dump_process(process)).spec.task_specs["send_sms"]
    assert isinstance(stored, ExternalServiceTask)
    assert (stored.topic, stored.priority) == ("notify_sms", "5")


def test_an_external_task_without_a_priority_is_accepted() -> None:
    [process] = parse_bpmn(with_service_task('camunda:type="external" camunda:topic="archive"'), "svc.bpmn")
    assert process.spec.task_specs["send"].priority == ""


@pytest.mark.parametrize(
    "attributes, reason",
    [
        (
            "",
            'service task: it names no implementation; make it an external task (camunda:type="external" and a '
            "camunda:topic that a worker fetches) or a script task (Python)",
        ),
        (
            'camunda:type="connector"',
            "service task: camunda:type 'connector' is not run by this engine; make it an external task "
            '(camunda:type="external" and a camunda:topic that a worker fetches) or a script task (Python)',
        ),
        (
            'camunda:class="org.example.SendSms"',
            "camunda:class (Java classes): this engine does not run them; use a script task (Python) instead",
        ),
        (
            'camunda:delegateExpression="${sender}"',
            "camunda:delegateExpression (delegate expressions): this engine does not run them; "
            "use a script task (Python) instead",
        ),
        (
            'camunda:expression="${sms.send()}"',
            "camunda:expression '${sms.send()}': not in the supported JUEL subset: method call send()",
        ),
        ('camunda:type="external"', "an external service task must name its topic (camunda:topic)"),
        (
            'camunda:type="external" camunda:topic="${topicName}"',
            "camunda:topic '${topicName}': an expression is not supported; name the topic",
        ),
        (
            f'camunda:type="external" camunda:topic="{"t" * 201}"',
            f"camunda:topic {'t' * 40!r}…: at most 200 characters",
        ),
        (
            'camunda:type="external" camunda:topic="sms" camunda:taskPriority="${urgency}"',
            "camunda:taskPriority '${urgency}': a whole number from -2147483647 to 2147483647 "
            "(an expression is not supported)",
        ),
        (
            'camunda:type="external" camunda:topic="sms" camunda:taskPriority="99999999999"',
            "camunda:taskPriority '99999999999': a whole number from -2147483647 to 2147483647 "
            "(an expression is not supported)",
        ),
    ],
)
def test_other_service_task_implementations_are_refused_naming_the_element(attributes: str, reason: str) -> None:
    assert refusals(with_service_task(attributes)) == [f"svc.bpmn:5 [send]: {reason}"]


def test_camunda_type_external_on_another_element_says_which_elements_are_external_tasks() -> None:
    source = with_service_task('camunda:type="external" camunda:topic="sms"').replace("bpmn:serviceTask", "bpmn:task")
    advice = (
        "(external tasks): an external task is a service task, send task, business rule task or message throw "
        'event with camunda:type="external"'
    )
    assert refusals(source) == [
        f"svc.bpmn:5 [send]: camunda:type {advice}",
        f"svc.bpmn:5 [send]: camunda:topic {advice}",
    ]


@pytest.mark.parametrize("kind, label", [("sendTask", "send task"), ("businessRuleTask", "business rule task")])
def test_a_send_or_business_rule_task_camunda_hands_to_a_worker_is_an_external_task(kind: str, label: str) -> None:
    source = with_service_task('camunda:type="external" camunda:topic="sms" camunda:taskPriority="7"')
    [process] = parse_bpmn(source.replace("bpmn:serviceTask", f"bpmn:{kind}"), "svc.bpmn")
    task = load_process(dump_process(process)).spec.task_specs["send"]
    assert isinstance(task, ExternalServiceTask)
    assert (task.topic, task.priority) == ("sms", "7")
    assert [str(w) for w in process.warnings] == [
        f"svc.bpmn:5 [send]: the {label} 'send' is run as an external service task"
    ]


MESSAGE_THROWS = (
    HEAD
    + '<bpmn:message id="m" name="sent" />\n'
    + '<bpmn:process id="p" isExecutable="true">\n'
    + '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="tell"/>\n'
    + '<bpmn:intermediateThrowEvent id="tell"><bpmn:messageEventDefinition messageRef="m" '
    + 'camunda:type="external" camunda:topic="notify"/></bpmn:intermediateThrowEvent>\n'
    + '<bpmn:sequenceFlow id="f2" sourceRef="tell" targetRef="done"/>\n'
    + '<bpmn:endEvent id="done"><bpmn:messageEventDefinition messageRef="m" camunda:type="external" '
    + 'camunda:topic="archive"/></bpmn:endEvent>\n'
    + "</bpmn:process>\n</bpmn:definitions>"
)


def test_message_throw_and_end_events_camunda_hands_to_a_worker_are_external_tasks_keeping_their_ids() -> None:
    [process] = parse_bpmn(MESSAGE_THROWS, "msg.bpmn")
    specs = load_process(dump_process(process)).spec.task_specs
    assert (type(specs["tell"]), specs["tell"].topic) == (ExternalServiceTask, "notify")
    assert (type(specs["done"]), specs["done"].topic) == (ExternalServiceTask, "archive")
    # the end event's path ends after its worker answers
    assert [s.bpmn_id for s in specs["done"].outputs] == ["done_end"]
    assert [str(w) for w in process.warnings] == [
        "msg.bpmn:6 [tell]: the message throw event 'tell' is run as an external service task",
        "msg.bpmn:8 [done]: the message end event 'done' is run as an external service task; "
        "its path ends after the worker answers",
    ]


def test_a_message_throw_not_handed_to_a_worker_is_still_refused() -> None:
    source = MESSAGE_THROWS.replace(' camunda:type="external" camunda:topic="notify"', "")
    assert refusals(source) == [
        "svc.bpmn:6 [tell]: throwing a message is not supported: messages are delivered from outside "
        "(POST /api/v1/messages)"
    ]
