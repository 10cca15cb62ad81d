"""督办 as a tracked action and the overdue board: issued by a supervisor or raised by a
deadline timer, told to the holder, open → overdue again → responded."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from engine import clock
from engine.errors import InvalidData, NotAllowed
from engine.usecases import cases, messages, people, supervision, tasks, timers
from engine.usecases.context import SYSTEM, actor_for
from storage.enums import NotificationKind
from storage.models import Notification, User
from tests.integration.scheduler_helpers import start_deadline
from tests.world import act, build_world, create_people, deploy, start_review, statements_sent

# review.bpmn: the office registers; the reply is due 15 days later: 2026-12-22 24:00
REPLY_DUE = datetime(2026, 12, 22, 16, 0, tzinfo=UTC)


@pytest.fixture
def world(session_factory, frozen_clock):
    build_world(session_factory, "clerk", "fin", "fin2", "boss", "office_supervisor")
    case = start_review(session_factory, "clerk")
    act(session_factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    return session_factory, case.id


def reply_task(factory, case_id) -> str:
    [task] = [t for t in act(factory, "clerk", cases.instance_detail, case_id).open_tasks if t.bpmn_id == "reply"]
    return task.task_id


def test_the_board_lists_due_soon_and_overdue_tasks_by_unit(world):
    factory, case_id = world
    assert act(factory, "boss", supervision.board).rows == []  # 15 days ahead: not due soon
    clock.advance(timedelta(days=13))  # 2026-12-20 09:00: due in less than three days
    board = act(factory, "boss", supervision.board)
    [row] = board.rows
    assert (row.instance_id, row.task_name, row.unit, row.assignee, row.groups, row.holders, row.overdue) == (
        case_id,
        "答复",
        "finance",
        None,
        ("finance",),
        ("财政所",),
        False,
    )
    assert row.due_at == REPLY_DUE and board.per_unit == {"finance": (0, 1)}
    clock.advance(timedelta(days=4))  # 2026-12-24 09:00: the second day after the period ended
    [row] = act(factory, "boss", supervision.board).rows
    assert (row.overdue, row.days_overdue) == (True, 2)
    assert act(factory, "boss", supervision.board, unit="land").rows == []


def test_a_supervisor_issues_a_tracked_supervision(world):
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请尽快答复代表", "2026-12-10")
    assert (issued.state, issued.task_name, issued.issued_by, issued.automatic) == ("open", "答复", "boss", False)
    assert issued.respond_by == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)  # 24:00 of 12-10
    with factory() as s:
        told = s.execute(
            select(Notification.username, Notification.message).where(
                Notification.kind == NotificationKind.SUPERVISION, Notification.instance_id == case_id
            )
        ).all()
    messages = dict(told)
    assert "收到督办，请于 2026-12-10 24:00 前办理并回复。督办意见：请尽快答复代表" in messages["fin"]
    history = [h.action for h in act(factory, "clerk", cases.instance_detail, case_id).history]
    assert "supervise" in history

    clock.advance(timedelta(days=4))  # 2026-12-11 09:00: not answered by the date asked
    [again] = act(factory, "clerk", supervision.of_case, case_id)
    assert again.state == "overdue"
    act(factory, "fin", tasks.complete, task_id, {"reply_class": "A"})
    [answered] = act(factory, "clerk", supervision.of_case, case_id)
    assert answered.state == "responded" and answered.responded_at == clock.now()


def test_a_deadline_timer_raises_the_same_record(world):
    factory, case_id = world
    clock.advance(REPLY_DUE - clock.now() + timedelta(seconds=1))
    assert timers.fire_due(factory) >= 1
    [raised] = act(factory, "boss", supervision.of_case, case_id)
    assert (raised.automatic, raised.issued_by, raised.opinion, raised.state) == (True, "system", "逾期督办", "open")
    [row] = act(factory, "boss", supervision.board).rows
    assert (row.supervisions, row.open_supervisions) == (1, 1)
    assert [b.id for b in act(factory, "boss", supervision.board).open_supervisions] == [raised.id]


def test_wrong_supervisions_are_refused_by_field(world):
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    with pytest.raises(NotAllowed):
        act(factory, "clerk", supervision.issue, case_id, task_id, "催办", None)
    with pytest.raises(InvalidData) as refused:
        act(factory, "boss", supervision.issue, case_id, task_id, "  ", "2026-12-06")
    assert {k: e.code for k, e in refused.value.codes.items()} == {
        "opinion": "required",
        "respond_by": "date_out_of_range",
    }
    with pytest.raises(InvalidData) as refused:
        act(factory, "boss", supervision.issue, case_id, "not-a-task", "催办", None)
    assert set(refused.value.codes) == {"task_id"}
    assert act(factory, "boss", supervision.of_case, case_id) == []  # nothing half-written


def test_a_supervision_of_a_task_being_completed_waits_for_it_and_is_refused(world):
    """Issuing a 督办 takes the case's lock: a completion in flight finishes first, and the
    督办 is then refused as on a task no longer open. It is never left open on a task done
    meanwhile (the completion answers only the 督办 it read under the lock)."""
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    completing = factory()
    completing.begin()
    tasks.complete(completing, actor_for(completing, "fin"), task_id, {"reply_class": "A"})
    outcome: dict = {}

    def issue() -> None:
        try:
            outcome["issued"] = act(factory, "boss", supervision.issue, case_id, task_id, "请尽快答复", None)
        except InvalidData as refused:
            outcome["refused"] = refused

    supervisor = threading.Thread(target=issue)
    supervisor.start()
    supervisor.join(0.5)
    assert supervisor.is_alive()  # waiting for the case
    completing.commit()
    completing.close()
    supervisor.join(30)
    assert not supervisor.is_alive() and "issued" not in outcome, outcome
    assert set(outcome["refused"].codes) == {"task_id"}
    assert act(factory, "boss", supervision.of_case, case_id) == []


def test_the_board_filters_by_process_deputy_and_class(world):
    factory, _case_id = world
    clock.advance(timedelta(days=13))
    assert len(act(factory, "boss", supervision.board, process_key="review").rows) == 1
    assert act(factory, "boss", supervision.board, process_key="petition_min").rows == []
    create_people(factory, "wang")  # a deputy, of no case here: a review case has no deputy
    assert act(factory, "boss", supervision.board, deputy="wang").rows == []
    # no proposal process here: no class is known (its filter: tests/processes/test_proposal.py)
    with pytest.raises(InvalidData):
        act(factory, "boss", supervision.board, category="construction")


def supervision_told(factory, opinion: str) -> set[str]:
    with factory() as s:
        return set(
            s.scalars(
                select(Notification.username).where(
                    Notification.kind == NotificationKind.SUPERVISION, Notification.message.contains(opinion)
                )
            )
        )


def test_an_escalation_with_no_head_tells_the_unit_instead_and_says_so(world):
    """财政所 has no 负责人 on the roster: the 督办 is issued, and the rest of the unit told in the
    head's stead; it is not recorded (nor printed, nor shown) as reported to the unit's head,
    and the answer says why and how many were told instead, for the supervisor to be told."""
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    act(factory, "fin", tasks.claim, task_id)  # the task is fin's alone now
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请单位负责人过问", None, escalate=True)
    assert (issued.escalated, issued.unreported, issued.unreported_unit) == (False, "no_head", "finance")
    assert (issued.told_instead, issued.told_as_holders) == (1, 1)  # fin2; fin holds it
    # the unit (fin2 too) and the other supervisor; not boss, who issued it
    assert supervision_told(factory, "请单位负责人过问") == {"fin", "fin2", "office_supervisor"}
    [stored] = act(factory, "boss", supervision.of_case, case_id)
    # read later: what happened, and what issuing found, as the answer said it
    assert (stored.escalated, stored.unreported, stored.told_instead, stored.told_as_holders) == (
        False,
        "no_head",
        1,
        1,
    )
    supervise = [h for h in act(factory, "clerk", cases.instance_detail, case_id).history if h.action == "supervise"]
    assert supervise[0].data["escalated"] is False and supervise[0].data["unreported"] == "no_head"

    plain = act(factory, "boss", supervision.issue, case_id, task_id, "再次催办", None)
    assert (plain.escalated, plain.unreported) == (False, None)  # not asked: nothing to say
    assert supervision_told(factory, "再次催办") == {"fin", "office_supervisor"}  # the holder and the other supervisor


def test_an_escalation_on_an_unclaimed_task_of_a_headless_unit_says_the_unit_heard_as_its_holders(world):
    """Everyone in 财政所 already holds the unclaimed task: nobody more is told, and the
    supervisor hears that both of the unit were told, as its holders (not that nobody was)."""
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请单位负责人过问", None, escalate=True)
    assert (issued.escalated, issued.unreported, issued.unreported_head) == (False, "no_head", None)
    assert (issued.told_instead, issued.told_as_holders) == (0, 2)  # fin and fin2
    assert supervision_told(factory, "请单位负责人过问") == {"fin", "fin2", "office_supervisor"}


def test_an_escalation_on_a_unit_with_nobody_active_says_nobody_of_it_was_told(world):
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    with factory.begin() as s:
        s.execute(update(User).where(User.username.in_(["fin", "fin2"])).values(active=False))
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请单位负责人过问", None, escalate=True)
    assert (issued.unreported, issued.told_instead, issued.told_as_holders) == ("no_head", 0, 0)
    assert supervision_told(factory, "请单位负责人过问") == {"office_supervisor"}


def test_an_escalation_to_a_deactivated_head_or_on_the_whole_case_says_why(world):
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    act(factory, "fin", tasks.claim, task_id)
    with factory.begin() as s:
        people.save_department(s, SYSTEM, "finance", "财政所", head="fin2")
    with factory.begin() as s:
        s.execute(update(User).where(User.username == "fin2").values(active=False))
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请负责人过问", None, escalate=True)
    assert (issued.escalated, issued.unreported, issued.unreported_unit) == (False, "head_inactive", "finance")
    assert (issued.unreported_head, issued.told_instead, issued.told_as_holders) == ("fin2", 0, 1)  # fin holds it
    assert "fin2" not in supervision_told(factory, "请负责人过问")
    # on the case as a whole: addressed to 财政所, which holds its reply, and escalated as on that task
    whole = act(factory, "boss", supervision.issue, case_id, None, "整体催办", None, escalate=True)
    assert (whole.escalated, whole.unreported, whole.unreported_unit) == (False, "head_inactive", "finance")
    assert whole.addressed_units == ("finance",)


def test_an_escalated_supervision_reaches_the_units_head_when_it_has_one(world):
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    act(factory, "fin", tasks.claim, task_id)
    with factory.begin() as s:  # the roster names fin2 the head of 财政所
        people.save_department(s, SYSTEM, "finance", "财政所", head="fin2")
    create_people(factory, "fin3")  # in the unit, but not its head
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请负责人过问", None, escalate=True)
    assert (issued.escalated, issued.unreported) == (True, None)
    # the holder, the head, the other supervisor: not fin3
    assert supervision_told(factory, "请负责人过问") == {"fin", "fin2", "office_supervisor"}


def test_an_escalation_on_the_heads_own_task_is_not_reported_and_tells_the_unit_instead(world):
    """The head of 财政所 holds the task himself: escalating it reaches nobody above him, so it
    is not recorded as reported to the unit's head; the rest of the unit is told instead, and
    the supervisor hears why and how many."""
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    with factory.begin() as s:
        people.save_department(s, SYSTEM, "finance", "财政所", head="fin2")
    create_people(factory, "fin3")
    act(factory, "fin2", tasks.claim, task_id)
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请负责人过问", None, escalate=True)
    assert (issued.escalated, issued.unreported, issued.unreported_unit) == (False, "head_is_holder", "finance")
    assert (issued.unreported_head, issued.told_instead, issued.told_as_holders) == ("fin2", 2, 1)  # fin, fin3
    assert supervision_told(factory, "请负责人过问") == {"fin", "fin2", "fin3", "office_supervisor"}
    [stored] = act(factory, "boss", supervision.of_case, case_id)
    assert stored.escalated is False


def test_an_escalation_on_an_unclaimed_task_of_the_unit_reaches_its_head_as_its_head(world):
    """The task is offered to all of 财政所, its head fin2 among them: he reads the 督办 as the
    unit's head (it was reported to him), fin as its holder."""
    factory, case_id = world
    task_id = reply_task(factory, case_id)
    with factory.begin() as s:
        people.save_department(s, SYSTEM, "finance", "财政所", head="fin2")
    issued = act(factory, "boss", supervision.issue, case_id, task_id, "请负责人过问", None, escalate=True)
    assert (issued.escalated, issued.unreported) == (True, None)
    with factory() as s:
        copies = dict(
            s.execute(
                select(Notification.username, Notification.params).where(
                    Notification.kind == NotificationKind.SUPERVISION, Notification.message.contains("请负责人过问")
                )
            ).all()
        )
    assert {name: params.get("escalated") for name, params in copies.items()} == {
        "fin": None,
        "fin2": "head",
        "office_supervisor": None,
    }


