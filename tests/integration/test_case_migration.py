"""Moving running cases from one version of a process to another (engine/usecases/
case_migration.py) against a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL):
the dry run, a case that moves and goes on on the new version's path, one refused because its
open task was removed, a failure in the middle of a batch leaving the others moved and itself
untouched, the history, the map, the form checks and the permission.

migrate_v1.bpmn: 受理 (office, a reminder ten days on) → 办理 (finance) → 办结;
migrate_v2.bpmn: 受理登记 (the same task renamed) → 复核 (office, new) → 办结; 办理 is gone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.errors import InvalidData, NotAllowed
from engine.usecases import case_migration, cases, definitions, library, tasks
from engine.usecases.context import SYSTEM, actor_for
from storage import repositories as repo
from storage.enums import InstanceStatus, TimerKind, TimerState, WorkItemState
from storage.models import AuditEntry, ProcessInstance, Timer, WorkItem
from tests.conftest import fixture_bpmn
from tests.world import act, create_people

V1 = fixture_bpmn("migrate_v1.bpmn").decode()
V2 = fixture_bpmn("migrate_v2.bpmn").decode()


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk", "fin", "landy", "designer", "admin")
    with session_factory.begin() as s:
        definitions.deploy(s, V1, "migrate_v1.bpmn", SYSTEM)
    return session_factory


def start(factory, subject):
    return act(factory, "clerk", cases.start_instance, "migrate", {"subject": subject}).id


def task_of(factory, instance_id):
    """The case's one open work item."""
    with factory() as s:
        [item] = s.scalars(
            select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.READY)
        ).all()
        return item.task_id, item.bpmn_id, item.name


def at_handle(factory, subject):
    """A case past 受理, waiting for the finance unit's 办理."""
    instance_id = start(factory, subject)
    act(factory, "clerk", tasks.complete, task_of(factory, instance_id)[0], {"accept_note": "受理"})
    return instance_id


def deploy_v2(factory, xml=V2):
    act(factory, "designer", definitions.deploy_document, xml, "migrate_v2.bpmn", "办理改为复核")


def row(factory, instance_id):
    with factory() as s:
        case = s.get(ProcessInstance, instance_id)
        return case.definition_id, case.revision, case.workflow_json


def definition_ids(factory):
    versions = act(factory, "designer", library.process_versions, "migrate").versions
    return {v.version: v.definition_id for v in versions}


def test_the_dry_run_says_which_cases_can_move_and_why_not(world):
    movable, stuck = start(world, "来信甲"), at_handle(world, "来信乙")
    deploy_v2(world)
    before = row(world, movable), row(world, stuck)
    run = act(world, "designer", case_migration.dry_run, "migrate", 1, 2)
    assert [(e.bpmn_id, e.name, e.kind, e.target) for e in run.plan.unmatched] == [("handle", "办理", "UserTask", None)]
    assert run.plan.mapping["accept"] == "accept" and "handle" not in run.plan.mapping
    by_id = {c.instance_id: c for c in run.cases}
    assert (by_id[movable].title, by_id[movable].steps, by_id[movable].movable) == ("来信甲", ("受理",), True)
    assert by_id[movable].reasons == ()
    refused = by_id[stuck]
    assert (refused.steps, refused.movable) == (("办理",), False)
    [reason] = refused.reasons
    assert (reason.code, reason.bpmn_id, reason.name, reason.blocking) == ("task_removed", "handle", "办理", True)
    assert reason.message == "正在办理的「办理」（handle）在新版本中已删除，也没有映射到新版本的环节。"
    assert (run.movable, run.refused) == (1, 1)
    assert (row(world, movable), row(world, stuck)) == before  # a dry run writes nothing


