"""Cases (process instances), as the access policy allows: the processes one may start
and their start forms, starting, cancelling, and a case with everything its page shows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage import advisory_locks, writes
from storage import repositories as repo
from storage.enums import InstanceStatus, TimerState, WorkItemState
from storage.models import CaseFacts, ExternalTask, ProcessDefinition, ProcessInstance, Subscription, User, WorkItem
from storage.repositories import DefinitionHead, ItemRow

from .. import access, clock
from ..access import Actor
from ..bpmn.camunda import TITLE_FIELDS
from ..bpmn.forms import FormField, FormSpec
from ..bpmn.parsing import ParsedProcess
from ..bpmn.start_events import only_started_by_events, start_by_hand
from ..bpmn.waiting_tasks import ExternalServiceTask
from ..bpmn.workflow_state import Rounds, WaitingWork
from ..deadlines.legal import local_day
from ..errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from ..text import control_character, one_line, phone_number_in, zero_width_character
from . import (
    audit_log,
    calls,
    case_facts,
    external_task_list,
    external_tasks,
    incidents,
    notifications,
    outgoing_mails,
    supervision,
)
from .attachments import AttachmentView, list_attachments
from .case_deadlines import CaseDeadline, DeadlineState, case_deadlines, case_steps
from .closed_tasks import cancellation
from .comments import CommentView, list_comments
from .confidentiality import (
    case_variables,
    hidden_fields,
    history_for,
    notes_confidential_by_default,
    title_carries,
)
from .context import SYSTEM, audit, processes, runtime_for
from .given_variables import business_key_given
from .labels import element_names, field_labels, named_in_history, people_names, routing_choices, value_labels
from .offering import refuse_if_stopped, stopped_keys
from .option_lists import choices, option_sources
from .persist import create_case, sync_subscriptions
from .record_tables import EndedRun, RecordTable, ended_runs, ended_tables, record_tables
from .results import HistoryEntry, InstanceDetail, LedgerRow, StartedCase, TaskSummary, WaitingStep
from .visibility import RoundScope, may_see_case, round_scope, visible_case, visible_case_for_update, visible_task
from .workflow_cache import restore_case

TITLE_LENGTH = 500  # process_instances.title
MAX_REASON_CHARS = 1000


def startable_definitions(session: Session, actor: Actor) -> list[ProcessDefinition]:
    stopped = stopped_keys(session)  # a designer stopped offering these for new cases
    return [
        d
        for d in repo.latest_definitions(session)
        if d.key not in stopped
        and access.may_start(actor, processes.get(d).starter_groups)
        and not only_started_by_events(processes.get(d).spec)  # a message or signal starts it
    ]


def _startable(session: Session, actor: Actor, key: str) -> tuple[DefinitionHead, ParsedProcess]:
    """The latest version of ``key`` and its parsed process, if ``actor`` may start it and a
    designer has not stopped offering it (the version and its offering read in one statement)."""
    definition = repo.latest_definition_head(session, key)
    if definition is None:
        raise NotFound(f"no process {key!r} is deployed", "no_process", process=key)
    process = processes.get_by_id(session, definition.id)
    if not access.may_start(actor, process.starter_groups):
        raise NotAllowed(f"{actor.username} may not start {key!r}", "may_not_start", process=definition.name or key)
    refuse_if_stopped(key, definition.offering, definition.name)
    return definition, process


def start_instance(
    session: Session,
    actor: Actor,
    key: str,
    data: dict[str, Any],
    *,
    title: str | None = None,
    business_key: str | None = None,
    validate: bool = True,
) -> StartedCase:
    """Start the latest version of ``key`` with the start form's data. Its business key (编号),
    if given, is one no running case of the process holds (``refuse_held_key``, as a message
    start refuses it): refused after the form's fields, before anything is started."""
    definition, process = _startable(session, actor, key)
    # the 编号 as every door takes it: without the spaces around it, spaces alone refused
    try:
        business_key = business_key_given(business_key)
        key_refused: dict[str, FieldError] = {}
    except InvalidData as exc:
        key_refused = exc.codes
    # Every refusal is said in one round (a future 收到日期 and a 事由 holding the petitioner's
    # phone, both at once): each check goes on after another refused something.
    refused: dict[str, FieldError] = {}
    if validate:
        own = _own_fields(actor, process)
        refused = _others_in_own_fields(process.start_form, own, data)
        # checked as if typed in, so that the fields compared with them see them (distinct_from)
        data, form_refused = process.start_form.check({**data, **own}, option_sources(session, process.start_form))
        refused = {**form_refused, **refused}
    # The title and 编号 are checked against the values the form accepted: a refused value is
    # none yet (what it would carry is checked once it is corrected). A field's own refusal is
    # said before what the title makes of it.
    shown_title = case_title(process, data, title)
    refused = {
        **title_and_key_refusals(process, data, shown_title, given=bool(title), business_key=business_key),
        **key_refused,
        **refused,
    }
    if refused:
        raise InvalidData(refused)
    if business_key is not None:
        refuse_held_key(session, definition, business_key)
    runtime = runtime_for(session)
    workflow = runtime.start(process, {**data, "initiator": actor.username})
    start_by_hand(workflow, runtime.fire_timers)
    instance, ready = create_case(
        session,
        definition.id,
        workflow,
        runtime,
        process,
        title=shown_title,
        started_by=actor.username,
        starter_unit=actor.department,
        business_key=business_key,
        acting=actor.username,
        on_created=lambda case: audit(
            session, actor, "start", instance_id=case.id, bpmn_id=process.start_event_id, data=data
        ),
    )
    return StartedCase(
        **_as_stored(instance, definition),
        open_tasks=[TaskSummary.of(i, instance.title, definition.key, definition.name) for i in ready],
    )


