"""A process or task name longer than its column (VARCHAR(500)) is refused at deploy at its
element: SQLite would store it anyway, PostgreSQL refuse the save whole (a DataError, a server
error on the designer's page). Run on both when TEST_DATABASE_URL names a PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidBpmn
from engine.usecases import definitions
from engine.usecases.context import SYSTEM
from storage.models import ProcessDefinition
from tests.unit.test_specs import LINEAR, doc


def test_a_name_longer_than_stored_is_refused_and_nothing_is_stored(session_factory):
    source = doc(LINEAR.replace('name="办理"', f'name="{"办" * 3000}"')).replace(
        'id="p"', f'id="p" name="{"流" * 3000}"'
    )
    with pytest.raises(InvalidBpmn) as refused, session_factory.begin() as s:
        definitions.deploy(s, source, "long.bpmn", SYSTEM)
    assert [(p.element_id, p.message[-47:]) for p in refused.value.problems] == [
        ("p", "is 3000 characters long: at most 500 are stored"),
        ("t", "is 3000 characters long: at most 500 are stored"),
    ]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_a_name_at_the_limit_is_stored_whole(session_factory):
    source = doc(LINEAR).replace('id="p"', f'id="p" name="{"流" * 500}"')
    with session_factory.begin() as s:
        definitions.deploy(s, source, "long.bpmn", SYSTEM)
    with session_factory() as s:
        assert s.scalar(select(ProcessDefinition.name)) == "流" * 500
