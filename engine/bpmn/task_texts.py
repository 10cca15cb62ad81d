"""Dumping a workflow again after a step: the tasks that did not change keep the JSON text
they were written as last time, and only the others are converted and encoded anew.

A case worked on in a row keeps its workflow in memory (engine/usecases/workflow_cache.py)
and is dumped after every step. At 50 tasks of history, SpiffWorkflow's task converter
(a task's data written as its changes against its parent's, its internal data, its tree
links) and the encoder spent most of a dump on the history, which a step leaves as it was.

Each task's text is kept under a *key*: everything the text is made from, taken without
converting anything. Its tree links (parent, children), state, when its state last changed,
its spec's name, whether it was triggered, whether its parent is in the workflow, and its
data, its parent's data and its internal data as ``marshal`` bytes. Marshal writes each value
with its exact type, in order (``1``, ``1.0`` and ``True`` differ, as do a tuple and a list, a
dict's keys in another order or a number key and a text one), so equal bytes mean values
SpiffWorkflow writes alike and compares alike (the changes against the parent are found
with ``!=``). A task whose data holds anything marshal refuses (a datetime, a UUID, an object
of a script's) has no key: it is converted every time, as are its children.

The text is byte for byte what converting the whole workflow writes
(tests/unit/test_task_texts.py at every step of processes with loops, rounds, subprocesses
and timers; the ``tests.workflow_views`` plugin compares every dump of a suite).
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow.task import Task

# marshal's format 2 writes no back-references: the same values give the same bytes
# whether or not two of them are one object
_MARSHAL_VERSION = 2


class _Refused:
    """Stands for values marshal refused: a new one each time, equal to nothing (not even
    itself: a tuple compares its items by identity first), so the task is converted."""

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


def _bytes_of(value: Any) -> bytes | _Refused:
    try:
        return marshal.dumps(value, _MARSHAL_VERSION)
    except ValueError:  # an object marshal cannot write
        return _Refused()


class TaskTexts:
    """The text each task of one workflow (its subprocesses' included) was last written as,
    with the key it was made under. By the task ids' numbers: a UUID hashes and compares in
    Python, an int in C (this runs over every task at every save)."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[tuple[Any, ...], str]] = {}
        self.reused = 0  # tasks whose text was kept, at the last dump: for tests and the benchmark

    def __len__(self) -> int:
        return len(self._kept)

    def start_dump(self) -> None:
        self.reused = 0

    def mapping_text(self, tasks: Mapping[UUID, Task], task_text: Callable[[Task], str]) -> str:
        """The JSON object ``{"<task id>": <task>, ...}`` of ``tasks`` in their order, each
        task's text kept or made by ``task_text`` (a subprocess's tasks are another mapping
        of the same workflow)."""
        data_bytes = {task_id.int: _bytes_of(task.data) for task_id, task in tasks.items()}
        kept, parts = self._kept, []
        for task_id, task in tasks.items():
            number, parent = task_id.int, task._parent
            key = (
                parent,
                tuple(task._children),
                task.last_state_change,
                task._state,
                task.task_spec.name,
                task.triggered,
                data_bytes[number],
                # None when the parent is not in the workflow: SpiffWorkflow then writes the data whole
                data_bytes.get(parent.int) if parent is not None else None,
                _bytes_of(task.internal_data),
            )
            found = kept.get(number)
            if found is not None and found[0] == key:
                parts.append(found[1])
                self.reused += 1
            else:
                part = f'"{task_id}":{task_text(task)}'
                kept[number] = (key, part)
                parts.append(part)
        return "{" + ",".join(parts) + "}"

    def forget_others(self, present: set[int]) -> None:
        """Drop the texts of tasks no longer in the workflow (pruned predictions, finished
        subprocesses)."""
        if len(self._kept) > len(present):
            for number in [n for n in self._kept if n not in present]:
                del self._kept[number]


_texts: WeakKeyDictionary[Any, TaskTexts] = WeakKeyDictionary()


def texts_of(workflow: Any) -> TaskTexts:
    """The texts kept for ``workflow`` (a top workflow), made empty at its first dump. The
    workflow is used by one thread at a time (a use case owns it), so no lock is needed."""
    found = _texts.get(workflow)
    if found is None:
        found = _texts[workflow] = TaskTexts()
    return found
