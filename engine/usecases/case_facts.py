"""The facts of a case that the statistics count, read from its variables whenever it is
saved (``save_instance``, cancelling) and written to ``case_facts`` in the same
transaction: the figures (``statistics``) then count indexed rows and never deserialize a
workflow. Which variable each fact comes from is documented in bpmn/README.md §6.

Cases saved before the table existed are filled by ``backfill`` (``congressflow migrate``
and ``init`` run it after upgrading the schema)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import writes
from storage.models import CaseFacts, ProcessDefinition, ProcessInstance

from . import item_facts, workflow_cache
from .context import processes, runtime_for
from .fact_values import flag, moment, text

Facts = dict[str, Any]


def facts_of(instance: ProcessInstance, process_key: str, variables: Mapping[str, Any]) -> Facts:
    """Every column of the case's ``case_facts`` row."""
    facts: Facts = dict.fromkeys(writes.FACT_COLUMNS)
    facts.update(
        instance_id=instance.id,
        process_key=process_key,
        status=instance.status.value,
        started_at=instance.started_at,
        ended_at=instance.ended_at,
        received_at=instance.started_at,
    )
    reader = _READERS.get(process_key)
    if reader is not None:
        facts.update({k: v for k, v in reader(variables).items() if v is not None})
    return facts


def write(
    session: Session, instance: ProcessInstance, process_key: str, variables: Mapping[str, Any], workflow: BpmnWorkflow
) -> None:
    """The case's facts: its ``case_facts`` row, and for the processes counted item by item
    (``item_facts``) its ``case_item_facts`` and ``case_deputies`` rows. Rows that would be
    written as they are stored are not written again: a step changes few facts, and the
    ``case_facts`` row alone was a twentieth of a completion. What is stored is known when
    this process wrote it and nothing else can have since (``workflow_cache.facts_stored``)."""
    facts = facts_of(instance, process_key, variables)
    items = _item_rows(session, [(instance, process_key, facts, variables, workflow)])
    stored = workflow_cache.facts_stored(session, instance.id)
    if stored is None or stored[0] != facts:
        writes.write_case_facts(session, [facts])
    if items is not None and (stored is None or stored[1] != items):
        writes.write_item_facts(session, [instance.id], *items)
    workflow_cache.facts_written(session, instance.id, (facts, items))


_Items = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # case_item_facts rows, case_deputies rows


def _item_rows(
    session: Session,
    cases: Sequence[tuple[ProcessInstance, str, Facts, Mapping[str, Any], BpmnWorkflow]],
) -> _Items | None:
    """The item facts and deputies of the cases counted item by item; None if none is."""
    counted = [c for c in cases if c[1] in item_facts.PROCESSES]
    if not counted:
        return None
    items, deputies = [], []
    for instance, key, facts, variables, workflow in counted:
        items += item_facts.item_rows(instance, key, facts["received_at"], variables, workflow)
        deputies += item_facts.deputy_rows(session, instance, key, variables)
    return items, deputies


def backfill(session: Session, batch: int = 200) -> int:
    """Write the facts of every case that has none yet (its item facts and deputies too);
    returns how many were written."""
    missing = select(ProcessInstance).where(~ProcessInstance.id.in_(select(CaseFacts.instance_id)))
    runtime = runtime_for(session)
    written = 0
    while instances := session.scalars(missing.order_by(ProcessInstance.id).limit(batch)).all():
        cases = []
        for instance in instances:
            definition = session.get(ProcessDefinition, instance.definition_id)
            assert definition is not None
            workflow = runtime.restore(processes.get(definition), instance.workflow_json)
            variables = runtime.variables(workflow)
            cases.append((instance, definition.key, facts_of(instance, definition.key, variables), variables, workflow))
        writes.write_case_facts(session, [c[2] for c in cases])
        items = _item_rows(session, cases)
        if items is not None:
            writes.write_item_facts(session, [c[0].id for c in cases if c[1] in item_facts.PROCESSES], *items)
        written += len(cases)
    return written


# -- reading the variables -------------------------------------------------------------------


def _proposal(v: Mapping[str, Any]) -> Facts:
    rehandles = v.get("rehandle_count")
    # being re-assigned (改办: agreed at 审核退回申请, the item not yet assigned again; Script_Assign
    # clears the decision): the unit that returned it holds it no more and no reply period runs.
    # Its deadline kept here would count the case late (逾期) by a period nobody is in, and the
    # unit's figures would count an item it gave back; the new 交办 writes both afresh.
    reassigning = v.get("return_decision") == "reassign"
    return {
        "received_at": moment(v.get("registered_at")),
        "unit": None if reassigning else text(v.get("lead_unit"), 64),
        "deputy": text(v.get("deputy"), 64),
        "kind": text(v.get("handled_as") or v.get("kind"), 40),
        "category": text(v.get("category"), 64),
        "assigned_at": moment(v.get("assigned_at")),
        "due_at": None if reassigning else _reply_round_due(v),
        "replied_at": moment(v.get("replied_at")),
        "replied_on_time": flag(v.get("replied_on_time")),
        "extended": flag(v.get("extended")),
        "rehandled": rehandles > 0 if isinstance(rehandles, int) else None,
        "reply_class": text(v.get("reply_class"), 4),
        "first_evaluation": text(v.get("first_evaluation"), 20),
        # cases closed before final_evaluation existed: their last evaluation was the final one
        "final_evaluation": text(v.get("final_evaluation") or v.get("evaluation"), 20),
        "solved": flag(v.get("solved")),
        "outcome": text(v.get("outcome"), 40),
    }


def _reply_round_due(v: Mapping[str, Any]) -> datetime | None:
    """The deadline of the reply round in progress: while the unit handles the proposal again
    after a 不满意 (re-handling opened, not yet replied), ``rehandle_due``; else ``reply_due``.
    我的建议 shows the deputy this date; the figures are not moved by it, as the one that reads
    ``due_at`` (逾期) does so only for a case not replied to yet, which is never re-handled."""
    rehandles = v.get("rehandle_count")
    if isinstance(rehandles, int) and rehandles > 0 and not v.get("rehandled_at"):
        return moment(v.get("rehandle_due")) or moment(v.get("reply_due"))
    return moment(v.get("reply_due"))


def _petition(v: Mapping[str, Any]) -> Facts:
    acceptance = v.get("acceptance")
    return {
        # the acceptance period counts from receipt (received_on); registration when absent
        "received_at": moment(v.get("received_on")) or moment(v.get("registered_at")),
        "unit": text(v.get("handling_unit"), 64),
        "kind": text(v.get("channel"), 40),
        "accepted": None if acceptance in (None, "") else acceptance == "accept",
        "accepted_on_time": flag(v.get("accepted_on_time")),
        "assigned_at": moment(v.get("accepted_at")),
        "due_at": moment(v.get("handle_due")),
        "replied_at": moment(v.get("replied_at")),
        "replied_on_time": flag(v.get("replied_on_time")),
        "extended": flag(v.get("extended")),
        "review_requested": flag(v.get("review_requested")),
        "review_result": text(v.get("review_result"), 40),
        "rereview_requested": flag(v.get("rereview_requested")),
        "rereview_result": text(v.get("rereview_result"), 40),
        "outcome": text(v.get("outcome"), 40),
    }


_READERS: dict[str, Callable[[Mapping[str, Any]], Facts]] = {"proposal": _proposal, "petition": _petition}
