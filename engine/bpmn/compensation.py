"""Compensation, as BPMN and Camunda 7 run it: undoing what completed activities did.

An activity that can be undone carries a compensation boundary event, associated (not
connected) with its *handler*, an activity marked ``isForCompensation="true"``; a subprocess
may instead hold a compensation event subprocess (its start event a compensation one), which
undoes the subprocess from inside it. A compensation throw event (intermediate or end,
``compensateEventDefinition``) runs the handlers of the completed activities of its process
or subprocess, most recent first, one after the other, and waits for them; with
``activityRef`` only that activity's. Each completion is undone once (a multi-instance
activity's every instance); a completed subprocess without a handler is undone by undoing
its activities; an activity whose boundary event has no handler has nothing to undo.

SpiffWorkflow has none of it. Here (part of engine.bpmn.normalise) each handler is moved
into a process of its own (``<process>__compensate_<handler>``: start, the handler, end; an
event subprocess's content as it is), never deployed as a process of its own; the boundary
event and its association go, and the activity remembers its handler's process. The throw
event becomes a :class:`~engine.bpmn.compensation_throw.CompensationThrow`, which runs those
processes as subprocesses of itself. Handlers keep their ids, so their tasks, the diagram and
the history name what the designer drew.
"""

from __future__ import annotations

from copy import deepcopy

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from ..errors import Problem
from .camunda import BPMN_NS, NSMAP
from .documents import problem_at, process_id_of
from .flow_repair import end_after, fresh_id, ids_in

HANDLER_OF = "{urn:congressflow:normalise}compensation"  # on an activity: its handler's process id
HANDLER_FOR = "{urn:congressflow:normalise}compensates"  # on a handler's process: the process it serves
EXTENSION = "compensation"  # the key of an activity spec's extensions: its handler's process id
_THROWS = (
    ".//bpmn:intermediateThrowEvent[bpmn:compensateEventDefinition] | .//bpmn:endEvent[bpmn:compensateEventDefinition]"
)
_EVENT_SUBPROCESSES = ".//bpmn:subProcess[@triggeredByEvent='true'][bpmn:startEvent/bpmn:compensateEventDefinition]"


def _all(node: etree._Element, xpath: str, **values: str) -> list[etree._Element]:
    return list(node.xpath(xpath, namespaces=NSMAP, **values))


def separate_handlers(root: etree._Element, file: str, warn: dict[str, list[Problem]]) -> list[Problem]:
    """Move each compensation handler into a process of its own (see the module's doc); what
    cannot be read is returned as problems naming the element."""
    problems: list[Problem] = []
    taken = ids_in(root)
    for process in _all(root, "./bpmn:process"):
        for boundary in _all(process, ".//bpmn:boundaryEvent[bpmn:compensateEventDefinition]"):
            problems += _boundary_handler(root, process, boundary, file, taken, warn)
        for event_subprocess in _all(process, _EVENT_SUBPROCESSES):
            problems += _event_subprocess_handler(root, process, event_subprocess, file, taken)
    for catch in _all(root, ".//bpmn:intermediateCatchEvent[bpmn:compensateEventDefinition]"):
        problems.append(problem_at(file, catch, "compensation is thrown, never caught by an intermediate event"))
    for throw in _all(root, _THROWS):
        problems += _activity_ref_problems(throw, file)
    return problems


def _boundary_handler(
    root: etree._Element,
    process: etree._Element,
    boundary: etree._Element,
    file: str,
    taken: set[str | None],
    warn: dict[str, list[Problem]],
) -> list[Problem]:
    scope = boundary.getparent()
    assert scope is not None
    associations = _all(process, ".//bpmn:association[@sourceRef=$id]", id=boundary.get("id") or "")
    handlers = [h for a in associations for h in _all(scope, "./*[@id=$id]", id=a.get("targetRef") or "")]
    activity = _all(scope, "./*[@id=$id]", id=boundary.get("attachedToRef") or "")
    if not activity:
        return [problem_at(file, boundary, "compensation boundary event: attached to no activity of its scope")]
    if len(handlers) > 1:
        return [problem_at(file, boundary, f"compensation boundary event: {len(handlers)} handlers; give it one")]
    if activity[0].get(HANDLER_OF):
        return [problem_at(file, boundary, "an activity has one compensation handler")]
    if handlers:
        [handler] = handlers
        if handler.get("isForCompensation") != "true":
            return [problem_at(file, handler, 'a compensation handler must be marked isForCompensation="true"')]
        if _all(scope, "./bpmn:sequenceFlow[@sourceRef=$id or @targetRef=$id]", id=handler.get("id") or ""):
            return [problem_at(file, handler, "a compensation handler has no sequence flows: it runs when compensated")]
        handler.getparent().remove(handler)
        del handler.attrib["isForCompensation"]
        activity[0].set(HANDLER_OF, _handler_process(root, process, handler.get("id") or "", [handler], taken))
    else:
        message = f"compensation boundary event has no handler: compensating {activity[0].get('id')!r} does nothing"
        warn.setdefault(process_id_of(process), []).append(
            Problem(message, file, boundary.sourceline, boundary.get("id"))
        )
    scope.remove(boundary)
    for association in associations:
        association.getparent().remove(association)
    return []


