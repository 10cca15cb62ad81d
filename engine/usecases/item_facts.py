"""The facts the statistics count one by one within a case, read from the workflow being
saved and written to ``case_item_facts`` by the same transaction (``case_facts.write``):
each unit of an inspection, each deputy of a report round, each unit report due, each
issue of a reception day; and a proposal's deputies, its co-signers (联名代表) included, to
``case_deputies``.

Every case of these processes also has a row of its own (position 0) from the moment it
starts: the inspection, the reception day, the evaluation, the deputies' report round, the
unit report round. The trend (启动事项) and 已撤销 count a case by any of its rows, each case
once: without that row a case whose office had not yet chosen its units or deputies had no
row at all, so it was started in no month and, cancelled then, never withdrawn.

The per-item variables live in each multi-instance child of the workflow (only the summary
record comes back into the collection, and only when the child is done: bpmn/README.md
§4.1), so they are read here from each child's own data, while the workflow is in memory to
be saved; no figure ever deserializes a workflow. Which variable each fact comes from is
documented in bpmn/README.md §6."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage import writes
from storage.enums import Role
from storage.models import ProcessInstance

from .fact_values import flag, moment, text

Row = dict[str, Any]
_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
# what separated the names typed into the free-text 联名代表 of older proposals
_NAME_SEPARATORS = re.compile(r"[\s,，、;；/]+")


def children(workflow: BpmnWorkflow, subprocess_id: str) -> Iterator[tuple[int, bool, dict[str, Any]]]:
    """(position, done, data) of each multi-instance child of the subprocess ``subprocess_id``,
    in the order they were created: a finished child's final data, or what the running one
    has recorded so far (its completed tasks' data, then its open tasks')."""
    position = 0
    for task in workflow.get_tasks():
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None) != subprocess_id or not spec.name.endswith("[child]"):
            continue
        if task.has_state(TaskState.COMPLETED):
            yield position, True, dict(task.data)
        elif not task.has_state(TaskState.CANCELLED):
            yield position, False, _running_data(workflow, task)
        position += 1


def _running_data(workflow: BpmnWorkflow, child: Task) -> dict[str, Any]:
    data: dict[str, Any] = dict(child.data)
    sub = workflow.subprocesses.get(child.id)
    if sub is None:
        return data
    tasks = sub.get_tasks()
    for task in sorted((t for t in tasks if t.has_state(TaskState.COMPLETED)), key=lambda t: t.last_state_change):
        data.update(task.data)
    for task in tasks:
        if task.has_state(_LIVE):
            data.update(task.data)
    return data


def _code(value: Any, key: str = "unit") -> str | None:
    """The item an element variable names: itself while the child runs, ``value[key]`` once
    the child replaced it by its result record."""
    if isinstance(value, Mapping):
        value = value.get(key)
    return text(value, 64)


def _record(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The result record a finished child put in place of its element variable (else empty)."""
    value = data.get(name)
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _choice(value: Any, yes: str, no: str) -> bool | None:
    return True if value == yes else False if value == no else None


# -- one reader per process: (case variables, workflow) → rows without the common columns ------
def _inspection(v: Mapping[str, Any], workflow: BpmnWorkflow) -> list[Row]:
    rows: list[Row] = [
        {
            "kind": "inspection",
            "position": 0,
            "started_at": moment(v.get("planned_at")),
            "done_at": moment(v.get("closed_at")),
        }
    ]
    for position, done, d in children(workflow, "Sub_InspectUnit"):
        record = _record(d, "unit")
        problems = _choice(d.get("findings_result"), "problems", "clean")
        rows.append(
            {
                "kind": "inspected_unit",
                "position": position,
                "item": _code(d.get("unit")),
                "unit": _code(d.get("unit")),
                "started_at": moment(d.get("notified_at")),
                "due_at": moment(d.get("selfcheck_due")),
                "done": done,
                "done_at": moment(record.get("completed_at")),
                "on_time": flag(d.get("selfcheck_on_time")) if d.get("selfchecked_at") else None,
                "problems_found": problems,
                "rounds": _number(d.get("rectification_rounds")) if problems else None,
                "accepted": _choice(d.get("acceptance"), "accepted", "returned") if problems else None,
            }
        )
    return rows


def _voter_reception(v: Mapping[str, Any], workflow: BpmnWorkflow) -> list[Row]:
    voters = _number(v.get("voters_received"))
    rows: list[Row] = [
        {
            "kind": "reception_day",
            "position": 0,
            "item": text(v.get("reception_date"), 64),
            "done": voters is not None,  # 接待选民并汇总情况 was completed: the day was held
            "done_at": moment(v.get("closed_at")),
            "voters": voters,
        }
    ]
    for position, done, d in children(workflow, "Sub_Issue"):
        rows.append(
            {
                "kind": "voter_issue",
                "position": position,
                "item": _code(d.get("issue"), "no"),
                "unit": text(d.get("handling_unit"), 64),
                "started_at": moment(d.get("assigned_at")),
                "due_at": moment(d.get("issue_due")),
                "done": done,
                "done_at": moment(d.get("replied_at")),
                "on_time": flag(d.get("replied_on_time")) if d.get("replied_at") else None,
                "result": text(d.get("voter_satisfaction"), 40),
            }
        )
    return rows