def test_a_supervision_nothing_is_left_to_answer_ends_rather_than_waits_for_ever(world):
    """A 督办 on the case as a whole is answered by no task, and one on a task the case then
    cancelled can no longer be: once the case ended they read 未回复，已结束 (``ended``), not
    待回复 for ever, and the board never listed them as waiting."""
    factory, case_id = world
    on_case = act(factory, "boss", supervision.issue, case_id, None, "请加快办理", "2026-12-10")
    on_task = act(factory, "boss", supervision.issue, case_id, reply_task(factory, case_id), "请尽快答复", "2026-12-10")
    assert [s.state for s in act(factory, "clerk", supervision.of_case, case_id)] == ["open", "open"]
    act(factory, "clerk", cases.cancel_instance, case_id, "代表撤回建议")
    states = {s.id: s.state for s in act(factory, "clerk", supervision.of_case, case_id)}
    assert states == {on_case.id: "ended", on_task.id: "ended"}
    assert act(factory, "boss", supervision.board).open_supervisions == []


def test_a_supervision_on_a_task_its_deadline_withdrew_ends_and_leaves_the_board(session_factory, frozen_clock):
    """deadline.bpmn's task is withdrawn by its interrupting boundary timer (超时转督办) while
    the case runs on at the office's task: a 督办 on the withdrawn task is ``ended`` and off the
    board's open 督办; so is one on the case as a whole addressed to that task's unit alone (its
    part can never be answered), ended by the timer."""
    build_world(session_factory, "clerk", "fin", "boss")
    deploy(session_factory, "deadline.bpmn")
    now = clock.now()
    case_id = start_deadline(session_factory, now - timedelta(hours=1), now + timedelta(days=2))
    timers.fire_due(session_factory)  # the wait is over: the task is open
    [handle] = act(session_factory, "boss", cases.instance_detail, case_id).open_tasks
    on_task = act(session_factory, "boss", supervision.issue, case_id, handle.task_id, "请办理", "2026-12-08")
    on_case = act(session_factory, "boss", supervision.issue, case_id, None, "请关注", "2026-12-08")
    clock.advance(timedelta(days=2, seconds=1))
    timers.fire_due(session_factory)
    assert [t.bpmn_id for t in act(session_factory, "boss", cases.instance_detail, case_id).open_tasks] == ["escalate"]
    states = {
        s.id: (s.state, s.withdrawn, s.withdrawn_by) for s in act(session_factory, "boss", supervision.of_case, case_id)
    }
    assert states == {on_task.id: ("ended", True, "超时转督办"), on_case.id: ("ended", True, "超时转督办")}
    assert act(session_factory, "boss", supervision.board).open_supervisions == []


