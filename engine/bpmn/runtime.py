"""A pure SpiffWorkflow facade: start, restore, complete, fire timers, deliver, cancel, and
describe a ready task (where a workflow stands is read by engine/bpmn/workflow_state.py,
offered here too). No database here; the use cases persist what it returns."""

from __future__ import annotations

import logging
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition as Signal
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .. import clock
from ..deadlines.date_functions import deadline_key, parse_when
from ..deadlines.legal import Deadline
from ..errors import EngineError, FieldError, InvalidData, NotFound, ScriptError
from . import multi_instance
from . import workflow_state as state
from .camunda import TaskMeta, expression_body, is_expression
from .event_subprocesses import end_waiting_event_subprocesses, interrupt
from .forms import FormSpec, day_of
from .mail_rendering import MailOutbox, QueuedMail
from .parsing import ParsedProcess
from .sandbox import Budget, BudgetExceeded, SandboxedEnvironment, ScriptLimits
from .serialization import dump_workflow, load_workflow
from .signal_payloads import ThrownSignal, thrown_by
from .timer_values import refused_timer_value
from .waiting_tasks import WAITING_SPECS, mapped_inputs, waiting_boundary_events
from .withdrawals import runs_around_open_tasks
from .workflow_state import MESSAGE_RESULT_KEY

log = logging.getLogger(__name__)
_E = TypeVar("_E", bound=BaseException)

