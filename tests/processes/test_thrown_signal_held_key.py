"""A signal a case throws with its business key (编号, ``camunda:in businessKey``) starts no
second running case of a process with that 编号: one 编号, one running case of a process, as
a start by hand or by a message refuses it. Nobody asked for that start, so nobody is
refused: the thrower goes on, the waiting cases are reached, the start is left out and the
throw's audit entry names the case holding the 编号. A case of another process may share it,
and once the holder ends the 编号 starts a case again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.usecases import cases
from storage.enums import InstanceStatus
from storage.models import AuditEntry, ProcessDefinition, ProcessInstance
from tests.world import create_people

from .conftest import act, do, open_ids, status
from .test_thrown_signals import ALARM, ON_RECESS, WAITER, deploy

KEY = "2027-05"


@pytest.fixture
def township(people):
    create_people(people, "admin")
    deploy(people, ALARM, WAITER, ON_RECESS)
    return people


def start(factory, key: str, business_key: str | None = None) -> int:
    data = {"reason": "台风", "hours": 1}
    return act(factory, "clerk", cases.start_instance, key, data, business_key=business_key, validate=False).id


def cases_of(factory, key: str) -> list[tuple[int, str | None, InstanceStatus]]:
    with factory() as s:
        query = (
            select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessInstance.id)
        )
        return [tuple(row) for row in s.execute(query)]


def thrown_by(factory, case_id: int) -> dict:
    with factory() as s:
        [entry] = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "signal_thrown", AuditEntry.instance_id == case_id)
        ).all()
    return entry.data


def test_a_thrown_signal_starts_no_second_case_with_a_held_key_and_the_thrower_goes_on(township):
    first_alarm = start(township, "alarm", KEY)
    do(township, "clerk", first_alarm, "decide", {})
    [(held_by, _, _)] = cases_of(township, "on_recess")
    assert "not_started" not in thrown_by(township, first_alarm)

    # the first alarm ended with its throw, which frees its 编号 for another alarm case
    second_alarm = start(township, "alarm", KEY)
    waiting = start(township, "waiter")
    do(township, "clerk", second_alarm, "decide", {})

    assert cases_of(township, "on_recess") == [(held_by, KEY, InstanceStatus.RUNNING)]
    assert status(township, second_alarm) == InstanceStatus.COMPLETED  # not failed for it
    assert open_ids(township, waiting) == ["after"]  # the broadcast reached the waiting case
    assert thrown_by(township, second_alarm) == {
        "name": "recess",
        "variables": {"why": "台风", "minutes": 60},
        "reached": [waiting],
        "not_started": [{"process": "on_recess", "business_key": KEY, "held_by": held_by}],
    }


def test_once_the_holder_ends_the_key_starts_a_case_again(township):
    first_alarm = start(township, "alarm", KEY)
    do(township, "clerk", first_alarm, "decide", {})
    [(held_by, _, _)] = cases_of(township, "on_recess")
    do(township, "clerk", held_by, "handle", {})

    again = start(township, "alarm", KEY)
    do(township, "clerk", again, "decide", {})

    [ended, (started, _, _)] = cases_of(township, "on_recess")
    assert (ended, cases_of(township, "on_recess")[1]) == (
        (held_by, KEY, InstanceStatus.COMPLETED),
        (started, KEY, InstanceStatus.RUNNING),
    )
    assert thrown_by(township, again)["reached"] == [started]
    assert "not_started" not in thrown_by(township, again)


def test_a_signal_without_a_key_starts_a_case_whatever_keys_are_held(township):
    """No 编号 passed: nothing to hold, each throw starts its case (as before)."""
    keyed = start(township, "alarm", KEY)
    do(township, "clerk", keyed, "decide", {})
    source = ALARM.replace('<camunda:in businessKey="${execution.processBusinessKey}" />', "")
    deploy(township, source)  # a new version of alarm
    plain = start(township, "alarm", KEY)
    do(township, "clerk", plain, "decide", {})
    assert [k for _, k, _ in cases_of(township, "on_recess")] == [KEY, None]