def test_a_moved_case_goes_on_on_the_new_versions_path_and_a_refused_one_stays(world, frozen_clock):
    movable, stuck = start(world, "来信甲"), at_handle(world, "来信乙")
    with world() as s:
        reminder_before = s.scalars(
            select(Timer.due_at).where(Timer.instance_id == movable, Timer.kind == TimerKind.BPMN)
        ).one()
    deploy_v2(world)
    ids = definition_ids(world)
    stuck_before = row(world, stuck)
    revision_before = row(world, movable)[1]
    clock.advance(timedelta(days=2))  # the move is two days later: the reminder is not counted again from it

    report = act_migrate(world, "designer")
    assert [(c.instance_id, c.outcome) for c in report.cases] == [(movable, "moved"), (stuck, "refused")]
    assert [r.code for r in report.cases[1].reasons] == ["task_removed"]
    assert (report.count("moved"), report.count("refused"), report.count("failed")) == (1, 1, 0)

    definition_id, revision, _workflow = row(world, movable)
    assert definition_id == ids[2] and revision > revision_before
    assert row(world, stuck) == stuck_before  # refused: untouched
    task_id, bpmn_id, name = task_of(world, movable)
    assert (bpmn_id, name) == ("accept", "受理登记")  # the work item says what the new version calls it
    with world() as s:
        # the reminder moved with the case: the same timer, still ten days from the start
        timers = s.scalars(select(Timer).where(Timer.instance_id == movable, Timer.state == TimerState.PENDING)).all()
        assert [(t.kind, t.bpmn_id, t.due_at) for t in timers] == [(TimerKind.BPMN, "accept_reminder", reminder_before)]
        assert reminder_before == frozen_clock + timedelta(days=10)
    versions = act(world, "designer", library.process_versions, "migrate").versions
    assert [(v.version, v.running) for v in versions] == [(2, 1), (1, 1)]

    # it goes on on version 2: 受理登记, then the new 复核, then it ends
    detail = act(world, "clerk", tasks.task_detail, task_id)  # the task page restores it against v2
    assert (detail.summary.name, [f.id for f in detail.form.fields]) == ("受理登记", ["accept_note"])
    [next_task] = act(world, "clerk", tasks.complete, task_id, {"accept_note": "已受理"})
    assert (next_task.bpmn_id, next_task.name) == ("review", "复核")
    assert act(world, "clerk", tasks.complete, next_task.task_id, {"review_note": "同意"}) == []
    with world() as s:
        assert s.get(ProcessInstance, movable).status == InstanceStatus.COMPLETED
        assert s.get(ProcessInstance, stuck).status == InstanceStatus.RUNNING


def act_migrate(factory, username, overrides=None, only=None):
    with factory() as s:
        actor = actor_for(s, username)
    return case_migration.migrate_cases(factory, actor, "migrate", 1, 2, overrides, only)


def test_the_history_names_both_versions_and_the_map(world):
    movable = start(world, "来信甲")
    deploy_v2(world)
    ids = definition_ids(world)
    act_migrate(world, "designer")
    with world() as s:
        [entry] = [e for e in repo.history(s, movable) if e.action == "case_migrated"]
        assert entry.actor == "designer"
        assert entry.data == {
            "key": "migrate",
            "from_version": 1,
            "to_version": 2,
            "from_definition_id": ids[1],
            "to_definition_id": ids[2],
            "map": {"handle": None},
        }
        [batch] = s.scalars(select(AuditEntry).where(AuditEntry.action == "migrate_cases")).all()
        assert (batch.data["moved"], batch.data["refused"], batch.data["failed"]) == ([movable], [], [])