def refuse_held_key(session: Session, definition: ProcessDefinition | DefinitionHead, business_key: str) -> None:
    """A case's business key is its 编号, the number the office files it by and every later
    message reaches it by: a running case of the same process (any version) that has it already
    is named instead, and no second case is started with it, whichever door the start came by:
    by hand (``start_instance``: the API's and the command line's start) or by a message start
    event (``messages``; Camunda would start a second case with it). A case that ended (done
    or cancelled) frees its 编号. A case a call activity started (``camunda:in businessKey``)
    shares its caller's 编号 by design, as each round of a multi-instance call does: it is
    filed under its caller's, and is neither refused for it nor holds it (``key_holder``)."""
    holder = key_holder(session, definition, business_key)
    if holder is not None:
        raise Conflict(
            f"the running case {holder} of {definition.key!r} has the business key {business_key!r} already: "
            "no second case is started with it (give the new case another business key)",
            "business_key_held",
            key=business_key,
            case=holder,
            process=definition.name or definition.key,
        )


def key_holder(session: Session, definition: ProcessDefinition | DefinitionHead, business_key: str) -> int | None:
    """The running case of ``definition``'s process (any version) that holds ``business_key``,
    if one does: what every start with a 编号 asks before it inserts its case (``refuse_held_key``;
    a signal start, engine/usecases/messages.py, skips the start instead of refusing).

    The question is locked by (process, 编号) until the asking transaction ends: two starts
    with one 编号 at the same instant would otherwise both read no holder on PostgreSQL (READ
    COMMITTED) and both insert; with the lock the second waits for the first to commit and
    then reads its case. On SQLite writers run one at a time already (storage/advisory_locks.py).

    A called case holds no 编号 (``own_cases``)."""
    advisory_locks.lock_until_transaction_ends(session, "business_key", definition.key, business_key)
    return session.scalar(
        own_cases(definition.key)
        .with_only_columns(ProcessInstance.id)
        .where(ProcessInstance.business_key == business_key, ProcessInstance.status == InstanceStatus.RUNNING)
        .order_by(ProcessInstance.id)
        .limit(1)
    )


def own_cases(process_key: str) -> Select[ProcessInstance]:
    """The cases of the process ``process_key`` (any version) that are its own: started by
    hand, by a message or signal, by a timer or by a ledger's import, not by a call activity.
    A called case carries its caller's 编号 (``camunda:in businessKey``), which the caller
    holds among the cases of its own process, so the office's own case of the called process
    may have it too: whoever looks a case of a process up by 编号 (``key_holder``; a ledger's
    row, ``ledger._existing``) means that one, never a case filed under another's.
    (``parent_task_id``, not the caller's id: that one is emptied if the caller is deleted.)"""
    return (
        select(ProcessInstance)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessDefinition.key == process_key, ProcessInstance.parent_task_id.is_(None))
    )


# A start-form field's property naming a group: the field holds the starter themself when
# they may start the process only as a member of that group (``access.starts_only_as``): a
# deputy files a proposal in their own name, the office chooses the deputy it registers for.
OWN_FOR = "own_for"


def _own_fields(actor: Actor, process: ParsedProcess) -> dict[str, str]:
    """Field → the starter's user name, for the start form's ``own_for`` fields that apply."""
    return {
        f.id: actor.username
        for f in process.start_form.fields
        if f.properties.get(OWN_FOR) and access.starts_only_as(actor, process.starter_groups, f.properties[OWN_FOR])
    }


