"""The command line's own English lines count things as English does: "1 task", "0 tasks",
"2 entries", never "task(s)"."""

from __future__ import annotations

from web.cli.common import counted


def test_one_thing_and_many():
    assert [counted(n, "task") for n in (0, 1, 2)] == ["0 tasks", "1 task", "2 tasks"]
    assert [counted(n, "external task") for n in (1, 3)] == ["1 external task", "3 external tasks"]
    assert [counted(n, "entry", "entries") for n in (1, 2)] == ["1 entry", "2 entries"]
