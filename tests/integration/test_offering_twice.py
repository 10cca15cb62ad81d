"""Stopping a stopped process, or offering an offered one, changes nothing: refused (409 for
the API), the record keeping who made it so and when. On SQLite and, with TEST_DATABASE_URL,
on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import definitions, library
from engine.usecases.context import SYSTEM
from engine.usecases.offering import AlreadySo
from tests.conftest import fixture_bpmn
from tests.world import act, create_people


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "designer", "admin")
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
    return session_factory


def test_a_second_stop_is_refused_and_keeps_who_stopped_it(world, frozen_clock):
    act(world, "designer", library.set_offered, "review", False)
    clock.advance(timedelta(hours=1))
    with pytest.raises(AlreadySo) as refused:
        act(world, "admin", library.set_offered, "review", False)
    assert (refused.value.offered, refused.value.by, refused.value.at) == (False, "designer", frozen_clock)
    assert "is already stopped for new cases: designer made it so at 2026-12-07 01:00 UTC" in refused.value.message
    review = act(world, "admin", library.process_versions, "review")
    assert (review.offered, review.offering_changed_by, review.offering_changed_at) == (False, "designer", frozen_clock)


def test_offering_an_offered_process_is_refused(world, frozen_clock):
    with pytest.raises(AlreadySo) as never_stopped:
        act(world, "admin", library.set_offered, "review", True)
    assert (never_stopped.value.by, never_stopped.value.at) == (None, None)
    act(world, "designer", library.set_offered, "review", False)
    act(world, "designer", library.set_offered, "review", True)
    clock.advance(timedelta(hours=1))
    with pytest.raises(AlreadySo) as refused:
        act(world, "admin", library.set_offered, "review", True)
    assert (refused.value.offered, refused.value.by, refused.value.at) == (True, "designer", frozen_clock)
    assert act(world, "admin", library.process_versions, "review").offering_changed_by == "designer"
