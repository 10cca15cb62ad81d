"""engine/bpmn/task_texts.py: a workflow dumped again keeps the text of its unchanged tasks,
and the result is byte for byte what converting every task writes: at every step of processes
with loops, rounds, subprocesses and timers (through the workflow cache's path: dump, snapshot,
install; and restored from its JSON, whose task texts are kept), and whenever something a
task's text is made of changed behind the engine's back."""

import json
from datetime import datetime
from typing import Any

import pytest

from engine.bpmn import serialization, task_texts
from engine.bpmn.parsing import ParsedProcess
from engine.bpmn.runtime import Runtime
from engine.bpmn.serialization import dump_workflow, load_workflow
from engine.bpmn.snapshot import Snapshot
from tests.unit.test_workflow_snapshot import WALKS, parsed, take_step

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="texts" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first" />
    <bpmn:scriptTask id="first"><bpmn:script>FIRST</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="a" />
    <bpmn:userTask id="a" name="甲" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="b" />
    <bpmn:userTask id="b" name="乙" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def process(first: str = "x = 1") -> ParsedProcess:
    return parsed(PROCESS.replace("FIRST", first).encode())


def same_as_whole(workflow: Any) -> str:
    """Dump reusing what is kept, and check it is the whole conversion's text."""
    text = dump_workflow(workflow)
    assert text == dump_workflow(workflow, reuse_texts=False)
    return text


def reused(workflow: Any) -> int:
    return task_texts.texts_of(workflow).reused


def at_b(runtime: Runtime, first: str = "x = 1") -> tuple[Any, Any]:
    """A workflow waiting at *b*, dumped once, and the completed script task *first*."""
    workflow = runtime.start(process(first), {})
    runtime.complete(workflow, runtime.ready_task_ids(workflow)[0], {})
    same_as_whole(workflow)
    [script] = [t for t in workflow.tasks.values() if t.task_spec.name == "first"]
    return workflow, script


@pytest.mark.parametrize("key", sorted(WALKS))
def test_every_step_of_a_walk_dumps_as_the_whole_conversion(frozen_clock, runtime, key):
    source, start, _answers, _fire_at = WALKS[key]
    parsed_process = parsed(source, key)
    workflow = runtime.start(parsed_process, start)
    same_as_whole(workflow)
    steps, reused_in_all = 0, 0
    while not workflow.completed and steps < 24:
        steps += 1
        take_step(runtime, workflow, key, steps)
        same_as_whole(workflow)
        reused_in_all += reused(workflow)
        # as the workflow cache hands it to the next use case: the data as restoring gives it
        snapshot = Snapshot.of(workflow)
        assert snapshot is not None and snapshot.install(workflow)
        workflow = runtime.adopt(parsed_process, workflow)
        # its data may be written otherwise now (a child's keys in the order restoring
        # puts them), and must be written as converting it whole writes it
        same_as_whole(workflow)
    assert steps >= 3
    assert reused_in_all > 0  # the history's texts were kept, not converted again


def test_a_step_converts_only_what_it_changed(runtime):
    workflow, _script = at_b(runtime)
    runtime.complete(workflow, runtime.ready_task_ids(workflow)[0], {"y": 2})
    same_as_whole(workflow)
    # b and its parent, a, are unchanged: kept; b ran, the end event and the tasks after it moved
    assert 0 < reused(workflow) < len(workflow.tasks)


def test_data_changed_in_place_on_a_finished_task_is_written(runtime):
    """After a restore, a task's lists may be its parent's (SpiffWorkflow copies one level):
    a script that changes one in place changes a finished task's data."""
    workflow, script = at_b(runtime, "items = [1]")
    before = same_as_whole(workflow)
    script.data["items"].append(2)
    after = same_as_whole(workflow)
    assert after != before and "[1,2]" in after


def reorder(data: dict[str, Any]) -> None:
    items = list(data.items())
    data.clear()
    data.update(reversed(items))


