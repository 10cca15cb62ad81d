"""engine/bpmn/serialization.py restores a workflow with SpiffWorkflow's task converter, each
task id parsed once (``_TaskConverter``): the workflow is the one SpiffWorkflow's own
converter gives, at every step of processes with loops, rounds, subprocesses and timers."""

from typing import Any

import pytest
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter

from engine.bpmn import serialization
from engine.bpmn.serialization import load_workflow
from tests.unit.test_workflow_snapshot import WALKS, parsed, take_step
from tests.workflow_views import view


def restored_by_spiffworkflow(text: str, process: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``text`` restored with SpiffWorkflow's own ``TaskConverter.from_dict`` (a serializer
    made for it, then the thread's own one back)."""
    with monkeypatch.context() as patched:
        patched.setattr(serialization._TaskConverter, "from_dict", TaskConverter.from_dict)
        patched.setattr(serialization._local, "serializer", None)
        return load_workflow(text, process.spec, process.subprocess_specs)


@pytest.mark.parametrize("key", sorted(WALKS))
def test_every_step_restores_as_spiffworkflows_converter_does(frozen_clock, runtime, monkeypatch, key):
    source, start, _answers, _fire_at = WALKS[key]
    process = parsed(source, key)
    workflow = runtime.start(process, start)
    for step in range(1, 25):
        text = runtime.dump(workflow)
        ours = load_workflow(text, process.spec, process.subprocess_specs)
        theirs = restored_by_spiffworkflow(text, process, monkeypatch)
        assert view(ours) == view(theirs)
        assert runtime.dump(ours) == runtime.dump(theirs)
        # one id object per task: its key, its id, its parent's child entry
        for task_id, task in ours.tasks.items():
            assert task.id is task_id
            if task.parent is not None:
                assert any(child is task_id for child in task.parent._children)
        if workflow.completed:
            break
        take_step(runtime, workflow, key, step)


def test_outside_a_restore_ids_are_parsed_each_time():
    first = serialization._task_id("8226c012-2c67-481f-9f05-2fc03eec9462")
    again = serialization._task_id("8226c012-2c67-481f-9f05-2fc03eec9462")
    assert first == again and first is not again  # nothing kept between restores
