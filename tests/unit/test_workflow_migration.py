"""Moving a workflow onto another version without a database (engine/bpmn/alignment.py,
migration_checks.py, migration.py): inside an embedded subprocess, a waiting timer kept or
counted again, a map to an element of another kind, the suggestion of SpiffWorkflow's diff.
Each moved workflow is saved and restored against the new version, as the use case does."""

from datetime import UTC, datetime, timedelta

import pytest
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.bpmn import alignment, migration, migration_checks
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.runtime import Runtime
from engine.bpmn.serialization import dump_process, load_process
from engine.deadlines.calendar import WorkingCalendar
from engine.deadlines.date_functions import make_helpers
from engine.deadlines.settings import resolve

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://x">
<bpmn:process id="p" name="测试" isExecutable="true">"""
TAIL = "</bpmn:process></bpmn:definitions>"
NESTED = (
    HEAD
    + """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
<bpmn:subProcess id="sub" name="子流程"><bpmn:startEvent id="ss"/>
<bpmn:sequenceFlow id="g1" sourceRef="ss" targetRef="inner"/>
<bpmn:userTask id="inner" name="内部办理" camunda:candidateGroups="office"/>
<bpmn:sequenceFlow id="g2" sourceRef="inner" targetRef="se"/><bpmn:endEvent id="se"/></bpmn:subProcess>
<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="after"/>
<bpmn:userTask id="after" name="之后" camunda:candidateGroups="office"/>
<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="e"/><bpmn:endEvent id="e"/>"""
    + TAIL
)
WAIT = (
    HEAD
    + """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
<bpmn:intermediateCatchEvent id="wait" name="等五天">
  <bpmn:timerEventDefinition><bpmn:timeDuration>P5D</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after"/>
<bpmn:userTask id="after" name="之后" camunda:candidateGroups="office"/>
<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="e"/><bpmn:endEvent id="e"/>"""
    + TAIL
)
START = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.fixture
def runtime():
    clock.freeze(START)
    yield Runtime(make_helpers(lambda: WorkingCalendar(), lambda: resolve({})))
    clock.unfreeze()


def version(xml):
    [parsed] = parse_bpmn(xml, "p.bpmn")
    return load_process(dump_process(parsed))  # as the use cases get it: from the stored spec


def move(runtime, workflow, old, new, mapping=None):
    """The move as the use case makes it: checked, moved, saved, restored against ``new``."""
    plan = alignment.same_ids(old, new) | (mapping or {})
    assert not [o for o in migration_checks.obstacles(workflow, old, new, plan) if o.blocking]
    migration.migrate(workflow, old, new, plan)
    restored = runtime.restore(new, runtime.dump(workflow))
    assert alignment.unreadable(restored) == []
    return restored


def ready(workflow):
    return [(t.task_spec.bpmn_id, t.task_spec.bpmn_name) for t in workflow.get_tasks(state=TaskState.READY)]


def complete(runtime, workflow, bpmn_id):
    [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == bpmn_id]
    runtime.complete(workflow, str(task.id), {})


def test_a_case_inside_a_subprocess_moves_and_takes_the_new_path_after_it(runtime):
    old = version(NESTED)
    new = version(
        NESTED.replace('name="内部办理"', 'name="内部审核"').replace(
            '<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="after"/>',
            '<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="mid"/>'
            '<bpmn:userTask id="mid" name="新增复核" camunda:candidateGroups="office"/>'
            '<bpmn:sequenceFlow id="f2b" sourceRef="mid" targetRef="after"/>',
        )
    )
    workflow = runtime.start(old, {})
    assert alignment.open_elements(workflow) == ["inner"]
    moved = move(runtime, workflow, old, new)
    assert ready(moved) == [("inner", "内部审核")]
    complete(runtime, moved, "inner")
    assert ready(moved) == [("mid", "新增复核")]


def test_a_waiting_timer_keeps_its_time_unless_the_new_version_defines_it_otherwise(runtime):
    old = version(WAIT)
    first = runtime.start(old, {})
    [waiting] = runtime.waiting_timers(first)
    assert waiting.due_at == START + timedelta(days=5)
    clock.advance(timedelta(days=2))
    kept = move(runtime, first, old, version(WAIT.replace('name="之后"', 'name="之后办理"')))
    assert [t.due_at for t in runtime.waiting_timers(kept)] == [START + timedelta(days=5)]

    second = runtime.start(old, {})  # started now, two days on
    longer = version(WAIT.replace("P5D", "P10D"))
    [note] = migration_checks.obstacles(second, old, longer, alignment.same_ids(old, longer))
    assert (note.code, note.bpmn_id, note.blocking) == ("timer_recounted", "wait", False)
    clock.advance(timedelta(days=1))
    recounted = move(runtime, second, old, longer)
    assert [t.due_at for t in runtime.waiting_timers(recounted)] == [START + timedelta(days=3 + 10)]


def test_a_target_of_another_kind_or_none_stops_the_move_and_nothing_changes(runtime):
    old = version(NESTED)
    scripted = version(
        NESTED.replace(
            '<bpmn:userTask id="inner" name="内部办理" camunda:candidateGroups="office"/>',
            '<bpmn:scriptTask id="inner" name="内部办理"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
        )
    )
    workflow = runtime.start(old, {})
    before = runtime.dump(workflow)
    [obstacle] = migration_checks.obstacles(workflow, old, scripted, alignment.same_ids(old, scripted))
    assert (obstacle.code, obstacle.kind, obstacle.target_kind) == ("type_changed", "UserTask", "ScriptTask")
    with pytest.raises(migration.CannotMigrate, match="inner: no element of the same kind"):
        migration.migrate(workflow, old, scripted, alignment.same_ids(old, scripted))
    assert runtime.dump(workflow) == before


def test_the_diff_suggests_an_element_put_in_the_place_of_one_removed(runtime):
    old = version(WAIT)
    renamed = version(WAIT.replace('"after"', '"after2"').replace(">after<", ">after2<"))
    assert alignment.suggestions(old, renamed) == {"after": "after2"}
    assert "after" not in alignment.same_ids(old, renamed)
    waiting = runtime.start(old, {})
    clock.advance(timedelta(days=6))
    runtime.fire_timers(waiting)
    assert ready(waiting) == [("after", "之后")]
    [refused] = migration_checks.obstacles(waiting, old, renamed, alignment.same_ids(old, renamed))
    assert (refused.code, refused.bpmn_id) == ("task_removed", "after")
    moved = move(runtime, waiting, old, renamed, {"after": "after2"})
    assert ready(moved) == [("after2", "之后")]
