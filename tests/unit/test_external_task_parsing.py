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


def test_camunda_type_external_on_another_element_says_only_a_service_task_is_one() -> None:
    source = with_service_task('camunda:type="external" camunda:topic="sms"').replace(
        "bpmn:serviceTask", "bpmn:businessRuleTask"
    )
    advice = "(external tasks): only a service task (bpmn:serviceTask) is run as an external task here; make it one"
    assert refusals(source) == [
        f"svc.bpmn:5 [send]: camunda:type {advice}",
        f"svc.bpmn:5 [send]: camunda:topic {advice}",
    ]
