"""The compensation throw event at run time (what compensation is: engine.bpmn.compensation).

When the path reaches it, it lists the completed, not yet compensated activities of its
scope that have a handler (through completed subprocesses that have none), most recent
first, and marks them compensated. Then it runs each handler's process as a subprocess of
its own task, one after the other, as SpiffWorkflow runs a subprocess: the task waits
(STARTED) while a handler runs, the handler starts with the path's data and hands its data
back, and when the last has ended the path goes on. Its scope is the (sub)process it is in;
inside the handler of a subprocess (a compensation event subprocess) it is that
subprocess's, as Camunda runs it there.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .compensation import EXTENSION

# a task's internal data: the handlers left to run, and the activity being undone (its id);
# on an activity: it has been compensated
_QUEUE, _UNDOING, _DONE = "compensation_queue", "compensating", "compensated"


class CompensationThrow(BpmnSpecMixin):
    """A compensation throw event (intermediate or end): runs the handlers of the completed
    activities of its scope (or of ``activity_ref``), and goes on when the last has ended."""

    def __init__(self, wf_spec: Any, bpmn_id: str, activity_ref: str = "", **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.activity_ref = activity_ref

    def _update_hook(self, my_task: Task) -> Any:
        if _QUEUE in my_task.internal_data:
            return False  # reached already: the handlers' ends move it (on_handler_completed)
        ready = super()._update_hook(my_task)  # the data of the path that reached it
        my_task.internal_data[_QUEUE] = [[str(task.id), handler] for task, handler in _due(my_task, self.activity_ref)]
        return ready

    def _run_hook(self, my_task: Task) -> Any:
        """Run the next handler (None: the task waits for it, STARTED), or go on (True).
        Run again each time a handler has ended (``on_handler_completed``)."""
        top = my_task.workflow.top_workflow
        running = top.subprocesses.get(my_task.id)
        if running is not None:  # the handler that just ended: its data is the path's
            if not running.completed:
                return None
            my_task.data = deepcopy(running.last_task.data)
            top.delete_subprocess(my_task)
        queue = my_task.internal_data.get(_QUEUE) or []
        if not queue:
            my_task.internal_data.pop(_UNDOING, None)
            return True
        undoing, handler = queue.pop(0)
        my_task.internal_data[_UNDOING] = undoing
        subworkflow = top.create_subprocess(my_task, handler)
        subworkflow.completed_event.connect(self.on_handler_completed, my_task)
        start = subworkflow.get_next_task(spec_name="Start")
        start.set_data(**deepcopy(my_task.data))
        start.run()
        return None

    def on_handler_completed(self, subworkflow: Any, my_task: Task) -> None:
        my_task._set_state(TaskState.READY)  # run again by the engine steps: the next handler

    def _on_cancel(self, my_task: Task) -> None:
        running = my_task.workflow.top_workflow.subprocesses.get(my_task.id)
        if running is not None:
            running.cancel()
        super()._on_cancel(my_task)


def _scope(throw: Task) -> Any:
    """Where a throw compensates: its (sub)process; inside the handler of a subprocess, that
    subprocess (the one its throwing task is undoing)."""
    workflow, top = throw.workflow, throw.workflow.top_workflow
    parent_id = getattr(workflow, "parent_task_id", None)
    parent = top.get_task_from_id(parent_id) if parent_id is not None else None
    if parent is not None and isinstance(parent.task_spec, CompensationThrow):
        undoing = parent.internal_data.get(_UNDOING)
        if undoing is not None and UUID(undoing) in top.subprocesses:
            return top.subprocesses[UUID(undoing)]
    return workflow


def _due(throw: Task, activity_ref: str) -> list[tuple[Task, str]]:
    """The completed, not yet compensated activities of the throw's scope with a handler,
    most recent first; each marked compensated."""
    found: list[tuple[Task, str]] = []
    _collect(_scope(throw), throw.workflow.top_workflow, activity_ref, found)
    found.sort(key=lambda pair: pair[0].last_state_change, reverse=True)
    for task, _handler in found:
        task.internal_data[_DONE] = True
    return found


def _collect(workflow: Any, top: Any, activity_ref: str, found: list[tuple[Task, str]]) -> None:
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        if task.workflow is not workflow or task.internal_data.get(_DONE):
            continue
        spec = task.task_spec
        handler = (getattr(spec, "extensions", None) or {}).get(EXTENSION)
        inner = top.subprocesses.get(task.id) if isinstance(spec, SubWorkflowTask) else None
        if activity_ref and spec.bpmn_id != activity_ref:
            if inner is not None:
                _collect(inner, top, activity_ref, found)  # the activity may be inside
        elif handler:
            found.append((task, handler))
        elif inner is not None:
            _collect(inner, top, "", found)


class CompensationThrowConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: CompensationThrow) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(spec)
        dct["activity_ref"] = spec.activity_ref
        return dct