# (the script's data, a change to a task's data, whether the whole conversion then writes task
# *a* otherwise: a's data is the script's, and a's changes against it are found by ``!=``). A
# change of the script's own data always changes what is written: its text, or a's changes.
CHANGES = {
    "int to float": ("x = 1", lambda data: data.update(x=1.0), False),  # 1.0 == 1
    "int to bool": ("x = 1", lambda data: data.update(x=True), False),
    "list to tuple": ("x = [1, 2]", lambda data: data.update(x=(1, 2)), True),  # the same JSON, not ==
    "keys' order": ("x = 1\ny = 2", lambda data: reorder(data), False),
    "text key to number": ("x = {'1': 'a'}", lambda data: data.update(x={1: "a"}), True),
    "zero to minus zero": ("x = 0.0", lambda data: data.update(x=-0.0), False),
    "a datetime": ("x = 1", lambda data: data.update(when=datetime(2026, 12, 7, 9, 0)), True),
}


@pytest.mark.parametrize("case", sorted(CHANGES))
@pytest.mark.parametrize("name", ["first", "a"])
def test_a_value_written_or_compared_otherwise_is_a_change(runtime, case, name):
    """Equal bytes must mean values written alike and compared alike."""
    first, change, a_written_otherwise = CHANGES[case]
    workflow, _script = at_b(runtime, first)
    [task] = [t for t in workflow.tasks.values() if t.task_spec.name == name]
    before = same_as_whole(workflow)
    data = dict(task.data)
    task.data.clear()
    task.data.update(data)
    change(task.data)
    assert (same_as_whole(workflow) != before) is (name == "first" or a_written_otherwise)


def test_a_parents_change_rewrites_its_childs_changes(runtime):
    workflow, script = at_b(runtime, "x = 1")
    [a] = [t for t in workflow.tasks.values() if t.task_spec.name == "a"]
    assert a.parent is script
    same_as_whole(workflow)
    script.data["x"] = 5  # a's data still says 1: now a change against its parent
    text = same_as_whole(workflow)
    assert '"updates":{"x":1}' in text


def test_the_tree_and_internal_data_are_part_of_a_tasks_text(runtime):
    workflow, script = at_b(runtime)
    same_as_whole(workflow)
    script.internal_data["note"] = "seen"
    assert '"note":"seen"' in same_as_whole(workflow)
    script.triggered = not script.triggered
    same_as_whole(workflow)
    script.last_state_change += 1.0
    same_as_whole(workflow)


def test_texts_of_tasks_gone_are_forgotten(runtime):
    workflow, _script = at_b(runtime)
    texts = task_texts.texts_of(workflow)
    kept_before = len(texts)
    [leaf] = [t for t in workflow.tasks.values() if not t._children]
    leaf.parent._children.remove(leaf.id)
    del workflow.tasks[leaf.id]
    same_as_whole(workflow)
    assert len(texts) == kept_before - 1


def test_a_value_that_looks_like_the_placeholder_falls_back_to_the_whole_conversion(runtime, monkeypatch):
    monkeypatch.setattr(serialization.secrets, "token_hex", lambda _n: "fixed")
    workflow = runtime.start(process("x = 'fixed:0'"), {})
    assert '"x":"fixed:0"' in same_as_whole(workflow)


def test_each_workflow_keeps_its_own_texts(runtime):
    one, _ = at_b(runtime, "x = 1")
    other, _ = at_b(runtime, "x = 2")
    assert task_texts.texts_of(one) is not task_texts.texts_of(other)
    assert same_as_whole(one) != same_as_whole(other)


# -- restored from JSON: the tasks' texts as read ------------------------------------------


def restored(text: str, parsed_process: ParsedProcess, runtime: Runtime) -> Any:
    return runtime.adopt(parsed_process, load_workflow(text, parsed_process.spec, parsed_process.subprocess_specs))


