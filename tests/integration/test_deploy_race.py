"""Two designers deploying one process from the same version at the same moment: one deploys
the next version, the other is told who deployed it and when (``newer_version``), never a
database error. Without a lock both read the same latest version and insert the same next one;
on PostgreSQL the second insert waits on the first's and then fails on the unique (key,
version). On SQLite the writers queue (BEGIN IMMEDIATE) and the same outcome is asked of it.
Real threads, each with its own session and connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.usecases import definitions
from engine.usecases.context import SYSTEM, actor_for
from storage.models import ProcessDefinition
from tests.conftest import fixture_bpmn
from tests.integration.test_offering_race import second_while_first_is_open
from tests.world import create_people

pytestmark = pytest.mark.slow  # left out of make test-fast


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "designer", "admin")
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
    return session_factory


def edit(username: str, mark: str, based_on: dict[str, int] | None) -> Callable[[Session], Any]:
    """``username`` deploys review.bpmn edited (a comment of their own: another content)."""
    xml = fixture_bpmn("review.bpmn").decode("utf-8") + f"\n<!-- {mark} -->\n"
    return lambda s: definitions.deploy(s, xml, "review.bpmn", actor_for(s, username), based_on=based_on)


def versions(world) -> list[tuple[int, str]]:
    with world() as s:
        rows = s.execute(
            select(ProcessDefinition.version, ProcessDefinition.deployed_by)
            .where(ProcessDefinition.key == "review")
            .order_by(ProcessDefinition.version)
        )
        return [tuple(r) for r in rows]


def test_two_deploys_from_one_version_at_once_one_deploys_the_other_is_told_by_whom(world):
    lost = second_while_first_is_open(world, edit("designer", "A", {"review": 1}), edit("admin", "B", {"review": 1}))
    assert isinstance(lost, Conflict), repr(lost)
    assert lost.reason == "newer_version"
    assert (lost.params["version"], lost.params["based_on"], lost.params["by"]) == (2, 1, "designer")
    assert versions(world) == [(1, "system"), (2, "designer")]


def test_two_deploys_naming_no_version_at_once_both_deploy_one_after_the_other(world):
    """The command line deploys a file as it is on disk (no version it began from): the second
    becomes the version after the first's, not a database error."""
    won = second_while_first_is_open(world, edit("designer", "A", None), edit("admin", "B", None))
    assert not isinstance(won, Exception), repr(won)
    assert versions(world) == [(1, "system"), (2, "designer"), (3, "admin")]
