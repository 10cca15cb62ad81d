"""engine/bpmn/snapshot.py: a workflow just dumped, given the snapshot taken then, is the very
workflow restoring that dump gives (tree, data with their exact types and shared objects,
subprocesses and waiting events in order), at every step of processes with loops, rounds,
subprocesses and timers; values JSON would change get no snapshot; a moved workflow is refused."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import clock
from engine.bpmn.parsing import ParsedProcess, parse_bpmn
from engine.bpmn.runtime import Runtime
from engine.bpmn.serialization import dump_process, load_process, load_workflow
from engine.bpmn.snapshot import Snapshot
from tests.conftest import fixture_bpmn
from tests.workflow_views import view

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"


def parsed(source: bytes, key: str | None = None) -> ParsedProcess:
    found = [p for p in parse_bpmn(source, "test.bpmn", check=False) if key is None or p.key == key]
    return load_process(dump_process(found[0]))  # as the use cases get it: from the stored spec


def same_as_restored(runtime: Runtime, process: ParsedProcess, workflow: Any) -> Any:
    """Dump, snapshot, install: the workflow must be what restoring the dump gives."""
    text = runtime.dump(workflow)
    snapshot = Snapshot.of(workflow)
    assert snapshot is not None
    restored = load_workflow(text, process.spec, process.subprocess_specs)
    assert snapshot.install(workflow)
    assert view(workflow) == view(restored)
    return runtime.adopt(process, workflow)


# (process, start data, data per user task, the steps at which the clock moves 4 days and the
# timers fire instead, as it does whenever no task is ready)
WALKS = {
    "review": (
        fixture_bpmn("review.bpmn"),
        {"subject": "路灯不亮", "checker": "chair", "rounds": 0},
        {"register": {"lead_unit": "finance"}, "reply": {"reply_class": "B", "pages": 2}, "check": {"accepted": False}},
        {4},
    ),
    "camunda_style_collection": (fixture_bpmn("camunda_style_collection.bpmn"), {}, {}, set()),
    "mi_boundary_timer": (fixture_bpmn("mi_boundary_timer.bpmn"), {}, {}, {3}),
    "esp_timer": (fixture_bpmn("event_subprocess_timer.bpmn"), {}, {}, {1, 3}),
    "inspection": (
        (LIBRARY / "inspection.bpmn").read_bytes(),
        {"inspection_title": "财政预算执行情况检查", "inspection_basis": "年度监督工作计划"},
        {
            "Task_Plan": {"topics": "预算执行", "units": ["finance", "land"], "selfcheck_deadline": "2026-12-20"},
            "Task_ApprovePlan": {"plan_decision": "approve"},
            "Task_Notice": {"notice_text": "请自查"},
            "Task_SelfCheck": {"selfcheck_report": "已自查"},
            "Task_OnSite": {"onsite_date": "2026-12-28", "onsite_record": "现场记录"},
            "Task_Findings": {"findings_result": "clean", "findings": "未发现问题"},
            "Task_Report": {"report_text": "检查情况报告"},
            "Task_PresidiumHear": {"presidium_decision": "accepted"},
        },
        set(),
    ),
}


def take_step(runtime, workflow, key, step) -> None:
    """Move a walk's workflow on by one step: its newest ready task completed with the walk's
    answer (rounds and loops are walked into), or, at the walk's timer steps or with none
    ready, four days on and its timers fired."""
    _source, _start, answers, fire_at = WALKS[key]
    ready = runtime.ready_task_ids(workflow)
    if ready and step not in fire_at:
        task_id = ready[-1]
        runtime.complete(workflow, task_id, answers.get(runtime.task(workflow, task_id).task_spec.bpmn_id, {}))
    else:
        clock.advance(timedelta(days=4))
        runtime.fire_timers(workflow)


@pytest.mark.parametrize("key", sorted(WALKS))
def test_every_step_of_a_walk_is_the_restored_workflow(frozen_clock, runtime, key):
    source, start, _answers, _fire_at = WALKS[key]
    process = parsed(source, key)
    workflow = same_as_restored(runtime, process, runtime.start(process, start))
    steps = 0
    while not workflow.completed and steps < 24:
        steps += 1
        take_step(runtime, workflow, key, steps)
        workflow = same_as_restored(runtime, process, workflow)
    assert steps >= 3


QUIRKS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="quirks" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first" />
    <bpmn:scriptTask id="first"><bpmn:script>FIRST</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="a" />
    <bpmn:userTask id="a" name="甲" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="second" />
    <bpmn:scriptTask id="second"><bpmn:script>x = 1.0</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="second" targetRef="b" />
    <bpmn:userTask id="b" name="乙" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="third" />
    <bpmn:scriptTask id="third"><bpmn:script>label = str(x)</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f6" sourceRef="third" targetRef="c" />
    <bpmn:userTask id="c" name="丙" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f7" sourceRef="c" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def quirks(first: str) -> ParsedProcess:
    return parsed(QUIRKS.replace("FIRST", first).encode())


def test_the_data_is_what_restoring_gives_not_what_was_in_memory(runtime):
    """SpiffWorkflow keeps a task's data as its changes against its parent's, by ``!=``: the
    1.0 a script put where its parent had 1 is no change, and restoring gives back 1. A
    workflow kept in memory must read the same (the cache hands out what JSON would)."""
    process = quirks("x = 1\nitems = [{'a': 1}]")
    workflow = runtime.start(process, {})
    runtime.complete(workflow, runtime.ready_task_ids(workflow)[0], {})
    [b] = runtime.ready_task_ids(workflow)
    assert type(runtime.task(workflow, b).data["x"]) is float  # in memory
    from_json = runtime.restore(process, runtime.dump(workflow))
    kept = same_as_restored(runtime, process, workflow)
    assert type(runtime.task(kept, b).data["x"]) is int  # as restored
    for moved in (kept, from_json):
        runtime.complete(moved, b, {})
        assert runtime.variables(moved)["label"] == "1"
    assert view(kept, times=False) == view(from_json, times=False)


@pytest.mark.parametrize(
    "script", ["pair = (1, 2)", "table = {1: 'a'}", "typed = {'typename': 'x', 'value': 1}", "units = {'finance'}"]
)
def test_values_json_would_change_get_no_snapshot(runtime, script):
    process = quirks(script)
    workflow = runtime.start(process, {})
    assert Snapshot.of(workflow) is None


def test_a_workflow_moved_since_the_snapshot_is_refused(runtime):
    process = quirks("x = 1")
    workflow = runtime.start(process, {})
    snapshot = Snapshot.of(workflow)
    assert snapshot is not None
    runtime.complete(workflow, runtime.ready_task_ids(workflow)[0], {})
    before = view(workflow)
    assert not snapshot.install(workflow)
    assert view(workflow) == before  # left as it was


def test_a_snapshot_is_installed_once_and_only_into_its_workflow(runtime):
    process = quirks("x = 1")
    workflow, other = runtime.start(process, {}), runtime.start(process, {})
    snapshot = Snapshot.of(workflow)
    assert snapshot is not None
    assert not snapshot.install(other)
    assert snapshot.install(workflow)
    assert not snapshot.install(workflow)  # its dicts are the workflow's now
