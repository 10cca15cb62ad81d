"""What the task, case and start pages show, each in one call: the use case's data with
the confidential fields removed for those who may not see them, the labels to show, the
comments and attachments. The web pages and the API call these, not the parts."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import WorkItemState
from storage.models import ProcessDefinition

from .. import access
from ..access import Actor
from ..bpmn.forms import FormSpec
from ..bpmn.layout import with_diagram
from ..bpmn.parsing import ParsedProcess
from ..errors import NotAllowed, NotFound
from . import collab
from .cases import instance_detail, startable_definitions
from .confidentiality import (
    field_labels,
    hidden_fields,
    history_for,
    masked,
    notes_confidential_by_default,
)
from .context import processes
from .inbox import colleagues
from .option_lists import choices
from .results import HistoryEntry, InstanceDetail, TaskDetail
from .tasks import task_detail
from .visibility import visible_case, visible_task


@dataclass(frozen=True)
class TaskPage:
    detail: TaskDetail                      # data already masked
    values: dict[str, Any]                  # what the form shows: the draft over the task data
    has_draft: bool
    can_act: bool
    hidden: frozenset[str]                  # the fields shown masked (保密)
    instance_status: str
    history: list[HistoryEntry]
    labels: dict[str, str]
    element_names: dict[str, str]
    comments: list[collab.CommentView]
    attachments: list[collab.AttachmentView]
    colleagues: list[tuple[str, str]]
    department_names: dict[str, str]
    choices: dict[str, dict[str, str]] = field(default_factory=dict)   # the form's run-time option lists
    can_claim: bool = False
    can_give_back: bool = False
    notes_confidential: bool = False        # new comments and attachments default to confidential


@dataclass(frozen=True)
class CasePage:
    detail: InstanceDetail                  # variables and history already masked
    labels: dict[str, str]
    hidden: frozenset[str]
    element_names: dict[str, str]
    comments: list[collab.CommentView]
    attachments: list[collab.AttachmentView]
    department_names: dict[str, str]
    can_cancel: bool = False
    notes_confidential: bool = False        # new comments and attachments default to confidential


@dataclass(frozen=True)
class StartOption:
    key: str
    name: str
    version: int
    definition_id: int
    form: FormSpec = field(default_factory=FormSpec)
    documentation: str = ""
    choices: dict[str, dict[str, str]] = field(default_factory=dict)   # the form's run-time option lists


def element_names(process: ParsedProcess) -> dict[str, str]:
    names = {s.bpmn_id: s.bpmn_name or s.bpmn_id for s in process.spec.task_specs.values()
             if getattr(s, "bpmn_id", None)}
    names.update({m.bpmn_id: m.name for m in process.tasks.values()})
    return names


def task_page(session: Session, actor: Actor, task_id: str) -> TaskPage:
    detail = task_detail(session, actor, task_id)          # NotFound; data masked
    item, instance = visible_task(session, actor, task_id)
    hidden = hidden_fields(session, actor, instance.definition_id)
    draft = masked(item.draft, hidden) or {}
    open_ = item.state == WorkItemState.READY
    process = processes.get_by_id(session, instance.definition_id)
    lists = choices(session, detail.form)
    return TaskPage(
        detail=detail, values={**detail.data, **draft}, has_draft=bool(item.draft),
        can_act=open_ and access.may_act(actor, item), hidden=hidden, instance_status=instance.status.value,
        history=history_for(session, actor, instance.id, instance.definition_id), labels=field_labels(process),
        element_names=element_names(process),
        comments=collab.list_comments(session, actor, instance.id),
        attachments=collab.list_attachments(session, actor, instance.id),
        colleagues=colleagues(session, actor, task_id) if open_ else [],
        # the form's department list, when it has one, names the departments shown too
        department_names=lists.get("departments") or repo.department_choices(session), choices=lists,
        can_claim=open_ and access.may_claim(actor, item),
        can_give_back=open_ and item.assignee is not None and access.may_give_back(actor, item),
        notes_confidential=notes_confidential_by_default(session, instance.definition_id))


def task_form(session: Session, actor: Actor, task_id: str) -> tuple[FormSpec, frozenset[str]]:
    """The form of a task and the fields ``actor`` may not read: enough to read a submission
    (cheap: no workflow is loaded)."""
    item, instance = visible_task(session, actor, task_id)
    meta = processes.get_by_id(session, instance.definition_id).tasks.get(item.bpmn_id)
    return (meta.form if meta else FormSpec()), hidden_fields(session, actor, instance.definition_id)


def case_page(session: Session, actor: Actor, instance_id: int) -> CasePage:
    """A case ``actor`` may see (NotFound otherwise), everything confidential masked or
    withheld as the access policy says."""
    instance = visible_case(session, actor, instance_id)
    detail = instance_detail(session, actor, instance_id)
    process = processes.get_by_id(session, instance.definition_id)
    return CasePage(detail=detail, labels=field_labels(process),
                    hidden=hidden_fields(session, actor, instance.definition_id),
                    element_names=element_names(process),
                    comments=collab.list_comments(session, actor, instance_id),
                    attachments=collab.list_attachments(session, actor, instance_id),
                    department_names=repo.department_choices(session),
                    can_cancel=instance.status.value == "running" and access.may_cancel(actor, instance.starter_unit),
                    notes_confidential=notes_confidential_by_default(session, instance.definition_id))


def definition_xml(session: Session, actor: Actor, definition_id: int) -> tuple[str, str]:
    """(file name, BPMN XML) of a deployed version for the diagram viewer (a generated
    layout when the file has no diagram of its own)."""
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound(f"no process definition {definition_id}")
    return f"{definition.key}-v{definition.version}.bpmn", with_diagram(definition.bpmn_xml)


def start_options(session: Session, actor: Actor) -> list[StartOption]:
    return [_option(d) for d in startable_definitions(session, actor)]


def start_option(session: Session, actor: Actor, key: str) -> StartOption:
    definition = repo.latest_definition(session, key)
    if definition is None:
        raise NotFound(f"no process {key!r} is deployed")
    if not access.may_start(actor, processes.get(definition).starter_groups):
        raise NotAllowed(f"{actor.username} may not start {key!r}")
    option = _option(definition)
    return dataclasses.replace(option, choices=choices(session, option.form))


def _option(definition: ProcessDefinition) -> StartOption:
    process = processes.get(definition)
    start = process.tasks.get(process.start_event_id)
    return StartOption(definition.key, definition.name, definition.version, definition.id,
                       start.form if start else FormSpec(), start.documentation if start else "")
