"""The semantic checks of a process that SpiffWorkflow's parser skips: every element one the
engine runs, a start event something can start, flows that name elements, gateway branches
with conditions, messages declared, a title from fields everyone may see; the task and
expression checks are in engine/bpmn/task_checks.py, the waiting tasks' in waiting_checks,
those of fields naming their readers in reader_checks, the timers closing a window in windows."""

from __future__ import annotations

from lxml import etree

from ..deadlines import cron
from ..errors import Problem
from ..text import control_character
from . import io_mappings, record_labels, stored_lengths, windows
from .camunda import BPMN_NS, NSMAP, process_property, read_task_meta
from .cron_timers import cron_literal
from .documents import local_name, owner_of, problem_at
from .elements import SUPPORTED_FLOW_ELEMENTS, camunda_problems
from .reader_checks import readers_problems
from .task_checks import expression_problems, task_problems
from .waiting_checks import waiting_task_problems


def semantic_problems(root: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    processes = root.xpath("./bpmn:process", namespaces=NSMAP)
    # a compensation handler's process is checked as a part of the process it serves
    executable = [p for p in processes if p.get("isExecutable", "false") == "true"]
    if not executable:
        problems.append(
            problem_at(file, processes[0] if processes else root, 'no executable process (isExecutable="true")')
        )
    for process in executable:
        problems += _process_problems(process, file)
    return problems + stored_lengths.declared_problems(root, file)


def _process_problems(process: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    by_id = {n.get("id"): n for n in process.iter() if isinstance(n.tag, str) and n.get("id")}
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        ns, name = etree.QName(node).namespace, local_name(node.tag)
        if ns == BPMN_NS and name not in SUPPORTED_FLOW_ELEMENTS:
            where = "" if node.get("id") else f" (in {owner_of(node).get('id')!r})"
            problems.append(
                problem_at(file, owner_of(node), f"unsupported element bpmn:{name}{where}: the engine cannot run it")
            )
        if ns == BPMN_NS:
            problems += name_problems(node, file)
        problems += camunda_problems(node, file)
    if not process.xpath("./bpmn:startEvent", namespaces=NSMAP):
        problems.append(problem_at(file, process, f"process {process.get('id')!r} has no start event"))
    problems += _unstartable_problems(process, file)
    for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NSMAP):
        if not flow.get("id"):
            problems.append(problem_at(file, flow, "sequence flow without an id (it would be silently dropped)"))
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in by_id:
                problems.append(problem_at(file, flow, f"{end} {flow.get(end)!r} names no element of this process"))
    problems += _gateway_problems(process, file)
    problems += _message_problems(process, file)
    problems += _reference_problems(process, file)
    problems += _event_problems(process, file)
    problems += _cron_problems(process, file)
    problems += windows.problems(process, file)
    problems += expression_problems(process, file)
    problems += task_problems(process, file)
    problems += _title_problems(process, file)
    problems += readers_problems(process, file)
    problems += waiting_task_problems(process, file)
    for node in process.xpath(".//*[bpmn:extensionElements/camunda:inputOutput]", namespaces=NSMAP):
        problems += [problem_at(file, node, why) for why in io_mappings.problems_of(node)]
    problems += record_labels.problems_of(process, file)
    return problems


def name_problems(node: etree._Element, file: str) -> list[Problem]:
    """An element's name (the process's too) is shown in every list and page that names it:
    text as a person's is (engine/text.py), without a control character (a paste from another
    program) or a direction character (U+202E in "审批\u202e表" shows what follows it reversed,
    the list around it reordered), and its id and name no longer than the database keeps them
    (engine.bpmn.stored_lengths). Drafts ask too, for the key and name their list stores."""
    too_long = stored_lengths.element_problems(node, file)
    refused = control_character(node.get("name") or "")
    if refused is None:
        return too_long
    what = (
        "a control character"
        if refused.code == "control_character"
        else "an invisible direction character (U+202A-U+202E, U+2066-U+2069), which shows the text after it reversed"
    )
    # the name quoted with the character as its escape (problem_at): shown, it would not be seen,
    # or would turn the rest of the problem's row around
    name = node.get("name") or ""
    return [
        *too_long,
        problem_at(
            file, owner_of(node), f"the name of {owner_of(node).get('id')!r} holds {what}: delete it from '{name}'"
        ),
    ]


# What a case can be started by: a plain start event (发起), a timer (the scheduler), a
# message or a signal (delivered from outside: engine/usecases/messages.py).
_STARTING_DEFINITIONS = {"", "timerEventDefinition", "messageEventDefinition", "signalEventDefinition"}


def _unstartable_problems(process: etree._Element, file: str) -> list[Problem]:
    """A process that no case could ever get past the start of: an empty one (nothing after
    its start event), or one whose start events all wait for what never comes (a condition,
    an escalation). Deployed, it would be offered in 发起 and its
    cases would stay 办理中 for ever."""
    starts = process.xpath("./bpmn:startEvent", namespaces=NSMAP)
    if not starts:
        return []  # said above: no start event
    startable = [
        s
        for s in starts
        if {local_name(d.tag) for d in s if local_name(d.tag).endswith("EventDefinition")} <= _STARTING_DEFINITIONS
    ]
    if not startable:
        return [
            problem_at(
                file,
                process,
                f"process {process.get('id')!r} cannot be started: each start event waits for an event "
                f"that nothing delivers; use a plain, timer, message or signal start event",
            )
        ]
    leaving = {f.get("sourceRef") for f in process.xpath("./bpmn:sequenceFlow", namespaces=NSMAP)}
    if not any(s.get("id") in leaving for s in startable):
        return [
            problem_at(
                file,
                startable[0],
                f"process {process.get('id')!r} is empty: nothing follows its start event "
                f"(no sequence flow leaves it), so a case would never go anywhere",
            )
        ]
    return []


def _message_problems(process: etree._Element, file: str) -> list[Problem]:
    """What waits for a message or signal is delivered from outside (engine/usecases/messages.py:
    the API's /messages and /signals, ``congressflow message`` / ``signal``); what the engine
    itself would have to send is refused by element. A receive task that names no message is a
    plain wait state, continued from outside by its element id (engine/bpmn/triggers.py)."""
    problems: list[Problem] = []
    for ref in process.xpath(".//bpmn:messageEventDefinition[@messageRef]", namespaces=NSMAP):
        if ":" in (ref.get("messageRef") or ""):
            continue  # a prefix of another namespace: refused by engine.bpmn.references
        message = (
            ref.getroottree()
            .getroot()
            .xpath(f"./bpmn:message[@id={_xpath_literal(ref.get('messageRef'))}]", namespaces=NSMAP)
        )
        if not message or not message[0].get("name"):
            problems.append(
                problem_at(file, owner_of(ref), f"message {ref.get('messageRef')!r} is not declared with a name")
            )
    for task in process.xpath(".//bpmn:sendTask", namespaces=NSMAP):
        problems.append(
            problem_at(
                file, task, "a send task is not supported: messages are delivered from outside (POST /api/v1/messages)"
            )
        )
    for throw in process.xpath(
        ".//bpmn:intermediateThrowEvent[bpmn:messageEventDefinition] | .//bpmn:endEvent[bpmn:messageEventDefinition]",
        namespaces=NSMAP,
    ):
        problems.append(
            problem_at(
                file,
                throw,
                "throwing a message is not supported: messages are delivered from outside (POST /api/v1/messages)",
            )
        )
    return problems


def _reference_problems(process: etree._Element, file: str) -> list[Problem]:
    """A signal is known by its name, and an escalation by its declaration: a reference to a
    signal without a name, or to no escalation, would throw or catch nothing."""
    root = process.getroottree().getroot()
    problems = []
    for ref in process.xpath(".//bpmn:signalEventDefinition[@signalRef]", namespaces=NSMAP):
        name = ref.get("signalRef") or ""
        if ":" in name:
            continue  # a prefix of another namespace: refused by engine.bpmn.references
        signal = root.xpath(f"./bpmn:signal[@id={_xpath_literal(name)}]", namespaces=NSMAP)
        if not signal or not (signal[0].get("name") or "").strip():
            problems.append(problem_at(file, owner_of(ref), f"signal {name!r} is not declared with a name"))
    for ref in process.xpath(".//bpmn:escalationEventDefinition[@escalationRef]", namespaces=NSMAP):
        name = ref.get("escalationRef") or ""
        if ":" not in name and not root.xpath(f"./bpmn:escalation[@id={_xpath_literal(name)}]", namespaces=NSMAP):
            problems.append(problem_at(file, owner_of(ref), f"escalation {name!r} is not declared (<escalation id=…>)"))
    return problems


# What a boundary event may catch (a compensation one is read by engine.bpmn.compensation,
# which says what is wrong with it).
_BOUNDARY_DEFINITIONS = {
    "compensateEventDefinition",
    "cancelEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "timerEventDefinition",
    "conditionalEventDefinition",
}


def _event_problems(process: etree._Element, file: str) -> list[Problem]:
    """A boundary event that catches nothing the engine runs, refused by element before
    SpiffWorkflow reads it (it fails on it with a dump of the element)."""
    problems = []
    for event in process.xpath(".//bpmn:boundaryEvent", namespaces=NSMAP):
        kinds = [local_name(d.tag) for d in event if local_name(d.tag).endswith("EventDefinition")]
        if not any(k in _BOUNDARY_DEFINITIONS for k in kinds):
            problems.append(
                problem_at(file, event, "a boundary event must say what it catches (an error, a timer, a message…)")
            )
    return problems


def _cron_problems(process: etree._Element, file: str) -> list[Problem]:
    """A cron timer cycle (engine.deadlines.cron) that cannot run, by element and field."""
    problems = []
    for cycle in process.xpath(".//bpmn:timerEventDefinition/bpmn:timeCycle", namespaces=NSMAP):
        text = cron_literal(cycle.text)
        if text is None:
            continue
        try:
            cron.trigger(text)
        except cron.CronError as exc:
            problems.append(
                problem_at(file, owner_of(cycle), f"timer timeCycle: not a cron expression this engine runs: {exc}")
            )
    return problems


def _xpath_literal(text: str | None) -> str:
    text = text or ""
    return f'"{text}"' if '"' not in text else f"'{text}'"


def _gateway_problems(process: etree._Element, file: str) -> list[Problem]:
    problems = []
    for gateway in process.xpath(".//bpmn:exclusiveGateway | .//bpmn:inclusiveGateway", namespaces=NSMAP):
        outgoing = process.xpath(f".//bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", namespaces=NSMAP)
        if len(outgoing) < 2:
            continue
        for flow in outgoing:
            has_condition = bool(flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP))
            if not has_condition and flow.get("id") != gateway.get("default"):
                problems.append(
                    problem_at(
                        file, flow, f"branch of gateway {gateway.get('id')!r} has no condition and is not its default"
                    )
                )
    return problems


def title_fields(process: etree._Element) -> tuple[str, ...]:
    return tuple(f.strip() for f in process_property(process, "title_fields").split(",") if f.strip())


def _title_problems(process: etree._Element, file: str) -> list[Problem]:
    """``title_fields`` must name start-form fields that are not confidential: the title goes
    into lists, search, notifications and e-mail."""
    wanted = title_fields(process)
    if not wanted:
        return []
    metas = read_task_meta(process)
    starts = [m for m in metas.values() if process.xpath(f".//bpmn:startEvent[@id='{m.bpmn_id}']", namespaces=NSMAP)]
    fields = {f.id: f for m in starts for f in m.form.fields}
    problems = []
    for name in wanted:
        f = fields.get(name)
        if f is None:
            problems.append(problem_at(file, process, f"title_fields names {name!r}, which is not a start-form field"))
        elif f.confidential:
            problems.append(
                problem_at(
                    file, process, f"title_fields names {name!r}, a confidential field: the title is shown to all"
                )
            )
    return problems
