"""What a message, signal or trigger carries sets the case's variables, as Camunda's
correlation with process variables sets them: a value the case already holds is overwritten
(``amount`` 100, the message says 120: the next task and the case read 120), not only new
ones added. Each way a case waits is checked: an intermediate message catch event, a receive
task, a boundary message event, an event-based gateway, a signal, a boundary signal and the
manual trigger of a receive task that names no message. (A signal's values SpiffWorkflow
itself sets as its catch event runs, so the signal rows held before the fix too: they keep
the path that must not regress.)"""

from __future__ import annotations

import pytest

from engine.usecases import cases, definitions, messages, tasks
from engine.usecases.context import SYSTEM
from storage.enums import InstanceStatus
from tests.world import create_people

from .conftest import act, bpmn_process, one, open_ids, status, subscriptions, variables

DECLARED = '  <bpmn:message id="reply_msg" name="reply" />\n  <bpmn:signal id="recess_sig" name="recess" />'
AFTER = """
    <bpmn:userTask id="check" camunda:candidateGroups="office">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="amount" label="金额" type="long" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_end" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
"""


def waiting_at(element: str) -> str:
    """start → ``element`` (id "wait") → check → end."""
    return (
        '\n    <bpmn:startEvent id="start" />\n'
        '    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />\n'
        f"    {element}\n"
        '    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="check" />' + AFTER
    )


def boundary(definition: str, interrupting: bool = True) -> str:
    """start → draft (a user task, the event "wait" on its boundary) → end; the event → check."""
    cancels = "" if interrupting else ' cancelActivity="false"'
    return f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="draft" />
    <bpmn:userTask id="draft" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f_draft" sourceRef="draft" targetRef="drafted" />
    <bpmn:endEvent id="drafted" />
    <bpmn:boundaryEvent id="wait" attachedToRef="draft"{cancels}>{definition}</bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="check" />{AFTER}"""


MESSAGE = '<bpmn:messageEventDefinition messageRef="reply_msg" />'
SIGNAL = '<bpmn:signalEventDefinition signalRef="recess_sig" />'
GATEWAY = (
    """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gateway" />
    <bpmn:eventBasedGateway id="gateway" />
    <bpmn:sequenceFlow id="f_reply" sourceRef="gateway" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">"""
    + MESSAGE
    + """</bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="check" />
    <bpmn:sequenceFlow id="f_timeout" sourceRef="gateway" targetRef="timeout" />
    <bpmn:intermediateCatchEvent id="timeout">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f_late" sourceRef="timeout" targetRef="late" />
    <bpmn:endEvent id="late" />"""
    + AFTER
)

SHAPES = {
    "message_catch": waiting_at(f'<bpmn:intermediateCatchEvent id="wait">{MESSAGE}</bpmn:intermediateCatchEvent>'),
    "receive_task": waiting_at('<bpmn:receiveTask id="wait" messageRef="reply_msg" />'),
    "boundary_message": boundary(MESSAGE),
    "boundary_message_not_interrupting": boundary(MESSAGE, interrupting=False),
    "event_gateway": GATEWAY,
    "signal_catch": waiting_at(f'<bpmn:intermediateCatchEvent id="wait">{SIGNAL}</bpmn:intermediateCatchEvent>'),
    "boundary_signal": boundary(SIGNAL),
    "trigger": waiting_at('<bpmn:receiveTask id="wait" />'),
}


@pytest.fixture
def township(people):
    create_people(people, "admin", "office1")
    with people.begin() as s:
        for key, body in SHAPES.items():
            definitions.deploy(s, bpmn_process(key, body, DECLARED).encode(), f"{key}.bpmn", SYSTEM)
    return people


def deliver(factory, key: str, case_id: int, variables: dict) -> list[int]:
    if key in ("signal_catch", "boundary_signal"):
        sent = act(factory, "admin", messages.send_signal, "recess", variables=variables)
    elif key == "trigger":
        sent = act(factory, "admin", messages.trigger_task, case_id, "wait", variables)
    else:
        sent = act(factory, "admin", messages.send_message, "reply", business_key=f"K-{key}", variables=variables)
    return sent.instance_ids


@pytest.mark.parametrize("key", list(SHAPES))
def test_what_is_delivered_overwrites_the_value_the_case_holds(township, key):
    case_id = act(
        township,
        "clerk",
        cases.start_instance,
        key,
        {"amount": 100, "note": "原"},
        business_key=f"K-{key}",
        validate=False,
    ).id
    assert [s[1] for s in subscriptions(township, case_id)] == ["gateway" if key == "event_gateway" else "wait"]
    assert deliver(township, key, case_id, {"amount": 120, "reason": "追加"}) == [case_id]
    # a non-interrupting boundary event leaves its task open beside the path it starts
    still_open = ["draft"] if key == "boundary_message_not_interrupting" else []
    assert open_ids(township, case_id) == ["check", *still_open]
    # the next task reads the delivered value (its form starts at it), the case shows it,
    # what was delivered beside it is added, and what it did not carry is kept
    data = act(township, "office1", tasks.task_detail, one(township, case_id, "check").task_id).data
    assert (data["amount"], data["reason"], data["note"]) == (120, "追加", "原")
    page = act(township, "office1", tasks.task_page, one(township, case_id, "check").task_id)
    assert page.values["amount"] == 120
    shown = variables(township, case_id)
    assert (shown["amount"], shown["reason"], shown["note"]) == (120, "追加", "原")
    assert "_message" not in shown
    act(township, "office1", tasks.complete, one(township, case_id, "check").task_id, {"amount": 130})
    assert status(township, case_id) == (InstanceStatus.RUNNING if still_open else InstanceStatus.COMPLETED)
    assert variables(township, case_id)["amount"] == 130