def test_whoever_issued_a_supervision_its_task_a_deadline_withdrew_is_told_it_ended(session_factory, frozen_clock):
    """The same withdrawal (超时转督办) as seen by whoever issued the 督办: told that it ended
    unanswered and by what, the case going on (in place of the supervisors' copy of the timer's
    督办, which says only that the task ended); the one on the case as a whole they issued too,
    addressed to that task's unit, ends with it, but tells them nothing more: one notice a task."""
    build_world(session_factory, "clerk", "fin", "boss")
    deploy(session_factory, "deadline.bpmn")
    now = clock.now()
    case_id = start_deadline(session_factory, now - timedelta(hours=1), now + timedelta(days=2))
    timers.fire_due(session_factory)
    [handle] = act(session_factory, "boss", cases.instance_detail, case_id).open_tasks
    on_task = act(session_factory, "boss", supervision.issue, case_id, handle.task_id, "请办理", "2026-12-08")
    act(session_factory, "boss", supervision.issue, case_id, None, "请关注", "2026-12-08")
    clock.advance(timedelta(days=2, seconds=1))
    timers.fire_due(session_factory)
    with session_factory() as s:
        told = s.execute(
            select(Notification.username, Notification.subject, Notification.message, Notification.params).where(
                Notification.kind == NotificationKind.SUPERVISION, Notification.instance_id == case_id
            )
        ).all()
    [(to, subject, message, params)] = [t for t in told if t.params.get("withdrawn")]
    assert (to, subject, params["event"]) == ("boss", "督办已结束：办理（限期办理（测试） 2026-12-07）", "超时转督办")
    assert message == (
        "「办理」（案件：限期办理（测试） 2026-12-07）因「超时转督办」已撤回，您对其发出的督办未获回复，已结束；"
        "如需继续督办，请对新的任务或整个案件重新发出。"
    )
    views = {v.id: v for v in act(session_factory, "boss", supervision.of_case, case_id)}
    assert (views[on_task.id].state, views[on_task.id].withdrawn, views[on_task.id].withdrawn_by) == (
        "ended",
        True,
        "超时转督办",
    )


