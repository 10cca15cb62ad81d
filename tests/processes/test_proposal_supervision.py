"""代表建议 (bpmn/proposal.bpmn): a supervisor's 督办 on a unit's task when the process takes
that task back. 改办 (the office agreeing to the lead unit's 退回) ends the co-handling rounds
and gives up the lead unit's reply: a 督办 on either ends unanswered, and whoever issued it is
told (they would go on believing the unit pressed; the next unit never received it). A return
request is no answer to a 督办: it stands while the office decides, and goes on with the reply
the same unit gets back when the return is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, supervision
from storage.enums import NotificationKind, WorkItemState
from storage.models import Notification, Supervision
from tests.world import create_people

from .conftest import act, deploy, do, items, one
from .test_proposal import approve_extension, ask_extension, assign, register, reply
from .test_proposal_return import send_back

REASSIGN = {"return_decision": "reassign", "return_opinion": "同意改办"}
KEEP = {"return_decision": "keep", "return_opinion": "村道养护经费在财政所，请继续办理。"}


@pytest.fixture
def world(people):
    deploy(people, "proposal")
    return people


def press(world, case_id, bpmn_id, opinion="请尽快办理"):
    """boss's 督办 on the case's open ``bpmn_id``, to answer by 2026-12-31."""
    return act(world, "boss", supervision.issue, case_id, one(world, case_id, bpmn_id).task_id, opinion, "2026-12-31")


def ended_notices(world, case_id) -> list[tuple[str, str, str, dict]]:
    """The 督办 notices telling an issuer their 督办 ended: (to whom, subject, message, params)."""
    with world() as s:
        rows = s.execute(
            select(Notification.username, Notification.subject, Notification.message, Notification.params)
            .where(Notification.instance_id == case_id, Notification.kind == NotificationKind.SUPERVISION)
            .order_by(Notification.id)
        ).all()
    return [tuple(r) for r in rows if (r.params or {}).get("withdrawn")]


def badges(world, item_id) -> dict[int, int]:
    with world() as s:
        return supervision.open_on_items(s, [item_id])


def states(world, case_id) -> dict[int, tuple[str, bool, str | None]]:
    return {s.id: (s.state, s.withdrawn, s.withdrawn_by) for s in act(world, "boss", supervision.of_case, case_id)}


def test_reassigned_a_supervision_on_the_co_handling_view_ends_and_its_issuer_is_told(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, lead="finance", cohandling=["land"])
    pressed = press(world, case_id, "Task_CohandlingView")
    view = one(world, case_id, "Task_CohandlingView")
    clock.advance(timedelta(days=3))
    send_back(world, case_id)
    assert states(world, case_id) == {pressed.id: ("open", False, None)}  # the view goes on meanwhile
    assert ended_notices(world, case_id) == []

    do(world, "clerk", case_id, "Task_ReviewReturn", REASSIGN)

    [withdrawn] = items(world, case_id, "Task_CohandlingView", state=WorkItemState.CANCELLED)
    assert withdrawn.task_id == view.task_id
    assert states(world, case_id) == {pressed.id: ("ended", True, "退回改办")}
    [(to, subject, message, params)] = ended_notices(world, case_id)
    assert (to, subject) == ("boss", "督办已结束：向主办单位提出协办意见 · 国土所（修缮村道）")
    assert message == (
        "「向主办单位提出协办意见 · 国土所」（案件：修缮村道）因「退回改办」已撤回，您对其发出的督办未获回复，"
        "已结束；如需继续督办，请对新的任务或整个案件重新发出。"
    )
    assert params["event"] == "退回改办" and "case_ended" not in params
    assert act(world, "boss", supervision.board).open_supervisions == []


def test_a_return_request_leaves_the_supervision_open_and_reassigned_it_ends_told(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, lead="finance")
    pressed = press(world, case_id, "Task_Reply", "请尽快答复代表")
    send_back(world, case_id)  # 退回，申请改办: no answer to the 督办

    assert states(world, case_id) == {pressed.id: ("open", False, None)}
    # and the board lists it while the office decides (审核退回申请 runs to the reply's deadline)
    assert [s.id for s in act(world, "boss", supervision.board).open_supervisions] == [pressed.id]
    do(world, "clerk", case_id, "Task_ReviewReturn", REASSIGN)

    # the item waits for the new 交办: the 督办 did not go with it, it ended
    assert states(world, case_id) == {pressed.id: ("ended", True, "退回改办")}
    assert act(world, "boss", supervision.board).open_supervisions == []
    [(to, subject, message, _params)] = ended_notices(world, case_id)
    assert (to, subject) == ("boss", "督办已结束：办理并书面答复（修缮村道）")
    assert message == (
        "「办理并书面答复」（案件：修缮村道）因「退回改办」已撤回，您对其发出的督办未获回复，已结束；"
        "如需继续督办，请对新的任务或整个案件重新发出。"
    )

    # the new unit's reply carries none of it, and a later return of its own does not revive it
    assign(world, case_id, lead="finance")
    fresh = one(world, case_id, "Task_Reply")
    assert badges(world, fresh.id) == {}
    send_back(world, case_id)
    assert states(world, case_id) == {pressed.id: ("ended", True, "退回改办")}


def test_a_refused_return_keeps_the_supervision_on_the_reply_the_unit_gets_back(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, lead="finance")
    pressed = press(world, case_id, "Task_Reply", "请尽快答复代表")
    send_back(world, case_id)
    do(world, "clerk", case_id, "Task_ReviewReturn", KEEP)

    back = one(world, case_id, "Task_Reply")
    [still] = act(world, "boss", supervision.of_case, case_id)
    assert (still.id, still.state, still.task_id, still.responded_at) == (pressed.id, "open", back.task_id, None)
    assert badges(world, back.id) == {back.id: 1}  # the badge on the task
    [listed] = act(world, "boss", supervision.board).open_supervisions
    assert listed.id == pressed.id
    assert ended_notices(world, case_id) == []

    clock.advance(timedelta(days=1))
    reply(world, case_id, "A")  # the written reply answers it
    [answered] = act(world, "boss", supervision.of_case, case_id)
    assert (answered.state, answered.responded_at) == ("responded", clock.now())
    assert ended_notices(world, case_id) == []


def test_an_extension_request_is_no_answer_the_supervision_goes_on_with_the_reply_after_the_decision(
    world, frozen_clock
):
    # asking for more time asks the office to decide: the 督办 presses for the reply itself
    case_id = register(world)
    assign(world, case_id, lead="finance")
    pressed = press(world, case_id, "Task_Reply", "请尽快答复代表")
    ask_extension(world, case_id)
    assert states(world, case_id) == {pressed.id: ("open", False, None)}
    assert [s.id for s in act(world, "boss", supervision.board).open_supervisions] == [pressed.id]
    approve_extension(world, case_id)

    back = one(world, case_id, "Task_Reply")
    [still] = act(world, "boss", supervision.of_case, case_id)
    assert (still.id, still.state, still.task_id, still.responded_at) == (pressed.id, "open", back.task_id, None)
    assert badges(world, back.id) == {back.id: 1}
    assert ended_notices(world, case_id) == []
    reply(world, case_id, "A")
    [answered] = act(world, "boss", supervision.of_case, case_id)
    assert answered.state == "responded"


def test_the_supervisor_who_decides_the_return_is_not_told_of_what_they_did(world, frozen_clock):
    """Whoever's action took the task back knows: only the other issuers are told (boss sits in
    the office, which decides returns)."""
    create_people(world, "office_supervisor")
    case_id = register(world)
    assign(world, case_id, lead="finance")
    press(world, case_id, "Task_Reply")
    task_id = one(world, case_id, "Task_Reply").task_id
    act(world, "office_supervisor", supervision.issue, case_id, task_id, "请答复", None)
    send_back(world, case_id)
    do(world, "boss", case_id, "Task_ReviewReturn", REASSIGN)
    assert [to for to, *_ in ended_notices(world, case_id)] == ["office_supervisor"]


def test_a_whole_case_supervision_waits_out_a_refused_return_and_the_reply_back_answers_it(world, frozen_clock):
    """A 督办 on the case as a whole, addressed to 财政所 holding the reply: its return request is
    no answer; refused, the reply it gets back is the one that answers (its badge goes with it)."""
    case_id = register(world)
    assign(world, case_id, lead="finance")
    pressed = act(world, "boss", supervision.issue, case_id, None, "请统筹办理", None)
    send_back(world, case_id)
    assert states(world, case_id) == {pressed.id: ("open", False, None)}
    do(world, "clerk", case_id, "Task_ReviewReturn", KEEP)

    back = one(world, case_id, "Task_Reply")
    assert badges(world, back.id) == {back.id: 1}
    clock.advance(timedelta(days=1))
    reply(world, case_id, "A")
    [answered] = act(world, "boss", supervision.of_case, case_id)
    assert (answered.id, answered.state, answered.responded_at) == (pressed.id, "responded", clock.now())


def test_a_whole_case_supervision_to_the_unit_alone_ends_with_the_reassignment_its_issuer_told_once(
    world, frozen_clock
):
    """改办 takes the reply from 财政所, the only unit a 督办 on the case as a whole was addressed
    to: no unit is left to answer it. It ends, by the 改办, its issuer told once; the board no
    longer lists it, and the case's cancelling later does not tell of it again."""
    case_id = register(world)
    assign(world, case_id, lead="finance")
    pressed = act(world, "boss", supervision.issue, case_id, None, "请统筹办理", "2026-12-31")
    asked = one(world, case_id, "Task_Reply")
    send_back(world, case_id)
    do(world, "clerk", case_id, "Task_ReviewReturn", REASSIGN)

    assert states(world, case_id) == {pressed.id: ("ended", True, "退回改办")}
    [(to, subject, message, params)] = ended_notices(world, case_id)
    assert (to, subject) == ("boss", "督办已结束：办理并书面答复（修缮村道）")
    assert "您对该案件发出的督办未获回复，已结束；如需继续督办，请对新的任务或整个案件重新发出。" in message
    assert (params["task"], params["event"], params["on_the_case"], params["still_open"]) == (
        "办理并书面答复",
        "退回改办",
        True,
        False,
    )
    assert act(world, "boss", supervision.board).open_supervisions == []
    assert badges(world, asked.id) == {}

    # the next unit's reply is not addressed by it, and the cancelling tells nobody of it again
    assign(world, case_id, lead="finance")
    assert badges(world, one(world, case_id, "Task_Reply").id) == {}
    act(world, "clerk", cases.cancel_instance, case_id, "重复登记")
    assert len(ended_notices(world, case_id)) == 1
    assert states(world, case_id) == {pressed.id: ("ended", True, "退回改办")}


