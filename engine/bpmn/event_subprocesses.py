"""Event subprocesses as BPMN runs them, where SpiffWorkflow does not.

An interrupting one (its start event's ``isInterrupting``, true unless said otherwise)
cancels the rest of the case when its start event fires: SpiffWorkflow runs it beside the
flow, as if it did not interrupt.

Ending a process whose event subprocesses still wait to be triggered:
In BPMN a process ends when its flow does: an event subprocess whose start event has not
fired (a reminder timer, an escalation) is then simply over. SpiffWorkflow's end join waits
for every unfinished task of the workflow, those waiting event subprocesses included, so a
case with one would stay 办理中 for ever after its last end event. Once nothing else runs,
they are cancelled here and the join lets the workflow complete. A triggered one (its start
event fired, its tasks running) still keeps the case open until it ends, as in BPMN.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING


def end_waiting_event_subprocesses(workflow: BpmnWorkflow) -> bool:
    """Cancel the untriggered event subprocesses of a workflow whose flow has ended; True
    if it did (the engine steps should run again)."""
    tasks = list(workflow.tasks.values())
    joins = [t for t in tasks if isinstance(t.task_spec, _EndJoin) and t.state == TaskState.WAITING]
    if not joins:
        return False
    triggers = {s for s in workflow.spec.start.outputs if isinstance(s, SubWorkflowTask)}
    waiting = []
    for task in tasks:
        if not task.has_state(_ACTIVE) or task in joins:
            continue
        if task.task_spec in triggers and _untriggered(workflow, task):
            waiting.append(task)
        else:
            return False  # the flow or a triggered event subprocess still runs
    if not waiting:
        return False
    for task in waiting:
        task.cancel()
    for join in joins:
        join.task_spec._update(join)
    return True


def interrupt(workflow: BpmnWorkflow, interrupting_starts: frozenset[str]) -> bool:
    """For each interrupting event subprocess whose start event fired since the last look,
    cancel every other active task of the case (the flow, the other event subprocesses);
    True if it did."""
    if not interrupting_starts:
        return False
    triggers = {s for s in workflow.spec.start.outputs if isinstance(s, SubWorkflowTask)}
    interrupted = False
    for task in list(workflow.tasks.values()):
        if task.task_spec not in triggers or task.state != TaskState.STARTED or task.internal_data.get("interrupted"):
            continue
        subprocess = workflow.subprocesses.get(task.id)
        fired = subprocess is not None and any(
            t.task_spec.bpmn_id in interrupting_starts and t.state == TaskState.COMPLETED
            for t in subprocess.tasks.values()
        )
        if not fired:
            continue
        task.internal_data["interrupted"] = True
        for other in list(workflow.tasks.values()):
            if other is not task and other.has_state(_ACTIVE) and not isinstance(other.task_spec, _EndJoin):
                other.cancel()
        interrupted = True
    return interrupted


def _untriggered(workflow: BpmnWorkflow, task: Task) -> bool:
    subprocess = workflow.subprocesses.get(task.id)
    if subprocess is None:
        return True
    return not any(t.has_state(TaskState.READY | TaskState.STARTED) for t in subprocess.tasks.values()) and not any(
        t.state == TaskState.COMPLETED and t.task_spec.bpmn_id for t in subprocess.tasks.values()
    )