def test_a_whole_case_supervision_to_two_units_one_withdrawn_by_its_deadline_is_answered_by_the_other(
    session_factory, frozen_clock
):
    """A 督办 on the case as a whole addressed to 财政所 (主办, whose deadline 主办超时 withdraws
    it) and 国土所 (会办, no deadline): the deadline ends 财政所's part, its issuer told once (the
    督办 still open for 国土所); 国土所 answering afterwards answers the 督办, off the board."""
    build_world(session_factory, "fin", "landy", "boss")
    deploy(session_factory, "deadline_beside_a_view.bpmn")
    due = clock.now() + timedelta(days=1)
    with session_factory.begin() as s:
        case_id = cases.start_instance(s, SYSTEM, "deadline_beside_a_view", {"due": due.isoformat()}).id
    pressed = act(session_factory, "boss", supervision.issue, case_id, None, "请统筹办理", "2026-12-31")
    [before] = act(session_factory, "boss", supervision.of_case, case_id)
    assert sorted(before.addressed_units) == ["finance", "land"]
    clock.advance(timedelta(days=1, seconds=1))
    timers.fire_due(session_factory)

    open_tasks = act(session_factory, "boss", cases.instance_detail, case_id).open_tasks
    assert sorted(t.bpmn_id for t in open_tasks) == ["assist", "escalate"]
    [standing] = act(session_factory, "boss", supervision.of_case, case_id)
    assert (standing.state, standing.withdrawn) == ("open", False)  # 国土所 still to answer
    with session_factory() as s:
        told = s.execute(
            select(Notification.username, Notification.params).where(
                Notification.kind == NotificationKind.SUPERVISION, Notification.instance_id == case_id
            )
        ).all()
    [(to, params)] = [t for t in told if t.params.get("withdrawn")]
    assert (to, params["task"], params["event"], params["on_the_case"], params["still_open"]) == (
        "boss",
        "主办",
        "主办超时",
        True,
        True,
    )

    [assist] = [t for t in open_tasks if t.bpmn_id == "assist"]
    act(session_factory, "landy", tasks.complete, assist.task_id, {})
    [answered] = act(session_factory, "boss", supervision.of_case, case_id)
    assert (answered.id, answered.state, answered.responded_at) == (pressed.id, "responded", clock.now())
    assert act(session_factory, "boss", supervision.board).open_supervisions == []