def test_a_failure_in_the_middle_of_a_batch_leaves_the_others_moved_and_itself_untouched(world, monkeypatch):
    first, second, third = (start(world, f"来信{n}") for n in "甲乙丙")
    deploy_v2(world)
    ids = definition_ids(world)
    second_before = row(world, second)
    real_save = case_migration.save_instance

    def save_failing_for_the_second(session, instance, *args, **kwargs):
        if instance.id == second:
            real_save(session, instance, *args, **kwargs)  # written, then the transaction fails
            raise RuntimeError("the database went away")
        return real_save(session, instance, *args, **kwargs)

    monkeypatch.setattr(case_migration, "save_instance", save_failing_for_the_second)
    report = act_migrate(world, "designer")
    assert [(c.instance_id, c.outcome) for c in report.cases] == [
        (first, "moved"),
        (second, "failed"),
        (third, "moved"),
    ]
    assert report.cases[1].message == "RuntimeError: the database went away"
    assert row(world, first)[0] == row(world, third)[0] == ids[2]
    assert row(world, second) == second_before  # nothing of it moved: workflow, version, revision
    assert task_of(world, second)[1:] == ("accept", "受理")
    with world() as s:
        assert not [e for e in repo.history(s, second) if e.action == "case_migrated"]
    monkeypatch.undo()
    # once the cause is gone, it moves like the others
    assert [(c.instance_id, c.outcome) for c in act_migrate(world, "designer").cases] == [(second, "moved")]


def test_a_case_changed_since_the_dry_run_is_not_moved_blind(world):
    instance_id = start(world, "来信甲")
    deploy_v2(world)
    seen = act(world, "designer", case_migration.dry_run, "migrate", 1, 2).cases[0].revision
    act(world, "clerk", tasks.complete, task_of(world, instance_id)[0], {})  # now at 办理
    [outcome] = act_migrate(world, "designer", only={instance_id: seen}).cases
    assert (outcome.outcome, outcome.message) == ("refused", "")  # a check said no: nothing written
    assert [(r.code, r.blocking, r.message) for r in outcome.reasons] == [
        (
            "changed_after_dry_run",
            True,
            "此案件在试运行之后已有变化（已有人办理或处理过），未迁移：请重新试运行，确认后再迁移。",
        )
    ]
    assert row(world, instance_id)[0] == definition_ids(world)[1]


def test_the_map_moves_a_case_from_a_removed_task_to_another(world):
    stuck = at_handle(world, "来信乙")
    deploy_v2(world)
    run = act(world, "designer", case_migration.dry_run, "migrate", 1, 2, {"handle": "review"})
    assert [(e.bpmn_id, e.target) for e in run.plan.unmatched] == [("handle", "review")]
    assert run.cases[0].movable
    [outcome] = act_migrate(world, "designer", {"handle": "review"}).cases
    assert outcome.outcome == "moved"
    task_id, bpmn_id, name = task_of(world, stuck)
    assert (bpmn_id, name) == ("review", "复核")
    assert act(world, "fin", tasks.complete, task_id, {}) == []  # the finance unit still holds it
    with world() as s:
        [entry] = [e for e in repo.history(s, stuck) if e.action == "case_migrated"]
        assert entry.data["map"] == {"handle": "review"}


def test_a_target_of_another_kind_is_refused(world):
    at_handle(world, "来信乙")
    deploy_v2(world)
    [case] = act(world, "designer", case_migration.dry_run, "migrate", 1, 2, {"handle": "end"}).cases
    [reason] = case.reasons
    assert (reason.code, reason.kind, reason.target_kind) == ("type_changed", "UserTask", "EndEvent")
    assert reason.message == "「办理」（handle）是用户任务，映射到的「办结」（end）却是结束事件。"


def test_an_open_tasks_form_must_still_fit_the_case(world):
    drafted, plain = start(world, "来信甲"), start(world, "来信乙")
    act(world, "clerk", tasks.save_draft, task_of(world, drafted)[0], {"accept_note": "拟受理"})
    stricter = V2.replace(
        '<camunda:formField id="accept_note" label="受理意见" type="string" />',
        '<camunda:formField id="category" label="类别" type="string">'
        '<camunda:validation><camunda:constraint name="required" /></camunda:validation></camunda:formField>',
    )
    deploy_v2(world, stricter)
    by_id = {c.instance_id: c for c in act(world, "designer", case_migration.dry_run, "migrate", 1, 2).cases}
    assert [(r.code, r.fields) for r in by_id[drafted].reasons] == [
        ("field_removed", ("accept_note",)),
        ("field_required", ("category",)),
    ]
    assert by_id[drafted].reasons[0].message == (
        "正在办理的「受理」（accept）的表单在新版本中删除了本案件已有值的字段：「受理意见」（accept_note）。"
    )
    # no draft: nothing lost; the new required field still has no value
    assert [(r.code, r.fields) for r in by_id[plain].reasons] == [("field_required", ("category",))]


