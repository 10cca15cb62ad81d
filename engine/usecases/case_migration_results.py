"""What moving running cases to another version answers (engine/usecases/case_migration.py):
the plan, the dry run's verdict on each case, and what became of each case moved."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from ..bpmn.alignment import Element
from ..bpmn.migration_checks import Obstacle
from ..errors import NotFound
from .case_migration_texts import CHANGED_AFTER_DRY_RUN, reason_text
from .context import processes
from .labels import element_names
from .results import HistoryEntry, MapNames


@dataclass(frozen=True)
class MapEntry:
    """An old element the plan does not simply keep (its id is gone from the new version, or
    it is mapped to another): where it goes."""

    bpmn_id: str
    name: str
    kind: str
    target: str | None  # the new version's element; None: none (a case standing there cannot move)
    suggested: str | None  # the element SpiffWorkflow's diff finds in its place, offered


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    from_version: int
    to_version: int
    from_definition_id: int
    to_definition_id: int
    mapping: dict[str, str]  # every old element with a target, those keeping their id included
    unmatched: tuple[MapEntry, ...]  # the old elements whose id is gone or which go elsewhere: editable
    targets: tuple[Element, ...]  # the new version's elements, what an old one may be mapped to
    versions: tuple[int, ...] = ()  # every version of the process, newest first

    @property
    def changes(self) -> dict[str, str | None]:
        """The map as the history keeps it: each element that does not keep its id."""
        return {e.bpmn_id: e.target for e in self.unmatched}

    def history_entry(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "from_definition_id": self.from_definition_id,
            "to_definition_id": self.to_definition_id,
            "map": self.changes,
        }


@dataclass(frozen=True)
class Reason:
    """Why a case cannot move (``blocking``), or what moving it does: a code, the elements
    and form fields it is about, and ``message``, the same in plain Chinese."""

    code: str
    bpmn_id: str
    name: str
    target: str
    target_name: str
    kind: str
    target_kind: str
    fields: tuple[str, ...]
    field_labels: tuple[str, ...]
    blocking: bool
    message: str


def reasons_of(obstacles: Iterable[Obstacle]) -> tuple[Reason, ...]:
    reasons = []
    for o in obstacles:
        reasons.append(
            Reason(
                o.code,
                o.bpmn_id,
                o.name,
                o.target,
                o.target_name,
                o.kind,
                o.target_kind,
                o.fields,
                o.field_labels,
                o.blocking,
                reason_text(o),
            )
        )
    return tuple(sorted(reasons, key=lambda r: (not r.blocking, r.bpmn_id, r.code)))


def changed_after_dry_run() -> Reason:
    """Why a case the dry run showed is not moved: it changed since (nothing of it written)."""
    reason = Reason(CHANGED_AFTER_DRY_RUN, "", "", "", "", "", "", (), (), True, "")
    return replace(reason, message=reason_text(reason))


@dataclass(frozen=True)
class CaseCheck:
    """A case in the dry run: where it stands (``steps``: its open tasks and what it waits
    for, by name) and whether it can move."""

    instance_id: int
    title: str
    revision: int  # give it back with the move: a case changed since is not moved blind
    steps: tuple[str, ...]
    movable: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class DryRun:
    plan: Plan
    cases: tuple[CaseCheck, ...]

    @property
    def movable(self) -> int:
        return sum(1 for c in self.cases if c.movable)

    @property
    def refused(self) -> int:
        return len(self.cases) - self.movable


@dataclass(frozen=True)
class CaseOutcome:
    instance_id: int
    title: str
    outcome: str  # moved | refused (the checks said no: nothing written) | failed (rolled back: ``message``)
    reasons: tuple[Reason, ...]
    message: str


@dataclass(frozen=True)
class MigrationReport:
    plan: Plan
    cases: tuple[CaseOutcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    def summary(self) -> dict[str, Any]:
        """The audit log's entry for the whole move."""
        return {
            **self.plan.history_entry(),
            **{outcome: [c.instance_id for c in self.cases if c.outcome == outcome] for outcome in _OUTCOMES},
        }


_OUTCOMES = ("moved", "refused", "failed")


# -- a moved case's history --------------------------------------------------------------------
MIGRATED = "case_migrated"