def _others_in_own_fields(form: FormSpec, own: dict[str, str], data: dict[str, Any]) -> dict[str, FieldError]:
    """Someone else named in a field that can only hold the starter is refused, not replaced."""
    return {
        name: FieldError("not_allowed_value", {"value": str(data[name])}, getattr(form.field(name), "label", name))
        for name, username in own.items()
        if data.get(name) not in (None, "", username)
    }


def _start_form_for(form: FormSpec, own: dict[str, str]) -> FormSpec:
    """The start form as this starter is offered it: their own fields read-only, holding them,
    and the fields that must differ from one of those (``distinct_from``: 联名代表 beside 提出代表)
    not offering the starter, whom they would refuse."""
    if not own:
        return form
    return FormSpec(tuple(_offered_to(f, own) for f in form.fields))


def _offered_to(f: FormField, own: dict[str, str]) -> FormField:
    if f.id in own:
        return dataclasses.replace(f, default=own[f.id], constraints={**f.constraints, "readonly": ""})
    if f.distinct_from in own:
        excluded = ",".join((*f.options_excluded, own[f.distinct_from]))
        return dataclasses.replace(f, properties={**f.properties, "options_exclude": excluded})
    return f


def _as_stored(instance: ProcessInstance, definition: ProcessDefinition | DefinitionHead) -> dict[str, Any]:
    """A case's own columns and its version's names: what a ``StartedCase`` says of it."""
    return {
        "id": instance.id,
        "process_key": definition.key,
        "process_name": definition.name,
        "version": definition.version,
        "definition_id": definition.id,
        "title": instance.title,
        "business_key": instance.business_key,
        "status": instance.status.value,
        "revision": instance.revision,
        "started_by": instance.started_by,
        "started_at": instance.started_at,
        "ended_at": instance.ended_at,
    }


def case_title(process: ParsedProcess, data: dict[str, Any], given: str | None = None) -> str:
    """A new case's title: the one given, else from its start data, else the process's name
    and the day (the office's day, Beijing time: before 08:00 the UTC date is still yesterday's).
    Spaces, tabs and line breaks around it are no part of it (a list shows a title on one line),
    nor are zero-width characters anywhere in it, which show nothing and would keep search from
    finding it as shown (``one_line``); a title of nothing else is none."""
    chosen = one_line(given or "") or one_line(_title_from(process, data) or "")
    return _title(chosen or f"{process.name} {local_day(clock.now()):%Y-%m-%d}")


def refuse_title_and_key(
    process: ParsedProcess,
    data: dict[str, Any],
    title: str,
    *,
    given: bool,
    business_key: str | None,
    unchecked_data: bool = False,
) -> None:
    """A case's title and business key (编号) as people typed them: every list shows them and
    search reads them, so neither holds a control character (each export of the case would
    fail on it) or carries a confidential value of the start form (``_carried_in_title``,
    ``business_key_refusal``); refused, each at its field, before anything is started. A
    title made of ``data`` the start form did not check (``unchecked_data``: a message's
    variables) is checked for control characters as a typed one is."""
    refused = title_and_key_refusals(
        process, data, title, given=given, business_key=business_key, unchecked_data=unchecked_data
    )
    if refused:
        raise InvalidData(refused)


def title_and_key_refusals(
    process: ParsedProcess,
    data: dict[str, Any],
    title: str,
    *,
    given: bool,
    business_key: str | None,
    unchecked_data: bool = False,
) -> dict[str, FieldError]:
    """What ``refuse_title_and_key`` refuses, by field, without raising (the start says it
    with the start form's own refusals)."""
    refused = _carried_in_title(process, data, title, given=given)
    if (given or unchecked_data) and (bad := control_character(title)) is not None:
        refused["title"] = bad
    if business_key is not None and (bad := business_key_refusal(process, data, business_key)) is not None:
        refused["business_key"] = bad
    return refused


def _carried_in_title(
    process: ParsedProcess, data: dict[str, Any], title: str, *, given: bool
) -> dict[str, FieldError]:
    """A case's title is shown to everyone who sees the case (lists, search, notifications,
    mails), so deploy keeps confidential fields from being its source; a title typed in, or a
    title field typed into, that repeats a confidential value (the petitioner's name or phone)
    would carry it there all the same: refused at the field it was typed in. Found however it
    is typed ("138-1234-5678", "陈 小红", "陈\u200b小红"), as the case's texts mask it (``title_carries``)."""
    secrets = _start_secrets(process, data)
    sources = [] if given else [*process.title_fields, *TITLE_FIELDS]
    carried = next((label for label, value in secrets.items() if title_carries([value], title)), None)
    if carried is None:
        # a process that keeps its start's people confidential (a petitioner) keeps every phone
        # number out of a title: one typed in the 事由 beside an empty 联系电话 is as much his
        number = phone_number_in(title) if secrets else None
        if number is None:
            return {}
        where = next((name for name in sources if phone_number_in(str(data.get(name) or ""))), "title")
        return {where: FieldError("title_holds_phone", {"number": number})}
    where = next((name for name in sources if title_carries([secrets[carried]], str(data.get(name) or ""))), "title")
    return {where: FieldError("title_carries_confidential", {"field": carried})}


