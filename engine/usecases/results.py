"""Plain data handed to the CLI, the web pages and the API: never engine or ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.models import WorkItem
from storage.repositories import ItemRow

from .. import access
from ..bpmn.forms import FormSpec
from ..deadlines.legal import Deadline

# Paged lists (inbox, cases, notifications; pages and API): a hand-typed huge page number
# must not overflow the SQL OFFSET, nor one request fetch without bound.
MAX_PAGE = 100_000
MAX_PER_PAGE = 200


def paging(page: int, per_page: int) -> tuple[int, int]:
    """``page`` and ``per_page`` brought within 1..MAX_PAGE and 1..MAX_PER_PAGE."""
    return max(1, min(page, MAX_PAGE)), max(1, min(per_page, MAX_PER_PAGE))


@dataclass(frozen=True)
class TaskSummary:
    task_id: str
    instance_id: int
    bpmn_id: str
    name: str
    title: str
    process_key: str
    process_name: str
    lane: str | None
    assignee: str | None
    candidate_groups: tuple[str, ...]
    due_at: datetime | None
    created_at: datetime
    state: str
    completed_by: str | None = None
    due_rule: Deadline | None = None  # how due_at was counted (None: no rule, or made before the rules)
    offered: bool = True  # it names candidates, who may claim it when nobody holds it (access.is_offered)
    # made by the action that answers with it, and no active person may take it (its
    # assignee deactivated, its units without anyone active): the action stands, and says so
    nobody_to_take: bool = False

    @classmethod
    def of(cls, item: WorkItem | ItemRow, title: str, key: str, process_name: str) -> TaskSummary:
        return cls(
            task_id=item.task_id,
            instance_id=item.instance_id,
            bpmn_id=item.bpmn_id,
            name=item.name,
            title=title,
            process_key=key,
            process_name=process_name,
            lane=item.lane,
            assignee=item.assignee,
            candidate_groups=tuple(item.candidate_groups),
            due_at=item.due_at,
            created_at=item.created_at,
            state=item.state.value,
            completed_by=item.completed_by,
            due_rule=stored_rule(getattr(item, "due_rule", None)),  # an ItemRow (saving a case) carries none
            offered=access.is_offered(item),
            nobody_to_take=getattr(item, "nobody_to_take", False),  # an ItemRow just made says
        )

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


def stored_rule(stored: dict[str, Any] | None) -> Deadline | None:
    try:
        return Deadline.from_dict(stored) if stored else None
    except (KeyError, TypeError, ValueError):  # a row written by hand: the due date stands without its rule
        return None


@dataclass(frozen=True)
class TaskDetail:
    summary: TaskSummary
    form: FormSpec
    data: dict[str, Any]  # the case's variables as this task sees them
    documentation: str = ""  # the designer's notes (API only)
    help: str = ""  # the officer's help text (camunda:property help), shown on the task page


@dataclass(frozen=True)
class LedgerRow:
    """The row of this year's ledger (台账) a step was replayed from (``engine.usecases.ledger``):
    the step was done then by whoever the ledger says, and recorded here from the file."""

    file: str
    row: int


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    bpmn_id: str | None
    task_id: str | None
    data: dict[str, Any] | None
    # the title of the entry's task as its work item was titled, with its round (评议打分 · 财政所):
    # the step the entry was for, as the case's steps say it; None for an entry of no user task
    task_name: str | None = None
    # a step replayed from a ledger's row: ``actor`` (the administrator who imported it) recorded
    # it from the row; it is not his own act (the unit replied, the deputy evaluated)
    ledger: LedgerRow | None = None
    # the entry's element by the name it had when the entry was made, when the case has moved to
    # another version since (case migration): a past step is said as it was then, not as the
    # version the case runs on now names it (None: the case's version names it)
    element_name: str | None = None
    # a move to another version (case_migrated): the elements of its map by their names, the old
    # ones as the version moved from names them, their targets as the version moved to does
    map_names: MapNames | None = None


@dataclass(frozen=True)
class MapNames:
    """The names of a move's map (old element id → new one): ``old`` by the version the case
    moved from, ``new`` by the version it moved to."""

    old: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WaitingStep:
    """A step a case is at that waits for an external system (an external task: a worker
    outside fetches it by its topic, and the case goes on once it answers): a current step,
    but no task of an officer's, nothing to open."""

    bpmn_id: str
    name: str
    topic: str


@dataclass(frozen=True)
class StartedCase:
    """What starting a case tells whoever started it: the case as stored, and the tasks now
    open in it. No history, variables or timers: the starter knows what they sent, and a
    start answered with the whole case would read it all back (``instance_detail`` does)."""

    id: int
    process_key: str
    process_name: str
    version: int
    definition_id: int
    title: str
    business_key: str | None
    status: str
    revision: int
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    open_tasks: list[TaskSummary] = field(default_factory=list)


@dataclass(frozen=True)
class InstanceDetail(StartedCase):
    """A case as its page shows it: what its start said, and its variables (masked for the
    reader), history, where it stands on its diagram and its pending timers."""

    variables: dict[str, Any] = field(default_factory=dict)
    # the variables left out of ``variables``: each open round of a multi-instance holds its
    # own (被评议单位, 自查报告 of each unit evaluated at once), read on its tasks
    round_local: list[str] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    completed_bpmn_ids: list[str] = field(default_factory=list)
    active_bpmn_ids: list[str] = field(default_factory=list)  # open tasks, waiting events and external tasks
    overdue_bpmn_ids: list[str] = field(default_factory=list)
    # multi-instance activity → how many of its rounds are completed / active / overdue
    rounds: dict[str, dict[str, int]] = field(default_factory=dict)
    pending_timers: list[dict[str, Any]] = field(default_factory=list)
    # the steps it is at waiting for an external system (its current steps beside open_tasks)
    waiting_for_workers: list[WaitingStep] = field(default_factory=list)

    @property
    def started_from_ledger(self) -> bool:
        """Started from a row of this year's ledger (台账): ``started_by`` (the administrator who
        imported it) recorded the start, as the history's start entry says (its ``ledger``)."""
        return any(e.action == "start" and e.ledger is not None for e in self.history)
