"""Lists for the API (and anyone else): deployed processes and their versions, the cases a
person may see (filtered, paged), cancelling a case one may see, and who one is."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus
from storage.models import ProcessDefinition, ProcessInstance, WorkItem, WorkItemGroup

from .. import timezones
from ..errors import NotAllowed, NotFound
from .confidentiality import may_see_case, sees_every_case
from .context import Actor, processes
from .instances import cancel_instance, may_start
from .tasks import SUPERVISING_ROLES


@dataclass(frozen=True)
class DefinitionView:
    id: int
    key: str
    name: str
    version: int
    deployed_at: datetime
    deployed_by: str
    source_file: str
    startable: bool


def _definition_view(actor: Actor, d: ProcessDefinition) -> DefinitionView:
    return DefinitionView(d.id, d.key, d.name, d.version, d.deployed_at, d.deployed_by, d.source_file,
                          may_start(actor, processes.get(d).starter_groups))


def list_definitions(session: Session, actor: Actor) -> list[DefinitionView]:
    """The latest version of every deployed process, and whether ``actor`` may start it."""
    return [_definition_view(actor, d) for d in repo.latest_definitions(session)]


def definition_versions(session: Session, actor: Actor, key: str) -> list[DefinitionView]:
    rows = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                           .order_by(ProcessDefinition.version.desc())).all()
    if not rows:
        raise NotFound(f"no process {key!r} is deployed")
    return [_definition_view(actor, d) for d in rows]


@dataclass(frozen=True)
class CaseSummary:
    id: int
    title: str
    business_key: str | None
    process_key: str
    process_name: str
    version: int
    status: str
    started_by: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None       # running / completed / cancelled
    process_key: str | None = None
    text: str | None = None         # in the title or the business key
    started_by_me: bool = False
    limit: int = 25
    offset: int = 0


def _visible(actor: Actor) -> object:
    """The SQL twin of ``may_see_case`` for those who do not see every case: started it,
    or has (had) a task of it."""
    mine = or_(WorkItem.assignee == actor.username, WorkItem.completed_by == actor.username,
               exists().where(WorkItemGroup.work_item_id == WorkItem.id, or_(
                   and_(WorkItemGroup.is_user.is_(False), WorkItemGroup.group.in_(sorted(actor.groups))),
                   and_(WorkItemGroup.is_user.is_(True), WorkItemGroup.group == actor.username))))
    return or_(ProcessInstance.started_by == actor.username,
               exists().where(WorkItem.instance_id == ProcessInstance.id, mine))


def _cases_query(actor: Actor, flt: CaseFilter) -> Select:
    query = (select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.business_key, ProcessDefinition.key,
                    ProcessDefinition.name, ProcessDefinition.version, ProcessInstance.status,
                    ProcessInstance.started_by, ProcessInstance.started_at, ProcessInstance.ended_at)
             .join(ProcessDefinition, ProcessInstance.definition_id == ProcessDefinition.id))
    if not sees_every_case(actor):
        query = query.where(_visible(actor))
    if flt.status:
        query = query.where(ProcessInstance.status == InstanceStatus(flt.status))
    if flt.process_key:
        query = query.where(ProcessDefinition.key == flt.process_key)
    if flt.text:
        query = query.where(or_(ProcessInstance.title.contains(flt.text, autoescape=True),
                                ProcessInstance.business_key.contains(flt.text, autoescape=True)))
    if flt.started_by_me:
        query = query.where(ProcessInstance.started_by == actor.username)
    return query


def list_cases(session: Session, actor: Actor, flt: CaseFilter) -> tuple[list[CaseSummary], int]:
    """One page of the cases ``actor`` may see, newest first, and the total for the filter."""
    query = _cases_query(actor, flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
                           .limit(flt.limit).offset(flt.offset)).all()
    return [CaseSummary(r[0], r[1], r[2], r[3], r[4], r[5], r[6].value, r[7], r[8], r[9]) for r in rows], total


def cancel_case(session: Session, actor: Actor, instance_id: int, reason: str = "") -> None:
    """Cancel a case ``actor`` may see (an officer of another unit cannot cancel it)."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_see_case(session, actor, instance):
        raise NotFound(f"no case {instance_id}")
    cancel_instance(session, actor, instance_id, reason)


@dataclass(frozen=True)
class Profile:
    username: str
    display_name: str
    email: str | None
    department_code: str | None
    department_name: str | None
    roles: list[str]
    groups: list[str]
    supervises: bool  # sees every open task and case
    timezone: str     # the zone the web pages show this person's dates in


def profile(session: Session, actor: Actor) -> Profile:
    user = repo.user_by_name(session, actor.username)
    if user is None:
        raise NotAllowed(f"{actor.username} is not a user")
    dept = user.department
    return Profile(user.username, user.display_name, user.email, dept.code if dept else None,
                   dept.name if dept else None, sorted(actor.roles), sorted(actor.groups),
                   actor.has_role(*SUPERVISING_ROLES), timezones.effective(user.timezone))