def test_a_whole_case_supervision_is_not_addressed_to_the_congress_offices_own_task(session_factory, frozen_clock):
    """deadline_beside_a_view.bpmn after 主办超时: 国土所's 会办 and the office's own 督办 step are
    open. A 督办 on the case as a whole presses 国土所 alone (the office issues 督办, it is not one
    of the units handling the case): 国土所's people are told, nobody of the office is, and 国土所
    doing its task answers it, the office's step still open."""
    build_world(session_factory, "fin", "landy", "boss", "clerk")
    deploy(session_factory, "deadline_beside_a_view.bpmn")
    due = clock.now() + timedelta(days=1)
    with session_factory.begin() as s:
        case_id = cases.start_instance(s, SYSTEM, "deadline_beside_a_view", {"due": due.isoformat()}).id
    clock.advance(timedelta(days=1, seconds=1))
    timers.fire_due(session_factory)
    open_tasks = {t.bpmn_id: t for t in act(session_factory, "boss", cases.instance_detail, case_id).open_tasks}
    assert sorted(open_tasks) == ["assist", "escalate"]

    pressed = act(session_factory, "boss", supervision.issue, case_id, None, "请统筹办理", "2026-12-31")

    [issued] = act(session_factory, "boss", supervision.of_case, case_id)
    assert (issued.id, issued.addressed_units) == (pressed.id, ("land",))
    with session_factory() as s:
        told = set(
            s.scalars(
                select(Notification.username).where(
                    Notification.kind == NotificationKind.SUPERVISION, Notification.instance_id == case_id
                )
            )
        )
    assert "landy" in told and "clerk" not in told
    act(session_factory, "landy", tasks.complete, open_tasks["assist"].task_id, {})
    [answered] = act(session_factory, "boss", supervision.of_case, case_id)
    assert answered.state == "responded"
    assert [t.bpmn_id for t in act(session_factory, "boss", cases.instance_detail, case_id).open_tasks] == ["escalate"]