def _deputy_report(v: Mapping[str, Any], workflow: BpmnWorkflow) -> list[Row]:
    # the round itself, before 确定述职代表和安排 names its deputies (the process sets no closed_at)
    rows: list[Row] = [{"kind": "deputy_report_round", "position": 0, "item": text(v.get("report_day"), 64)}]
    for position, done, d in children(workflow, "Sub_DeputyReport"):
        reported = moment(d.get("reported_at"))
        rows.append(
            {
                "kind": "deputy_report",
                "position": position,
                "item": _code(d.get("reporting_deputy"), "deputy"),
                "done": reported is not None,  # 向选民述职 was completed
                "done_at": reported,
                "voters": _number(d.get("voters_present")),
                "result": text(d.get("appraisal"), 40) if done or d.get("appraisal") else None,
            }
        )
    return rows


def _department_evaluation(v: Mapping[str, Any], workflow: BpmnWorkflow) -> list[Row]:
    rows: list[Row] = [{"kind": "evaluation", "position": 0, "done_at": moment(v.get("closed_at"))}]
    for position, done, d in children(workflow, "Sub_EvaluateUnit"):
        rounds = _number(d.get("rectification_rounds"))
        rows.append(
            {
                "kind": "evaluated_unit",
                "position": position,
                "item": _code(d.get("evaluated_unit")),
                "unit": _code(d.get("evaluated_unit")),
                "started_at": moment(d.get("self_reported_at")),
                "due_at": moment(d.get("selfreport_due")),
                "done": done,
                "on_time": flag(d.get("self_report_on_time")) if d.get("self_reported_at") else None,
                "problems_found": _choice(d.get("rectification_needed"), "yes", "no"),
                "rounds": rounds,
                "accepted": _choice(d.get("acceptance"), "accepted", "returned") if rounds else None,
                "result": text(d.get("evaluation_result"), 40),
            }
        )
    return rows


def _unit_report(v: Mapping[str, Any], workflow: BpmnWorkflow) -> list[Row]:
    # the round itself, before 下发报送通知 names its units
    rows: list[Row] = [
        {
            "kind": "unit_report_round",
            "position": 0,
            "item": text(v.get("report_period"), 64),
            "done_at": moment(v.get("closed_at")),
        }
    ]
    for position, done, d in children(workflow, "Sub_Monthly"):
        record = _record(d, "report_unit")
        rows.append(
            {
                "kind": "monthly_report",
                "position": position,
                "item": text(v.get("report_period"), 64),
                "unit": _code(d.get("report_unit")),
                "started_at": moment(d.get("submitted_at")),
                "due_at": moment(d.get("monthly_due")),
                "done": done,  # 审核报表 accepted it
                "done_at": moment(record.get("accepted_at")),
                "on_time": flag(record.get("on_time")),
            }
        )
    for position, done, d in children(workflow, "Sub_Thematic"):
        record = _record(d, "thematic_unit")
        rows.append(
            {
                "kind": "thematic_report",
                "position": position,
                "item": text(v.get("report_period"), 64),
                "unit": _code(d.get("thematic_unit")),
                "due_at": moment(d.get("thematic_due")),
                "done": done,  # 听取专题汇报 heard it
                "done_at": moment(record.get("heard_at")),
            }
        )
    return rows


READERS: dict[str, Callable[[Mapping[str, Any], BpmnWorkflow], list[Row]]] = {
    "inspection": _inspection,
    "voter_reception": _voter_reception,
    "deputy_report": _deputy_report,
    "department_evaluation": _department_evaluation,
    "unit_report": _unit_report,
}
# the rows of a round as a whole: done when its case completed
ROUNDS = frozenset({"inspection", "evaluation", "deputy_report_round", "unit_report_round"})
# the processes whose cases have rows here (the others have none: nothing to delete either)
PROCESSES = frozenset(READERS) | {"proposal"}


def item_rows(
    instance: ProcessInstance,
    process_key: str,
    received_at: datetime | None,
    variables: Mapping[str, Any],
    workflow: BpmnWorkflow,
) -> list[Row]:
    """Every column of the case's ``case_item_facts`` rows."""
    reader = READERS.get(process_key)
    if reader is None:
        return []
    rows = []
    for row in reader(variables, workflow):
        full = dict.fromkeys(writes.ITEM_FACT_COLUMNS)
        full.update(instance_id=instance.id, process_key=process_key, received_at=received_at, done=False)
        full.update({k: v for k, v in row.items() if v is not None})
        if full["kind"] in ROUNDS:  # the round itself: done when its case closed
            full["done"] = instance.status.value == "completed"
        rows.append(full)
    return rows


def deputy_rows(
    session: Session, instance: ProcessInstance, process_key: str, variables: Mapping[str, Any]
) -> list[Row]:
    """A proposal's deputies: the one who submitted it (``deputy``) and each co-signer
    (``joint_deputies``: a list of deputies' user names; in older cases a free text, whose
    names count only where they are a deputy's user name)."""
    if process_key != "proposal":
        return []
    deputies: dict[str, bool] = {}
    lead = text(variables.get("deputy"), 64)
    if lead:
        deputies[lead] = False
    joint = variables.get("joint_deputies")
    if isinstance(joint, list):  # chosen from the deputies (multiple=deputies)
        names = [n for n in (text(name, 64) for name in joint) if n]
    elif isinstance(joint, str) and joint.strip():  # typed: only a deputy's user name counts
        known = repo.users_with_role(session, Role.DEPUTY)
        names = [n for n in _NAME_SEPARATORS.split(joint) if n in known]
    else:
        names = []
    deputies.update({n: True for n in names if n not in deputies})
    return [{"instance_id": instance.id, "deputy": d, "cosigner": c} for d, c in deputies.items()]