@pytest.mark.parametrize("key", sorted(WALKS))
def test_every_step_of_a_walk_restored_from_json_dumps_as_the_whole_conversion(frozen_clock, runtime, key):
    """As a case the server never held: each step restores the last step's JSON."""
    source, start, _answers, _fire_at = WALKS[key]
    parsed_process = parsed(source, key)
    text = same_as_whole(runtime.start(parsed_process, start))
    steps, reused_in_all = 0, 0
    while steps < 24:
        workflow = restored(text, parsed_process, runtime)
        if workflow.completed:
            break
        steps += 1
        take_step(runtime, workflow, key, steps)
        text = same_as_whole(workflow)
        reused_in_all += reused(workflow)
    assert steps >= 3
    assert reused_in_all > 0  # the texts read were kept, not converted again


@pytest.mark.parametrize("key", sorted(WALKS))
def test_json_is_read_as_json_loads_reads_it_with_every_tasks_text(frozen_clock, runtime, key):
    source, start, _answers, _fire_at = WALKS[key]
    workflow = runtime.start(parsed(source, key), start)
    for step in range(1, 4):
        if workflow.completed:
            break
        take_step(runtime, workflow, key, step)
    text = dump_workflow(workflow)
    dct, read = task_texts.read_json(text)
    assert dct == json.loads(text)
    assert read is not None
    # every task of the top workflow and of each subprocess, its text as written
    assert set(read.tasks) == {str(task_id) for task_id in workflow.tasks}
    assert set(read.subprocesses) == {str(sub_id) for sub_id in workflow.subprocesses}
    for sub_id, subprocess in workflow.subprocesses.items():
        assert set(read.subprocesses[str(sub_id)]) == {str(task_id) for task_id in subprocess.tasks}
    for found in [read.tasks, *read.subprocesses.values()]:
        for task_id, (task_text, value) in found.items():
            assert task_text == f'"{task_id}":' + json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            assert task_text in text


def test_a_restored_workflow_dumps_unchanged_without_converting_a_task(runtime):
    workflow, _script = at_b(runtime)
    text = dump_workflow(workflow)
    again = restored(text, process(), runtime)
    assert dump_workflow(again) == text
    assert reused(again) == len(again.tasks) == 8


def test_json_not_laid_out_as_a_dump_is_read_whole_and_converted(runtime):
    workflow, _script = at_b(runtime)
    text = json.dumps(json.loads(dump_workflow(workflow)), ensure_ascii=False, indent=1)
    assert task_texts.read_json(text) == (json.loads(text), None)
    again = restored(text, process(), runtime)
    assert same_as_whole(again) == dump_workflow(workflow)
    assert reused(again) == 0


def rebuilt(data: dict[str, Any], new: dict[str, Any]) -> None:
    data.clear()
    data.update(new)


@pytest.mark.parametrize(
    ("change", "converted"),
    [
        # a key *first* has, changed after one it lacks was added: restoring puts it first
        (lambda data: rebuilt(data, {"y": 2, **{k: v for k, v in data.items() if k != "x"}, "x": 5}), 1),
        # a tuple beside the parent's list: a change in memory, none once read back as JSON;
        # and b, ready, still holds the list it was given: a change against a in memory too
        (lambda data: data.update(t=(1, 2)), 2),
    ],
    ids=["changes in another order", "equal once read back"],
)
def test_a_task_whose_changes_restoring_writes_otherwise_is_converted(runtime, change, converted):
    workflow, script = at_b(runtime, "x = 1\nt = [1, 2]")
    [a] = [t for t in workflow.tasks.values() if t.task_spec.name == "a"]
    assert a.parent is script
    change(a.data)
    text = same_as_whole(workflow)
    again = restored(text, process("x = 1\nt = [1, 2]"), runtime)
    assert same_as_whole(again) != text  # what converting it now writes differs from what was read
    assert reused(again) == len(again.tasks) - converted