def _issuers_withdrawn_notices(factory, case_id) -> list[tuple[str, dict]]:
    with factory() as s:
        told = s.execute(
            select(Notification.username, Notification.params).where(
                Notification.kind == NotificationKind.SUPERVISION, Notification.instance_id == case_id
            )
        ).all()
    return [(t.username, t.params) for t in told if t.params.get("withdrawn")]


def test_a_whole_case_supervision_part_ends_when_a_deadline_around_its_task_or_a_message_withdraws_it(
    session_factory, frozen_clock
):
    """withdrawn_around_a_step.bpmn: a 督办 on the case as a whole addressed to 财政所 (主办, inside
    the subprocess 主办阶段, whose boundary timer 主办阶段超时 ends it) and 国土所 (会办, whose
    message boundary event 会办撤回 ends it). The subprocess's deadline ends 财政所's part, the
    督办 still standing for 国土所; the message then ends 国土所's part, and with nobody left
    to answer it the 督办 ended unanswered, off the board. Its issuer is told once a task, by
    what."""
    build_world(session_factory, "fin", "landy", "boss", "admin")
    deploy(session_factory, "withdrawn_around_a_step.bpmn")
    due = clock.now() + timedelta(days=1)
    with session_factory.begin() as s:
        case_id = cases.start_instance(s, SYSTEM, "withdrawn_around_a_step", {"due": due.isoformat()}).id
    pressed = act(session_factory, "boss", supervision.issue, case_id, None, "请统筹办理", "2026-12-31")
    assert sorted(act(session_factory, "boss", supervision.of_case, case_id)[0].addressed_units) == ["finance", "land"]

    clock.advance(timedelta(days=1, seconds=1))
    timers.fire_due(session_factory)
    open_tasks = act(session_factory, "boss", cases.instance_detail, case_id).open_tasks
    assert sorted(t.bpmn_id for t in open_tasks) == ["assist", "escalate"]
    [standing] = act(session_factory, "boss", supervision.of_case, case_id)
    assert (standing.id, standing.state, standing.withdrawn) == (pressed.id, "open", False)  # 国土所 still to answer
    [(to, params)] = _issuers_withdrawn_notices(session_factory, case_id)
    assert (to, params["task"], params["event"], params["on_the_case"], params["still_open"]) == (
        "boss",
        "主办",
        "主办阶段超时",
        True,
        True,
    )

    act(session_factory, "admin", messages.send_message, "assist_recalled", instance_id=case_id)
    assert [t.bpmn_id for t in act(session_factory, "boss", cases.instance_detail, case_id).open_tasks] == ["escalate"]
    [ended] = act(session_factory, "boss", supervision.of_case, case_id)
    assert (ended.state, ended.withdrawn, ended.withdrawn_by, ended.responded_at) == ("ended", True, "会办撤回", None)
    assert act(session_factory, "boss", supervision.board).open_supervisions == []
    later = _issuers_withdrawn_notices(session_factory, case_id)[1:]
    assert [(to, p["task"], p["event"], p["still_open"]) for to, p in later] == [("boss", "会办", "会办撤回", False)]


def test_the_board_masks_each_cases_petitioner_in_its_opinions_reading_their_histories_at_once(
    session_factory, frozen_clock
):
    """Three petitions, each with a 督办 naming its own petitioner: a supervisor who may not read
    the identity reads each opinion masked by its own case's values (another case's name, not
    this case's, stays), and the board reads the three histories in one statement, not one each."""
    build_world(session_factory, "clerk", "boss")
    petitioners = [("张三丰", "13900001111"), ("李四光", "13900002222"), ("王五", "13900003333")]
    issued = []
    for name, phone in petitioners:
        data = {"subject": "反映低保评定问题", "petitioner_name": name, "petitioner_phone": phone, "unit": "finance"}
        case = act(session_factory, "clerk", cases.start_instance, "petition_min", data)
        opinion = f"请答复{name}（{phone}），并告知李四光"
        issued.append(act(session_factory, "boss", supervision.issue, case.id, None, opinion, "2026-12-10").id)
    with session_factory() as s, statements_sent(s.get_bind()) as sent:
        board = supervision.board(s, actor_for(s, "boss"))
    opinions = {v.id: v.opinion for v in board.open_supervisions}
    assert opinions == {
        issued[0]: "请答复******（******），并告知李四光",
        issued[1]: "请答复******（******），并告知******",
        issued[2]: "请答复******（******），并告知李四光",
    }
    assert len([sql for sql in sent if "audit_log" in sql]) == 1
