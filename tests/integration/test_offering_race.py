"""Two designers stopping one process at the same moment: one stops it, the other is told
who did and when (AlreadySo), never a database error. The first stop of a process inserts
its row: on PostgreSQL both see no row and both insert, the second insert waiting on the
first's until it commits. On SQLite the writers queue (BEGIN IMMEDIATE), and the same
outcome is asked of it. Real threads, each with its own session and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.usecases import definitions, library
from engine.usecases.context import SYSTEM, actor_for
from engine.usecases.offering import AlreadySo
from storage.models import AuditEntry, ProcessOffering
from tests.conftest import fixture_bpmn
from tests.world import act, create_people, waits_on_a_lock

pytestmark = pytest.mark.slow  # left out of make test-fast


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "designer", "admin")
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
    return session_factory


def wait_until_blocked(factory: sessionmaker, thread: threading.Thread) -> None:
    """Until ``thread``'s statement waits on a lock the test's open transaction holds."""
    assert waits_on_a_lock(factory, thread), "the second designer's statement never waited on the first's"


def second_while_first_is_open(
    factory: sessionmaker, first: Callable[[Session], Any], second: Callable[[Session], Any]
) -> Any:
    """``first`` run up to its commit; ``second`` started in a thread, let to reach the point where
    it waits on ``first``'s write; ``first`` committed; what ``second`` returned or raised."""
    outcome: list[Any] = []

    def run_second() -> None:
        try:
            with factory.begin() as s:
                outcome.append(second(s))
        except Exception as exc:  # the test looks at what the second designer got
            outcome.append(exc)

    with factory.begin() as s:
        first(s)
        thread = threading.Thread(target=run_second)
        thread.start()
        wait_until_blocked(factory, thread)
    thread.join(30)
    assert not thread.is_alive()
    return outcome[0]


def stop(username: str) -> Callable[[Session], Any]:
    return lambda s: library.set_offered(s, actor_for(s, username), "review", False)


def audits(factory: sessionmaker, action: str) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_two_first_stops_at_once_one_stops_the_other_is_told_by_whom(world, frozen_clock):
    lost = second_while_first_is_open(world, stop("designer"), stop("admin"))
    assert isinstance(lost, AlreadySo), repr(lost)
    assert (lost.offered, lost.by, lost.at) == (False, "designer", frozen_clock)
    assert "is already stopped for new cases: designer made it so at 2026-12-07 01:00 UTC" in lost.message
    with world() as s:
        row = s.get(ProcessOffering, "review")
        assert row is not None and (row.offered, row.changed_by) == (False, "designer")
    assert audits(world, "stop_process") == 1


def test_two_offers_again_at_once_one_offers_the_other_is_told_by_whom(world, frozen_clock):
    act(world, "designer", library.set_offered, "review", False)

    def offer(username: str) -> Callable[[Session], Any]:
        return lambda s: library.set_offered(s, actor_for(s, username), "review", True)

    lost = second_while_first_is_open(world, offer("designer"), offer("admin"))
    assert isinstance(lost, AlreadySo), repr(lost)
    assert (lost.offered, lost.by, lost.at) == (True, "designer", frozen_clock)
    assert audits(world, "offer_process") == 1


def test_a_first_stop_after_a_stop_that_rolled_back_stops_it(world):
    """The first stop's transaction fails after its insert: the second's insert goes through."""

    class Failed(Exception):
        pass

    outcome: list[Any] = []

    def run_second() -> None:
        with world.begin() as s:
            outcome.append(stop("admin")(s))

    with pytest.raises(Failed), world.begin() as s:
        stop("designer")(s)
        thread = threading.Thread(target=run_second)
        thread.start()
        wait_until_blocked(world, thread)
        raise Failed
    thread.join(30)
    assert outcome and (outcome[0].offered, outcome[0].offering_changed_by) == (False, "admin")
    assert audits(world, "stop_process") == 1
