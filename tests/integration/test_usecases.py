"""Every use case against a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL), and the
prebuilt writes they share (storage.writes)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from engine import clock
from engine.errors import (
    AlreadyCompleted,
    Conflict,
    HeldByAnother,
    InvalidBpmn,
    InvalidData,
    NotAllowed,
    NotFound,
    ScriptError,
)
from engine.usecases import cases, definitions, tasks, timers
from engine.usecases.context import SYSTEM, actor_for, processes
from engine.usecases.persist import sync_timers
from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, TimerKind, TimerState, WorkItemState
from storage.models import (
    AuditEntry,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    Timer,
    WorkItem,
    WorkItemGroup,
)
from tests.conftest import fixture_bpmn
from tests.world import act, create_people, statements_sent


@pytest.fixture
def world(session_factory, frozen_clock):
    """review.bpmn deployed; an office clerk, a finance officer, a land officer, the chair."""
    create_people(session_factory, "clerk", "fin", "landy", "chair", "boss")
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
    return session_factory


def start(factory, subject="路灯不亮", **data):
    return act(factory, "clerk", cases.start_instance, "review", {"subject": subject, **data})


def open_task(factory, instance_id, bpmn_id):
    with factory() as s:
        return s.scalars(
            select(WorkItem).where(
                WorkItem.instance_id == instance_id, WorkItem.bpmn_id == bpmn_id, WorkItem.state == WorkItemState.READY
            )
        ).one()


def count(factory, model, *where):
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_deploy_versions_and_unchanged_content(world):
    with world.begin() as s:
        [again] = definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
    assert (again.version, again.created) == (1, False)
    changed = fixture_bpmn("review.bpmn").replace("意见办理（测试）".encode(), "意见办理 v2".encode())
    with world.begin() as s:
        [new] = definitions.deploy(s, changed, "review.bpmn", SYSTEM)
    assert (new.version, new.created, new.name) == (2, True, "意见办理 v2")
    assert count(world, ProcessDefinition) == 2


def test_invalid_bpmn_stores_nothing(world):
    before = count(world, ProcessDefinition)
    broken = fixture_bpmn("review.bpmn").replace(b'targetRef="check" />', b'targetRef="ghost" />')
    with pytest.raises(InvalidBpmn) as info, world.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn").replace(b"review", b"other"), "ok.bpmn", SYSTEM)
        definitions.deploy(s, broken, "broken.bpmn", SYSTEM)  # same transaction: all or nothing
    assert info.value.problems[0].file == "broken.bpmn"
    assert count(world, ProcessDefinition) == before


def test_start_creates_work_items_and_audit(world):
    case = start(world)
    assert (case.status, case.title, case.process_key, case.version, case.started_by) == (
        "running",
        "路灯不亮",
        "review",
        1,
        "clerk",
    )
    [item] = case.open_tasks
    assert (item.bpmn_id, item.candidate_groups, item.assignee) == ("register", ("office",), None)
    detail = act(world, "clerk", cases.instance_detail, case.id)
    assert [h.action for h in detail.history] == ["start"]
    assert detail.history[0].data["subject"] == "路灯不亮"


def test_a_start_reads_back_nothing_it_has_just_written(world):
    """The starter is answered with the case and its open tasks from what the start wrote:
    no history, timers or work items read back (a start over the API is one of the
    product's hottest writes)."""
    with world.begin() as s:
        actor = actor_for(s, "clerk")
        with statements_sent(s.get_bind()) as statements:
            case = cases.start_instance(s, actor, "review", {"subject": "路灯不亮"})
    reads = [" ".join(q.split()) for q in statements if q.lstrip().startswith("SELECT")]
    assert not [q for q in reads if "FROM audit_log" in q or "FROM timers" in q or "FROM work_items" in q], reads
    assert [t.bpmn_id for t in case.open_tasks] == ["register"]


def test_start_form_is_validated(world):
    with pytest.raises(InvalidData) as info:
        start(world, subject="")
    assert "subject" in info.value.field_errors
    assert count(world, ProcessInstance) == 0


def test_unknown_process_and_who_may_start(world):
    with pytest.raises(NotFound):
        act(world, "clerk", cases.start_instance, "nope", {})
    with pytest.raises(NotAllowed):
        act(world, "boss", cases.start_instance, "review", {"subject": "x"})


def test_inbox_claim_unclaim_hand_over(world):
    case = start(world)
    task_id = case.open_tasks[0].task_id
    mine, total = act(world, "clerk", tasks.list_tasks, repo.InboxFilter(scope="open"))
    assert total == 1 and mine[0].task_id == task_id
    assert act(world, "fin", tasks.list_tasks, repo.InboxFilter(scope="open"))[1] == 0
    with pytest.raises(NotFound):  # the unit may not see the case: for them the task is not there
        act(world, "fin", tasks.claim, task_id)
    with pytest.raises(NotAllowed):
        act(world, "clerk", tasks.list_tasks, repo.InboxFilter(scope="all"))

    act(world, "clerk", tasks.claim, task_id)
    assert act(world, "clerk", tasks.list_tasks, repo.InboxFilter(scope="mine"))[1] == 1
    assert act(world, "boss", tasks.list_tasks, repo.InboxFilter(scope="group"))[1] == 0
    create_people(world, "clerk2")
    with pytest.raises(Conflict, match="already claimed by clerk"):
        act(world, "clerk2", tasks.claim, task_id)
    # offered to clerk2 too, and clerk claimed it first: a race lost, not a permission
    with pytest.raises(HeldByAnother, match="claimed by clerk; it was offered to clerk2 too: clerk holds it now"):
        act(world, "clerk2", tasks.complete, task_id, {"lead_unit": "finance"})

    with pytest.raises(NotAllowed, match="not in a group"):
        act(world, "clerk", tasks.hand_over, task_id, "fin")
    handed = act(world, "clerk", tasks.hand_over, task_id, "clerk2", "请你办理")
    assert handed.assignee == "clerk2"
    act(world, "clerk2", tasks.unclaim, task_id)
    assert open_task(world, case.id, "register").assignee is None


def test_complete_runs_the_process_and_creates_timers(world, frozen_clock):
    case = start(world)
    following = act(world, "clerk", tasks.complete, case.open_tasks[0].task_id, {"lead_unit": "finance"})
    [reply] = following
    assert reply.bpmn_id == "reply" and reply.candidate_groups == ("finance",)
    assert reply.due_at == datetime(
        2026, 12, 22, 16, 0, tzinfo=UTC
    )  # 15 days from Monday 12-07 (not counted): Tuesday 12-22, which ends at 24:00 Beijing time
    with world() as s:
        rows = {(t.kind, t.bpmn_id): t for t in s.scalars(select(Timer).where(Timer.instance_id == case.id))}
    assert rows[(TimerKind.BPMN, "reply_timer")].due_at == reply.due_at
    assert rows[(TimerKind.TASK_DUE, "reply")].due_at == reply.due_at
    # the finance officer sees it, the land officer does not
    assert act(world, "fin", tasks.list_tasks, repo.InboxFilter())[1] == 1
    assert act(world, "landy", tasks.list_tasks, repo.InboxFilter())[1] == 0
    with pytest.raises(NotFound):
        act(world, "landy", tasks.task_detail, reply.task_id)


def test_invalid_data_leaves_the_task_as_it_was(world):
    case = start(world)
    task_id = case.open_tasks[0].task_id
    with world() as s:
        revision = s.get(ProcessInstance, case.id).revision
    with pytest.raises(InvalidData) as info:
        act(world, "clerk", tasks.complete, task_id, {"lead_unit": "", "urgent": "perhaps", "x": 1})
    assert set(info.value.field_errors) == {"lead_unit", "urgent", "x"}
    with world() as s:
        assert s.get(ProcessInstance, case.id).revision == revision
    assert open_task(world, case.id, "register").state == WorkItemState.READY


def test_a_script_error_rolls_everything_back(world):
    # 'rounds' defaults to 0 on the start form; a None makes the script fail at run time
    case = start(world)
    with world.begin() as s:
        instance = s.get(ProcessInstance, case.id)
        instance.workflow_json = instance.workflow_json.replace('"rounds":0', '"rounds":null')
    audits = count(world, AuditEntry)
    with pytest.raises(ScriptError, match="set_due"):
        act(world, "clerk", tasks.complete, case.open_tasks[0].task_id, {"lead_unit": "finance"})
    assert count(world, AuditEntry) == audits
    assert open_task(world, case.id, "register").state == WorkItemState.READY
    assert count(world, WorkItem, WorkItem.bpmn_id == "reply") == 0


def test_completing_twice_says_who_completed_it(world):
    case = start(world)
    task_id = case.open_tasks[0].task_id
    act(world, "clerk", tasks.complete, task_id, {"lead_unit": "finance"})
    with pytest.raises(AlreadyCompleted, match="already completed by clerk"):
        act(world, "clerk", tasks.complete, task_id, {"lead_unit": "finance"})


def test_boundary_timer_fires_once_and_creates_supervision(world):
    case = start(world)
    act(world, "clerk", tasks.complete, case.open_tasks[0].task_id, {"lead_unit": "finance"})
    assert timers.fire_due(world) == 0
    clock.advance(timedelta(days=15, hours=15, seconds=1))  # a second past 24:00 of the 22nd
    # the reminder (3 working days before), the boundary timer and the task's due date
    assert timers.fire_due(world) == 3
    assert timers.fire_due(world) == 0  # idempotent
    assert open_task(world, case.id, "supervise").candidate_groups == ["office"]
    assert open_task(world, case.id, "reply").state == WorkItemState.READY  # non-interrupting
    overdue = act(world, "boss", tasks.list_tasks, repo.InboxFilter(scope="all", overdue_at=clock.now()))
    assert [t.bpmn_id for t in overdue[0]] == ["reply"]
    with world() as s:
        actions = [e.action for e in repo.history(s, case.id)]
    assert actions.count("timer_fired") == 1 and actions.count("task_overdue") == 1
    assert actions.count("reminder_late") == 1  # fired past the due date too: nobody reminded


def test_full_path_to_completion_and_history(world):
    case = start(world)
    act(world, "clerk", tasks.complete, case.open_tasks[0].task_id, {"lead_unit": "finance"})
    reply = open_task(world, case.id, "reply")
    act(world, "fin", tasks.complete, reply.task_id, {"reply_class": "A", "pages": "2"})
    check = open_task(world, case.id, "check")
    assert check.assignee == "chair"  # the start form's default checker
    with pytest.raises(NotAllowed):
        act(world, "clerk", tasks.complete, check.task_id, {"accepted": True})
    act(world, "chair", tasks.complete, check.task_id, {"accepted": "true"})
    detail = act(world, "clerk", cases.instance_detail, case.id)
    assert detail.status == "completed" and detail.ended_at is not None
    assert detail.variables["reply_class"] == "A" and detail.variables["pages"] == 2
    assert [h.action for h in detail.history] == ["start", "complete", "complete", "complete"]
    assert [h.actor for h in detail.history] == ["clerk", "clerk", "fin", "chair"]
    assert {"register", "reply", "check", "end"} <= set(detail.completed_bpmn_ids)
    with world() as s:
        pending = s.scalars(select(Timer).where(Timer.instance_id == case.id, Timer.state == TimerState.PENDING)).all()
    assert pending == []  # the reply's boundary timer and due date went with it


def test_cancel(world):
    case = start(world)
    with pytest.raises(NotAllowed):
        act(world, "boss", cases.cancel_instance, case.id, "督查不撤销")
    with pytest.raises(InvalidData):
        act(world, "clerk", cases.cancel_instance, case.id, "  ")
    act(world, "clerk", cases.cancel_instance, case.id, "重复登记")
    with world() as s:
        assert s.get(ProcessInstance, case.id).status == InstanceStatus.CANCELLED
    assert open_task_count(world, case.id) == 0
    with pytest.raises(Conflict, match="already cancelled"):
        act(world, "clerk", cases.cancel_instance, case.id, "再次撤销")


def open_task_count(factory, instance_id):
    return count(factory, WorkItem, WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.READY)


def test_instances_keep_their_definition_version(world):
    case = start(world)
    changed = fixture_bpmn("review.bpmn").replace("登记".encode(), "登记（新版）".encode())
    with world.begin() as s:
        definitions.deploy(s, changed, "review.bpmn", SYSTEM)
    act(world, "clerk", tasks.complete, case.open_tasks[0].task_id, {"lead_unit": "finance"})
    assert act(world, "clerk", cases.instance_detail, case.id).version == 1
    newer = start(world, "新案")
    assert newer.version == 2 and newer.open_tasks[0].name == "登记（新版）"


def test_lane_as_group_candidate_users_and_starter_groups(world):
    with world.begin() as s:
        definitions.deploy(s, fixture_bpmn("lanes.bpmn"), "lanes.bpmn", SYSTEM)
    with pytest.raises(NotAllowed):  # camunda:candidateStarterGroups="finance"
        act(world, "clerk", cases.start_instance, "lanes", {})
    case = act(world, "fin", cases.start_instance, "lanes", {})
    [by_lane] = case.open_tasks
    assert by_lane.candidate_groups == ("镇人大办",)  # no groups declared: the lane's name
    with pytest.raises(NotAllowed):
        act(world, "fin", tasks.complete, by_lane.task_id, {"reviewer": "landy"})
    [by_user] = act(world, "clerk", tasks.complete, by_lane.task_id, {"reviewer": "landy"})
    assert by_user.candidate_groups == ()
    with pytest.raises(NotAllowed):
        act(world, "clerk", tasks.claim, by_user.task_id)
    assert act(world, "landy", tasks.list_tasks, repo.InboxFilter(scope="group"))[1] == 1
    act(world, "landy", tasks.complete, by_user.task_id, {})
    assert act(world, "landy", cases.instance_detail, case.id).status == "completed"


def test_overlong_title_and_group_are_handled_not_crashing(world):
    case = start(world, subject="长" * 600)
    assert len(case.title) == 500 and case.title.endswith("…")
    with world() as s:  # the "new task" notices name the case: their subject is clipped too
        subjects = list(s.scalars(select(Notification.subject)))
    assert subjects and all(len(x) <= 500 for x in subjects) and subjects[0].endswith("…")
    assert act(world, "clerk", cases.instance_detail, case.id).variables["subject"] == "长" * 600
    with pytest.raises(InvalidData, match="at most 200"):
        act(world, "clerk", tasks.complete, case.open_tasks[0].task_id, {"lead_unit": "x" * 300})
    assert open_task(world, case.id, "register").state == WorkItemState.READY


# -- the prebuilt writes (storage.writes): the revision check, and a session true to the
#    database after them --------------------------------------------------------------
def test_update_case_writes_only_over_the_revision_it_read(world):
    case_id = start(world).id
    with world() as reader:
        stale = reader.get(ProcessInstance, case_id)
        reader.expunge(stale)
    read_revision = stale.revision
    with world.begin() as s:
        case = s.get(ProcessInstance, case_id)
        assert writes.update_case(
            s,
            case,
            workflow_json=case.workflow_json,
            serializer_version="x",
            updated_at=case.updated_at,
            status=case.status,
            ended_at=None,
        )
        assert case.revision == read_revision + 1
        assert not s.dirty  # told, not pending: nothing left for a flush
    with world.begin() as s:
        s.add(stale)  # still says read_revision: someone wrote the case meanwhile
        assert not writes.update_case(
            s,
            stale,
            workflow_json="{}",
            serializer_version="lost",
            updated_at=stale.updated_at,
            status=stale.status,
            ended_at=None,
        )
        assert stale.revision == read_revision  # not told anything
    with world() as s:
        row = s.get(ProcessInstance, case_id)
        assert (row.revision, row.serializer_version) == (read_revision + 1, "x")
        assert row.workflow_json != "{}"


def test_a_completion_leaves_the_session_true_to_the_database(world):
    case_id = start(world).id
    register = open_task(world, case_id, "register")
    with world.begin() as s:
        opened = tasks.complete(s, actor_for(s, "clerk"), register.task_id, {"lead_unit": "finance"})
        item = s.scalars(select(WorkItem).where(WorkItem.task_id == register.task_id)).one()
        assert (item.state, item.completed_by) == (WorkItemState.COMPLETED, "clerk")
        # the new item is found in the same transaction, the completed one is not ready
        assert [w.task_id for w in repo.ready_item_rows(s, case_id)] == [t.task_id for t in opened]
        revision_in_session = s.get(ProcessInstance, case_id).revision
        assert not s.dirty and not s.new
    with world() as s:
        assert s.get(ProcessInstance, case_id).revision == revision_in_session
        groups = s.scalars(select(WorkItemGroup).where(WorkItemGroup.work_item_id == item.id)).all()
        assert all(not g.ready for g in groups)  # the trigger followed the Core UPDATE too
        [new] = repo.ready_item_rows(s, case_id)
        assert new.candidate_groups == ["finance"]
        assert new.task_id == opened[0].task_id and new.id > 0


def test_timer_sync_rearms_cancelled_and_moved_rows_but_never_a_fired_one_in_place(world):
    case_id = start(world).id
    act(world, "clerk", tasks.complete, open_task(world, case_id, "register").task_id, {"lead_unit": "finance"})

    def timers():
        with world() as s:
            return {
                (t.task_id, t.kind): (t.state, t.due_at)
                for t in s.scalars(select(Timer).where(Timer.instance_id == case_id))
            }

    armed = timers()
    assert armed and {state for state, _ in armed.values()} == {TimerState.PENDING}
    desired = {key: ("x", due) for key, (_, due) in armed.items()}
    with world.begin() as s:
        sync_timers(s, s.get(ProcessInstance, case_id), {})
    assert {state for state, _ in timers().values()} == {TimerState.CANCELLED}
    with world.begin() as s:
        sync_timers(s, s.get(ProcessInstance, case_id), desired)  # cancelled rows come back
    assert timers() == armed
    [bpmn_key] = [k for k in armed if k[1] == TimerKind.BPMN]
    with world.begin() as s:
        s.execute(
            update(Timer)
            .where(Timer.instance_id == case_id, Timer.task_id == bpmn_key[0], Timer.kind == TimerKind.BPMN)
            .values(state=TimerState.FIRED)
        )
    with world.begin() as s:
        fired = s.scalars(select(Timer).where(Timer.instance_id == case_id, Timer.kind == TimerKind.BPMN)).one()
        sync_timers(s, s.get(ProcessInstance, case_id), desired)  # the same moment: stays fired
        assert fired.state == TimerState.FIRED
    assert timers()[bpmn_key][0] == TimerState.FIRED
    later = armed[bpmn_key][1] + timedelta(days=1)
    with world.begin() as s:
        fired = s.scalars(select(Timer).where(Timer.instance_id == case_id, Timer.kind == TimerKind.BPMN)).one()
        sync_timers(s, s.get(ProcessInstance, case_id), {**desired, bpmn_key: ("x", later)})  # a cycle's next
        assert (fired.state, fired.due_at) == (TimerState.PENDING, later)  # the session's object says so too
    assert timers()[bpmn_key] == (TimerState.PENDING, later)


def test_a_title_by_default_names_the_day_in_beijing(world):
    """Before 08:00 in Beijing the UTC date is still yesterday's: a case started then is
    titled with the office's day, the day its forms and deadlines count from."""
    clock.freeze(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))  # 07:30 on 12-07 in Beijing
    with world() as s:
        definition = s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == "review")).one()
        process = processes.get(definition)
    assert cases.case_title(process, {}) == "意见办理（测试） 2026-12-07"
