"""A moved case's history (engine.usecases.case_migration_results.as_named_then): an entry made
before a move says its step by the name it had in the version it was made on; a work item the
move relabelled keeps its round; one closed before the move (never relabelled) is as it was."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.usecases.case_migration_results import as_named_then
from engine.usecases.results import HistoryEntry, MapNames

AT = datetime(2026, 12, 7, tzinfo=UTC)
NAMES = {
    1: {"review": "审核", "check": "核对", "start": "收到来信"},
    2: {"check": "审核（新）", "start": "收到"},
    3: {"check": "复审", "start": "收到"},
}


def entry(action, bpmn_id=None, task_name=None, data=None) -> HistoryEntry:
    return HistoryEntry(AT, "someone", action, bpmn_id, "t-1" if task_name else None, data, task_name)


def move(old: int, new: int, mapping: dict) -> HistoryEntry:
    data = {"from_version": old, "to_version": new, "from_definition_id": old, "to_definition_id": new}
    return entry("case_migrated", data={**data, "map": mapping})


def test_steps_before_a_move_are_named_as_they_were_then():
    history = [
        entry("start", "start"),
        entry("claim", "review", "审核（新） · 财政所"),  # its item relabelled by the move
        entry("complete", "check", "核对 · 民政办"),  # closed before the move: never relabelled
        move(1, 2, {"review": "check", "check": None}),
        entry("complete", "check", "审核（新） · 财政所"),
    ]
    said = as_named_then(history, 2, NAMES.get)
    assert [(e.task_name, e.element_name) for e in said] == [
        (None, "收到来信"),
        ("审核 · 财政所", "审核"),
        ("核对 · 民政办", "核对"),
        (None, None),
        ("审核（新） · 财政所", None),  # made on the version the case runs on
    ]
    assert said[3].map_names == MapNames(old={"review": "审核", "check": "核对"}, new={"check": "审核（新）"})


def test_through_two_moves_and_names_that_begin_one_another():
    history = [
        entry("claim", "review", "复审"),  # relabelled at both moves
        move(1, 2, {"review": "check"}),
        entry("claim", "check", "复审"),  # made on v2, relabelled at the second move
        move(2, 3, {}),
    ]
    said = as_named_then(history, 3, NAMES.get)
    assert [e.task_name for e in said] == ["审核", None, "审核（新）", None]
    # 审核 then, 审核（新） now: a title beginning with the longer is the relabelled one
    relabelled = as_named_then([entry("claim", "review", "审核（新）"), move(1, 2, {"review": "check"})], 2, NAMES.get)
    assert relabelled[0].task_name == "审核"
    kept = as_named_then([entry("claim", "review", "审核"), move(1, 2, {"review": "check"})], 2, NAMES.get)
    assert kept[0].task_name == "审核"


def test_a_history_without_a_move_is_as_it_is():
    history = [entry("start", "start"), entry("claim", "check", "核对")]
    assert as_named_then(history, 1, NAMES.get) == history
