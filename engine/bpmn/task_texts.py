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

A workflow restored from its JSON starts with the texts it was read from (``read_json``
finds each task's text while parsing, ``TaskTexts.remember_read`` keeps them), so a case the
process never held converts only what its step changed too, instead of every task of its
history. A task whose changes against its parent restoring would write otherwise is
converted instead (``_written_as_read``).

The text is byte for byte what converting the whole workflow writes
(tests/unit/test_task_texts.py at every step of processes with loops, rounds, subprocesses
and timers, held in memory and restored from JSON; the ``tests.workflow_views`` plugin
compares every dump of a suite).
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

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


def _keyed(tasks: Mapping[UUID, Task]) -> Iterator[tuple[UUID, Task, tuple[Any, ...]]]:
    """Each task with the key its text is made under (the module's docstring)."""
    data_bytes = {task_id.int: _bytes_of(task.data) for task_id, task in tasks.items()}
    for task_id, task in tasks.items():
        parent = task._parent
        yield (
            task_id,
            task,
            (
                parent,
                tuple(task._children),
                task.last_state_change,
                task._state,
                task.task_spec.name,
                task.triggered,
                data_bytes[task_id.int],
                # None when the parent is not in the workflow: SpiffWorkflow then writes the data whole
                data_bytes.get(parent.int) if parent is not None else None,
                _bytes_of(task.internal_data),
            ),
        )


def _written_as_read(task: Task, read: Mapping[str, Any]) -> bool:
    """Whether converting ``task``, just restored from ``read``, writes its data as ``read``
    has it. A task's data is written as its changes against its parent's, and restoring puts
    the changed keys after its parent's: changes written in another order (a key the parent
    has, changed after one it lacks was added) come back in another order, and a change that
    equals the parent's value once read back from JSON (a tuple beside a list) is none."""
    parent = task.parent
    if parent is None:
        return True  # its data is written whole, in the order it was read
    delta = read.get("delta")
    if not delta:
        return False
    updates, deletions = list(delta.get("updates", ())), list(delta.get("deletions", ()))
    return updates == list(DeepMerge.get_updated_keys(parent.data, task.data)) and (
        deletions == DeepMerge.get_deleted_keys(parent.data, task.data)
    )


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
        kept, parts = self._kept, []
        for task_id, task, key in _keyed(tasks):
            number = task_id.int
            found = kept.get(number)
            if found is not None and found[0] == key:
                parts.append(found[1])
                self.reused += 1
            else:
                part = f'"{task_id}":{task_text(task)}'
                kept[number] = (key, part)
                parts.append(part)
        return "{" + ",".join(parts) + "}"

    def remember_read(self, tasks: Mapping[UUID, Task], read: Mapping[str, tuple[str, Any]]) -> None:
        """``tasks`` were just restored from JSON in which ``read`` found them: task id →
        (``"<task id>":{...}`` as it stands, the object it parsed to). That JSON was written
        by converting these tasks, so a task converted again now writes the same text, where
        ``_written_as_read`` finds it does; those keep their text, and the first dump after
        a restore converts only what the step changed, as every later one does."""
        kept = self._kept
        for task_id, task, key in _keyed(tasks):
            found = read.get(str(task_id))
            if found is not None and _written_as_read(task, found[1]):
                kept[task_id.int] = (key, found[0])

    def forget_others(self, present: set[int]) -> None:
        """Drop the texts of tasks no longer in the workflow (pruned predictions, finished
        subprocesses)."""
        if len(self._kept) > len(present):
            for number in [n for n in self._kept if n not in present]:
                del self._kept[number]


# -- reading the texts back -----------------------------------------------------------
# A stored workflow is read member by member with the JSON decoder's own scanner, so that the
# members holding tasks give each task's text beside its value. Dumps are compact (no
# whitespace, engine.bpmn.serialization), and only that layout is read this way: anything
# else is parsed whole by json.loads and gives no texts.
_DECODER = json.JSONDecoder()
# the decoder's own scanners, which typeshed does not list
_scan_once: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

# parses a member's value: (its name, where the member starts, where its value starts) →
# (the value, where it ends)
_Parse = Callable[[str, int, int], tuple[Any, int]]


class _NotCompact(ValueError):
    pass


def _value(text: str, at: int) -> tuple[Any, int]:
    try:
        return _scan_once(text, at)
    except StopIteration:
        raise _NotCompact(at) from None


def _object(text: str, at: int, parse: _Parse) -> tuple[dict[str, Any], int]:
    """The object starting at ``at``, its members' values parsed by ``parse``, and where it ends."""
    if text[at] != "{":
        raise _NotCompact(at)
    found: dict[str, Any] = {}
    at += 1
    if text[at] == "}":
        return found, at + 1
    while True:
        start = at
        if text[at] != '"':
            raise _NotCompact(at)
        name, at = _scanstring(text, at + 1)
        if text[at] != ":":
            raise _NotCompact(at)
        found[name], at = parse(name, start, at + 1)
        if text[at] == "}":
            return found, at + 1
        if text[at] != ",":
            raise _NotCompact(at)
        at += 1


class ReadTexts:
    """The tasks ``read_json`` found, of the top workflow and of each subprocess by its id:
    task id → (``"<task id>":{...}`` as it stands in the JSON, the object it parsed to)."""

    def __init__(self) -> None:
        self.tasks: dict[str, tuple[str, Any]] = {}
        self.subprocesses: dict[str, dict[str, tuple[str, Any]]] = {}


def read_json(text: str) -> tuple[dict[str, Any], ReadTexts | None]:
    """A stored workflow's JSON, parsed as ``json.loads`` parses it, and the text of each of
    its tasks (None when the JSON is not laid out as a dump writes it)."""
    read = ReadTexts()

    def tasks_into(texts: dict[str, tuple[str, Any]]) -> _Parse:
        def task(task_id: str, start: int, at: int) -> tuple[Any, int]:
            value, end = _value(text, at)
            texts[task_id] = (text[start:end], value)
            return value, end

        return task

    def workflow_into(texts: dict[str, tuple[str, Any]], top: bool) -> _Parse:
        """A workflow's members: its tasks, and for the top workflow its subprocesses."""
        tasks = tasks_into(texts)

        def member(name: str, start: int, at: int) -> tuple[Any, int]:
            if name == "tasks":
                return _object(text, at, tasks)
            if name == "subprocesses" and top:
                return _object(text, at, subprocess)
            return _value(text, at)

        return member

    def subprocess(sub_id: str, _start: int, at: int) -> tuple[Any, int]:
        return _object(text, at, workflow_into(read.subprocesses.setdefault(sub_id, {}), top=False))

    try:
        dct, end = _object(text, 0, workflow_into(read.tasks, top=True))
        if end != len(text):
            raise _NotCompact(end)
    except (ValueError, IndexError):  # not compact, or not JSON: json.loads says which
        return json.loads(text), None
    return dct, read


_texts: WeakKeyDictionary[Any, TaskTexts] = WeakKeyDictionary()


def texts_of(workflow: Any) -> TaskTexts:
    """The texts kept for ``workflow`` (a top workflow), made empty at its first dump. The
    workflow is used by one thread at a time (a use case owns it), so no lock is needed."""
    found = _texts.get(workflow)
    if found is None:
        found = _texts[workflow] = TaskTexts()
    return found
