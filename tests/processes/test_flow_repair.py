"""What BPMN allows and SpiffWorkflow cannot run as written (engine/bpmn/flow_repair.py):
elements named ``Start`` / ``End`` and paths without an end event deploy with a warning and
run to their end; deploying with a default group writes it into the stored file."""

from __future__ import annotations

from sqlalchemy import select

from engine.access import OPERATOR
from engine.usecases import cases, definitions
from storage.enums import InstanceStatus
from storage.models import ProcessDefinition, ProcessInstance

from .conftest import act, do, open_ids

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">"""

RESERVED = f"""{HEADER}
  <process id="reserved" isExecutable="true">
    <startEvent id="Start" />
    <sequenceFlow id="f1" sourceRef="Start" targetRef="work" />
    <userTask id="work" camunda:candidateGroups="office" />
    <sequenceFlow id="f2" sourceRef="work" targetRef="End" />
    <endEvent id="End" />
  </process>
</definitions>"""

IMPLICIT = f"""{HEADER}
  <process id="implicit" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <parallelGateway id="fork" />
    <sequenceFlow id="f2" sourceRef="fork" targetRef="first" />
    <sequenceFlow id="f3" sourceRef="fork" targetRef="inner" />
    <userTask id="first" camunda:candidateGroups="office" />
    <subProcess id="inner">
      <startEvent id="inner_start" />
      <sequenceFlow id="i1" sourceRef="inner_start" targetRef="second" />
      <userTask id="second" camunda:candidateGroups="office" />
    </subProcess>
  </process>
</definitions>"""

UNHELD = f"""{HEADER}
  <process id="unheld" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="anyone" />
    <userTask id="anyone" name="无人指定" />
    <sequenceFlow id="f2" sourceRef="anyone" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>"""


def deploy(factory, xml: str, file: str, **options) -> list[definitions.Deployed]:
    with factory.begin() as s:
        return definitions.deploy(s, xml.encode(), file, OPERATOR, **options)


def status(factory, case_id) -> InstanceStatus:
    with factory() as s:
        return s.get(ProcessInstance, case_id).status


def test_elements_named_start_and_end_are_read_under_other_names_and_run(people):
    [deployed] = deploy(people, RESERVED, "reserved.bpmn")
    assert deployed.warnings == (
        "reserved.bpmn:5 [Start_]: element id 'Start' is the engine's own name for a process's first or last "
        "step: read as 'Start_'",
        "reserved.bpmn:9 [End_]: element id 'End' is the engine's own name for a process's first or last "
        "step: read as 'End_'",
    )
    case_id = act(people, "clerk", cases.start_instance, "reserved", {}).id
    assert open_ids(people, case_id) == ["work"]
    do(people, "clerk", case_id, "work", {})
    assert status(people, case_id) == InstanceStatus.COMPLETED


def test_paths_without_an_end_event_end_where_they_stop(people):
    [deployed] = deploy(people, IMPLICIT, "implicit.bpmn")
    assert [w.split(": ", 1)[1] for w in deployed.warnings] == [
        "no sequence flow leaves 'first': its path ends there (an end event 'first_end' was added)",
        "no sequence flow leaves 'inner': its path ends there (an end event 'inner_end' was added)",
        "no sequence flow leaves 'second': its path ends there (an end event 'second_end' was added)",
    ]
    case_id = act(people, "clerk", cases.start_instance, "implicit", {}).id
    assert open_ids(people, case_id) == ["first", "second"]
    do(people, "clerk", case_id, "second", {})
    assert status(people, case_id) == InstanceStatus.RUNNING
    do(people, "clerk", case_id, "first", {})
    assert status(people, case_id) == InstanceStatus.COMPLETED


def test_a_default_group_given_at_deploy_holds_the_tasks_naming_nobody_and_is_stored(people):
    deploy(people, UNHELD, "unheld.bpmn", default_group="office")
    with people() as s:
        stored = s.scalars(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.key == "unheld")).one()
    assert '<camunda:property name="default_group" value="office"/>' in stored
    case_id = act(people, "clerk", cases.start_instance, "unheld", {}).id
    do(people, "clerk", case_id, "anyone", {})  # an officer of the office holds it
    assert status(people, case_id) == InstanceStatus.COMPLETED
