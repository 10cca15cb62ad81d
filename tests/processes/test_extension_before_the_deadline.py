"""An extension is asked for while the period still runs (期限届满前申请; 信访条例 extends a
running period): a request after the reply was due is refused at the form, naming the field and
the period's end, and the late reply stays late in the case and the figures. A request made in
time may be approved after the due date: the period made longer holds."""

from datetime import date, timedelta

import pytest

from engine import clock
from engine.errors import InvalidData
from engine.usecases.statistics import Period, statistics
from storage.models import CaseFacts

from .conftest import act, advance_and_fire, at, deploy, do, one, open_ids, variables
from .test_petition import accept_and_assign
from .test_petition import register as register_petition
from .test_proposal import assign, register, reply

# 交办 on 2026-12-07 (Mon) + 3 months = 2027-03-07, a Sunday: the last day is Monday 03-08
REPLY_DUE = "2027-03-09T00:00:00+08:00"
ASK = {"handling_action": "extend", "extension_months": 2, "extension_reason": "需要列入预算"}


@pytest.fixture
def world(people):
    deploy(people, "proposal", "petition")
    return people


def proposal_figures(world) -> dict[str, int]:
    figures = act(world, "boss", statistics, "proposal", Period(date(2026, 12, 1), date(2026, 12, 31))).overall
    return {key: figures[key].count for key in ("replied", "replied_on_time", "late")}


def test_a_proposal_extension_asked_after_the_reply_was_due_is_refused(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    assert one(world, case_id, "Task_Reply").due_at == at(REPLY_DUE)
    advance_and_fire(world, at("2027-03-09T00:00:01+08:00") - clock.now())  # the first second after 03-08 24:00
    assert open_ids(world, case_id) == ["Task_Reply", "Task_Supervise"]

    with pytest.raises(InvalidData) as refused:
        do(world, "fin", case_id, "Task_Reply", ASK)
    error = refused.value.codes["extension_months"]
    assert (error.code, error.params) == ("period_ended", {"day": "2027-03-08"})
    assert str(error) == "申请延期（月）: the period ended at 2027-03-08 24:00: this is asked for before it ends"
    assert list(refused.value.codes) == ["extension_months"]
    assert open_ids(world, case_id) == ["Task_Reply", "Task_Supervise"]  # nothing moved
    assert variables(world, case_id)["reply_due"] == REPLY_DUE

    clock.advance(timedelta(days=59))  # 2027-05-07
    reply(world, case_id, "A")
    v = variables(world, case_id)
    assert (v["replied_on_time"], v["extended"], v["reply_due"]) == (False, False, REPLY_DUE)
    with world() as session:
        assert session.get(CaseFacts, case_id).replied_on_time is False
    assert proposal_figures(world) == {"replied": 1, "replied_on_time": 0, "late": 1}


def test_a_proposal_returned_after_the_reply_was_due_is_refused(world, frozen_clock):
    """Returned late and re-assigned, the period would count again from the new 交办: the unit
    that let it run out would be late nowhere. A return is made before the period ends."""
    case_id = register(world)
    assign(world, case_id)
    advance_and_fire(world, at("2027-03-09T00:00:01+08:00") - clock.now())
    with pytest.raises(InvalidData) as refused:
        do(world, "fin", case_id, "Task_Reply", {"handling_action": "return", "return_reason": "不属本所职责"})
    error = refused.value.codes["return_reason"]
    assert (error.code, error.params) == ("period_ended", {"day": "2027-03-08"})
    assert open_ids(world, case_id) == ["Task_Reply", "Task_Supervise"]  # nothing moved


def test_a_proposal_extension_asked_on_the_last_evening_and_approved_after_it_holds(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    clock.advance(at("2027-03-08T23:59:00+08:00") - clock.now())  # the last day, 24:00 not yet
    do(world, "fin", case_id, "Task_Reply", ASK)
    advance_and_fire(world, at("2027-03-10T10:00:00+08:00") - clock.now())  # the office decides two days on
    do(world, "clerk", case_id, "Task_ApproveExtension", {"extension_decision": "approve"})
    # five months from 12-07: 05-07 (Fri), 24:00
    assert one(world, case_id, "Task_Reply").due_at == at("2027-05-08T00:00:00+08:00")
    clock.advance(at("2027-04-20T10:00:00+08:00") - clock.now())
    reply(world, case_id, "A")
    assert variables(world, case_id)["replied_on_time"] is True
    assert proposal_figures(world) == {"replied": 1, "replied_on_time": 1, "late": 0}


def test_a_petition_extension_asked_after_the_handling_was_due_is_refused(world, frozen_clock):
    case_id = register_petition(world)
    accept_and_assign(world, case_id)
    # accepted 12-10 + 60 days = 2027-02-08, in the Spring Festival (estimate): the last day is 02-11
    assert one(world, case_id, "Task_Handle").due_at == at("2027-02-12T00:00:00+08:00")
    advance_and_fire(world, at("2027-02-12T08:00:00+08:00") - clock.now())
    with pytest.raises(InvalidData) as refused:
        do(
            world,
            "civ",
            case_id,
            "Task_Handle",
            {"handling_action": "extend", "extension_days": 30, "extension_reason": "需实地调查"},
        )
    error = refused.value.codes["extension_days"]
    assert (error.code, error.params) == ("period_ended", {"day": "2027-02-11"})
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "逾期答复"})
    v = variables(world, case_id)
    assert (v["replied_on_time"], v["extended"], v["handle_due"]) == (False, False, "2027-02-12T00:00:00+08:00")


def test_a_petition_extension_asked_in_time_and_approved_after_the_due_date_holds(world, frozen_clock):
    case_id = register_petition(world)
    accept_and_assign(world, case_id)
    clock.advance(at("2027-02-11T16:00:00+08:00") - clock.now())
    do(
        world,
        "civ",
        case_id,
        "Task_Handle",
        {"handling_action": "extend", "extension_days": 20, "extension_reason": "需实地调查"},
    )
    advance_and_fire(world, at("2027-02-15T09:00:00+08:00") - clock.now())
    do(world, "clerk", case_id, "Task_ApproveExtension", {"extension_decision": "approve"})
    # 80 days from 12-10 end on 02-28, a Sunday: Monday 03-01, 24:00
    assert one(world, case_id, "Task_Handle").due_at == at("2027-03-02T00:00:00+08:00")
    clock.advance(timedelta(days=5))
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "按延长的期限答复"})
    assert variables(world, case_id)["replied_on_time"] is True
