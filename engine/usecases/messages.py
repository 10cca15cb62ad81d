"""Messages and signals from outside: another system (or the command line) tells the cases
waiting for something that it happened, with variables that go into their data; or starts
a case of the process whose message or signal start event catches it. A case waiting at a
receive task that names no message (a plain wait state) is continued by its id and that task's
element id (``trigger_task``, Camunda's ``runtimeService.trigger``).

Candidates are found in the ``subscriptions`` index that every save of a case writes (what it
waits for, by kind and name), never by reading workflows: a message names the case by its id
(Camunda's ``processInstanceId``: cases with neither business key nor telling data), by its
business key (an indexed column of the case), or by correlation variables, compared with the
data of the cases subscribed to that name (only those are restored). A message reaches exactly
one case (none waiting: the one process it starts gets a new case, given no correlation
variables; none: NotFound; several: Conflict naming them); a signal every case waiting for it
and starts a case of every process it starts. Each case reached is locked, moved on by the
engine and saved (``save_instance``, which rewrites its subscriptions) in the caller's one
transaction.

What comes in from outside follows one rule at every door (given_variables): variable names
scripts can read, the variables a process's forms declare of the type they declare (checked
against the process of each case reached, or started), the business key without the spaces
around it. A message start event given a business key that a running case of its process
already has is refused (Conflict naming that case): Camunda allows two cases with one business
key, but here it is the case's 编号, the number the office files it by, and a second case with
it would leave every later message by that key a Conflict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus, SubscriptionKind
from storage.models import ProcessDefinition, ProcessInstance, Subscription

from .. import access
from ..access import Actor
from ..bpmn.start_events import started_by_events
from ..errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from . import incidents
from .cases import case_title, key_holder, refuse_held_key, refuse_title_and_key
from .context import audit, processes, runtime_for
from .given_variables import business_key_given, checked_names, typed_variables
from .offering import stopped_keys
from .persist import create_case, save_instance
from .workflow_cache import restore_case

MAX_NAME = 200
MAX_LISTED = 20  # cases named in a "several cases wait" refusal


@dataclass(frozen=True)
class Delivery:
    """What a message or signal reached: the cases (ids) and, per case, the elements that caught it."""

    kind: str
    name: str
    instance_ids: list[int] = field(default_factory=list)
    elements: dict[int, list[str]] = field(default_factory=dict)
    started: list[int] = field(default_factory=list)  # of them, the cases a start event began
    # a signal's starts not made: process key → the running case that holds the 编号 it carried
    held: dict[str, int] = field(default_factory=dict)


def send_message(
    session: Session,
    actor: Actor,
    name: str,
    *,
    business_key: str | None = None,
    correlation: Mapping[str, Any] | None = None,
    variables: Mapping[str, Any] | None = None,
    instance_id: int | None = None,
) -> Delivery:
    """Deliver the message ``name`` to the one case waiting for it (the case ``instance_id``,
    of that business key, or whose data has these correlation values, or the only one when
    none is given)."""
    _require(actor)
    name = _name(name)
    given, business_key = _given(variables, business_key)
    if instance_id is not None:
        return _message_to_case(session, actor, instance_id, name, business_key, correlation, given)
    candidates = _subscribed(session, SubscriptionKind.MESSAGE, name, business_key)
    if correlation:
        candidates = [i for i in candidates if _correlates(session, i, correlation)]
    where = _where(business_key, correlation)
    if not candidates and not correlation:
        return _start_by(session, actor, SubscriptionKind.MESSAGE, name, business_key, given)
    matched_by = _matched_by(business_key, correlation)
    if not candidates:
        raise NotFound(f"no case waits for the message {name!r}{where}", "message_not_awaited", name=name, **matched_by)
    if len(candidates) > 1:
        listed = ", ".join(str(i) for i in candidates[:MAX_LISTED]) + (" …" if len(candidates) > MAX_LISTED else "")
        shared = business_key if business_key is not None else _shared_key(session, candidates)
        raise Conflict(
            f"{len(candidates)} cases wait for the message {name!r}{where}: {listed}; "
            + (
                "name one by its business key, correlation variables or case id (instance_id, --case)"
                if shared is None
                else f"they all have the business key {shared!r}, which cannot tell them apart: "
                "name one by its case id (instance_id, --case)"
            ),
            "message_awaited_by_several",
            name=name,
            count=len(candidates),
            cases=candidates[:MAX_LISTED],
            shared_key=shared,
            **matched_by,
        )
    [instance_id] = candidates
    delivery = Delivery("message", name)
    _deliver(session, actor, instance_id, SubscriptionKind.MESSAGE, name, given, delivery, typed=True)
    return delivery


def _message_to_case(
    session: Session,
    actor: Actor,
    instance_id: int,
    name: str,
    business_key: str | None,
    correlation: Mapping[str, Any] | None,
    variables: dict[str, Any],
) -> Delivery:
    """The message for the case named by its id (Camunda's ``processInstanceId``): the way to
    reach one of several cases nothing else tells apart. It must wait for the message (and
    have the business key and correlation values when they are given too); it never starts a
    case. Who may send it is the rule for every message: it moves whichever case it reaches."""
    instance = repo.instance_for_update(session, instance_id)
    if instance is None:
        raise NotFound(f"no case {instance_id}", "no_case_to_reach", case=instance_id)
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(
            f"case {instance_id} is {instance.status.value}: it does not wait for the message {name!r} any more",
            "case_ended_for_message",
            case=instance_id,
            status=instance.status.value,
            name=name,
        )
    where = _where(business_key, correlation)
    matches = (
        _waits(session, instance_id, SubscriptionKind.MESSAGE, name)
        and (business_key is None or instance.business_key == business_key)
        and (not correlation or _correlates(session, instance_id, correlation))
    )
    delivery = Delivery("message", name)
    if matches:  # the case is locked and running: delivered to as it is
        _deliver_to(session, actor, instance, SubscriptionKind.MESSAGE, name, variables, delivery, typed=True)
    if not delivery.instance_ids:
        raise NotFound(
            f"case {instance_id} does not wait for the message {name!r}{where}",
            "message_not_awaited_by_case",
            case=instance_id,
            name=name,
            **_matched_by(business_key, correlation),
        )
    return delivery


def send_signal(session: Session, actor: Actor, name: str, *, variables: Mapping[str, Any] | None = None) -> Delivery:
    """Broadcast the signal ``name`` to every case waiting for it (none: an empty delivery)."""
    _require(actor)
    return broadcast_signal(session, actor, _name(name), checked_names(variables), typed=True)


def broadcast_signal(
    session: Session,
    actor: Actor,
    name: str,
    variables: dict[str, Any],
    *,
    business_key: str | None = None,
    besides: int | None = None,
    typed: bool = False,
) -> Delivery:
    """The signal reaches every case waiting for it but ``besides`` (the case that threw it:
    the engine delivered it there already) and starts a case of every process it starts,
    with ``business_key``, unless a running case of that process holds it (``Delivery.held``).
    Who may send it is the caller's question; ``typed``: the variables come from outside, and
    each case's process checks those its forms declare."""
    delivery = Delivery("signal", name)
    signal = SubscriptionKind.SIGNAL
    for instance_id in _subscribed(session, signal, name, None):
        if instance_id != besides:
            _deliver(session, actor, instance_id, signal, name, dict(variables), delivery, typed=typed)
    for definition in _starting(session, signal, name):
        _start(session, actor, definition, signal, name, business_key, dict(variables), delivery, typed=typed)
    return delivery


def _start_by(
    session: Session,
    actor: Actor,
    kind: SubscriptionKind,
    name: str,
    business_key: str | None,
    variables: dict[str, Any],
) -> Delivery:
    """No case waits for the message: the one process it starts gets a new case (Camunda's
    message start event), with the business key given."""
    starting = _starting(session, kind, name)
    if not starting:
        where = _where(business_key, None)
        raise NotFound(
            f"no case waits for the message {name!r}{where}, and no process starts on it",
            "message_starts_nothing",
            name=name,
            key=business_key,
        )
    if len(starting) > 1:
        keys = [d.key for d in starting]
        raise Conflict(
            f"the message {name!r} starts several processes ({', '.join(keys)}): it must start one",
            "message_starts_several",
            name=name,
            processes=keys,
        )
    delivery = Delivery(kind.value, name)
    _start(session, actor, starting[0], kind, name, business_key, variables, delivery, typed=True)
    return delivery


def trigger_task(
    session: Session,
    actor: Actor,
    case_id: int,
    element_id: str,
    variables: Mapping[str, Any] | None = None,
) -> Delivery:
    """Continue the receive task without a message (a plain wait state, engine/bpmn/triggers.py)
    at which the case ``case_id`` waits, named by its element id, ``variables`` merged into the
    case's data (Camunda's ``runtimeService.trigger``). Like a message, found by the index."""
    _require(actor)
    element_id = _name(element_id, "element")
    given = checked_names(variables)
    instance = repo.instance_for_update(session, case_id)
    if instance is None:
        raise NotFound(f"no case {case_id}", "no_case_to_reach", case=case_id)
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(
            f"case {case_id} is {instance.status.value}: it waits for nothing any more",
            "case_ended_for_trigger",
            case=case_id,
            status=instance.status.value,
        )
    delivery = Delivery(SubscriptionKind.TRIGGER.value, element_id)
    # the case is locked and running: delivered to as it is
    if _waits(session, case_id, SubscriptionKind.TRIGGER, element_id):
        _deliver_to(session, actor, instance, SubscriptionKind.TRIGGER, element_id, given, delivery, typed=True)
    if not delivery.instance_ids:
        raise NotFound(
            f"case {case_id} does not wait at {element_id!r} (a receive task without a message)",
            "trigger_not_awaited",
            case=case_id,
            element=element_id,
        )
    return delivery


def _starting(session: Session, kind: SubscriptionKind, name: str) -> list[ProcessDefinition]:
    """The processes (latest versions, offered for new cases) a start event of which catches it."""
    stopped = stopped_keys(session)
    return [
        d
        for d in repo.latest_definitions(session)
        if d.key not in stopped and (kind.value, name) in started_by_events(processes.get(d).spec)
    ]


def _start(
    session: Session,
    actor: Actor,
    definition: ProcessDefinition,
    kind: SubscriptionKind,
    name: str,
    business_key: str | None,
    variables: dict[str, Any],
    delivery: Delivery,
    *,
    typed: bool,
) -> None:
    process = processes.get(definition)
    if typed:
        variables = typed_variables(session, process, variables)
    if business_key is not None and kind == SubscriptionKind.MESSAGE:
        refuse_held_key(session, definition, business_key)
    elif business_key is not None:
        # A signal carries a 编号 only when a case throws it with its own (thrown_signals): a
        # broadcast, not a request for this one start. A process of which a running case holds
        # the 编号 already gets no second case (one 编号, one running case, as at every door),
        # and the thrower is not failed for it: the start is left out, and the throw's audit
        # entry names the case that holds it.
        holder = key_holder(session, definition, business_key)
        if holder is not None:
            delivery.held[definition.key] = holder
            return
    title = case_title(process, variables)
    # the message's variables stand for the start form's data: its title and key show as a
    # started case's do, so they are refused as a start refuses them
    refuse_title_and_key(process, variables, title, given=False, business_key=business_key, unchecked_data=True)
    runtime = runtime_for(session)
    workflow = runtime.start(process, {"initiator": actor.username})
    caught = runtime.deliver(workflow, kind.value, name, variables)
    if not caught:
        raise Conflict(f"process {definition.key!r} has a {kind.value} start event {name!r} its case does not wait at")
    bpmn_ids = sorted({runtime.task(workflow, task_id).task_spec.bpmn_id or "" for task_id in caught})

    def record(instance: ProcessInstance) -> None:
        data = {kind.value: name, "variables": variables}
        audit(session, actor, "start", instance_id=instance.id, bpmn_id=bpmn_ids[0], data=data)

    instance, _ready = create_case(
        session,
        definition.id,
        workflow,
        runtime,
        process,
        title=title,
        started_by=actor.username,
        starter_unit=actor.department,
        business_key=business_key,
        acting=actor.username,
        on_created=record,
    )
    delivery.instance_ids.append(instance.id)
    delivery.elements[instance.id] = bpmn_ids
    delivery.started.append(instance.id)


def _given(variables: Mapping[str, Any] | None, business_key: str | None) -> tuple[dict[str, Any], str | None]:
    """A message's variables (their names) and business key (trimmed), as given_variables
    takes them; each refused one named at once."""
    refused: dict[str, FieldError] = {}
    given: dict[str, Any] = {}
    try:
        given = checked_names(variables)
    except InvalidData as wrong:
        refused.update(wrong.codes)
    try:
        business_key = business_key_given(business_key)
    except InvalidData as wrong:
        refused.update(wrong.codes)
    if refused:
        raise InvalidData(refused)
    return given, business_key


def _require(actor: Actor) -> None:
    if not access.may_send_messages(actor):
        raise NotAllowed(
            f"{actor.username} may not send messages or signals, nor continue a waiting receive task "
            f"(needs the permission {access.Permission.MESSAGE_SEND.value})"
        )


def _name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidData({field: f"a name of 1 to {MAX_NAME} characters"})
    return name


def _where(business_key: str | None, correlation: Mapping[str, Any] | None) -> str:
    parts = []
    if business_key is not None:
        parts.append(f"business key {business_key!r}")
    if correlation:
        parts.append(", ".join(f"{k}={v!r}" for k, v in correlation.items()))
    return f" with {' and '.join(parts)}" if parts else ""


def _matched_by(business_key: str | None, correlation: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a message was matched by, as a refusal's params carry it (REASONS: key, correlation)."""
    return {"key": business_key, "correlation": dict(correlation) if correlation else None}


def _subscribed(session: Session, kind: SubscriptionKind, name: str, business_key: str | None) -> list[int]:
    """The running cases subscribed to ``kind`` ``name`` (of that business key), by id: the index only."""
    query = (
        select(Subscription.instance_id)
        .join(ProcessInstance, ProcessInstance.id == Subscription.instance_id)
        .where(
            Subscription.kind == kind,
            Subscription.name == name,
            ProcessInstance.status == InstanceStatus.RUNNING,
        )
        .distinct()
        .order_by(Subscription.instance_id)
    )
    if business_key is not None:
        query = query.where(ProcessInstance.business_key == business_key)
    return list(session.scalars(query))


def _shared_key(session: Session, instance_ids: list[int]) -> str | None:
    """The 编号 every one of the cases has, if they all have the same one (a called case and
    its caller, or the office's own case of the called process, ``cases.own_cases``): then
    the 编号 cannot tell them apart, only their ids can. None: they have none, or several."""
    keys = set(session.scalars(select(ProcessInstance.business_key).where(ProcessInstance.id.in_(instance_ids))))
    return keys.pop() if len(keys) == 1 else None


def _waits(session: Session, instance_id: int, kind: SubscriptionKind, name: str) -> bool:
    """The index says the case waits for ``kind`` ``name``."""
    found = session.scalar(
        select(Subscription.id)
        .where(Subscription.instance_id == instance_id, Subscription.kind == kind, Subscription.name == name)
        .limit(1)
    )
    return found is not None


def _correlates(session: Session, instance_id: int, correlation: Mapping[str, Any]) -> bool:
    """The case's data has each correlation value (compared as given, and as text: a value
    typed on the command line is text)."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return False
    process = processes.get_by_id(session, instance.definition_id)
    runtime = runtime_for(session)
    data = runtime.variables(runtime.restore(process, instance.workflow_json))
    return all(
        key in data and (data[key] == value or str(data[key]) == str(value)) for key, value in correlation.items()
    )


def _deliver(
    session: Session,
    actor: Actor,
    instance_id: int,
    kind: SubscriptionKind,
    name: str,
    variables: dict[str, Any],
    delivery: Delivery,
    *,
    typed: bool,
) -> None:
    instance = repo.instance_for_update(session, instance_id)
    if instance is None or instance.status != InstanceStatus.RUNNING:
        return
    _deliver_to(session, actor, instance, kind, name, variables, delivery, typed=typed)


def _deliver_to(
    session: Session,
    actor: Actor,
    instance: ProcessInstance,
    kind: SubscriptionKind,
    name: str,
    variables: dict[str, Any],
    delivery: Delivery,
    *,
    typed: bool,
) -> None:
    """Deliver to a running case its caller has locked; ``typed``: the variables come from
    outside, and those the case's forms declare take their declared types (given_variables)."""
    instance_id = instance.id
    process = processes.get_by_id(session, instance.definition_id)
    if typed:
        variables = typed_variables(session, process, variables)
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, instance)
    caught = runtime.deliver(workflow, kind.value, name, variables)
    if not caught:  # the index said it waits, the workflow does not (changed meanwhile): left as it is
        return
    bpmn_ids = sorted({runtime.task(workflow, task_id).task_spec.bpmn_id or "" for task_id in caught})
    audit(
        session,
        actor,
        f"{kind.value}_received",
        instance_id=instance_id,
        bpmn_id=bpmn_ids[0] if bpmn_ids else None,
        data={"name": name, "variables": variables},
    )
    save_instance(session, instance, workflow, runtime, process, acting=actor.username)
    incidents.resolve_stuck(session, instance_id, actor)
    delivery.instance_ids.append(instance_id)
    delivery.elements[instance_id] = bpmn_ids
