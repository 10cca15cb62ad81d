"""Who may see a case, and which of its fields.

A form field marked ``<camunda:property id="confidential" value="true"/>`` (a petitioner's
identity) is shown only to administrators and to members of the groups that keep the
record (``petition_office``, ``office``). Everyone else gets the data without those
fields — on the task page, in the case variables, in the history and in the API. The web
pages and the API both go through :func:`redact` (or the page use cases built on it).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from storage.models import ProcessInstance, WorkItem, WorkItemGroup

from ..specs import ParsedProcess
from .context import Actor, processes

CONFIDENTIAL_VIEWER_ROLES = ("admin",)
CONFIDENTIAL_VIEWER_GROUPS = ("petition_office", "office")
CASE_VIEWER_ROLES = ("admin", "supervisor")
CASE_VIEWER_GROUPS = ("office",)  # the congress office registers, assigns and supervises every item


def may_see_confidential(actor: Actor) -> bool:
    return actor.has_role(*CONFIDENTIAL_VIEWER_ROLES) or bool(actor.groups.intersection(CONFIDENTIAL_VIEWER_GROUPS))


def confidential_fields(process: ParsedProcess) -> frozenset[str]:
    """The ids of every confidential field on any form of the process."""
    return frozenset(f.id for meta in process.tasks.values() for f in meta.form.fields if f.confidential)


def hidden_fields(session: Session, actor: Actor, definition_id: int) -> frozenset[str]:
    """The field ids ``actor`` must not see in cases of this definition (often none)."""
    if may_see_confidential(actor):
        return frozenset()
    return confidential_fields(processes.get_by_id(session, definition_id))


def redact(data: Mapping[str, Any] | None, hidden: Iterable[str]) -> dict[str, Any] | None:
    """``data`` without the hidden keys (nested ``data`` dicts of history entries too)."""
    if data is None:
        return None
    hidden = frozenset(hidden)
    if not hidden:
        return dict(data)
    return {k: (redact(v, hidden) if isinstance(v, Mapping) else v) for k, v in data.items() if k not in hidden}


def field_labels(process: ParsedProcess) -> dict[str, str]:
    """Variable name → the label its form field carries (the first form that names it)."""
    labels: dict[str, str] = {}
    for meta in process.tasks.values():
        for f in meta.form.fields:
            labels.setdefault(f.id, f.label)
    return labels


def sees_every_case(actor: Actor) -> bool:
    """Supervisors, admins and members of the congress office see every case."""
    return actor.has_role(*CASE_VIEWER_ROLES) or bool(actor.groups.intersection(CASE_VIEWER_GROUPS))


def may_see_case(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    """Supervisors, admins and the congress office see every case; others the cases they
    started or that have (or had) a task for them: assigned, completed by them, or offered
    to one of their groups."""
    if sees_every_case(actor) or instance.started_by == actor.username:
        return True
    mine = or_(WorkItem.assignee == actor.username, WorkItem.completed_by == actor.username,
               exists().where(WorkItemGroup.work_item_id == WorkItem.id, or_(
                   and_(WorkItemGroup.is_user.is_(False), WorkItemGroup.group.in_(list(actor.groups))),
                   and_(WorkItemGroup.is_user.is_(True), WorkItemGroup.group == actor.username))))
    return bool(session.scalar(select(exists().where(WorkItem.instance_id == instance.id, mine))))
