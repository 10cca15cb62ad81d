"""A case started by hand (the API's and the command line's start) takes its 编号 as a message
start takes it: without the spaces around it, and spaces alone refused at ``business_key``
(they were stored as they came: a 编号 of three spaces, or " 2026-信-001 " that no search by
2026-信-001 finds). Nothing is started on a refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import ProcessInstance
from tests.world import PETITIONER

START = {"process_key": "petition_min", "data": {"subject": "反映低保评定问题", **PETITIONER, "unit": "finance"}}


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("keeper",)


def test_the_spaces_around_a_business_key_are_not_kept(world):
    started = world.as_("keeper").post("/instances", json={**START, "business_key": "  2026-信-001 "})
    assert started.status_code == 201, started.get_json()
    case_id = started.get_json()["id"]
    assert world.as_("keeper").get(f"/instances/{case_id}").get_json()["business_key"] == "2026-信-001"


def test_a_business_key_of_spaces_alone_is_refused_at_its_field(world):
    started = world.as_("keeper").post("/instances", json={**START, "business_key": "   "})
    assert started.status_code == 422, started.get_json()
    assert started.get_json()["codes"]["business_key"]["code"] == "length_out_of_range"
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