def test_a_case_in_the_middle_of_parallel_rounds_moves_with_its_rounds(world):
    """A multi-instance over the units (camunda:collection): each round keeps its unit, its
    work item and its holders; the rounds' collection stays whole (a Camunda multi-instance's
    spec no case of the new version has reached yet is made to know it is the input too);
    the task the new version puts after the rounds is reached."""
    rounds_v1 = fixture_bpmn("camunda_style_collection.bpmn").decode()
    rounds_v2 = rounds_v1.replace('name="报送"', 'name="报送材料"').replace(
        '<bpmn:sequenceFlow id="f_report" sourceRef="report" targetRef="check" />',
        '<bpmn:sequenceFlow id="f_report" sourceRef="report" targetRef="summary" />'
        '<bpmn:userTask id="summary" name="汇总" camunda:candidateGroups="office" />'
        '<bpmn:sequenceFlow id="f_summary" sourceRef="summary" targetRef="check" />',
    )
    with world.begin() as s:
        definitions.deploy(s, rounds_v1, "rounds.bpmn", SYSTEM)
    instance_id = act(world, "clerk", cases.start_instance, "camunda_style_collection", {}).id
    act(world, "designer", definitions.deploy_document, rounds_v2, "rounds.bpmn", "")
    report = act(world, "designer", case_migration.dry_run, "camunda_style_collection", 1, 2)
    assert [(c.steps, c.movable) for c in report.cases] == [(("报送",), True)]
    with world() as s:
        actor = actor_for(s, "designer")
    moved = case_migration.migrate_cases(world, actor, "camunda_style_collection", 1, 2)
    assert [c.outcome for c in moved.cases] == ["moved"]
    with world() as s:
        rounds = s.scalars(
            select(WorkItem)
            .where(WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.READY)
            .order_by(WorkItem.id)
        ).all()
        assert [(w.name, w.candidate_groups) for w in rounds] == [
            ("报送材料 · 财政所", ["finance"]),
            ("报送材料 · 国土所", ["land"]),
        ]
        by_unit = {w.candidate_groups[0]: w.task_id for w in rounds}
    still_open = act(world, "fin", tasks.complete, by_unit["finance"], {})
    assert [t.task_id for t in still_open] == [by_unit["land"]]
    [summary] = act(world, "landy", tasks.complete, by_unit["land"], {})
    assert (summary.bpmn_id, summary.name) == ("summary", "汇总")
    assert act(world, "clerk", cases.instance_detail, instance_id).variables["units"] == ["finance", "land"]


def test_the_plan_is_checked(world):
    deploy_v2(world)
    with pytest.raises(InvalidData) as refused:
        act(world, "designer", case_migration.dry_run, "migrate", 1, 2, {"nope": "review", "handle": "gone"})
    assert refused.value.field_errors == {
        "map.nope": "version 1 of 'migrate' has no element 'nope'",
        "map.handle": "version 2 of 'migrate' has no element 'gone'",
    }
    with pytest.raises(InvalidData, match="already run on version 2"):
        act(world, "designer", case_migration.dry_run, "migrate", 2, 2)


@pytest.mark.parametrize("username", ["clerk", "fin"])
def test_officers_may_not_move_cases(world, username):
    instance_id = start(world, "来信甲")
    deploy_v2(world)
    with pytest.raises(
        NotAllowed, match=r"may not move running cases to another version \(needs the permission process.migrate\)"
    ):
        act(world, username, case_migration.dry_run, "migrate", 1, 2)
    with pytest.raises(NotAllowed):
        act_migrate(world, username)
    assert row(world, instance_id)[0] == definition_ids(world)[1]
    assert [c.outcome for c in act_migrate(world, "admin").cases] == ["moved"]