def _start_secrets(process: ParsedProcess, data: dict[str, Any]) -> dict[str, Any]:
    """The start form's confidential fields, by label, and their values in ``data``."""
    return {f.label or f.id: data.get(f.id) for f in process.start_form.fields if f.confidential}


def business_key_refusal(process: ParsedProcess, data: dict[str, Any], business_key: str) -> FieldError | None:
    """Why a new case of ``process`` started with ``data`` may not have ``business_key`` (编号),
    if it may not: every list shows a case's 编号 and search reads it, as a title, so it holds no
    control character and repeats no confidential value of the start form (a petitioner's name
    or phone: ``张三丰-2026``), however typed (``title_carries``); refused as a title is
    (``key_carries_confidential``, said first: what it carries matters more than how). Nor a
    zero-width character, which a title loses but a 编号, compared as given, may not
    (``zero_width_character``). The ledger import asks too, to say it at the 编号 column."""
    if (bad := control_character(business_key)) is not None:
        return bad
    carried = next(
        (label for label, value in _start_secrets(process, data).items() if title_carries([value], business_key)),
        None,
    )
    if carried is not None:
        return FieldError("key_carries_confidential", {"field": carried})
    return zero_width_character(business_key)


def _title_from(process: ParsedProcess, data: dict[str, Any]) -> str | None:
    """The case's title from its start form: the process's ``title_fields`` (enum values by
    their labels), joined; else the first of TITLE_FIELDS filled in."""
    if process.title_fields:
        options = {f.id: {o.id: o.name for o in f.options} for f in process.start_form.fields}
        parts = [options.get(name, {}).get(str(data.get(name)), str(data.get(name))) for name in process.title_fields]
        return " · ".join(p for p in parts if p and p != "None") or None
    return next((str(data[f]) for f in TITLE_FIELDS if data.get(f)), None)


