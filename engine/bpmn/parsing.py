"""Parse and validate BPMN: the document read safely and checked against the schema
(engine/bpmn/documents.py), read the way the engine runs other modelers' files (normalise),
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
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, ReceiveTask, ServiceTask
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEndEventParser, CamundaEventDefinitionParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from ..errors import InvalidBpmn, Problem
from . import actions, io_mappings, signal_payloads
from .camunda import CAMUNDA_NS, NSMAP, TaskMeta, process_property, read_task_meta
from .checks import semantic_problems, title_fields
from .cron_timers import repeating_cron_timers, use_cron_timers
from .documents import duplicate_id_problems, load_xml, local_name, xsd_problems
from .forms import FormSpec
from .normalise import normalise
from .triggers import wait_for_trigger
from .waiting_tasks import CaseCall, CaseCallParser, ServiceTaskParser


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
    # what deploy read in a way the designer should know (a generated sequence flow id): not
    # refused, not stored with the spec (engine.bpmn.normalise)
    warnings: tuple[Problem, ...] = ()

    @property
    def start_form(self) -> FormSpec:
        return self.tasks[self.start_event_id].form


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


class _EndEventParser(CamundaEndEventParser):
    """SpiffWorkflow's end event parser leaves a signal end event's definition out: the event
    would end its path without throwing anything."""

    def create_task(self) -> Any:
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


class _Parser(CamundaParser):
    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, Any]] = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("receiveTask"): (_ReceiveTaskParser, ReceiveTask),
        full_tag("endEvent"): (_EndEventParser, EndEvent),
        full_tag("callActivity"): (CaseCallParser, CaseCall),
        full_tag("serviceTask"): (ServiceTaskParser, ServiceTask),
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
    normalised = normalise(root, file)
    if check:
        problems = normalised.problems + semantic_problems(root, file)
        if problems:
            raise InvalidBpmn(problems)
    parser = _Parser()
    try:
        parser.add_bpmn_xml(root, file)
        result = []
        repeating = repeating_cron_timers(root)
        for process in root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NSMAP):
            key = process.get("id")
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
            use_cron_timers([spec, *subprocess_specs.values()], repeating)
            mappings = {
                node.get("id"): io_mappings.read(node)
                for node in process.xpath(".//*[bpmn:extensionElements/camunda:inputOutput]", namespaces=NSMAP)
            }
            listeners = actions.listeners_of(process)
            payloads = signal_payloads.payloads_of(process)
            starts = process.xpath("./bpmn:startEvent", namespaces=NSMAP)
            result.append(
                ParsedProcess(
                    key=key,
                    name=process.get("name") or key,
                    spec=_with_io({key: spec}, mappings, listeners, payloads)[key],
                    subprocess_specs=_with_io(subprocess_specs, mappings, listeners, payloads),
                    tasks=read_task_meta(process),
                    start_event_id=starts[0].get("id"),
                    start_timers=_start_timers(process),
                    starter_groups=tuple(
                        g.strip()
                        for g in (process.get(f"{{{CAMUNDA_NS}}}candidateStarterGroups") or "").split(",")
                        if g.strip()
                    ),
                    title_fields=title_fields(process),
                    default_group=process_property(process, "default_group"),
                    interrupting_starts=frozenset(
                        start.get("id")
                        for start in process.xpath(
                            ".//bpmn:subProcess[@triggeredByEvent='true']/bpmn:startEvent", namespaces=NSMAP
                        )
                        if start.get("isInterrupting", "true") != "false"
                    ),
                    warnings=tuple(normalised.warnings.get(key, ())),
                )
            )
        return result
    except ValidationException as exc:
        raise InvalidBpmn(
            [Problem(str(exc.args[0]) if exc.args else str(exc), file, exc.line_number or None, exc.id or None)]
        ) from None
    except (SpiffWorkflowException, TypeError, KeyError, AttributeError, ValueError) as exc:
        raise InvalidBpmn(
            [Problem(f"the engine cannot read this process: {type(exc).__name__}: {exc}", file)]
        ) from None