def history_as_named_then(session: Session, entries: Sequence[HistoryEntry], definition_id: int) -> list[HistoryEntry]:
    """``as_named_then`` of the history of a case running on ``definition_id``, each version's
    element names read from its stored spec (a version no longer stored names nothing)."""

    def names_of(version: int) -> Mapping[str, str]:
        try:
            return element_names(processes.get_by_id(session, version))
        except NotFound:
            return {}

    return as_named_then(entries, definition_id, names_of)


def as_named_then(
    entries: Sequence[HistoryEntry], current: int, names_of: Callable[[int], Mapping[str, str]]
) -> list[HistoryEntry]:
    """A case's history with each entry made before a move to another version saying its step
    by the name it had then, and each move with the names of its map.

    The history keeps, of a move, the versions (definition ids) it went between and its map, and
    of each entry its element id, which is the id in the version the case ran on then: the
    versions in between tell which version each entry was made on, and that version names its
    element (``names_of``: a version's element names, by definition id). An open task the move
    relabelled (its work item titled as the new version names it, its round kept: 审核（新） ·
    财政所) had an entry made before (its claim) titled by the item's title now: said again with
    its name then, the round kept. Entries made on the version the case runs on now
    (``current``) are as they are."""
    moves = [(n, e.data) for n, e in enumerate(entries) if e.action == MIGRATED and e.data]
    if not moves:
        return list(entries)
    cache: dict[int, Mapping[str, str]] = {}

    def names(definition_id: int) -> Mapping[str, str]:
        if definition_id not in cache:
            cache[definition_id] = names_of(definition_id)
        return cache[definition_id]

    then = _definition(moves[0][1], "from_definition_id")
    said = []
    for n, entry in enumerate(entries):
        if entry.action == MIGRATED and entry.data:
            said.append(replace(entry, map_names=_map_names(entry.data, names)))
            then = _definition(entry.data, "to_definition_id")
            continue
        if then is None or then == current or not entry.bpmn_id:
            said.append(entry)
            continue
        named = names(then).get(entry.bpmn_id)
        if not named:
            said.append(entry)
            continue
        later = _later_names(entry.bpmn_id, [data for m, data in moves if m > n], names)
        title = _titled_then(entry.task_name, named, later) if entry.task_name else None
        said.append(replace(entry, element_name=named, task_name=title))
    return said


def _definition(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _map_of(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A move's map as its history entry keeps it (old element id → new one, or None)."""
    mapping = data.get("map")
    return mapping if isinstance(mapping, Mapping) else {}


def _map_names(data: Mapping[str, Any], names: Callable[[int], Mapping[str, str]]) -> MapNames:
    mapping = _map_of(data)
    old_id, new_id = _definition(data, "from_definition_id"), _definition(data, "to_definition_id")
    old = names(old_id) if old_id is not None else {}
    new = names(new_id) if new_id is not None else {}
    return MapNames(
        old={k: old[k] for k in mapping if k in old},
        new={v: new[v] for v in mapping.values() if isinstance(v, str) and v in new},
    )


def _later_names(
    bpmn_id: str, later_moves: Sequence[Mapping[str, Any]], names: Callable[[int], Mapping[str, str]]
) -> list[str]:
    """The names the element ``bpmn_id`` took in the versions the case moved to after, its id
    followed through each move's map (a move keeps, of its map, the ids that changed)."""
    found = []
    for data in later_moves:
        mapping = _map_of(data)
        if bpmn_id in mapping:
            target = mapping[bpmn_id]
            if not isinstance(target, str) or not target:
                break  # no element there: no open task of it moved on
            bpmn_id = target
        version = _definition(data, "to_definition_id")
        name = names(version).get(bpmn_id) if version is not None else None
        if name:
            found.append(name)
    return found


def _titled_then(title: str, named: str, later: Sequence[str]) -> str:
    """``title`` (a work item's as it is now) with the name it began with in a later version put
    back to ``named``, its round kept; a title still beginning with ``named`` (the item was not
    relabelled: closed before the move) is as it is. Of names beginning one another, the longer
    one the title begins with is the one it carries."""
    carried = max((name for name in later if title.startswith(name)), key=len, default="")
    if not carried or carried == named or (title.startswith(named) and len(named) >= len(carried)):
        return title
    return named + title[len(carried) :]
