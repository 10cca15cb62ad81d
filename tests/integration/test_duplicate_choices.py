"""A list field (``multiple``: a proposal's co-handling units, its co-signing deputies) takes each
value once. The page's multi-select never sends one twice; the API and the command line could,
and a unit named twice got two co-handling tasks (the case waiting for its view twice), a deputy
named twice co-signed twice. Such a list is refused naming the field and the repeated value, and
nothing moves; so is a list item that is no text at all (it was a server error).

Every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engine.bpmn.forms import FormField, FormSpec
from engine.errors import FieldError, InvalidData
from engine.usecases import tasks
from storage.models import ProcessInstance
from tests.api import conftest as api
from tests.api.test_forms_api import PROPOSAL
from tests.world import REPO_ROOT, act, deploy

# the office's clerk, an officer of each unit a proposal goes to, and three deputies
PEOPLE = ("clerk", "fin", "civ", "landy", "deputy", "wang", "li")
ASSIGNMENT = {"category": "construction", "lead_unit": "finance"}

world = api.world  # the API tests' callers, one token each


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


@pytest.fixture
def proposals(world: api.World) -> api.World:
    deploy(world.app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    return world


def _start(world: api.World, **data: Any) -> Any:
    return world.as_("clerk").post("/instances", json={"process_key": "proposal", "data": {**PROPOSAL, **data}})


def _classify_task(world: api.World) -> tuple[int, str]:
    """A proposal registered through the API: its case and its 整理分类并交办 task."""
    started = _start(world)
    assert started.status_code == 201, started.get_json()
    [classify] = started.get_json()["open_tasks"]
    return started.get_json()["id"], classify["task_id"]


def _assign(world: api.World, task_id: str, units: Any) -> Any:
    return world.as_("clerk").post(
        f"/tasks/{task_id}/complete", json={"data": {**ASSIGNMENT, "cohandling_units": units}}
    )


def _open_steps(world: api.World, case_id: int) -> list[tuple[str, list[str]]]:
    """The case's open tasks as (step, the groups offered it), in a stable order."""
    case = world.as_("clerk").get(f"/instances/{case_id}")
    assert case.status_code == 200, case.get_json()
    return sorted((t["bpmn_id"], t["candidate_groups"]) for t in case.get_json()["open_tasks"])


def _cases(world: api.World) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance))


def test_a_unit_chosen_twice_to_co_handle_is_refused_and_the_case_stays_where_it_was(proposals):
    case_id, classify = _classify_task(proposals)
    refused = _assign(proposals, classify, ["civil_affairs", "land", "civil_affairs"])
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["fields"] == {"cohandling_units": "协办单位: 民政办 chosen more than once"}
    assert refused.get_json()["codes"] == {
        "cohandling_units": {"code": "repeated_choice", "params": {"value": "民政办"}}
    }
    assert _open_steps(proposals, case_id) == [("Task_Classify", ["office"])]


def test_each_unit_chosen_once_gets_its_one_co_handling_task(proposals):
    case_id, classify = _classify_task(proposals)
    assigned = _assign(proposals, classify, ["civil_affairs", "land"])
    assert assigned.status_code == 200, assigned.get_json()
    assert _open_steps(proposals, case_id) == [
        ("Task_CohandlingView", ["civil_affairs"]),
        ("Task_CohandlingView", ["land"]),
        ("Task_Reply", ["finance"]),
    ]


def test_units_written_as_text_are_checked_alike(proposals):
    """The command line and older clients send a list as comma-separated text."""
    case_id, classify = _classify_task(proposals)
    data = {**ASSIGNMENT, "cohandling_units": "land, civil_affairs,land"}
    with pytest.raises(InvalidData) as refused:
        act(proposals.app, "clerk", tasks.complete, classify, data)
    assert refused.value.codes == {"cohandling_units": FieldError("repeated_choice", {"value": "国土所"}, "协办单位")}
    assert _open_steps(proposals, case_id) == [("Task_Classify", ["office"])]


def test_a_deputy_named_twice_to_co_sign_is_refused_and_no_case_starts(proposals):
    refused = _start(proposals, joint_deputies=["wang", "li", "wang", "li"])
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["fields"] == {"joint_deputies": "联名代表: wang 同志, li 同志 chosen more than once"}
    assert _cases(proposals) == 0


@pytest.mark.parametrize("item", [{"code": "land"}, ["land"], 5])
def test_a_list_item_that_is_no_text_is_refused_not_a_server_error(proposals, item):
    case_id, classify = _classify_task(proposals)
    refused = _assign(proposals, classify, ["civil_affairs", item])
    assert refused.status_code == 422, refused.get_data(as_text=True)[:300]
    assert refused.get_json()["codes"]["cohandling_units"]["code"] == "not_allowed_value"
    assert _open_steps(proposals, case_id) == [("Task_Classify", ["office"])]


def test_given_the_lists_labels_the_repeated_value_is_named_by_its_label():
    form = FormSpec((FormField("cohandling_units", "协办单位", "string", properties={"multiple": "departments"}),))
    units = {"departments": {"civil_affairs": "民政办", "land": "国土所"}}
    with pytest.raises(InvalidData) as refused:
        form.validate({"cohandling_units": ["land", "civil_affairs", "civil_affairs"]}, units)
    assert refused.value.codes == {"cohandling_units": FieldError("repeated_choice", {"value": "民政办"}, "协办单位")}
    assert str(refused.value.codes["cohandling_units"]) == "协办单位: 民政办 chosen more than once"
    assert form.validate({"cohandling_units": ["land", "civil_affairs"]}, units) == {
        "cohandling_units": ["land", "civil_affairs"]
    }


def test_the_page_says_it_in_chinese(world):
    from web.views.formdata import field_message

    with world.app.test_request_context():
        assert field_message(FieldError("repeated_choice", {"value": "民政办"}, "协办单位")) == "民政办 选了不止一次"
