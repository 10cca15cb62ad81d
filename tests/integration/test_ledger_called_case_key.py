"""A ledger's row is known by its 编号 among the process's own cases: a case of the process
that a call activity started carries its caller's 编号 (``camunda:in businessKey``) and is
filed under its caller's, so a row with that 编号 is not it: the row becomes the process's own
case, and is known by that one when imported again; the called case is left as it was."""

from __future__ import annotations

import pytest

from engine.access import OPERATOR
from engine.usecases import cases, definitions, ledger
from tests.integration.test_ledger import PETITION, PETITION_HEADERS, workbook, world  # noqa: F401 (fixture)
from tests.processes.conftest import bpmn_process
from tests.processes.test_call_activities import called_cases
from tests.world import act

# the office's intake case of another process, handing the petition on to a case of the
# petition process it calls, passing its 编号
CALLS_A_PETITION = bpmn_process(
    "petition_intake",
    """
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="received_on" label="收到日期" type="date" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="hand_on" />
    <bpmn:callActivity id="hand_on" name="转信访办理" calledElement="petition">
      <bpmn:extensionElements>
        <camunda:in source="received_on" target="received_on" />
        <camunda:in source="channel" target="channel" />
        <camunda:in source="petition_subject" target="petition_subject" />
        <camunda:in source="disposition" target="disposition" />
        <camunda:in businessKey="#{execution.processBusinessKey}" />
      </bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="hand_on" targetRef="end" />
    <bpmn:endEvent id="end" />
""",
)


@pytest.fixture
def called(world):  # noqa: F811 (world: the fixture)
    """A running case of the petition process a call activity started, with the 编号 of the
    ledger's row PETITION (2026-信-009), the only case of the process: (world, its id)."""
    with world.begin() as s:
        definitions.deploy(s, CALLS_A_PETITION.encode(), "petition_intake.bpmn", OPERATOR)
    start = {"received_on": "2026-10-08", "channel": "visit", "petition_subject": "低保资格", "disposition": "register"}
    caller = act(
        world, "admin", cases.start_instance, "petition_intake", start, business_key="2026-信-009", validate=False
    ).id
    [child] = called_cases(world, caller)
    assert (child.business_key, child.status.value) == ("2026-信-009", "running")
    return world, child.id


def test_a_row_with_the_number_a_called_case_carries_becomes_the_processs_own_case(called):
    factory, child = called
    content = workbook(PETITION_HEADERS, PETITION)
    dry = act(factory, "admin", ledger.plan, "petitions", "台账.xlsx", content)
    assert dry.problems == []
    assert [o.existing for o in dry.outcomes] == [False]  # a case to create, not the called one
    done = act(factory, "admin", ledger.apply, "petitions", "台账.xlsx", content)
    [made] = done.outcomes
    assert not made.existing and made.instance_id not in (None, child)
    own = act(factory, "admin", cases.instance_detail, made.instance_id)
    assert (own.business_key, own.variables["petition_subject"]) == ("2026-信-009", "低保资格")
    # imported again: known by the process's own case, not the called one (the older of the two)
    again = act(factory, "admin", ledger.plan, "petitions", "台账.xlsx", content)
    assert [(o.existing, o.instance_id) for o in again.outcomes] == [(True, made.instance_id)]
    # the called case is left as it was
    assert act(factory, "admin", cases.instance_detail, child).status == "running"
