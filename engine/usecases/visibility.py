"""Which cases one may see (the access policy's rule as a query), and finding the case or
task a use case acts on as the actor may see it.

A case one may not see answers exactly like a case that does not exist (``NotFound``,
same words), and so does any task of it: the answer never tells that it exists.

A case of rounds run side by side (a multi-instance: one per inspected unit, per deputy) is
each round's holders' business only as far as their own round goes (``round_scope``): whoever
sees the case through no task but those of rounds (an inspected unit) reads their rounds'
tasks, history and results, never another round's (another unit's self-check report,
findings, returns), which answer as if they did not exist; whoever sees the whole case (the
office that runs it, the chair, a supervisor, its starter) reads every round.

And which of a case's labelled fields one reads (``WorkingFields``): the process's working
data a form labels (``engine.bpmn.forms.working_fields``) only whoever may read it
(``engine.access.may_read_working_field``), not a deputy following his proposal."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task
from sqlalchemy import ColumnElement, CompoundSelect, and_, exists, or_, select, union_all
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import CaseDeputy, ProcessInstance, WorkItem, WorkItemGroup

from ..access import Actor, may_act, may_read_working_field, sees_every_case
from ..bpmn.forms import working_fields
from ..bpmn.parsing import ParsedProcess
from ..bpmn.withdrawals import round_elements
from ..bpmn.workflow_state import all_tasks
from ..errors import NotFound
from .case_deadlines import CLOSED_ROUNDS, TIMER_FIRED, rounds_closed_by_windows
from .context import processes, runtime_for
from .results import HistoryEntry


class _OfTask(Protocol):
    """A row about a task of a case (a history entry, a step, an open task, a 督办)."""

    @property
    def task_id(self) -> str | None: ...


R = TypeVar("R", bound=_OfTask)


@dataclass(frozen=True)
class _Ways:
    """The access policy's rule of who sees a case, written once as the ways one comes to see
    it, each a condition on the rows of its own table: started it (``process_instances``), has
    (had) a task of it assigned to them or completed by them (``work_items``), offered to one of
    their groups or to them by name (``work_item_groups``), follows it as its deputy
    (``case_deputies``). ``per_case`` and ``in_list`` are the two conditions built from them: the
    same rule, so that the list and the check of one case cannot drift apart."""

    started: ColumnElement[bool]
    assigned: ColumnElement[bool]
    completed: ColumnElement[bool]
    offered: tuple[ColumnElement[bool], ...]
    deputy: ColumnElement[bool]

    @classmethod
    def of(cls, actor: Actor) -> _Ways:
        groups = sorted(actor.groups)
        return cls(
            started=ProcessInstance.started_by == actor.username,
            assigned=WorkItem.assignee == actor.username,
            completed=WorkItem.completed_by == actor.username,
            offered=(
                *([and_(WorkItemGroup.group.in_(groups), WorkItemGroup.is_user.is_(False))] if groups else []),
                and_(WorkItemGroup.group == actor.username, WorkItemGroup.is_user.is_(True)),
            ),
            deputy=CaseDeputy.deputy == actor.username,
        )

    def task(self) -> ColumnElement[bool]:
        """The condition on ``work_items`` of the tasks that are (or were) theirs."""
        offered = exists().where(WorkItemGroup.work_item_id == WorkItem.id, or_(*self.offered))
        return or_(self.assigned, self.completed, offered)

    def per_case(self) -> ColumnElement[bool]:
        """A condition on each ``process_instances`` row, its tasks and deputies looked up by
        the case: the cheapest for one case (a case's few work items, through its index)."""
        return or_(
            self.started,
            exists().where(WorkItem.instance_id == ProcessInstance.id, self.task()),
            exists().where(CaseDeputy.instance_id == ProcessInstance.id, self.deputy),
        )

    def in_list(self) -> ColumnElement[bool]:
        """The same condition for a list of cases: started by them (a column of the row), or
        among the cases their tasks and deputies name, read once as a set of ids, each way
        through its own index by the person (``worked_on``). Checking each of 100,000 cases by
        the correlated ``per_case`` cost seconds (its estimate JIT-compiled it on PostgreSQL too)."""
        ids = self.worked_on().subquery()
        # Grouped, the set's size is unknown to the planner (its default guess, 200 ids), so
        # PostgreSQL always hashes it once (a "hashed SubPlan") rather than, guessing it larger
        # than work_mem, scanning it again for every case. A table expression, so that a
        # statement reading the condition twice (the case list's total and its page) builds the
        # set once: PostgreSQL and SQLite materialise one read more than once.
        seen = select(ids.c.id).group_by(ids.c.id).cte("seen")
        return or_(self.started, ProcessInstance.id.in_(select(seen.c.id)))

    def worked_on(self) -> CompoundSelect[tuple[int]]:
        """The ids of the cases of their tasks and of their deputies' rows (a case may come
        more than once): every way but starting it."""
        return union_all(
            # assigned: the ready ones and the others apart, each through its partial index (the
            # literal state, which SQLite needs to match a partial index's condition)
            select(WorkItem.instance_id.label("id")).where(self.assigned, WorkItem.state == repo.READY),
            select(WorkItem.instance_id.label("id")).where(self.assigned, WorkItem.state != repo.READY),
            select(WorkItem.instance_id.label("id")).where(self.completed),
            *(
                select(WorkItem.instance_id.label("id"))
                .join(WorkItemGroup, WorkItemGroup.work_item_id == WorkItem.id)
                .where(offered)
                for offered in self.offered
            ),
            select(CaseDeputy.instance_id.label("id")).where(self.deputy),
        )


def case_visibility(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition on ``process_instances`` of the cases ``actor`` may see: all of them
    with ``case.view_all``; else those they started, or that have (had) a task for them:
    assigned to them, completed by them, or offered to them or one of their groups; and the
    proposals a deputy submitted or co-signed, whoever registered them (``case_deputies``).
    Checked case by case, for one case or a few; ``visible_cases`` for a list."""
    if sees_every_case(actor):
        return ProcessInstance.id.is_not(None)
    return _Ways.of(actor).per_case()


def visible_cases(actor: Actor) -> ColumnElement[bool] | None:
    """``case_visibility`` for a list of cases, the same rule (``_Ways``) read as a set; None
    for whoever sees every case (no condition at all)."""
    if sees_every_case(actor):
        return None
    return _Ways.of(actor).in_list()


def _theirs(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition on ``work_items`` of the tasks that are (or were) ``actor``'s:
    assigned to them, completed by them, or offered to them or one of their groups."""
    return _Ways.of(actor).task()


def may_see_case(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    if sees_every_case(actor) or instance.started_by == actor.username:
        return True
    return bool(session.scalar(select(exists().where(ProcessInstance.id == instance.id, case_visibility(actor)))))


def no_case(instance_id: int) -> NotFound:
    return NotFound(f"no case {instance_id}", "no_case", case=instance_id)


def no_task(task_id: str) -> NotFound:
    return NotFound(f"no task {task_id}", "no_task", task=task_id)


def visible_case(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_see_case(session, actor, instance):
        raise no_case(instance_id)
    return instance


def visible_case_for_update(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """``visible_case``, read under the case's lock as every writer of a case reads it
    (``repositories.instance_for_update``): one statement."""
    instance = repo.instance_for_update(session, instance_id)
    if instance is None or not may_see_case(session, actor, instance):
        raise no_case(instance_id)
    return instance


def visible_task(session: Session, actor: Actor, task_id: str) -> tuple[WorkItem, ProcessInstance]:
    """The work item and its case, when ``actor`` may see the case."""
    item = repo.work_item_by_task(session, task_id)
    instance = session.get(ProcessInstance, item.instance_id) if item is not None else None
    if item is None or instance is None:
        raise no_task(task_id)
    # whoever the task is offered to sees its case (the policy's rule): no query for them;
    # another round's task is not there for whoever reads only their own rounds
    if not may_act(actor, item) and (
        not may_see_case(session, actor, instance) or _of_anothers_round(session, actor, instance, item)
    ):
        raise no_task(task_id)
    return item, instance


def _of_anothers_round(session: Session, actor: Actor, instance: ProcessInstance, item: WorkItem) -> bool:
    """Whether ``item`` is a task of a round ``actor`` may not read: only a task run inside a
    round can be one, which its element tells without the workflow."""
    in_rounds = _round_elements(processes.get_by_id(session, instance.definition_id))
    return item.bpmn_id in in_rounds and round_scope(session, actor, instance).hides(item.task_id)


# -- rounds ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundScope:
    """What of a case's rounds one reader may not read (nothing, for whoever sees it whole).

    ``hidden_tasks``: the engine's task ids (a work item's, a history entry's ``task_id``) of
    the rounds not theirs; ``round_keys``: the variables rounds hold for themselves (a unit's
    self-check report, its findings), which the case's variables carry from whichever round
    moved last, so never the case's to show them; ``hidden_results``: a collection the rounds
    fill with their results (``unit_results``) → the keys or positions of the other rounds'
    results in it (None: not known which, the collection is withheld whole); ``readable``: the
    tasks (by task id) of the reader's rounds, theirs (those gone from the workflow too) and
    every task of a round of theirs, for whoever reads only their own rounds (None: every round
    is the reader's to read)."""

    hidden_tasks: frozenset[str] = frozenset()
    round_keys: frozenset[str] = frozenset()
    hidden_results: Mapping[str, frozenset[Hashable] | None] = field(default_factory=dict)
    readable: frozenset[str] | None = None

    def hides(self, task_id: str | None) -> bool:
        return task_id is not None and task_id in self.hidden_tasks

    def visible(self, rows: Iterable[R]) -> list[R]:
        """``rows`` (history entries, steps, open tasks, 督办) but those of others' rounds."""
        return [row for row in rows if not self.hides(row.task_id)]

    def history(self, entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
        """A case's history entries but those of others' rounds (``visible``), the entry of a
        window that closed rounds (``CLOSED_ROUNDS``: their task ids) naming those of the
        reader's rounds alone (``hides`` knows the others' too, ``_GoneRounds``, yet the entry
        is the window's): a round is the reader's when its task was theirs, or when the window
        itself ran in a round of theirs (an inner multi-instance's, all of whose rounds are
        part of it)."""
        shown = self.visible(entries)
        if self.readable is None:
            return shown
        return [self._closed_rounds_read(e) for e in shown]

    def _closed_rounds_read(self, entry: HistoryEntry) -> HistoryEntry:
        closed = entry.data.get(CLOSED_ROUNDS) if entry.action == TIMER_FIRED and entry.data else None
        if not isinstance(closed, list) or self.readable is None or entry.task_id in self.readable:
            return entry
        return replace(entry, data={**(entry.data or {}), CLOSED_ROUNDS: [t for t in closed if t in self.readable]})

    def variables(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """A case's variables without what rounds hold for themselves, each result collection
        with the reader's own rounds' results alone."""
        shown = {k: v for k, v in variables.items() if k not in self.round_keys}
        for name, hidden in self.hidden_results.items():
            value = shown.get(name)
            if hidden is None:  # whose result is where is not known: none is shown
                shown.pop(name, None)
            elif isinstance(value, list):
                shown[name] = [v for i, v in enumerate(value) if i not in hidden]
            elif isinstance(value, Mapping):
                shown[name] = {k: v for k, v in value.items() if k not in hidden}
        return shown


WHOLE = RoundScope()


def round_scope(
    session: Session, actor: Actor, instance: ProcessInstance, workflow: BpmnWorkflow | None = None
) -> RoundScope:
    """What of ``instance``'s rounds ``actor`` may not read (see the module's docstring).
    Whoever may see every case, started it or follows it as its deputy sees it whole, and so
    does whoever has (had) a task of it outside every round (the office's plan, the chair's
    approval); whoever has tasks only inside rounds reads the rounds they are in, the rest of
    the case outside every round too. A round is the whole of what one item's run holds, the
    rounds within it included: a unit that deputies score reads its round, each deputy's
    scoring of it too (the scores themselves ``readers`` withhold), and a deputy scoring it
    reads the unit's round. ``workflow``: the case's, when the caller has it restored (else it
    is, only for such a reader)."""
    if sees_every_case(actor) or instance.started_by == actor.username:
        return WHOLE
    process = processes.get_by_id(session, instance.definition_id)
    in_rounds = _round_elements(process)
    if not in_rounds or session.scalar(
        select(exists().where(CaseDeputy.instance_id == instance.id, CaseDeputy.deputy == actor.username))
    ):
        return WHOLE
    theirs = session.execute(
        select(WorkItem.task_id, WorkItem.bpmn_id).where(WorkItem.instance_id == instance.id, _theirs(actor))
    ).all()
    if any(bpmn_id not in in_rounds for _task_id, bpmn_id in theirs):  # the office's plan: no workflow to read
        return WHOLE
    if workflow is None:
        workflow = runtime_for(session).restore(process, instance.workflow_json)
    return _GoneRounds(session, instance.id, workflow, in_rounds).scope({task_id for task_id, _bpmn_id in theirs})


class _GoneRounds:
    """The rounds of a case gone from its workflow, for the scope of a reader of their own rounds
    only. A round a window (or any interrupting boundary event) closed is dropped with its
    subprocess, while its work item stays (the case's steps, its 法定期限, the history's
    entries of it): where the workflow cannot tell whose round it was, the window's audit entry
    can (``rounds_closed_by_windows``: the rounds it closed, and where it ran). Whoever sees the
    case whole pays nothing for it: one query of the case's work items here, and the audit
    entries only when some round is gone."""

    def __init__(self, session: Session, instance_id: int, workflow: BpmnWorkflow, in_rounds: frozenset[str]) -> None:
        self.session, self.instance_id, self.workflow, self.in_rounds = session, instance_id, workflow, in_rounds
        self.present = {str(task.id) for task in all_tasks(workflow)}
        self._windows: dict[str, list[str]] | None = None

    def windows(self) -> dict[str, list[str]]:
        if self._windows is None:
            self._windows = rounds_closed_by_windows(self.session, self.instance_id)
        return self._windows

    def scope(self, theirs: set[str]) -> RoundScope:
        """``_scope_within`` of a reader whose tasks are ``theirs``, another round's gone tasks
        hidden too. A window that closed a task of theirs ran in a round of theirs (the unit's
        round its deputies' scores were in), which still tells it, when their own task there is gone."""
        anchors = (
            {w for w, closed in self.windows().items() if theirs.intersection(closed)}
            if theirs - self.present
            else set()
        )
        scope = _scope_within(self.workflow, theirs, anchors)
        if scope.readable is None:
            return scope
        items = self.session.execute(
            select(WorkItem.task_id, WorkItem.bpmn_id).where(WorkItem.instance_id == self.instance_id)
        )
        gone = {t for t, bpmn_id in items if bpmn_id in self.in_rounds and t not in self.present} - scope.readable
        if not gone:
            return scope
        # a gone task a window closed that ran in a round of theirs (scores within the unit's round) is theirs to read
        ours = {t for w, closed in self.windows().items() if w in scope.readable for t in closed}
        return replace(scope, hidden_tasks=scope.hidden_tasks | (gone - ours), readable=scope.readable | (gone & ours))


def _round_elements(process: ParsedProcess) -> frozenset[str]:
    """The ids of the elements that run inside a round (``withdrawals.round_elements``): a task
    of any other element is no round's."""
    return round_elements(process.spec, process.subprocess_specs)


def _scope_within(workflow: BpmnWorkflow, theirs: set[str], anchors: Collection[str] = ()) -> RoundScope:
    """The scope of a reader whose tasks (by task id) are ``theirs``; ``anchors``: tasks
    (windows) whose rounds are theirs too, outside every round telling nothing."""
    tasks = all_tasks(workflow)
    rounds = {task.id: _round_around(workflow, task) for task in tasks}
    mine = [rounds[task.id] for task in tasks if str(task.id) in theirs]
    if any(round_ is None for round_ in mine):  # a task of theirs outside every round
        return WHOLE
    mine += [round_ for task in tasks if str(task.id) in anchors and (round_ := rounds[task.id]) is not None]
    ours = {round_.id for round_ in mine if round_ is not None}
    hidden = frozenset(str(t.id) for t in tasks if (round_ := rounds[t.id]) is not None and round_.id not in ours)
    in_ours = {str(t.id) for t in tasks if (round_ := rounds[t.id]) is not None and round_.id in ours}
    round_keys: set[str] = set()
    for task in tasks:
        if (round_ := rounds[task.id]) is not None:  # what it holds beyond what the case held as its rounds began
            round_keys.update(set(task.data) - set(round_.parent.data))
    readable = frozenset(theirs | in_ours)  # theirs: those gone with a round a window closed too
    return RoundScope(hidden, frozenset(round_keys), _hidden_results(workflow, tasks, ours), readable)


def _round_around(workflow: BpmnWorkflow, task: Task) -> Task | None:
    """The outermost round ``task`` is in, as the task of its multi-instance that runs it
    (the round's own task, or the task running the subprocess it is in); None outside every
    multi-instance. Only what contains a task counts, as
    ``engine.bpmn.workflow_state.round_item`` reads a task's round."""
    found = None
    current: Task | None = task
    while current is not None:
        spec = getattr(current.parent, "task_spec", None)
        if isinstance(spec, MultiInstanceTask) and spec.task_spec == current.task_spec.name:
            found = current
        # leave the subprocess for the task that runs it
        current = (
            workflow.get_task_from_id(current.workflow.parent_task_id) if current.workflow is not workflow else None
        )
    return found


def _hidden_results(
    workflow: BpmnWorkflow, tasks: list[Task], ours: set[UUID]
) -> dict[str, frozenset[Hashable] | None]:
    """For each collection the case's own multi-instances fill with their rounds' results, the
    keys or positions of the rounds not ``ours``; the latest run's, when one ran more than once."""
    found: dict[str, frozenset[Hashable] | None] = {}
    runs = [t for t in tasks if t.workflow is workflow and isinstance(t.task_spec, MultiInstanceTask)]
    for run in sorted(runs, key=lambda t: t.last_state_change):
        output = run.task_spec.data_output
        if output is None:
            continue
        others = [c for c in run.children if c.task_spec.name == run.task_spec.task_spec and c.id not in ours]
        where = [c.internal_data.get("key_or_index") for c in others]
        found[output.bpmn_id] = None if None in where else frozenset(where)
    return found


# -- fields ---------------------------------------------------------------------------------
_working_fields_of: WeakKeyDictionary[Any, frozenset[str]] = WeakKeyDictionary()


def _working_fields(process: ParsedProcess) -> frozenset[str]:
    """``working_fields`` of the process's forms, found once per parsed process (every read of
    a case by a deputy asks)."""
    found = _working_fields_of.get(process.spec)
    if found is None:
        found = _working_fields_of[process.spec] = working_fields(meta.form for meta in process.tasks.values())
    return found


@dataclass(frozen=True)
class WorkingFields:
    """The working fields of a case's process (``engine.bpmn.forms.working_fields``) as one
    reader reads them (``engine.access.may_read_working_field``): whoever may not read them
    finds them neither in the case's variables nor in its history entries but those they
    entered, as the working data no form labels is not there for them."""

    actor: Actor
    fields: frozenset[str] = frozenset()  # none: the reader reads every one

    @classmethod
    def of(cls, actor: Actor, process: ParsedProcess) -> WorkingFields:
        if may_read_working_field(actor):  # whoever works the processes reads them all, whoever entered them
            return cls(actor)
        return cls(actor, _working_fields(process))

    def variables(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in variables.items() if k not in self.fields}

    def history(self, entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
        return [
            e
            if not self.fields or e.data is None or may_read_working_field(self.actor, e.actor)
            else replace(e, data={k: v for k, v in e.data.items() if k not in self.fields})
            for e in entries
        ]
