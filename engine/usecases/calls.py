"""Call activities: a case whose call activity is reached starts a case of the called process
(its own version, people, deadlines and statistics), linked to it both ways
(``ProcessInstance.parent_instance_id`` / ``parent_task_id``), and waits for it.

Every save of a case (engine/usecases/persist.py) ends in ``after_save``, which keeps the
link true from both sides, in the saving transaction:
- a case that calls: each call activity waiting for its case gets one (started now, as the
  system, with what ``camunda:in`` maps), and a called case whose call activity no longer
  waits (an interrupting boundary event, the caller ended or was cancelled) is cancelled;
- a called case that ended: its caller, locked and restored, gets what ``camunda:out`` maps
  and moves on; an error end event is thrown at the call activity, where an error boundary
  event catches it; an error nothing catches, or a cancelled called case, is an incident on
  the caller (a retry calls the process again).

A called case that ends at once (no task waits in it) reaches its caller while the caller is
still being saved; the caller is then saved again, from the state it was just written in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import IncidentKind, InstanceStatus
from storage.models import ProcessDefinition, ProcessInstance

from ..bpmn.camunda import CAMUNDA_NS, NSMAP
from ..bpmn.parsing import ParsedProcess
from ..bpmn.runtime import Runtime
from ..bpmn.waiting_tasks import CaseCall, mapped_outputs, passes_business_key
from ..bpmn.workflow_state import WaitingWork, variables
from ..errors import EngineError, ScriptError
from . import incidents, persist
from .confidentiality import carried_unprotected
from .context import SYSTEM, Actor, audit, processes, runtime_for
from .labels import element_names
from .workflow_cache import restore_case

MAX_CALL_DEPTH = 8  # a case called by a case called by … (a process calling itself stops here)
_NESTED_SAVES = "call_nested_saves"
MAX_NESTED_SAVES = 200  # cases ending at once and moving their callers on, in one transaction


@dataclass(frozen=True)
class CallLink:
    """A case's caller or one of the cases it called, as its page shows it."""

    instance_id: int
    title: str
    process_name: str
    status: str
    bpmn_id: str  # the call activity
    step_name: str  # its name


def after_save(
    session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime, process: ParsedProcess
) -> None:
    """Keep the case's calls true after it was saved (see the module's doc)."""
    if instance.parent_instance_id is not None and instance.status != InstanceStatus.RUNNING:
        _return_to_caller(session, instance, workflow, runtime)
    if not _has_call_activities(process):
        return  # no case of it can have called another: no query on the hot path of every save
    calls = (
        [w for w in runtime.waiting_work(workflow) if isinstance(w.spec, CaseCall)]
        if instance.status == InstanceStatus.RUNNING
        else []
    )
    children = _children(session, instance.id)
    waiting_ids = {w.task_id for w in calls}
    for child in children:
        if child.status == InstanceStatus.RUNNING and child.parent_task_id not in waiting_ids:
            cancel_called(session, child)
    revision = instance.revision
    for work in calls:
        latest = max((c for c in children if c.parent_task_id == work.task_id), key=lambda c: c.id, default=None)
        if latest is not None and (
            latest.status == InstanceStatus.RUNNING or _failed_call_open(session, instance, work)
        ):
            continue
        if latest is not None and latest.status == InstanceStatus.COMPLETED and _error_code_of(session, latest) is None:
            _answer(session, instance, work.task_id, latest)  # its answer was not taken in (a retry)
        else:
            _call(session, instance, workflow, runtime, process, work)
        if instance.revision != revision:
            return  # the caller was saved again meanwhile (a called case ended at once): that save went on


def before_retry(session: Session, instance_id: int, by: Actor) -> None:
    """A retry of a case whose call failed calls again: its failed calls' incidents are
    closed first (if calling fails again, the save records a new one)."""
    incidents.resolve(session, instance_id, IncidentKind.CALL, by)


