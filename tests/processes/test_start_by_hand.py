"""A case a person starts of a process that timers also start (issue 15): its timer start
events do not wait in that case for their dates (each date starts a case of its own, from
the scheduler). Only timers start it: the case runs from the timer start event at once, as
Camunda starts one by hand; beside a plain start event: the timer start events are left out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.usecases import cases, definitions
from engine.usecases.context import SYSTEM
from storage.enums import TimerKind, TimerState
from storage.models import Timer
from tests.world import create_people

from .conftest import act, do, open_ids, status

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="weekly" isExecutable="true">
    <bpmn:startEvent id="every_monday">
      <bpmn:timerEventDefinition><bpmn:timeCycle>{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="every_monday" targetRef="report" />
    {plain}
    <bpmn:userTask id="report" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""
PLAIN = '<bpmn:startEvent id="by_hand" /><bpmn:sequenceFlow id="f0" sourceRef="by_hand" targetRef="report" />'


@pytest.fixture
def township(people):
    create_people(people, "admin")
    return people


def case_timers(factory, case_id) -> list[tuple[str, str]]:
    with factory() as s:
        rows = s.scalars(
            select(Timer).where(
                Timer.instance_id == case_id, Timer.kind == TimerKind.BPMN, Timer.state == TimerState.PENDING
            )
        )
        return [(t.bpmn_id, t.kind.value) for t in rows]


@pytest.mark.parametrize("cycle", ["R/PT1H", "0 0 9 ? * MON"], ids=["iso", "cron"])
@pytest.mark.parametrize("plain", ["", PLAIN], ids=["timer_only", "beside_plain"])
def test_a_case_started_by_hand_does_not_wait_at_its_timer_start_events(township, cycle, plain):
    with township.begin() as s:
        definitions.deploy(s, PROCESS.format(cycle=cycle, plain=plain).encode(), "weekly.bpmn", SYSTEM)
    case_id = act(township, "clerk", cases.start_instance, "weekly", {}, validate=False).id
    assert open_ids(township, case_id) == ["report"]  # one path, at once
    assert case_timers(township, case_id) == []  # nothing of the case waits for the cycle
    do(township, "clerk", case_id, "report", {})
    assert status(township, case_id).value == "completed"
