"""What moving running cases to another version answers (engine/usecases/case_migration.py):
the plan, the dry run's verdict on each case, and what became of each case moved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..bpmn.alignment import Element
from ..bpmn.migration_checks import Obstacle
from .case_migration_texts import reason_text


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