MAX_GROUP_LENGTH = 200  # work_item_groups.group
# Where a case keeps how its deadlines were counted (workflow data; scripts cannot write a
# ``_``-name, and the case variables leave them out)
DEADLINES_KEY = "_deadlines"


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, with who may act and by when (all evaluated)."""

    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    candidate_groups: tuple[str, ...]
    candidate_users: tuple[str, ...]
    assignee: str | None
    due_at: datetime | None
    due_rule: Deadline | None = None  # how due_at was counted, when a deadline function counted it
    # the item of the multi-instance round this task belongs to (a unit's code, say): what
    # tells "发出书面通知" for 财政所 from the same task for 国土所
    item: Any = None


@dataclass(frozen=True)
class FiredTimer:
    """A timer event the engine fired while this runtime moved the workflow."""

    task_id: str
    bpmn_id: str
    name: str
    attached_to: str | None = None  # a boundary timer: the task it is attached to
    attached_name: str = ""  # and that task's name
    interrupting: bool = False
    # when it fell due (its value's moment): one fired in the very steps that reached its task
    # has no timer row to say so; None for a cycle
    due_at: datetime | None = None


_ARMED, _DONE = "armed", "done"  # firing marks of a timer task (see Runtime._timer_marks)


class _ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's, with Camunda's multi-instance counters beside the task's data."""

    mail_outbox: MailOutbox  # where mail tasks put what they rendered (engine.bpmn.mail_tasks)

    def evaluate(self, task: Task, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        found = multi_instance.counters(task)
        if found:
            external_context = {**found, **(external_context or {})}
        try:
            value = super().evaluate(task, expression, external_context)
        except SpiffWorkflowException as exc:
            # Camunda evaluates a conditional event with tryEvaluate: a variable not set yet
            # means "not yet", the event waits (a gateway's condition stays an error)
            if _names_unknown_variable(exc) and expression in _event_conditions(task):
                return False
            raise
        # a timer's value SpiffWorkflow's ISO reader refuses is the designer's: said here, at
        # the timer, as its reader would otherwise fail without naming it (no traceback logged)
        refused = refused_timer_value(task, expression, value)
        if refused is not None:
            raise ScriptError(_at(*refused))
        return value


class Runtime:
    """Runs workflows of parsed processes in the sandboxed script environment.

    One runtime serves one use case: its budget (``limits``, read when first needed) bounds
    each script and expression, and everything it runs from its first engine step on."""

    def __init__(
        self,
        helpers: dict[str, Any],
        limits: Callable[[], ScriptLimits] | None = None,
        deadline_log: dict[str, Deadline] | None = None,
    ):
        clock.bind_spiff_timers()
        # how each deadline the date functions counted was counted (see keep_deadlines)
        self._deadline_log = deadline_log if deadline_log is not None else {}
        # each end's text as the date functions returned it, with its rule (see note_counted)
        self._counted_texts: list[tuple[str, Deadline]] = []
        self.budget = Budget(limits)
        self.environment = SandboxedEnvironment(helpers, self.budget)
        self.script_engine = _ScriptEngine(environment=self.environment)
        self.script_engine.mail_outbox = MailOutbox()
        # each workflow's timer marks before this runtime first moved it (see fired_timers)
        self._marks_before: WeakKeyDictionary[BpmnWorkflow, dict[UUID, int | str]] = WeakKeyDictionary()
        # and the multi-instance runs around each of its open tasks then (see runs_around)
        self._runs_before: WeakKeyDictionary[BpmnWorkflow, dict[str, frozenset[str]]] = WeakKeyDictionary()
        self._current: Task | None = None  # the task the engine is running, to name it in errors
        # each workflow's interrupting event subprocess starts (see event_subprocesses.interrupt)
        self._interrupting: WeakKeyDictionary[BpmnWorkflow, frozenset[str]] = WeakKeyDictionary()
        # the signals each workflow threw while this runtime moved it, not yet taken
        self._thrown: WeakKeyDictionary[BpmnWorkflow, list[ThrownSignal]] = WeakKeyDictionary()

    # -- lifecycle -------------------------------------------------------------
    def start(self, process: ParsedProcess, data: dict[str, Any]) -> BpmnWorkflow:
        workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=self.script_engine)
        self._marks_before[workflow] = {}
        self._interrupting[workflow] = process.interrupting_starts
        workflow.data.update(data)
        # Data reaches the first tasks through the start task's data.
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        self._steps(workflow)
        return workflow

    def restore(self, process: ParsedProcess, text: str) -> BpmnWorkflow:
        return self.adopt(process, load_workflow(text, process.spec, process.subprocess_specs))

    def adopt(self, process: ParsedProcess, workflow: BpmnWorkflow) -> BpmnWorkflow:
        """Make a workflow of ``process`` this runtime's, as if it had just restored it: one
        restored from JSON, or one an earlier use case left in this process's cache
        (engine/usecases/workflow_cache.py) whose data is already as restoring gives it."""
        workflow.script_engine = self.script_engine
        if multi_instance.has_camunda_multi_instance((process.spec, *process.subprocess_specs.values())):
            for task in state.tasks_in_state(workflow, TaskState.STARTED):
                multi_instance.as_reached(task)
        self._interrupting[workflow] = process.interrupting_starts
        return workflow

    @staticmethod
    def dump(workflow: BpmnWorkflow) -> str:
        return dump_workflow(workflow)

    def complete(self, workflow: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> Task:
        task = self.task(workflow, task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise NotFound(f"task {task_id} is not a ready user task")
        self._before_moving(workflow)
        task.set_data(**data)
        self._run(task)
        self._steps(workflow)
        return task

    def fire_timers(self, workflow: BpmnWorkflow) -> None:
        self._before_moving(workflow)
        self._guard(workflow.refresh_timers)
        self._steps(workflow)

    def deliver(self, workflow: BpmnWorkflow, kind: str, name: str, variables: dict[str, Any]) -> list[str]:
        """Deliver a message, signal or trigger to the tasks of ``workflow`` waiting for it, its
        ``variables`` set in their data, then run the engine steps. Returns the ids of the
        tasks that caught it (none: nothing waited for it).

        The variables set the case's, as Camunda's correlation with variables sets them: a
        value the case holds already is overwritten, not only new ones added. They are written
        once the catching task is ready to go on: SpiffWorkflow's ``_update`` gives it its
        parent's copy of the data there, over whatever it held (what was written before the
        catch, the case's old value wins), and as it completes the tasks after it take its
        copy. (A Camunda message's own payload goes to ``MESSAGE_RESULT_KEY``, a signal's
        SpiffWorkflow sets as the task runs: the same values.)"""
        self._before_moving(workflow)
        caught: list[str] = []
        for task in state.waiting_catchers(workflow):
            definition = state.definition_for(task.task_spec.event_definition, kind, name)
            if definition is None:
                continue
            payload: dict[str, Any] = dict(variables)
            if isinstance(definition, MessageEventDefinition) and hasattr(definition, "result_var"):
                payload = {"payload": dict(variables), "result_var": MESSAGE_RESULT_KEY}
            event = BpmnEvent(definition, payload=payload)
            if not task.task_spec.catches(task, event):
                continue
            self._current = task

            def catch(task: Task = task, event: BpmnEvent = event) -> None:
                task.task_spec.catch(task, event)
                task.task_spec._update(task)  # ready now, its parent's data inherited
                task.data.update(deepcopy(variables))  # each catcher its own copy

            self._guard(catch)
            caught.append(str(task.id))
            if kind != "signal":
                break  # a message is caught once; a trigger continues one task
        if caught:
            self._steps(workflow)
        return caught

    def finish_waiting(self, workflow: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> Task:
        """Complete a call activity or external task that waited for its answer, ``data``
        merged into its own, then run the engine steps."""
        task = self.task(workflow, task_id)
        if task.state != TaskState.STARTED or not isinstance(task.task_spec, WAITING_SPECS):
            raise NotFound(f"task {task_id} is not waiting for an answer")
        self._before_moving(workflow)
        task.set_data(**data)
        self._current = task
        self._guard(task.complete)
        self._steps(workflow)
        return task

    def call_inputs(self, workflow: BpmnWorkflow, task_id: str) -> dict[str, Any]:
        """The start data of the case a waiting call activity calls (its ``camunda:in``)."""
        task = self.task(workflow, task_id)
        return mapped_inputs(task.task_spec, task.data, lambda expression: self._evaluate(task, expression))

    def throw_error(
        self, workflow: BpmnWorkflow, task_id: str, code: str, message: str = "", data: dict[str, Any] | None = None
    ) -> bool:
        """An error from what a waiting task waited for (a called case's error end event, a
        worker's BPMN error), thrown at the task: True when an error boundary event on it
        caught it (and the engine moved on, ``data`` in the data of the path it takes), False
        when none did (nothing moved)."""
        task = self.task(workflow, task_id)
        event = BpmnEvent(ErrorEventDefinition(code, code=code), payload={"message": message, **(data or {})})
        for catcher in waiting_boundary_events(task):
            if catcher.task_spec.catches(catcher, event):
                self._before_moving(workflow)
                self._current = catcher

                def catch(catcher: Task = catcher) -> None:
                    catcher.task_spec.catch(catcher, event)
                    catcher.task_spec._update(catcher)

                self._guard(catch)
                self._steps(workflow)
                return True
        return False

    def cancel(self, workflow: BpmnWorkflow) -> None:
        workflow.cancel()

    # -- reading (engine/bpmn/workflow_state.py, offered here for the use cases) ----------
    task = staticmethod(state.task)
    ready_task_ids = staticmethod(state.ready_task_ids)
    variables = staticmethod(state.variables)
    round_local = staticmethod(state.round_local)
    bpmn_ids_in_state = staticmethod(state.bpmn_ids_in_state)
    rounds = staticmethod(state.rounds)
    waiting_timers = staticmethod(state.waiting_timers)
    waiting_events = staticmethod(state.waiting_events)
    may_wait_for_events = staticmethod(state.may_wait_for_events)
    waiting_work = staticmethod(state.waiting_work)
    waiting_elements = staticmethod(state.waiting_elements)

    def describe(self, workflow: BpmnWorkflow, process: ParsedProcess, task_id: str) -> ReadyTask:
        """Who may act on a ready task and by when, evaluated now against its data.

        Evaluate once, when the task becomes ready: a due date like ``days_from_now(15)``
        means 15 days from then, not from whenever it is read again."""
        task = self.task(workflow, task_id)
        spec = task.task_spec
        meta = process.tasks.get(spec.bpmn_id) or TaskMeta(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id)
        due_at, due_rule = self._due(workflow, task, meta.due_date)
        # the lane that names the task first: SpiffWorkflow gives every task of an embedded
        # subprocess the subprocess's own lane, even one a lane names itself (proposal.bpmn's
        # 办理并书面答复, in the lead unit's lane inside the office's 办理 subprocess)
        lane = meta.lane or getattr(spec, "lane", None)
        groups = self._entries(task, meta.candidate_groups)
        users = self._entries(task, meta.candidate_users)
        if not (groups or users or meta.assignee or lane) and process.default_group:
            groups = (process.default_group,)  # a task that names nobody: the process's default group
        return ReadyTask(
            task_id=task_id,
            bpmn_id=spec.bpmn_id,
            name=spec.bpmn_name or meta.name,
            lane=lane,
            candidate_groups=groups,
            candidate_users=users,
            assignee=(self._entries(task, (meta.assignee,)) or (None,))[0] if meta.assignee else None,
            due_at=due_at,
            # the rule that counted this end: looked up now, when the deadline was just counted
            due_rule=due_rule,
            item=state.round_item(workflow, task),
        )

    def form_bounds(self, workflow: BpmnWorkflow, task_id: str, form: FormSpec) -> dict[str, dict[str, Any]]:
        """The form's ``${…}`` bounds (FormField.bound_expressions) evaluated against the
        task's data now, when the form is submitted: what is left of an allowance, or a case
        value as it is (the voters present; what it is called is FormSpec.bound_labels); and the day
        of each case variable a date bound names (FormSpec.variable_bounds), as YYYY-MM-DD,
        left out while the case has none; and the whole number of each case variable a
        ``max_total`` names (FormSpec.total_variables), left out while the case has none."""
        task = self.task(workflow, task_id)
        bounds: dict[str, dict[str, Any]] = {}
        for field_id, named in form.variable_bounds().items():
            for name, variable in named.items():
                day = day_of(task.data.get(variable))
                if day is not None:
                    bounds.setdefault(field_id, {})[name] = day.isoformat()
        for field_id, variable in form.total_variables().items():
            total = task.data.get(variable)
            if isinstance(total, int) and not isinstance(total, bool):
                bounds.setdefault(field_id, {})["max_total"] = total
        for f in form.fields:
            for name, expression in f.bound_expressions.items():
                value = self._evaluate(task, expression)
                if isinstance(value, bool) or not isinstance(value, int):
                    where = task.task_spec.bpmn_id
                    raise ScriptError(f"{where}: the {name} of form field {f.id!r} gave {value!r}, not a whole number")
                bounds.setdefault(f.id, {})[name] = value
        return bounds

    def keep_deadlines(self, workflow: BpmnWorkflow) -> None:
        """Keep with the case how each deadline counted while this runtime moved it was
        counted (under its end's instant), so that a due date can be explained later."""
        if self._deadline_log:
            kept = dict(workflow.data.get(DEADLINES_KEY) or {})
            kept.update({key: deadline.to_dict() for key, deadline in self._deadline_log.items()})
            workflow.data[DEADLINES_KEY] = kept

    def deadline_rules(self, workflow: BpmnWorkflow) -> dict[str, Deadline]:
        """How the case's deadlines were counted, by ``deadline_key`` of their end."""
        kept = {key: Deadline.from_dict(value) for key, value in (workflow.data.get(DEADLINES_KEY) or {}).items()}
        return kept | self._deadline_log

    def counted(self, key: str) -> Deadline | None:
        """How the case a script is running in counted the deadline ending at ``key``
        (``deadline_key``), when it did: an extension lengthens that period."""
        if key in self._deadline_log:
            return self._deadline_log[key]
        if self._current is None:
            return None
        kept = (self._current.workflow.top_workflow.data.get(DEADLINES_KEY) or {}).get(key)
        return Deadline.from_dict(kept) if kept else None

    def fired_timers(self, workflow: BpmnWorkflow) -> list[FiredTimer]:
        """The timer events this runtime's steps fired in ``workflow`` (started, completed a
        task of, fired timers of): the one the scheduler came for, and any other the same
        engine steps fired with it (a boundary timer already past when its task became ready
        fires at once)."""
        before = self._marks_before.get(workflow)
        if before is None:
            return []  # only restored: nothing moved
        fired = []
        for task_id, mark in self._timer_marks(workflow).items():
            was = before.get(task_id)
            if isinstance(mark, int):
                if not isinstance(was, int) or mark >= was:
                    continue  # a cycle not counted down
            elif mark != _DONE or was == _DONE:
                continue
            task = workflow.get_task_from_id(task_id)
            spec = task.task_spec
            attached = None
            if isinstance(spec, BoundaryEvent) and task.parent is not None:
                attached = next((t for t in task.parent.children if not isinstance(t.task_spec, BoundaryEvent)), None)
            fired.append(
                FiredTimer(
                    str(task_id),
                    spec.bpmn_id,
                    spec.bpmn_name or spec.bpmn_id,
                    str(attached.id) if attached else None,
                    (attached.task_spec.bpmn_name or attached.task_spec.bpmn_id) if attached else "",
                    bool(getattr(spec, "cancel_activity", False)),
                    state.fired_moment(task),
                )
            )
        return fired

    def runs_around(self, workflow: BpmnWorkflow) -> dict[str, frozenset[str]]:
        """The ready user tasks of ``workflow`` in rounds of multi-instance activities before
        this runtime first moved it, each with the runs of those activities it was in
        (``withdrawals.runs_around_open_tasks``): the rounds a boundary event on one of them
        ended in these steps are gone from the workflow, this tells which they were (none for
        a workflow it started: nothing was open before)."""
        return self._runs_before.get(workflow, {})

    def take_queued_mails(self, workflow: BpmnWorkflow) -> list[QueuedMail]:
        """The mails the mail tasks of ``workflow`` rendered in this runtime's steps since they
        were last taken, in order: the use case saving the case queues them (outgoing_mails)."""
        return self.script_engine.mail_outbox.take(workflow)

    # -- helpers ---------------------------------------------------------------
    def _before_moving(self, workflow: BpmnWorkflow) -> None:
        """Remember the timer marks of a restored workflow before its first step here (only
        then: a workflow restored just to be read pays nothing)."""
        if workflow not in self._marks_before:
            self._marks_before[workflow] = self._timer_marks(workflow)
            self._runs_before[workflow] = runs_around_open_tasks(workflow)

    @staticmethod
    def _timer_marks(workflow: BpmnWorkflow) -> dict[UUID, int | str]:
        """Each timer event task's firing mark, compared before and after the engine steps
        to tell what fired: a cycle, how many cycles it has left (counted down at each
        firing; from -1 when endless; it completes when none are left, without firing);
        any other, ``_ARMED`` while it waits, ``_DONE`` once it fired. The process's timer
        start events are left out: their firing is the start of a case (see start_timers);
        an event subprocess's (in a subprocess of the workflow) fire like any other timer."""
        marks: dict[UUID, int | str] = {}
        known = state.waits_for_timer(workflow)
        for tasks in (workflow.tasks, *(s.tasks for s in workflow.subprocesses.values())):
            for task in tasks.values():
                spec = task.task_spec
                timer = known.get(spec)
                if timer is None:  # a spec the process does not name: asked itself
                    timer = state.timer_definition(spec) is not None
                if not timer or (isinstance(spec, StartEvent) and tasks is workflow.tasks):
                    continue
                value = task._get_internal_data("event_value")
                if isinstance(value, dict):
                    marks[task.id] = value["cycles"]
                elif task.state == TaskState.COMPLETED:
                    if not isinstance(spec.event_definition, TimerEventDefinition) and not state.past_due(value):
                        continue  # an event-based gateway another of its events completed
                    marks[task.id] = _DONE
                elif task.state in (TaskState.WAITING, TaskState.READY):
                    marks[task.id] = _ARMED
        return marks

    def _entries(self, task: Task, entries: tuple[str, ...]) -> tuple[str, ...]:
        """Evaluate ``${expr}`` entries against the task data; a list result adds each item."""
        values: list[str] = []
        for entry in entries:
            if not is_expression(entry):
                values.append(entry)
                continue
            result = self._evaluate(task, expression_body(entry))
            items = result if isinstance(result, (list, tuple, set)) else [result]
            values.extend(str(v) for v in items if v not in (None, ""))
        too_long = [v for v in values if len(v) > MAX_GROUP_LENGTH]
        if too_long:
            raise InvalidData(
                {
                    expression_body(e) if is_expression(e) else e: FieldError(
                        "not_a_name", {"value": too_long[0][:40], "max": MAX_GROUP_LENGTH}
                    )
                    for e in entries
                }
            )
        return tuple(values)

    def note_counted(self, text: str, rule: Deadline) -> None:
        """The date functions returned ``text``, the end of ``rule`` (make_helpers' ``returned``)."""
        self._counted_texts.append((text, rule))

    def _due(self, workflow: BpmnWorkflow, task: Task, due_date: str | None) -> tuple[datetime | None, Deadline | None]:
        """The task's due date and the rule that counted it. Two periods of a case may end at
        the same instant (three months and twenty working days both to 12-10 24:00), so the
        rule is the one whose very text the due date was read from, when this runtime counted
        it; else the case's record of its deadlines by that instant (``deadline_rules``)."""
        if not due_date:
            return None, None
        value = self._evaluate(task, expression_body(due_date)) if is_expression(due_date) else due_date
        if value in (None, ""):
            return None, None
        try:
            due_at = parse_when(value).astimezone(UTC)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ScriptError(f"dueDate of {task.task_spec.bpmn_id} gave {value!r}, not a date: {exc}") from None
        counted = next((rule for text, rule in reversed(self._counted_texts) if text is value), None)
        return due_at, counted or self.deadline_rules(workflow).get(deadline_key(due_at))

    def _evaluate(self, task: Task, expression: str) -> Any:
        try:
            return self.environment.evaluate(expression, task.data)
        except BudgetExceeded as exc:
            raise ScriptError(exc.located(task.task_spec.bpmn_id)) from None
        except ScriptError as exc:
            raise ScriptError(f"{task.task_spec.bpmn_id}: {exc.message}") from None

    def _run(self, task: Task) -> None:
        self._current = task
        self._guard(task.run)

    def _steps(self, workflow: BpmnWorkflow) -> None:
        self._guard(lambda: self._engine_steps(workflow))

    def _engine_steps(self, workflow: BpmnWorkflow) -> None:
        """SpiffWorkflow's ``do_engine_steps``, dropping the subprocesses a step cancelled
        between rounds. An interrupting boundary event on a multi-instance subprocess cancels
        its rounds, whose subprocesses stay in ``workflow.subprocesses`` without their
        parent task: the next round fails "task not found" on them (every retry of the
        timer did), and their user tasks would still look ready (inboxes kept them)."""
        _drop_orphans(workflow)
        while (
            workflow._do_engine_steps(self._before_step)
            or interrupt(workflow, self._interrupting.get(workflow, frozenset()))
            or end_waiting_event_subprocesses(workflow)
        ):
            _drop_orphans(workflow)
        _drop_orphans(workflow)
        workflow.refresh_timers()
        if workflow.bpmn_events:  # a signal the case did not catch is the other cases' (take_thrown_signals)
            workflow.bpmn_events = [e for e in workflow.bpmn_events if not isinstance(e.event_definition, Signal)]

    def _before_step(self, task: Task) -> None:
        """Between engine steps: a process that loops over script tasks and gateways without
        ever waiting runs each step within budget, and would never stop. A signal the task
        is about to throw is noted, with what it carries (see take_thrown_signals)."""
        self._current = task
        overrun = self.budget.run_overrun()
        if overrun:
            raise ScriptError(
                f"the engine steps of this action {overrun}, stopped before {task.task_spec.bpmn_id}: "
                f"does the process loop without a user task or timer in between?"
            )
        thrown = thrown_by(task, lambda expression: self._evaluate(task, expression))
        if thrown is not None:
            self._thrown.setdefault(task.workflow.top_workflow, []).append(thrown)

    def take_thrown_signals(self, workflow: BpmnWorkflow) -> list[ThrownSignal]:
        """The signals ``workflow`` threw since they were last taken, in order (SpiffWorkflow
        delivered them inside the workflow already; the other cases are the caller's)."""
        return self._thrown.pop(workflow, [])

    def _element(self) -> Any:
        """The spec of the task the engine is running (None before it runs one)."""
        return self._current.task_spec if self._current is not None else None

    def _guard(self, action: Callable[[], Any]) -> None:
        """Run engine work; whatever goes wrong in it is the process's ScriptError naming
        the element (its id, and its name when it has one), never an unexplained server error."""
        self.budget.start_run()
        try:
            action()
        except BudgetExceeded as exc:
            raise ScriptError(exc.located(getattr(self._element(), "bpmn_id", None))) from None
        except EngineError:
            raise
        except SpiffWorkflowException as exc:
            spec = getattr(exc, "task_spec", None)
            spec = spec if getattr(spec, "bpmn_id", None) else self._element()
            cause = _script_error_in(exc)
            if isinstance(cause, BudgetExceeded):  # its words are the budget's own (by id)
                raise ScriptError(cause.located(getattr(spec, "bpmn_id", None))) from None
            detail = cause.message if cause is not None else str(exc)
            raise ScriptError(_at(spec, detail)) from None
        except Exception as exc:
            spec = self._element()
            log.warning(
                "the engine failed at %s", getattr(spec, "bpmn_id", None) or "an unknown element", exc_info=True
            )
            text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise ScriptError(_at(spec, text)) from exc


def _at(spec: Any, detail: str) -> str:
    """An error at an element: ``GW: 「金额大吗？」 expression …`` (its name when it has one; the
    id first and alone before the colon, as a retry reads the element back from the message:
    engine/usecases/recovery.py)."""
    bpmn_id = getattr(spec, "bpmn_id", None) or ""
    name = " ".join((getattr(spec, "bpmn_name", None) or "").split())
    if not bpmn_id:
        return detail
    return f"{bpmn_id}: 「{name}」 {detail}" if name else f"{bpmn_id}: {detail}"


def _drop_orphans(workflow: BpmnWorkflow) -> None:
    """Forget the subprocesses whose parent task is gone (cancelled with an outer activity)."""
    while workflow.subprocesses:  # most cases have none: nothing to walk on every step
        known = set(workflow.tasks)
        for sub in workflow.subprocesses.values():
            known |= set(sub.tasks)
        orphans = [k for k, sub in workflow.subprocesses.items() if sub.parent_task_id not in known]
        if not orphans:
            return
        for key in orphans:
            del workflow.subprocesses[key]


def _event_conditions(task: Task) -> set[str]:
    """The conditions of the conditional event definitions of ``task``'s event (none for any
    other task)."""
    definition = getattr(task.task_spec, "event_definition", None)
    parts = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    return {p.expression for p in parts if isinstance(p, ConditionalEventDefinition)}


def _names_unknown_variable(exc: BaseException) -> bool:
    """The error is an expression's NameError (SpiffWorkflow wraps the sandbox's ScriptError,
    whose cause it is)."""
    return _wrapped(exc, NameError) is not None


def _script_error_in(exc: BaseException) -> ScriptError | None:
    """The sandbox's error SpiffWorkflow wrapped (it may wrap it more than once)."""
    return _wrapped(exc, ScriptError)


def _wrapped(exc: BaseException, kind: type[_E]) -> _E | None:
    """``exc`` or the first error of ``kind`` among its causes (each looked at once)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, kind):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None
