"""Two starts with one business key (编号) at the same instant make one case: the second is
refused naming the first (business_key_held), whichever door each came by. The check reads
before the start inserts: on PostgreSQL (READ COMMITTED) both would read no holder and both
insert, so the check takes an advisory lock on (process, 编号) that the second start waits on
until the first commits. On SQLite writers' transactions begin IMMEDIATE: the second waits
for the first's whole transaction, and the same outcome is asked of it. Real threads, each
with its own session and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import Conflict
from engine.usecases import cases, messages
from engine.usecases.context import actor_for
from storage.models import ProcessDefinition, ProcessInstance
from tests.world import create_people, deploy, waits_on_a_lock

pytestmark = pytest.mark.slow  # left out of make test-fast

KEY = "2026-审-031"
WAIT_SECONDS = 20  # for what never takes more than a moment: a failure, not a hang


@pytest.fixture
def world(session_factory: sessionmaker, frozen_clock: Any) -> sessionmaker:
    create_people(session_factory, "office1", "office2", "admin")
    deploy(session_factory, "review.bpmn", "message_start.bpmn")
    return session_factory


def by_hand(username: str, key: str = KEY) -> Callable[[Session], int]:
    def start(s: Session) -> int:
        return cases.start_instance(s, actor_for(s, username), "review", {"subject": "修缮村道"}, business_key=key).id

    return start


def by_message(key: str = KEY) -> Callable[[Session], int]:
    def start(s: Session) -> int:
        [started] = messages.send_message(s, actor_for(s, "admin"), "application", business_key=key).started
        return started

    return start


def second_while_first_is_open(
    factory: sessionmaker, first: Callable[[Session], int], second: Callable[[Session], int]
) -> tuple[int, int | Exception, bool]:
    """``first`` run up to its commit (its check and its insert done); ``second`` started in a
    thread and let to reach the check; ``first`` committed. The first's case, what the second
    returned or raised, and whether it waited for the first."""
    outcome: list[int | Exception] = []

    def run_second() -> None:
        try:
            with factory.begin() as s:
                outcome.append(second(s))
        except Exception as exc:  # the test looks at what the second start got
            outcome.append(exc)

    with factory.begin() as s:
        first_case = first(s)
        thread = threading.Thread(target=run_second, daemon=True)
        thread.start()
        waited = waits_on_a_lock(factory, thread, WAIT_SECONDS, kind="advisory")
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive(), "the second start never ended"
    return first_case, outcome[0], waited


def holders(factory: sessionmaker, process: str, key: str = KEY) -> list[int]:
    with factory() as s:
        query = (
            select(ProcessInstance.id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessDefinition.key == process, ProcessInstance.business_key == key)
            .order_by(ProcessInstance.id)
        )
        return list(s.scalars(query))


@pytest.mark.parametrize(
    "first, second, process",
    [
        (by_hand("office1"), by_hand("office2"), "review"),
        (by_message(), by_message(), "online_application"),
    ],
    ids=["by_hand", "by_message"],
)
def test_two_starts_with_one_key_at_once_make_one_case_and_the_second_is_told_which(
    world: sessionmaker, first: Callable[[Session], int], second: Callable[[Session], int], process: str
) -> None:
    first_case, lost, waited = second_while_first_is_open(world, first, second)

    assert holders(world, process) == [first_case], "two running cases hold one 编号"
    assert waited, "the second start did not wait for the first's transaction"
    assert isinstance(lost, Conflict), repr(lost)
    assert (lost.reason, lost.params["case"], lost.params["key"]) == ("business_key_held", first_case, KEY)


def test_starts_with_other_keys_do_not_wait_for_each_other(world: sessionmaker) -> None:
    """The lock is the (process, 编号)'s, not the table's: a start with another key goes
    through while the first's transaction is still open."""
    if world.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite's writers wait for each other whatever they write")
    done: list[int] = []
    with world.begin() as s:
        first_case = by_hand("office1")(s)
        # same thread: a lock it waited on would be its own open transaction's, for ever
        for second in (by_hand("office2", "2026-审-032"), by_message()):  # by_message: KEY, another process
            with world.begin() as other:
                other.execute(text("SET LOCAL lock_timeout = '5s'"))
                done.append(second(other))
    assert holders(world, "review") == [first_case]
    assert holders(world, "review", "2026-审-032") == [done[0]]
    assert holders(world, "online_application") == [done[1]]