def _event_subprocess_handler(
    root: etree._Element, process: etree._Element, event_subprocess: etree._Element, file: str, taken: set[str | None]
) -> list[Problem]:
    """A compensation event subprocess undoes the subprocess it is in: its content is that
    subprocess's handler (run in its stead; a compensation thrown inside it undoes the
    subprocess's own activities: engine.bpmn.compensation_throw)."""
    owner = event_subprocess.getparent()
    assert owner is not None
    if etree.QName(owner).localname != "subProcess":
        return [
            problem_at(file, event_subprocess, "a compensation event subprocess undoes a subprocess: put it inside one")
        ]
    if owner.get(HANDLER_OF):
        return [
            problem_at(
                file,
                event_subprocess,
                "a subprocess has one compensation handler: a boundary event's or an event subprocess",
            )
        ]
    for start in _all(event_subprocess, "./bpmn:startEvent/bpmn:compensateEventDefinition"):
        start.getparent().remove(start)  # a plain start: the handler starts there
    content = [n for n in event_subprocess if isinstance(n.tag, str) and etree.QName(n).namespace == BPMN_NS]
    owner.remove(event_subprocess)
    owner.set(HANDLER_OF, _handler_process(root, process, event_subprocess.get("id") or "", content, taken))
    return []


def _handler_process(
    root: etree._Element, process: etree._Element, name: str, content: list[etree._Element], taken: set[str | None]
) -> str:
    """A process of ``content``: one activity (started and ended around it), or an event
    subprocess's flow (which has its start and end). Executable, as SpiffWorkflow parses only
    those; never deployed as a process of its own (engine.bpmn.parsing skips it, the checks
    read it like the process it serves)."""
    process_id = fresh_id(f"{process.get('id')}__compensate_{name}", taken)
    new = etree.SubElement(root, f"{{{BPMN_NS}}}process", id=process_id, isExecutable="true")
    new.set(HANDLER_FOR, process.get("id") or "")
    named = "./bpmn:extensionElements[camunda:properties/camunda:property[@name='default_group']]"
    for extensions in _all(process, named):  # the process's default group holds the handler's tasks too
        new.append(deepcopy(extensions))
    for node in content:
        new.append(node)
    if len(content) == 1:  # one activity: start it, and end after it
        start = fresh_id(f"{process_id}_start", taken)
        etree.SubElement(new, f"{{{BPMN_NS}}}startEvent", id=start)
        flow = fresh_id(f"Flow_{start}_to_{name}", taken)
        etree.SubElement(new, f"{{{BPMN_NS}}}sequenceFlow", id=flow, sourceRef=start, targetRef=name)
        end_after(content[0], taken)
    return process_id


def _activity_ref_problems(throw: etree._Element, file: str) -> list[Problem]:
    definition = throw.find(f"{{{BPMN_NS}}}compensateEventDefinition")
    ref = (definition.get("activityRef") if definition is not None else None) or ""
    process = _all(throw, "ancestor::bpmn:process[1]")
    served = process[0].get(HANDLER_FOR) if process else None  # a handler undoes what its process did
    if served:
        process += _all(throw.getroottree().getroot(), "./bpmn:process[@id=$id]", id=served)
    if not ref or any(_all(p, ".//*[@id=$id]", id=ref) for p in process):
        return []
    return [problem_at(file, throw, f"compensateEventDefinition activityRef {ref!r} names no activity of this process")]


def is_handler_process(process: etree._Element) -> bool:
    return process.get(HANDLER_FOR) is not None


def handler_processes(root: etree._Element, process_id: str) -> list[etree._Element]:
    """The processes ``separate_handlers`` made of the handlers of ``process_id``."""
    return [p for p in _all(root, "./bpmn:process") if p.get(HANDLER_FOR) == process_id]


def handlers_of(process: etree._Element) -> dict[str, str]:
    """Each activity's handler process, by element id."""
    return {n.get("id"): n.get(HANDLER_OF) for n in process.iter() if isinstance(n.tag, str) and n.get(HANDLER_OF)}


def store(spec: BpmnProcessSpec, handlers: dict[str, str]) -> None:
    """Keep each activity's handler process in its spec's extensions (a multi-instance's
    rounds, each undone on its own; not the multi-instance task around them)."""
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id in handlers and getattr(task_spec, "task_spec", None) is None:
            task_spec.extensions = {**(getattr(task_spec, "extensions", None) or {}), EXTENSION: handlers[bpmn_id]}
