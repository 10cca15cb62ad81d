"""信访 (bpmn/petition.bpmn): the dates its forms take. A letter is registered within a year of
its receipt (or it would be born with every deadline passed), and a date never precedes the one it
follows: the petitioner told before the letter came, a review asked for before the reply. The
clock: Monday 2026-12-07, 09:00 in Beijing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import InvalidData

from .conftest import at, deploy, do, one, open_ids, variables
from .test_petition import register


@pytest.fixture
def world(people):
    deploy(people, "petition")
    return people


def refusal(excinfo, name):
    error = excinfo.value.codes[name]
    assert set(excinfo.value.codes) == {name}
    return error.code, error.params


def test_a_letter_received_in_1900_is_not_registered(world, frozen_clock):
    with pytest.raises(InvalidData) as refused:
        register(world, received_on="1900-01-01")
    assert refusal(refused, "received_on") == ("date_out_of_range", {"min": "2025-12-07", "max": "2026-12-07"})
    with pytest.raises(InvalidData):
        register(world, received_on="2025-12-06")
    case_id = register(world, received_on="2025-12-07")  # a year ago to the day: still taken
    assert open_ids(world, case_id) == ["Task_Accept"]


def test_the_petitioner_cannot_be_told_before_the_letter_came(world, frozen_clock):
    case_id = register(world, received_on="2026-12-01")
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-11-01"})
    assert refusal(refused, "notified_on") == ("date_out_of_range", {"min": "2026-12-01", "max": "2026-12-07"})
    with pytest.raises(InvalidData):
        do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-11-30"})
    assert open_ids(world, case_id) == ["Task_Accept"]
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-12-01"})  # the same day
    assert variables(world, case_id)["notified_on"] == "2026-12-01"


def test_a_review_is_not_asked_for_before_the_reply(world, frozen_clock):
    case_id = register(world)
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-12-07"})
    do(world, "clerk", case_id, "Task_Assign", {"handling_unit": "civil_affairs"})
    clock.advance(timedelta(days=10))  # replied 2026-12-17
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "经核查符合条件"})
    clock.advance(timedelta(days=5))  # 2026-12-22
    request = {"review_request_content": "对答复不服，请求复查"}
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_ReviewRequest", {**request, "review_requested_on": "2026-12-16"})
    assert refusal(refused, "review_requested_on") == (
        "date_out_of_range",
        {"min": "2026-12-17", "max": "2026-12-22"},
    )
    do(world, "clerk", case_id, "Task_ReviewRequest", {**request, "review_requested_on": "2026-12-17"})
    assert open_ids(world, case_id) == ["Task_Review"]
    # 30 days from the day the request was received (12-17), not from its registration (12-22):
    # 2027-01-16 is a Saturday, so the opinion is due Monday 01-18, 24:00
    assert one(world, case_id, "Task_Review").due_at == at("2027-01-19T00:00:00+08:00")