def _has_call_activities(process: ParsedProcess) -> bool:
    return any(
        isinstance(task_spec, CaseCall)
        for spec in (process.spec, *process.subprocess_specs.values())
        for task_spec in spec.task_specs.values()
    )


def waiting_count(runtime: Runtime, workflow: BpmnWorkflow) -> int:
    """How many call activities of a running case wait for the case they called."""
    return sum(isinstance(w.spec, CaseCall) for w in runtime.waiting_work(workflow))


def cancel_children(session: Session, instance: ProcessInstance) -> None:
    """A cancelled case's called cases are cancelled with it."""
    for child in _children(session, instance.id):
        if child.status == InstanceStatus.RUNNING:
            cancel_called(session, child)


def cancel_called(session: Session, child: ProcessInstance) -> None:
    """Cancel ``child``, whose caller no longer waits for it: the reason it is given and
    who is told are ``cases.cancel_as_system``'s."""
    from .cases import cancel_as_system  # cases saves through persist, which calls this module

    cancel_as_system(session, child.id)


def links_of(
    session: Session, instance: ProcessInstance, may_see: Callable[[ProcessInstance], bool]
) -> tuple[CallLink | None, list[CallLink]]:
    """The case's caller and the cases it called (oldest first), those ``may_see`` allows."""
    caller = None
    if instance.parent_instance_id is not None:
        parent = session.get(ProcessInstance, instance.parent_instance_id)
        if parent is not None and may_see(parent):
            caller = _link(session, parent, instance.parent_bpmn_id or "", parent.definition_id)
    children = [
        _link(session, child, child.parent_bpmn_id or "", instance.definition_id)
        for child in _children(session, instance.id)
        if may_see(child)
    ]
    return caller, children


# -- calling ---------------------------------------------------------------------------
def _call(
    session: Session,
    caller: ProcessInstance,
    workflow: BpmnWorkflow,
    runtime: Runtime,
    process: ParsedProcess,
    work: WaitingWork,
) -> None:
    spec = work.spec
    assert isinstance(spec, CaseCall)
    depth = _depth(session, caller)
    if depth >= MAX_CALL_DEPTH:
        _fail(session, caller, work.bpmn_id, f"calls nest {depth} cases deep (does a process call itself?)")
        return
    definition = called_definition(session, spec, caller.definition_id)
    if definition is None:
        _fail(
            session,
            caller,
            work.bpmn_id,
            f"the called process {spec.called_element!r} ({_binding(spec)}) is not deployed",
        )
        return
    try:
        data = runtime.call_inputs(workflow, work.task_id)
        called = processes.get(definition)
        # what it maps from a confidential field is confidential in the called case
        # (confidentiality.case_confidential); a confidential value it passes otherwise is not
        unprotected = carried_unprotected(session, caller, variables(workflow), spec, called, data)
        if unprotected:  # an incident: nothing is shown to anyone, the designer fixes the processes
            _fail(
                session,
                caller,
                work.bpmn_id,
                f"calling {spec.called_element!r} would pass {', '.join(map(repr, unprotected))}, which carry what "
                f"this process keeps confidential or names the readers of, to a process whose forms do not keep "
                f"them so: mark those fields alike there, or stop passing them",
            )
            return
        child_runtime = runtime_for(session)
        child_workflow = child_runtime.start(called, {**data, "initiator": caller.started_by})
    except EngineError as exc:
        _fail(session, caller, work.bpmn_id, f"calling {spec.called_element!r} failed: {exc.message}")
        return
    _nested(session)

    def record(child: ProcessInstance) -> None:
        audit(session, SYSTEM, "call", instance_id=caller.id, bpmn_id=work.bpmn_id, data={"case": child.id})
        started = {**data, "caller": caller.id}
        audit(session, SYSTEM, "start", instance_id=child.id, bpmn_id=called.start_event_id, data=started)

    persist.create_case(
        session,
        definition.id,
        child_workflow,
        child_runtime,
        called,
        title=f"{called.name} · {caller.title}"[:500],
        started_by=caller.started_by,
        starter_unit=caller.starter_unit,
        # not asked of the called process's running cases (cases.refuse_held_key): a called
        # case shares its caller's 编号 by design (each round of a multi-instance call too),
        # and holds it against no start (cases.key_holder)
        business_key=caller.business_key if passes_business_key(spec) else None,
        on_created=record,
        parent_instance_id=caller.id,
        parent_task_id=work.task_id,
        parent_bpmn_id=work.bpmn_id,
    )


