"""A workflow as plain data, to tell whether two workflow objects are the same workflow: the
one the workflow cache hands out and the one restoring its JSON gives (engine/bpmn/snapshot.py,
engine/usecases/workflow_cache.py).

``audited_cache()`` checks every workflow the cache hands out against a restore of the JSON
it was kept for, and ``audited_dumps()`` every dump that kept the texts of unchanged tasks
(engine/bpmn/task_texts.py) against converting the whole workflow; as a plugin
(``pytest -p tests.workflow_views tests/processes ...``) both run in every test, so any
scenario suite doubles as a test of the cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn.parsing import ParsedProcess
from engine.bpmn.runtime import Runtime
from engine.bpmn.serialization import dump_workflow, load_workflow
from engine.usecases.workflow_cache import WorkflowCache


def view(workflow: BpmnWorkflow, *, times: bool = True) -> list[Any]:
    """Everything of ``workflow`` that running it reads: each (sub)workflow in order with its
    tasks in order (tree, state, data), every value with its exact type, and which dicts and
    lists are one object seen twice (``("same as", where first seen)``), the waiting events
    in the engine's order; ``times``: with when each task last changed state."""
    seen: dict[int, str] = {}

    def value(v: Any, where: str) -> Any:
        if isinstance(v, (dict, list)):
            if id(v) in seen:
                return ("same as", seen[id(v)])
            seen[id(v)] = where
            if isinstance(v, dict):
                return (type(v).__name__, [(k, value(x, f"{where}.{k}")) for k, x in v.items()])
            return (type(v).__name__, [value(x, f"{where}[{i}]") for i, x in enumerate(v)])
        return (type(v).__name__, repr(v))

    parts: list[tuple[str, Any]] = [("top", workflow), *((str(k), sub) for k, sub in workflow.subprocesses.items())]
    found: list[Any] = []
    for name, wf in parts:
        found.append(
            (
                name,
                type(wf).__name__,
                wf.spec.name,
                str(wf.task_tree.id),
                str(wf.last_task.id) if wf.last_task is not None else None,
                wf.success,
                wf.completed,
                value(wf.data, f"{name}.data"),
                value(wf.correlations, f"{name}.correlations"),
                [
                    (
                        str(t.id),
                        t.task_spec.name,
                        t.state,
                        t.last_state_change if times else None,
                        t.triggered,
                        str(t._parent),
                        [str(c) for c in t._children],
                        value(t.data, f"{name}/{t.id}.data"),
                        value(t.internal_data, f"{name}/{t.id}.internal"),
                    )
                    for t in wf.tasks.values()
                ],
            )
        )
    found.append(("waiting", [str(task_id) for task_id in workflow.event_manager.tasks]))
    found.append(("events", len(workflow.bpmn_events)))
    return found


@contextmanager
def audited_cache() -> Iterator[list[str]]:
    """While open, every workflow the cache hands out is compared with what restoring the
    JSON it was kept for gives (AssertionError at the first difference); yields the texts
    of the workflows checked so far."""
    original_take, original_adopt = WorkflowCache.take, Runtime.adopt
    taken: dict[int, Any] = {}  # the entries taken, by their workflow (kept alive: ids stay unique)
    checked: list[str] = []

    def take(self: WorkflowCache, key: Any) -> Any:
        entry = original_take(self, key)
        if entry is not None:
            taken[id(entry.workflow)] = entry
        return entry

    def adopt(self: Runtime, process: ParsedProcess, workflow: BpmnWorkflow) -> BpmnWorkflow:
        entry = taken.pop(id(workflow), None)
        adopted = original_adopt(self, process, workflow)
        if entry is not None and entry.workflow is workflow:  # handed out by the cache
            restored = load_workflow(entry.text, process.spec, process.subprocess_specs)
            assert view(workflow) == view(restored), "the cached workflow is not the restored one"
            assert dump_workflow(workflow) == dump_workflow(restored)
            checked.append(entry.text)
        return adopted

    WorkflowCache.take, Runtime.adopt = take, adopt  # type: ignore[method-assign]
    try:
        yield checked
    finally:
        WorkflowCache.take, Runtime.adopt = original_take, original_adopt  # type: ignore[method-assign]


@contextmanager
def audited_dumps() -> Iterator[list[int]]:
    """While open, every workflow the use cases dump is also converted whole, and the two
    texts must be the same (AssertionError otherwise); yields how many dumps were checked."""
    original = Runtime.__dict__["dump"]
    checked: list[int] = []

    def dump(workflow: BpmnWorkflow) -> str:
        text = dump_workflow(workflow)
        assert text == dump_workflow(workflow, reuse_texts=False), "a kept task text is not the converted one"
        checked.append(1)
        return text

    Runtime.dump = staticmethod(dump)  # type: ignore[method-assign,assignment]
    try:
        yield checked
    finally:
        Runtime.dump = original  # type: ignore[method-assign]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """As a plugin (``-p tests.workflow_views``): every test's body runs audited."""
    with audited_cache(), audited_dumps():
        yield