def test_a_whole_case_supervision_is_answered_by_the_co_handling_unit_once_the_lead_unit_gave_its_reply_up(
    world, frozen_clock
):
    """Addressed to 财政所 (the reply) and 国土所 (its view): 国土所 answered; 改办 ends
    财政所's part, its issuer told, and the 督办 is answered, when and by whom 国土所 did."""
    case_id = register(world)
    assign(world, case_id, lead="finance", cohandling=["land"])
    pressed = act(world, "boss", supervision.issue, case_id, None, "请统筹办理", None)
    clock.advance(timedelta(days=1))
    do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "同意主办单位方案"})
    viewed_at = clock.now()
    clock.advance(timedelta(days=1))
    send_back(world, case_id)
    assert states(world, case_id) == {pressed.id: ("open", False, None)}
    do(world, "clerk", case_id, "Task_ReviewReturn", REASSIGN)

    [answered] = act(world, "boss", supervision.of_case, case_id)
    assert (answered.state, answered.responded_at, answered.withdrawn) == ("responded", viewed_at, False)
    with world() as s:
        assert s.get(Supervision, pressed.id).responded_by == "landy"
    [(to, _subject, _message, params)] = ended_notices(world, case_id)
    assert (to, params["task"], params["event"], params["still_open"]) == ("boss", "办理并书面答复", "退回改办", False)
    assert act(world, "boss", supervision.board).open_supervisions == []


def test_a_whole_case_supervision_to_both_units_ends_with_the_reassignment_told_once(world, frozen_clock):
    """Neither unit answered: the 改办 gives 财政所's reply up and withdraws 国土所's view (it ends
    the co-handling rounds), ending each unit's part: none left, the 督办 ended, by the 改办; its
    issuer told once, of the reply the 改办 gave up, that it ended: one change, one notice (not
    first that it still waits for the unit the same 改办 took the reply from)."""
    case_id = register(world)
    assign(world, case_id, lead="finance", cohandling=["land"])
    pressed = act(world, "boss", supervision.issue, case_id, None, "请统筹办理", None)
    view = one(world, case_id, "Task_CohandlingView")
    send_back(world, case_id)
    do(world, "clerk", case_id, "Task_ReviewReturn", REASSIGN)

    # both tasks taken back by the 改办: nobody left to answer it; told once, that it ended
    assert states(world, case_id) == {pressed.id: ("ended", True, "退回改办")}
    told = [
        (to, params["task"], params["still_open"]) for to, _subject, _message, params in ended_notices(world, case_id)
    ]
    assert told == [("boss", "办理并书面答复", False)]
    assert badges(world, view.id) == {}
    assert act(world, "boss", supervision.board).open_supervisions == []