def called_definition(session: Session, spec: CaseCall, caller_definition_id: int) -> ProcessDefinition | None:
    """The version a call activity calls: the latest (default), the one deployed with the
    caller's version (``deployment``), a version number, or the latest with a version tag."""
    key = spec.called_element
    if spec.binding == "version":
        return session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.key == key, ProcessDefinition.version == int(spec.version)
            )
        ).first()
    if spec.binding == "deployment":
        caller = session.get(ProcessDefinition, caller_definition_id)
        if caller is not None:
            return _deployed_with(session, key, caller)
    if spec.binding == "versionTag":
        versions = session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.key == key).order_by(ProcessDefinition.version.desc())
        )
        return next((d for d in versions if _version_tag(d) == spec.version_tag), None)
    return repo.latest_definition(session, key)


def _deployed_with(session: Session, key: str, caller: ProcessDefinition) -> ProcessDefinition | None:
    """The version of ``key`` that was the latest when ``caller`` was deployed, its own
    deployment included: every version one deploy stores is dated alike
    (engine/usecases/definitions.py), so the one deployed beside the caller is not "later"
    whichever document came first. A version stored before deploys were dated alike, with
    none of ``key`` older than it, was deployed with its callee in the same command (deploy
    refuses a call to a process deployed neither before nor with it): the first one after."""
    versions = select(ProcessDefinition).where(ProcessDefinition.key == key)
    found = session.scalars(
        versions.where(ProcessDefinition.deployed_at <= caller.deployed_at)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    if found is not None:
        return found
    return session.scalars(versions.order_by(ProcessDefinition.version).limit(1)).first()


def _version_tag(definition: ProcessDefinition) -> str:
    root = etree.fromstring(definition.bpmn_xml.encode("utf-8"))
    found = root.xpath(f"./bpmn:process[@id={_literal(definition.key)}]", namespaces=NSMAP)
    return (found[0].get(f"{{{CAMUNDA_NS}}}versionTag") or "") if found else ""


def _literal(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"


def _binding(spec: CaseCall) -> str:
    if spec.binding == "version":
        return f"version {spec.version}"
    if spec.binding == "versionTag":
        return f"version tag {spec.version_tag!r}"
    return "the version deployed with the caller" if spec.binding == "deployment" else "latest version"


# -- returning -------------------------------------------------------------------------
def _return_to_caller(session: Session, child: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime) -> None:
    caller = repo.instance_for_update(session, child.parent_instance_id or 0)
    if caller is None or caller.status != InstanceStatus.RUNNING or child.parent_task_id is None:
        return
    code = _error_code(workflow) if child.status == InstanceStatus.COMPLETED else None
    if child.status == InstanceStatus.COMPLETED and code is None:
        _answer(session, caller, child.parent_task_id, child, runtime.variables(workflow))
        return
    process = processes.get_by_id(session, caller.definition_id)
    caller_runtime = runtime_for(session)
    caller_workflow = restore_case(session, caller_runtime, process, caller)
    bpmn_id = child.parent_bpmn_id or ""
    if code is None:
        _fail(session, caller, bpmn_id, f"the called case {child.id} was cancelled")
        return
    try:
        caught = caller_runtime.throw_error(caller_workflow, child.parent_task_id, code)
    except EngineError as exc:
        _fail(session, caller, bpmn_id, f"the called case {child.id} ended with the error {code!r}: {exc.message}")
        return
    if not caught:
        _fail(
            session,
            caller,
            bpmn_id,
            f"the called case {child.id} ended with the error {code!r}, which no boundary event catches",
        )
        return
    audit(session, SYSTEM, "call_error", instance_id=caller.id, bpmn_id=bpmn_id, data={"case": child.id, "code": code})
    _nested(session)
    persist.save_instance(session, caller, caller_workflow, caller_runtime, process)


def _answer(
    session: Session,
    caller: ProcessInstance,
    task_id: str,
    child: ProcessInstance,
    child_variables: dict[str, object] | None = None,
) -> None:
    """The called case ended: its caller's call activity gets what ``camunda:out`` maps and moves on."""
    caller = repo.instance_for_update(session, caller.id) or caller
    process = processes.get_by_id(session, caller.definition_id)
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, caller)
    task = runtime.task(workflow, task_id)
    spec = task.task_spec
    if not isinstance(spec, CaseCall):
        return
    if child_variables is None:
        child_process = processes.get_by_id(session, child.definition_id)
        child_runtime = runtime_for(session)
        child_variables = child_runtime.variables(child_runtime.restore(child_process, child.workflow_json))
    try:
        runtime.finish_waiting(workflow, task_id, mapped_outputs(spec, dict(child_variables)))
    except EngineError as exc:
        _fail(session, caller, spec.bpmn_id or "", f"after the called case {child.id} ended: {exc.message}")
        return
    audit(session, SYSTEM, "call_returned", instance_id=caller.id, bpmn_id=spec.bpmn_id, data={"case": child.id})
    _nested(session)
    persist.save_instance(session, caller, workflow, runtime, process)


def _error_code(workflow: BpmnWorkflow) -> str | None:
    """The error code of the error end event the case ended at, if it did."""
    for event in workflow.bpmn_events:
        if isinstance(event.event_definition, ErrorEventDefinition):
            return str(event.event_definition.code or event.event_definition.name or "error")
    return None


def _error_code_of(session: Session, child: ProcessInstance) -> str | None:
    process = processes.get_by_id(session, child.definition_id)
    return _error_code(runtime_for(session).restore(process, child.workflow_json))


# -- bookkeeping -----------------------------------------------------------------------
def _fail(session: Session, caller: ProcessInstance, bpmn_id: str, message: str) -> None:
    incidents.record(session, caller.id, IncidentKind.CALL, bpmn_id, message)


def _failed_call_open(session: Session, caller: ProcessInstance, work: WaitingWork) -> bool:
    return incidents.is_open(session, caller.id, IncidentKind.CALL, work.bpmn_id)


def _nested(session: Session) -> None:
    count = session.info.get(_NESTED_SAVES, 0) + 1
    session.info[_NESTED_SAVES] = count
    if count > MAX_NESTED_SAVES:
        raise ScriptError(
            f"more than {MAX_NESTED_SAVES} called cases ended at once in one action: "
            "does a process call, without waiting, a process that calls it back?"
        )


def _children(session: Session, instance_id: int) -> list[ProcessInstance]:
    return list(
        session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.parent_instance_id == instance_id)
            .order_by(ProcessInstance.id)
        )
    )


def _depth(session: Session, instance: ProcessInstance) -> int:
    depth, parent_id = 0, instance.parent_instance_id
    while parent_id is not None and depth <= MAX_CALL_DEPTH:
        depth += 1
        parent_id = session.scalar(select(ProcessInstance.parent_instance_id).where(ProcessInstance.id == parent_id))
    return depth


def _link(session: Session, instance: ProcessInstance, bpmn_id: str, caller_definition_id: int) -> CallLink:
    definition = session.get(ProcessDefinition, instance.definition_id)
    step_names = element_names(processes.get_by_id(session, caller_definition_id))
    return CallLink(
        instance.id,
        instance.title,
        definition.name if definition else "",
        instance.status.value,
        bpmn_id,
        step_names.get(bpmn_id, bpmn_id),
    )
