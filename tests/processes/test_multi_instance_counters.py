"""Camunda's multi-instance counters (engine/bpmn/multi_instance.py) in a completion
condition: half of four parallel rounds done ends the activity, the open rounds leave the
inboxes; a sequential activity counts its rounds one after another."""

from __future__ import annotations

import pytest

from engine.access import OPERATOR
from engine.usecases import cases, definitions, tasks
from storage.enums import WorkItemState

from .conftest import act, do, items, open_ids

LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
  <process id="{key}" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <userTask id="review" camunda:candidateGroups="office">
      <multiInstanceLoopCharacteristics isSequential="{sequential}">
        <loopCardinality>4</loopCardinality>
        <completionCondition>{condition}</completionCondition>
      </multiInstanceLoopCharacteristics>
    </userTask>
    <sequenceFlow id="f2" sourceRef="review" targetRef="after" />
    <userTask id="after" camunda:candidateGroups="office" />
    <sequenceFlow id="f3" sourceRef="after" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>"""


@pytest.fixture
def township(people):
    with people.begin() as s:
        for key, sequential, condition in (
            ("half", "false", "${nrOfCompletedInstances / nrOfInstances >= 0.5}"),
            ("sequence", "true", "${nrOfCompletedInstances == 3 and nrOfActiveInstances == 0}"),
        ):
            xml = LOOP.format(key=key, sequential=sequential, condition=condition)
            definitions.deploy(s, xml.encode(), f"{key}.bpmn", OPERATOR)
    return people


def test_half_of_the_parallel_rounds_done_ends_the_activity(township):
    case_id = act(township, "clerk", cases.start_instance, "half", {}).id
    assert open_ids(township, case_id) == ["review"] * 4
    rounds = items(township, case_id, "review")
    act(township, "clerk", tasks.complete, rounds[0].task_id, {})
    assert open_ids(township, case_id) == ["review"] * 3
    act(township, "clerk", tasks.complete, rounds[1].task_id, {})
    assert open_ids(township, case_id) == ["after"]
    assert len(items(township, case_id, "review", state=WorkItemState.CANCELLED)) == 2


def test_a_sequential_activity_counts_its_rounds(township):
    case_id = act(township, "clerk", cases.start_instance, "sequence", {}).id
    for _ in range(3):
        assert open_ids(township, case_id) == ["review"]
        do(township, "clerk", case_id, "review", {})
    assert open_ids(township, case_id) == ["after"]
