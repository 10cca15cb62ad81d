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


HELD = "编号 2026-信-007 已是「信访（测试）」在办案件 #{} 的编号，没有再发起案件。"


def _cases(world) -> list[tuple[int, str | None]]:
    with world.factory() as s:
        return [(c.id, c.business_key) for c in s.scalars(select(ProcessInstance).order_by(ProcessInstance.id))]


def test_a_start_by_hand_refuses_a_business_key_a_running_case_holds_until_it_is_cancelled(world):
    """One 编号, one running case of a process, whichever door starts it: the API's and the
    command line's start refuse it as a message start does (409, naming the case holding it)."""
    keeper = world.as_("keeper")
    first = keeper.post("/instances", json={**START, "business_key": "2026-信-007"})
    assert first.status_code == 201, first.get_json()
    held_by = first.get_json()["id"]
    again = keeper.post("/instances", json={**START, "business_key": " 2026-信-007  "})
    assert again.status_code == 409, again.get_json()
    assert f"running case {held_by} of 'petition_min' has the business key '2026-信-007'" in again.get_json()["message"]
    assert again.get_json()["said"]["text"] == HELD.format(held_by)
    assert _cases(world) == [(held_by, "2026-信-007")]  # nothing started
    cli = world.app.test_cli_runner().invoke(
        args=[
            "start",
            "petition_min",
            "--var",
            "subject=反映低保评定问题",
            *(arg for name, value in PETITIONER.items() for arg in ("--var", f"{name}={value}")),
            "--var",
            "unit=finance",
            "--business-key",
            "2026-信-007",
            "--user",
            "keeper",
        ]
    )
    assert cli.exit_code == 3, cli.output
    assert f"running case {held_by} of 'petition_min' has the business key '2026-信-007'" in cli.output
    assert _cases(world) == [(held_by, "2026-信-007")]
    # another 编号 starts another case; the first one cancelled, its 编号 is free again
    other = keeper.post("/instances", json={**START, "business_key": "2026-信-008"})
    assert other.status_code == 201, other.get_json()
    cancelled = keeper.post(f"/instances/{held_by}/cancel", json={"reason": "重复登记"})
    assert cancelled.status_code == 204, cancelled.get_json()
    reused = keeper.post("/instances", json={**START, "business_key": "2026-信-007"})
    assert reused.status_code == 201, reused.get_json()
    assert _cases(world) == [
        (held_by, "2026-信-007"),
        (other.get_json()["id"], "2026-信-008"),
        (reused.get_json()["id"], "2026-信-007"),
    ]
