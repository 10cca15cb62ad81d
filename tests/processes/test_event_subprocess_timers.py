"""Timer start events of event subprocesses (issue 15): armed as timers when the case starts,
fired by the scheduler, audited; a non-interrupting one opens its task beside the running
one, an interrupting one cancels what ran (its tasks leave every inbox) and runs instead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.usecases import cases
from storage.enums import InstanceStatus, TimerState, WorkItemState
from storage.models import AuditEntry, ProcessInstance, Timer
from tests.world import deploy as deploy_fixtures

from .conftest import act, advance_and_fire, do, items, open_ids


@pytest.fixture
def township(people):
    deploy_fixtures(people, "event_subprocess_timer.bpmn")
    return people


def pending(factory, case_id) -> list[str]:
    with factory() as s:
        rows = s.scalars(select(Timer).where(Timer.instance_id == case_id, Timer.state == TimerState.PENDING))
        return sorted(t.bpmn_id for t in rows)


def fired(factory, case_id) -> list[str]:
    with factory() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == case_id, AuditEntry.action == "timer_fired")
        )
        return [e.bpmn_id for e in rows]


def test_a_non_interrupting_timer_start_opens_its_task_beside_the_running_one(township):
    case_id = act(township, "clerk", cases.start_instance, "esp_timer", {}).id
    assert open_ids(township, case_id) == ["handle"]
    assert pending(township, case_id) == ["escalate_start", "remind_start"]

    advance_and_fire(township, timedelta(hours=73))
    assert open_ids(township, case_id) == ["handle", "remind"]
    assert fired(township, case_id) == ["remind_start"]
    assert pending(township, case_id) == ["escalate_start"]

    do(township, "clerk", case_id, "remind", {})
    do(township, "fin", case_id, "handle", {})
    with township() as s:
        assert s.get(ProcessInstance, case_id).status == InstanceStatus.COMPLETED
    assert pending(township, case_id) == []  # the case ended: its other timer is gone


def test_an_interrupting_timer_start_cancels_what_ran_and_runs_instead(township):
    case_id = act(township, "clerk", cases.start_instance, "esp_timer", {}).id
    advance_and_fire(township, timedelta(hours=73))
    assert open_ids(township, case_id) == ["handle", "remind"]
    advance_and_fire(township, timedelta(hours=168))
    assert open_ids(township, case_id) == ["take_back"]
    assert [i.bpmn_id for i in items(township, case_id, state=WorkItemState.CANCELLED)] == ["handle", "remind"]
    assert fired(township, case_id) == ["remind_start", "escalate_start"]
    do(township, "clerk", case_id, "take_back", {})
    with township() as s:
        assert s.get(ProcessInstance, case_id).status == InstanceStatus.COMPLETED
