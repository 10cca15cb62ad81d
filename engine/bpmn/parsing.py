"""Parse and validate BPMN: the document read safely and checked against the schema
(engine/bpmn/documents.py), read the way the engine runs other modelers' files (a standard
multi-instance input as Camunda's, engine/bpmn/multi_instance.py, its output collection as
engine/bpmn/output_collections.py collects it; normalise),
the semantic checks the raw parser skips (checks, task_checks, waiting_checks), then
SpiffWorkflow's parser — so a bad file is refused at deploy time with the file, line and
element id, not discovered when an instance reaches the bad element. ``parse_bpmn`` gives
each executable process with what the product reads of it (``ParsedProcess``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
    ReceiveTaskParser,
)
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, IntermediateThrowEvent, ReceiveTask, ServiceTask
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaEndEventParser,
    CamundaEventDefinitionParser,
    CamundaIntermediateThrowEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from ..errors import InvalidBpmn, Problem
from . import (
    actions,
    compensation,
    external_forms,
    io_mappings,
    output_collections,
    record_labels,
    signal_payloads,
    windows,
)
from .camunda import CAMUNDA_NS, NSMAP, TaskMeta, process_property, read_task_meta
from .checks import semantic_problems, title_fields
from .compensation_throw import CompensationThrow
from .cron_timers import repeating_cron_timers, use_cron_timers
from .documents import duplicate_id_problems, load_xml, local_name, xsd_problems
from .forms import FormSpec
from .mail_tasks import MailOrServiceTaskParser
from .multi_instance import standard_loop_data_as_camunda
from .normalise import normalise
from .output_collections import OutputCollectionParser
from .triggers import wait_for_trigger
from .waiting_tasks import CaseCall, CaseCallParser


@dataclass(frozen=True)
class StartTimer:
    bpmn_id: str
    kind: str  # timeDate | timeCycle | timeDuration
    expression: str


@dataclass
class ParsedProcess:
    """One executable process of a file: the SpiffWorkflow spec plus what the product reads."""

    key: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    tasks: dict[str, TaskMeta]
    start_event_id: str
    start_timers: list[StartTimer] = field(default_factory=list)
    starter_groups: tuple[str, ...] = ()  # camunda:candidateStarterGroups; empty: officers
    # the start-form fields a case's title is made of (camunda:property title_fields on the
    # process); empty: the first of TITLE_FIELDS the form has
    title_fields: tuple[str, ...] = ()
    # who holds a user task that names nobody (no assignee, candidates or lane): the
    # process's camunda:property default_group; empty: such a task is refused at deploy
    default_group: str = ""
    # the start events of event subprocesses that interrupt the rest of the case when they fire
    interrupting_starts: frozenset[str] = frozenset()
    # the boundary timers marked closes_window: their firing ends a period, no 督办 (windows.py)
    window_timers: frozenset[str] = frozenset()
    # what deploy read in a way the designer should know (a generated sequence flow id): not
    # refused, not stored with the spec (engine.bpmn.normalise)
    warnings: tuple[Problem, ...] = ()

    @property
    def start_form(self) -> FormSpec:
        return self.tasks[self.start_event_id].form


def _parsed(
    parser: Any, root: etree._Element, process: etree._Element, repeating: Any, normalised: Any, file: str
) -> ParsedProcess:
    """One executable process of a parsed document, with what the engine keeps beside
    SpiffWorkflow's spec. Its compensation handlers were made processes of their own
    (engine.bpmn.compensation): their specs run as its subprocesses, their tasks are its."""
    key = process.get("id")
    spec = parser.get_spec(key)
    subprocess_specs = parser.get_subprocess_specs(key)
    handlers = compensation.handler_processes(root, key)
    for handler in handlers:
        subprocess_specs[handler.get("id")] = parser.get_spec(handler.get("id"))
        subprocess_specs = parser.get_subprocess_specs(handler.get("id"), specs=subprocess_specs)
    use_cron_timers([spec, *subprocess_specs.values()], repeating)
    scopes = [process, *handlers]
    mappings = {
        node.get("id"): io_mappings.read(node)
        for scope in scopes
        for node in scope.xpath(".//*[bpmn:extensionElements/camunda:inputOutput]", namespaces=NSMAP)
    }
    listeners = {k: v for scope in scopes for k, v in actions.listeners_of(scope).items()}
    payloads = {k: v for scope in scopes for k, v in signal_payloads.payloads_of(scope).items()}
    compensated = {k: v for scope in scopes for k, v in compensation.handlers_of(scope).items()}
    specs = _with_io({key: spec, **subprocess_specs}, mappings, listeners, payloads)
    for each in specs.values():
        compensation.store(each, compensated)
    record_labels.store(specs, scopes)  # what the case page calls the keys of its rounds' records
    starts = process.xpath("./bpmn:startEvent", namespaces=NSMAP)
    return ParsedProcess(
        key=key,
        name=process.get("name") or key,
        spec=specs.pop(key),
        subprocess_specs=specs,
        tasks={k: v for scope in scopes for k, v in read_task_meta(scope).items()},
        start_event_id=starts[0].get("id"),
        start_timers=_start_timers(process),
        starter_groups=tuple(
            g.strip() for g in (process.get(f"{{{CAMUNDA_NS}}}candidateStarterGroups") or "").split(",") if g.strip()
        ),
        title_fields=title_fields(process),
        default_group=process_property(process, "default_group"),
        interrupting_starts=frozenset(
            start.get("id")
            for start in process.xpath(".//bpmn:subProcess[@triggeredByEvent='true']/bpmn:startEvent", namespaces=NSMAP)
            if start.get("isInterrupting", "true") != "false"
        ),
        window_timers=frozenset().union(*(windows.window_timers(scope) for scope in scopes)),
        warnings=(
            *normalised.warnings.get(key, ()),
            *(w for scope in scopes for w in external_forms.warnings_of(scope, file)),
        ),
    )


def _start_timers(process: etree._Element) -> list[StartTimer]:
    timers = []
    for start in process.xpath("./bpmn:startEvent", namespaces=NSMAP):
        for expr in start.xpath("./bpmn:timerEventDefinition/*", namespaces=NSMAP):
            timers.append(StartTimer(start.get("id"), local_name(expr.tag), (expr.text or "").strip()))
    return timers


def _with_io(
    specs: dict[str, BpmnProcessSpec], mappings: dict[str, Any], listeners: dict[str, Any], payloads: dict[str, Any]
) -> dict[str, BpmnProcessSpec]:
    """The specs with the elements' input/output mappings, listeners and what their signals
    carry kept, the listeners hooked in."""
    for spec in specs.values():
        io_mappings.store(spec, {k: v for k, v in mappings.items() if v})
        actions.store(spec, listeners)  # after the mappings: a listener sees the inputs
        signal_payloads.store(spec, payloads)
    return specs


class _ReceiveTaskParser(CamundaEventDefinitionParser, ReceiveTaskParser):
    """A receive task's message read as Camunda's (SpiffWorkflow's Camunda parser leaves receive
    tasks to the plain BPMN one, whose message the Camunda serializer cannot write); one without
    a message waits to be triggered (engine/bpmn/triggers.py)."""

    # multi-instance as the Camunda parser builds it for every other task (the plain one's
    # wrapper is not a spec the Camunda serializer writes)
    _add_multiinstance_task = CamundaTaskParser._add_multiinstance_task

    def create_task(self) -> Any:
        return wait_for_trigger(ReceiveTaskParser.create_task(self))


def _compensation_throw(parser: Any) -> CompensationThrow | None:
    definition = parser.xpath("./bpmn:compensateEventDefinition")
    if not definition:
        return None
    ref = definition[0].get("activityRef") or ""
    return CompensationThrow(parser.spec, parser.bpmn_id, activity_ref=ref, **parser.bpmn_attributes)


class _IntermediateThrowEventParser(CamundaIntermediateThrowEventParser):
    def create_task(self) -> Any:
        return _compensation_throw(self) or super().create_task()


class _EndEventParser(CamundaEndEventParser):
    """SpiffWorkflow's end event parser leaves a signal end event's definition out: the event
    would end its path without throwing anything. A compensation end event runs its handlers
    first (engine.bpmn.compensation)."""

    def create_task(self) -> Any:
        compensation = _compensation_throw(self)
        if compensation is not None:
            compensation.connect(self.spec.end)
            return compensation
        event_definition = self.get_event_definition(
            [
                MESSAGE_EVENT_XPATH,
                SIGNAL_EVENT_XPATH,
                CANCEL_EVENT_XPATH,
                ERROR_EVENT_XPATH,
                ESCALATION_EVENT_XPATH,
                TERMINATION_EVENT_XPATH,
            ]
        )
        task = self._create_task(event_definition)
        task.connect(self.spec.end)
        return task


_PARSERS: dict[str, Any] = {
    **CamundaParser.OVERRIDE_PARSER_CLASSES,
    full_tag("receiveTask"): (_ReceiveTaskParser, ReceiveTask),
    full_tag("endEvent"): (_EndEventParser, EndEvent),
    full_tag("intermediateThrowEvent"): (_IntermediateThrowEventParser, IntermediateThrowEvent),
    full_tag("callActivity"): (CaseCallParser, CaseCall),
    full_tag("serviceTask"): (MailOrServiceTaskParser, ServiceTask),  # external, expression or mail
}


class _Parser(CamundaParser):
    # every activity's parser builds a multi-instance with an output collection as one that
    # collects it (engine.bpmn.output_collections), the others as it did
    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, Any]] = {
        tag: (type(parser.__name__, (OutputCollectionParser, parser), {}), spec)
        for tag, (parser, spec) in _PARSERS.items()
    }


def parse_bpmn(source: bytes | str, file: str = "<bpmn>", *, check: bool = True) -> list[ParsedProcess]:
    """Validate a BPMN document and return its executable processes, or raise InvalidBpmn
    listing every problem found. ``check=False``: a document that was checked when it was
    deployed, parsed again (a new engine version cannot read its stored spec): today's
    checks must not strand the cases already running on it."""
    root = load_xml(source, file)
    if check:
        problems = duplicate_id_problems(root, file) or xsd_problems(root, file)
        if problems:
            raise InvalidBpmn(problems)
    standard_loop_data = standard_loop_data_as_camunda(root, file) + output_collections.problems(root, file)
    normalised = normalise(root, file)
    if check:
        problems = standard_loop_data + normalised.problems + semantic_problems(root, file)
        if problems:
            raise InvalidBpmn(problems)
    parser = _Parser()
    try:
        parser.add_bpmn_xml(root, file)
        result = []
        repeating = repeating_cron_timers(root)
        for process in root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NSMAP):
            if not compensation.is_handler_process(process):
                result.append(_parsed(parser, root, process, repeating, normalised, file))
        return result
    except ValidationException as exc:
        raise InvalidBpmn(
            [Problem(str(exc.args[0]) if exc.args else str(exc), file, exc.line_number or None, exc.id or None)]
        ) from None
    except (SpiffWorkflowException, TypeError, KeyError, AttributeError, ValueError) as exc:
        raise InvalidBpmn(
            [Problem(f"the engine cannot read this process: {type(exc).__name__}: {exc}", file)]
        ) from None
