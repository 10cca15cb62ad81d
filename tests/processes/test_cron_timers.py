"""Cron timer cycles (issue 15, Camunda's ``<timeCycle>0 0/5 * * * ?</timeCycle>``) with the
fake clock (Monday 09:00 in Beijing): a non-interrupting boundary timer fires at each cron
time, an intermediate one once, a timer start event starts a case at each time; and flows
leaving a task without a gateway run in parallel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine import clock
from engine.access import OPERATOR
from engine.usecases import cases, definitions, tasks, timers
from storage.enums import InstanceStatus, TimerKind, TimerState
from storage.models import ProcessInstance, Timer

from .conftest import act, advance_and_fire, do, items, open_ids

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">"""

REMINDERS = f"""{HEAD}
  <process id="cron_reminders" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <userTask id="work" camunda:candidateGroups="office" />
    <boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">
      <timerEventDefinition><timeCycle>0 0/30 * * * ?</timeCycle></timerEventDefinition>
    </boundaryEvent>
    <sequenceFlow id="f2" sourceRef="remind" targetRef="note" />
    <userTask id="note" camunda:candidateGroups="office" />
    <sequenceFlow id="f3" sourceRef="note" targetRef="note_end" />
    <endEvent id="note_end" />
    <sequenceFlow id="f4" sourceRef="work" targetRef="wait" />
    <intermediateCatchEvent id="wait">
      <timerEventDefinition><timeCycle>0 0 17 ? * MON-FRI</timeCycle></timerEventDefinition>
    </intermediateCatchEvent>
    <sequenceFlow id="f5" sourceRef="wait" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>"""

STARTED = f"""{HEAD}
  <process id="cron_started" isExecutable="true">
    <startEvent id="every_morning">
      <timerEventDefinition><timeCycle>0 0 8 ? * MON-FRI</timeCycle></timerEventDefinition>
    </startEvent>
    <sequenceFlow id="f1" sourceRef="every_morning" targetRef="check" />
    <userTask id="check" camunda:candidateGroups="office" />
    <sequenceFlow id="f2" sourceRef="check" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>"""

FORK = f"""{HEAD}
  <process id="task_fork" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="task1" />
    <userTask id="task1" camunda:candidateGroups="office" />
    <sequenceFlow id="fa" sourceRef="task1" targetRef="a" />
    <sequenceFlow id="fb" sourceRef="task1" targetRef="b" />
    <userTask id="a" camunda:candidateGroups="office" />
    <userTask id="b" camunda:candidateGroups="office" />
    <sequenceFlow id="fa_end" sourceRef="a" targetRef="end_a" />
    <sequenceFlow id="fb_end" sourceRef="b" targetRef="end_b" />
    <endEvent id="end_a" />
    <endEvent id="end_b" />
  </process>
</definitions>"""


def deploy(factory, xml: str, file: str) -> None:
    with factory.begin() as s:
        definitions.deploy(s, xml.encode(), file, OPERATOR)


def pending(factory, case_id=None, kind=TimerKind.BPMN) -> list[tuple[str, datetime]]:
    with factory() as s:
        rows = s.scalars(
            select(Timer)
            .where(Timer.instance_id == case_id, Timer.kind == kind, Timer.state == TimerState.PENDING)
            .order_by(Timer.id)
        )
        return [(t.bpmn_id, t.due_at.replace(tzinfo=UTC)) for t in rows]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_boundary_cron_cycle_fires_at_each_time_and_an_intermediate_one_once(people):
    deploy(people, REMINDERS, "cron_reminders.bpmn")
    case_id = act(people, "clerk", cases.start_instance, "cron_reminders", {}).id  # Monday 09:00 Beijing
    assert pending(people, case_id) == [("remind", utc(2026, 12, 7, 1, 30))]

    advance_and_fire(people, timedelta(minutes=31))
    assert open_ids(people, case_id) == ["note", "work"]
    assert pending(people, case_id) == [("remind", utc(2026, 12, 7, 2, 0))]
    advance_and_fire(people, timedelta(minutes=30))
    assert open_ids(people, case_id) == ["note", "note", "work"]

    for note in items(people, case_id, "note"):
        act(people, "clerk", tasks.complete, note.task_id, {})
    do(people, "clerk", case_id, "work", {})  # the reminders stop; the wait until 17:00 begins
    assert pending(people, case_id) == [("wait", utc(2026, 12, 7, 9, 0))]
    advance_and_fire(people, timedelta(hours=8))
    assert pending(people, case_id) == []  # fired once: no next time
    with people() as s:
        assert s.get(ProcessInstance, case_id).status == InstanceStatus.COMPLETED


def test_a_cron_timer_start_event_starts_a_case_at_each_time(people):
    deploy(people, STARTED, "cron_started.bpmn")
    assert pending(people, kind=TimerKind.START) == [("every_morning", utc(2026, 12, 8, 0, 0))]  # Tuesday 08:00

    clock.advance(timedelta(hours=23, seconds=1))
    assert timers.fire_due(people) == 1
    with people() as s:
        [case] = s.scalars(select(ProcessInstance))
    assert open_ids(people, case.id) == ["check"]
    assert pending(people, kind=TimerKind.START) == [("every_morning", utc(2026, 12, 9, 0, 0))]


def test_flows_leaving_a_task_without_a_gateway_run_in_parallel(people):
    deploy(people, FORK, "task_fork.bpmn")
    case_id = act(people, "clerk", cases.start_instance, "task_fork", {}).id
    do(people, "clerk", case_id, "task1", {})
    assert open_ids(people, case_id) == ["a", "b"]
    do(people, "clerk", case_id, "a", {})
    do(people, "clerk", case_id, "b", {})
    with people() as s:
        assert s.get(ProcessInstance, case_id).status == InstanceStatus.COMPLETED