def _title(value: Any) -> str:
    """A case's display title: the full text stays in the case data."""
    text = one_line(str(value))
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def cancel_instance(session: Session, actor: Actor, instance_id: int, reason: str) -> None:
    """Cancel a running case: its starter's office and administrators (the access policy),
    with a reason, which the history keeps. Whoever held or was offered one of its open tasks,
    and whoever started it, is told (who cancelled it, and why); whoever issued a 督办 still
    unanswered on one of them, that it ended, withdrawn by the cancelling (as when the process
    withdraws a task)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData({"reason": FieldError("required")})
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidData({"reason": FieldError("max_length", {"max": MAX_REASON_CHARS})})
    if (refused := control_character(reason)) is not None:
        raise InvalidData({"reason": refused})
    instance = visible_case_for_update(session, actor, instance_id)
    if not access.may_cancel(actor, instance.starter_unit):
        raise NotAllowed(
            f"{actor.username} may not cancel case {instance_id}: only the office it was started "
            f"from ({instance.starter_unit or access.CONGRESS_OFFICE}) and administrators may",
            "may_not_cancel",
            case=instance_id,
        )
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(
            f"case {instance_id} is already {instance.status.value}",
            "case_not_running",
            case=instance_id,
            status=instance.status.value,
        )
    closed = _cancel(session, actor, instance, reason)
    by_name = supervision.canceller_name(session, actor.username)
    notifications.notify_cancelled(session, instance, closed, by=actor.username, by_name=by_name, reason=reason)
    supervision.tell_issuers_cancelled(session, instance, closed, by_name=by_name, acting=actor.username)


def cancel_as_system(session: Session, instance_id: int) -> None:
    """Cancel a called case whose caller no longer waits for it (engine/usecases/calls.py):
    its caller was cancelled, ended, or moved on without it (an interrupting boundary event).
    Told as a case cancelled by a person is (``cancel_instance``): whoever held or was offered
    one of its open tasks, and whoever started it, and whoever issued a 督办 on one of them; the
    reason, which its history keeps too, names the calling case and what became of it, since no
    person cancelled this one."""
    instance = repo.instance_for_update(session, instance_id)
    if instance is None or instance.status != InstanceStatus.RUNNING:
        return
    reason = _caller_gone(session, instance)
    closed = _cancel(session, SYSTEM, instance, reason)
    by_name = supervision.canceller_name(session, SYSTEM.username)
    notifications.notify_cancelled(session, instance, closed, by=SYSTEM.username, by_name=by_name, reason=reason)
    supervision.tell_issuers_cancelled(session, instance, closed, by_name=by_name, acting=SYSTEM.username)


def _caller_gone(session: Session, called: ProcessInstance) -> str:
    """Why the called case ``called`` is cancelled, in the words a cancelling's reason is
    kept in (a person's, typed in Chinese): its calling case, by number and title, and what
    became of it."""
    caller = session.get(ProcessInstance, called.parent_instance_id) if called.parent_instance_id else None
    if caller is None:
        return "调用此案件的案件已不再等待此案件"
    which = f"调用此案件的案件 #{caller.id}「{caller.title}」"
    if caller.status == InstanceStatus.CANCELLED:
        entry = cancellation(session, caller)
        if entry is None or entry.actor == SYSTEM.username:  # itself cancelled with its own caller
            return f"{which}已撤销"
        return f"{which}已由 {people_names(session, [entry.actor]).get(entry.actor, entry.actor)} 撤销"
    if caller.status == InstanceStatus.COMPLETED:
        return f"{which}已办结"
    return f"{which}已转入其他步骤，不再等待此案件"


def _cancel(session: Session, actor: Actor, instance: ProcessInstance, reason: str) -> list[ItemRow]:
    """Cancel ``instance``; returns its tasks that were open, now closed."""
    process = processes.get_by_id(session, instance.definition_id)
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, instance)
    runtime.cancel(workflow)
    now = clock.now()
    instance.status, instance.ended_at = InstanceStatus.CANCELLED, now
    instance.workflow_json = runtime.dump(workflow)
    open_items = repo.ready_item_rows(session, instance.id)
    writes.close_items(session, open_items, WorkItemState.CANCELLED, now)
    writes.update_timers(
        session,
        [
            (t, {"due_at": t.due_at, "state": TimerState.CANCELLED, "fired_at": t.fired_at})
            for t in repo.pending_timers_of_instance(session, instance.id)
        ],
    )
    sync_subscriptions(session, instance, runtime, None)  # it waits for nothing any more
    if external_tasks.used_by(process):
        external_tasks.sync(session, instance, runtime, None)  # nor for a worker
    audit(session, actor, "cancel", instance_id=instance.id, data={"reason": reason})
    session.flush()
    incidents.resolve_open(session, instance.id, actor)  # a cancelled case has nothing left to fail
    case_facts.write(session, instance, process.key, runtime.variables(workflow), workflow)
    calls.after_save(session, instance, workflow, runtime, process)  # its caller told, its called cases cancelled
    return open_items


def instance_detail(session: Session, actor: Actor, instance_id: int) -> InstanceDetail:
    """A case ``actor`` may see (NotFound otherwise): status, variables, open tasks and
    history, confidential values masked unless ``actor`` may read them."""
    instance = visible_case(session, actor, instance_id)
    detail, _scope, _workflow = _detail(session, actor, instance)
    return detail


def _detail(
    session: Session, actor: Actor, instance: ProcessInstance
) -> tuple[InstanceDetail, RoundScope, BpmnWorkflow]:
    """The case as ``actor`` may see it, what of its rounds they may not (their scope), and
    its workflow, restored to read them."""
    definition = session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    process = processes.get_by_id(session, definition.id)
    runtime = runtime_for(session)
    workflow = runtime.restore(process, instance.workflow_json)
    scope = round_scope(session, actor, instance, workflow)
    now = clock.now()
    items = session.scalars(
        select(WorkItem).where(WorkItem.instance_id == instance.id, WorkItem.state == repo.READY)
    ).all()
    open_tasks = scope.visible(TaskSummary.of(i, instance.title, definition.key, definition.name) for i in items)
    # what open rounds each hold for themselves is theirs, on their tasks, not the case's; to
    # whoever reads only their own rounds, what any round holds
    round_local = runtime.round_local(workflow) | scope.round_keys
    variables = case_variables(session, actor, instance, runtime.variables(workflow))
    waiting = _waiting_for_workers(runtime.waiting_work(workflow), element_names(process))
    detail = InstanceDetail(
        **_as_stored(instance, definition),
        variables=scope.variables({k: v for k, v in variables.items() if k not in round_local}),
        round_local=sorted(round_local.intersection(variables)),
        open_tasks=open_tasks,
        history=history_for(session, actor, instance.id, definition.id, scope),  # without others' rounds
        completed_bpmn_ids=runtime.bpmn_ids_in_state(workflow, TaskState.COMPLETED),
        # what it waits at: an open task, a message or a timer, an external system's answer
        active_bpmn_ids=sorted(
            {*runtime.bpmn_ids_in_state(workflow, TaskState.READY | TaskState.WAITING), *(w.bpmn_id for w in waiting)}
        ),
        overdue_bpmn_ids=sorted({t.bpmn_id for t in open_tasks if t.is_overdue(now)}),
        rounds=_round_counts(runtime.rounds(workflow), {t.task_id for t in open_tasks if t.is_overdue(now)}),
        pending_timers=[
            {"bpmn_id": t.bpmn_id, "kind": t.kind.value, "due_at": t.due_at}
            for t in repo.pending_timers_of_instance(session, instance.id)
        ],
        waiting_for_workers=waiting,
    )
    return detail, scope, workflow


def _waiting_for_workers(work: Iterable[WaitingWork], names: Mapping[str, str]) -> list[WaitingStep]:
    """The external tasks among what the workflow waits for (a call activity waits for the
    case it called, shown as such), by their elements' names, with their topics."""
    return [
        WaitingStep(w.bpmn_id, names.get(w.bpmn_id, w.bpmn_id), w.spec.topic)
        for w in work
        if isinstance(w.spec, ExternalServiceTask)
    ]


def waiting_after(session: Session, actor: Actor, task_id: str) -> list[WaitingStep]:
    """What the case of the task ``task_id`` now waits for from external systems (after its
    completion: the command line says it beside the tasks it opened), as the index of the
    external tasks has it; nothing for a case ``actor`` may not see (the completion stands)."""
    try:
        _item, instance = visible_task(session, actor, task_id)
    except NotFound:
        return []
    process = processes.get_by_id(session, instance.definition_id)
    names = element_names(process)
    rows = session.execute(
        select(ExternalTask.bpmn_id, ExternalTask.topic)
        .where(ExternalTask.instance_id == instance.id)
        .order_by(ExternalTask.id)
    )
    return [WaitingStep(bpmn_id, names.get(bpmn_id, bpmn_id), topic) for bpmn_id, topic in rows]


def still_running(session: Session, actor: Actor, task_id: str) -> bool:
    """Whether the case of the task ``task_id`` still runs after its completion opened no task
    for anyone: it waits for a worker, a message, a timer or a called case (the page must not
    say it ended). False for a case ``actor`` may not see any more."""
    try:
        _item, instance = visible_task(session, actor, task_id)
    except NotFound:
        return False
    return instance.status == InstanceStatus.RUNNING


def _round_counts(rounds: list[Rounds], overdue_task_ids: set[str]) -> dict[str, dict[str, int]]:
    """Per multi-instance activity, its rounds by state: completed, active, overdue (an open
    round holding an overdue task), summed over the activity's runs."""
    counts: dict[str, dict[str, int]] = {}
    for run in rounds:
        count = counts.setdefault(run.bpmn_id, {"completed": 0, "active": 0, "overdue": 0})
        count["completed"] += run.finished
        for ready in run.open:
            count["overdue" if ready & overdue_task_ids else "active"] += 1
    return counts


@dataclass(frozen=True)
class Awaited:
    """What a running case waits for from outside, at one of its elements: a message or a
    signal by name, or a trigger (a receive task without a message, named by its element id)."""

    bpmn_id: str
    kind: str
    name: str


def awaited_by(session: Session, instance_id: int) -> list[Awaited]:
    """From the subscriptions index (as the case was last saved), oldest first."""
    rows = session.execute(
        select(Subscription.bpmn_id, Subscription.kind, Subscription.name)
        .where(Subscription.instance_id == instance_id)
        .order_by(Subscription.id)
    )
    return [Awaited(bpmn_id, kind.value, name) for bpmn_id, kind, name in rows]


@dataclass(frozen=True)
class CasePage:
    detail: InstanceDetail  # variables and history already masked
    labels: dict[str, str]
    hidden: frozenset[str]
    element_names: dict[str, str]
    comments: list[CommentView]
    attachments: list[AttachmentView]
    department_names: dict[str, str]
    can_cancel: bool = False
    notes_confidential: bool = False  # new comments and attachments default to confidential
    deadlines: list[CaseDeadline] = field(default_factory=list)  # 法定期限: each, its rule, kept or not
    steps: list[CaseDeadline] = field(default_factory=list)  # 办理步骤: every task, oldest first
    # the steps (by task id) the administrator importing this year's ledger (台账) completed from
    # a row, as the history says of their completion (its ``ledger``): done then by whoever the
    # ledger says, not by him, their 办理人 (``done_by``)
    steps_from_ledger: dict[str, LedgerRow] = field(default_factory=dict)
    supervisions: list[supervision.SupervisionView] = field(default_factory=list)  # 督办, oldest first
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # field → value → its label
    people: dict[str, str] = field(default_factory=dict)  # user name → display name, of those the page names
    can_supervise: bool = False
    incidents: list[incidents.IncidentView] = field(default_factory=list)  # 故障, open first (who may see them)
    can_retry: bool = False
    # the external tasks waiting for a worker (the errors workers reported: for who may read them)
    external_tasks: list[external_task_list.ExternalTaskView] = field(default_factory=list)
    caller: calls.CallLink | None = None  # the case whose call activity started this one
    called: list[calls.CallLink] = field(default_factory=list)  # the cases this one's call activities started
    awaited: list[Awaited] = field(default_factory=list)  # the messages, signals and triggers it waits for
    can_trigger: bool = False  # may continue a receive task without a message it waits at (message.send)
    mails: list[outgoing_mails.MailView] = field(default_factory=list)  # what its mail tasks sent, oldest first
    # the variables no form labels holding a record per round (unit_results), as tables
    records: list[RecordTable] = field(default_factory=list)
    # the fields that only chose how the process went on (labels.routing_choices): no fact of the case
    routing: frozenset[str] = frozenset()
    # the evaluation the case ended with (最终不满意 after a re-handling still unsatisfied), when kept
    final_evaluation: str | None = None
    # who holds one of its current tasks though an administrator deactivated them since (left,
    # on leave): the page marks them, for the office to hand the task to someone who can do it
    deactivated: frozenset[str] = frozenset()
    # process key → name, of the processes its history names (a signal's start left out:
    # ``process_names_in``)
    process_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StartOption:
    key: str
    name: str
    version: int
    definition_id: int
    form: FormSpec = field(default_factory=FormSpec)
    documentation: str = ""
    choices: dict[str, dict[str, str]] = field(default_factory=dict)  # the form's run-time option lists
    # where a title left empty comes from: the start form's fields by label (the first filled
    # in of several), or none (the process's name and the day)
    title_from: tuple[str, ...] = ()


def case_page(session: Session, actor: Actor, instance_id: int) -> CasePage:
    """A case ``actor`` may see (NotFound otherwise), everything confidential masked or
    withheld as the access policy says."""
    instance = visible_case(session, actor, instance_id)
    detail, scope, workflow = _detail(session, actor, instance)
    process = processes.get_by_id(session, instance.definition_id)
    # what the rounds of a run an interrupting event ended had returned (改办前的协办意见)
    ended = ended_runs(workflow, process)
    # another round's steps are not theirs (the workflow tells the rounds apart for 期限延续)
    steps = scope.visible(case_steps(session, instance_id, clock.now(), workflow))
    caller, called = calls.links_of(session, instance, lambda other: may_see_case(session, actor, other))
    hidden = hidden_fields(session, actor, instance)
    # what was said or attached on another round's task is that round's
    comments = scope.visible(list_comments(session, actor, instance_id))
    attachments = scope.visible(list_attachments(session, actor, instance_id))
    supervisions = supervision.of_case(session, actor, instance_id, scope)
    labels = field_labels(process)
    values = value_labels(session, process)
    return CasePage(
        detail=detail,
        labels=labels,
        hidden=hidden,
        element_names=element_names(process),
        comments=comments,
        attachments=attachments,
        department_names=repo.department_choices(session),
        can_cancel=instance.status.value == "running" and access.may_cancel(actor, instance.starter_unit),
        notes_confidential=notes_confidential_by_default(session, instance.id),
        deadlines=case_deadlines(steps),
        steps=steps,
        steps_from_ledger={
            e.task_id: e.ledger for e in detail.history if e.action == "complete" and e.task_id and e.ledger
        },
        supervisions=supervisions,
        value_labels=values,
        people=people_names(
            session,
            [
                detail.started_by,
                *named_in_history(detail.history),
                *(t.assignee or "" for t in detail.open_tasks),
                *(step.done_by or "" for step in steps),
                *(step.assignee or "" for step in steps),
                *(user for step in steps for user in step.candidate_users),
                *(c.author for c in comments),
                *(a.uploaded_by for a in attachments),
                *(s.issued_by for s in supervisions),
                # who recorded what the office did about a deadline timer's 督办
                *(s.follow_up.done_by or "" for s in supervisions if s.follow_up),
            ],
        ),
        can_supervise=instance.status.value == "running" and actor.can(access.Permission.SUPERVISE),
        incidents=incidents.of_case(session, actor, instance_id),
        external_tasks=external_task_list.of_case(session, actor, instance_id),
        can_retry=access.may_manage_incidents(actor),
        caller=caller,
        called=called,
        awaited=awaited_by(session, instance_id),
        can_trigger=instance.status == InstanceStatus.RUNNING and access.may_send_messages(actor),
        mails=outgoing_mails.of_case(session, instance_id, hidden=bool(hidden)),
        records=[
            *record_tables(session, process, detail.variables, labels, values),  # the reader's rounds' alone
            *ended_tables(
                session,
                process,
                ended,
                _readable_collections(session, actor, instance, ended, scope),
                scope.hides,
                labels,
                values,
            ),
        ],
        routing=routing_choices(process),
        final_evaluation=facts.final_evaluation if (facts := session.get(CaseFacts, instance_id)) else None,
        deactivated=deactivated_among(
            session,
            [
                *(t.assignee for t in detail.open_tasks),
                *(s.assignee for s in steps if s.state in (DeadlineState.OPEN, DeadlineState.OVERDUE)),
            ],
        ),
        process_names=process_names_in(session, detail.history),
    )


def deactivated_among(session: Session, holders: Iterable[str | None]) -> frozenset[str]:
    """Of ``holders`` (the user names holding a case's current tasks), those whose account is
    deactivated: one query by the users' unique names."""
    wanted = sorted({h for h in holders if h})
    if not wanted:
        return frozenset()
    return frozenset(session.scalars(select(User.username).where(User.username.in_(wanted), User.active.is_(False))))


# a signal a case threw that started no case of a process, its 编号 held by a running case
# (engine/usecases/thrown_signals.py): the throw's entry lists them under this key
NOT_STARTED = "not_started"


def process_names_in(session: Session, history: Iterable[HistoryEntry]) -> dict[str, str]:
    """Process key → its newest version's name, for the processes ``history`` names by key: a
    thrown signal's starts left out (``NOT_STARTED``); the history says them by name."""
    keys = {
        str(left_out["process"])
        for entry in history
        if entry.action == "signal_thrown" and entry.data and isinstance(entry.data.get(NOT_STARTED), list)
        for left_out in entry.data[NOT_STARTED]
        if isinstance(left_out, Mapping) and left_out.get("process")
    }
    names = {}
    for key in sorted(keys):
        definition = repo.latest_definition(session, key)
        if definition is not None and definition.name:
            names[key] = definition.name
    return names


def history_download(session: Session, actor: Actor, instance_id: int) -> tuple[audit_log.CaseHistory, dict[str, str]]:
    """A case's history for its download (``audit_log.case_history``: as its page shows it), and
    the names of the processes it names by key (``process_names_in``), as the page says them."""
    history = audit_log.case_history(session, actor, instance_id)
    return history, process_names_in(session, history.entries)


def _readable_collections(
    session: Session, actor: Actor, instance: ProcessInstance, ended: list[EndedRun], scope: RoundScope
) -> frozenset[str]:
    """The collections of the ``ended`` runs that ``actor`` reads as the case's variables (the
    office, the units; not a deputy, who reads no collection of the case's working data): what
    the earlier runs returned is read as the collection's own results are, or not at all."""
    if not ended:
        return frozenset()
    read = case_variables(session, actor, instance, {run.name: [] for run in ended})
    return frozenset(name for name, value in read.items() if value == [] and name not in scope.round_keys)


def start_options(session: Session, actor: Actor) -> list[StartOption]:
    return [_option(d, processes.get(d)) for d in startable_definitions(session, actor)]


def start_option(session: Session, actor: Actor, key: str) -> StartOption:
    definition, process = _startable(session, actor, key)
    option = _option(definition, process)
    form = _start_form_for(option.form, _own_fields(actor, process))
    return dataclasses.replace(option, form=form, choices=choices(session, option.form))


def _option(definition: ProcessDefinition | DefinitionHead, process: ParsedProcess) -> StartOption:
    start = process.tasks.get(process.start_event_id)
    form = start.form if start else FormSpec()
    labels = {f.id: f.label or f.id for f in form.fields}
    sources = process.title_fields or tuple(name for name in TITLE_FIELDS if name in labels)
    return StartOption(
        definition.key,
        definition.name,
        definition.version,
        definition.id,
        form,
        start.documentation if start else "",
        title_from=tuple(labels.get(name, name) for name in sources),
    )
