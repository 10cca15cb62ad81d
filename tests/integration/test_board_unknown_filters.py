"""The overdue board's filters and sort name something there is: a unit, process, deputy or
class that does not exist is refused by its field (QA walk B: ``?unit=nope`` answered an empty
board, the same as "nothing overdue"), while a value no list offers any more but the cases or
the tasks still carry (a role, a deactivated deputy, a class dropped from the form) still filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from engine import clock
from engine.errors import InvalidData
from engine.usecases import supervision, tasks
from storage.models import CaseFacts, User
from tests.world import act, build_world, start_review


@pytest.fixture
def world(session_factory, frozen_clock):
    build_world(session_factory, "clerk", "fin", "boss", "wang")
    case = start_review(session_factory, "clerk")
    act(session_factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=13))  # 2026-12-20: the reply (due 12-22 24:00) is due soon
    return session_factory, case.id


def refused_codes(factory, **filters) -> dict[str, tuple[str, dict]]:
    with pytest.raises(InvalidData) as refused:
        act(factory, "boss", supervision.board, **filters)
    return {name: (error.code, error.params) for name, error in refused.value.codes.items()}


def test_every_unknown_filter_and_sort_is_refused_by_its_field_at_once(world):
    factory, _case_id = world
    assert refused_codes(factory, unit="nope", process_key="nope", sort="bogus", deputy="ghost", category="zzz") == {
        "unit": ("unknown_department", {"department": "nope"}),
        "process": ("not_one_of", {"value": "nope", "choices": "petition_min、review"}),
        "sort": ("not_one_of", {"value": "bogus", "choices": "due、unit、process、supervisions"}),
        "deputy": ("unknown_user", {"username": "ghost"}),
        # no proposal process here: no form offers a class
        "category": ("not_one_of", {"value": "zzz", "choices": ""}),
    }
    assert refused_codes(factory, unit="nope", process_key="review") == {
        "unit": ("unknown_department", {"department": "nope"})
    }


def test_a_value_the_cases_or_tasks_still_carry_filters(world):
    factory, case_id = world

    def board(**filters):
        return act(factory, "boss", supervision.board, **filters)

    assert [r.instance_id for r in board(unit="finance", process_key="review").rows] == [case_id]
    # a unit with nothing due, a role (a task offered to no unit is listed under it)
    assert board(unit="land").rows == [] and board(unit="supervisor").rows == []
    # a deputy with no case, and the same deputy deactivated
    assert board(deputy="wang").rows == []
    with factory.begin() as s:
        s.execute(update(User).where(User.username == "wang").values(active=False))
    assert board(deputy="wang").rows == []
    # a class the proposal form does not offer (here none does), carried by a case
    with factory.begin() as s:
        assert s.execute(update(CaseFacts).where(CaseFacts.instance_id == case_id).values(category="dropped")).rowcount
    assert [r.instance_id for r in board(category="dropped").rows] == [case_id]
    assert [r.instance_id for r in board(sort="supervisions").rows] == [case_id]
