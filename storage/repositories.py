"""The queries. Each takes the caller's session; none commits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased, class_mapper, lazyload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .db import core_execute
from .enums import InstanceStatus, NotificationKind, Role, TimerKind, TimerState, WorkItemState
from .models import (
    Attachment,
    AuditEntry,
    CalendarDay,
    Department,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    ProcessOffering,
    Setting,
    Subscription,
    Supervision,
    Timer,
    User,
    UserRole,
    WorkItem,
    WorkItemGroup,
)
from .prepared import PreparedRead

# Written out, not bound: a plan prepared for any state could not use the partial indexes
# of the ready items, the running cases and the pending timers (ix_work_items_ready_*,
# ix_work_item_groups_ready, ix_process_instances_running, ix_timers_pending_*). Work items
# and timers have no other index by state: no query looks up their history by it.
READY: ColumnElement[str] = literal_column(f"'{WorkItemState.READY.value}'")
RUNNING: ColumnElement[str] = literal_column(f"'{InstanceStatus.RUNNING.value}'")
PENDING: ColumnElement[str] = literal_column(f"'{TimerState.PENDING.value}'")


# -- definitions -------------------------------------------------------------------
def definition_by_hash(session: Session, key: str, content_hash: str) -> ProcessDefinition | None:
    return session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.content_hash == content_hash)
    ).first()


@dataclass(frozen=True)
class Offering:
    """Whether a process is offered for new cases, and who changed that when (a row of
    ``process_offerings``; no row: offered)."""

    offered: bool
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class DefinitionHead:
    """What names a deployed version, without its BPMN and spec (the parsed process is
    cached by id: ``engine.usecases.context.processes``), and whether its process is
    offered for new cases (``offering``: None when no one ever changed that)."""

    id: int
    key: str
    name: str
    version: int
    offering: Offering | None = None


# with its process's offering: a start needs both, in one statement
_LATEST_HEAD = PreparedRead(
    select(
        ProcessDefinition.id,
        ProcessDefinition.key,
        ProcessDefinition.name,
        ProcessDefinition.version,
        ProcessOffering.offered,
        ProcessOffering.changed_by,
        ProcessOffering.changed_at,
    )
    .outerjoin(ProcessOffering, ProcessOffering.key == ProcessDefinition.key)
    .where(ProcessDefinition.key == bindparam("key"))
    .order_by(ProcessDefinition.version.desc())
    .limit(1)
)


def latest_definition_head(session: Session, key: str) -> DefinitionHead | None:
    """The latest version of ``key`` (one indexed row, none of its text) and its process's
    offering, or None."""
    rows = _LATEST_HEAD.rows(session, {"key": key})
    if not rows:
        return None
    row = rows[0]
    offering = Offering(row[4], row[5], row[6]) if row[4] is not None else None
    return DefinitionHead(row[0], row[1], row[2], row[3], offering)


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()


def latest_definitions(session: Session) -> Sequence[ProcessDefinition]:
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    return session.scalars(
        select(ProcessDefinition)
        .join(newest, and_(ProcessDefinition.key == newest.c.key, ProcessDefinition.version == newest.c.version))
        .order_by(ProcessDefinition.key)
    ).all()


# -- instances ---------------------------------------------------------------------
def instance_for_update(session: Session, instance_id: int) -> ProcessInstance | None:
    """The instance row; on PostgreSQL locked until commit so writers queue up.

    Read afresh even if the session holds the instance already (``populate_existing``):
    what a writer reads once the lock is granted is what the previous writer committed,
    not what this session saw before; otherwise its versioned UPDATE finds no row."""
    return session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


# The queries every task completion runs are built once, with bound parameters: building a
# statement and its cache key costs more here than SQLite takes to answer it.
_cases: Table = ProcessInstance.__table__  # type: ignore[assignment]  # a mapped class's table is a Table
_CASE_ATTRIBUTES = tuple(_cases.c.keys())  # the columns' keys are the attributes' names
_CASE_ID_OF_TASK = select(WorkItem.instance_id).where(WorkItem.task_id == bindparam("task_id")).scalar_subquery()
_CASE_OF_TASK_FOR_UPDATE = PreparedRead(select(*_cases.c).where(_cases.c.id == _CASE_ID_OF_TASK).with_for_update())


def instance_of_task_for_update(session: Session, task_id: str) -> ProcessInstance | None:
    """The case a work item belongs to, locked and read afresh like ``instance_for_update``
    (one statement). Read as plain columns and made the session's object here: the ORM's
    loading of one row cost as much as the rest of the statement (a completion starts here)."""
    rows = _CASE_OF_TASK_FOR_UPDATE.rows(session, {"task_id": task_id})
    if not rows:
        return None
    values = dict(zip(_CASE_ATTRIBUTES, rows[0], strict=True))
    held = session.identity_map.get(identity_key(ProcessInstance, values["id"]))
    # the session's object read afresh, else a new one made as the ORM's loading makes it
    case = held if held is not None else class_mapper(ProcessInstance).class_manager.new_instance()
    for name, value in values.items():
        set_committed_value(case, name, value)
    if held is None:
        make_transient_to_detached(case)
        session.add(case)
    assert isinstance(case, ProcessInstance)
    return case


# -- work items --------------------------------------------------------------------
_ITEM_BY_TASK = select(WorkItem).where(WorkItem.task_id == bindparam("task_id")).options(lazyload(WorkItem.groups))


def work_item_by_task(session: Session, task_id: str) -> WorkItem | None:
    """The item; its groups load when first read (claiming an assigned task never needs them)."""
    return session.scalars(_ITEM_BY_TASK, {"task_id": task_id}).first()


@dataclass
class ItemRow:
    """A work item and who may claim it, as plain data: what saving a case reads and
    writes with Core statements (``storage.writes``), with nothing left to flush."""

    id: int
    instance_id: int
    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    assignee: str | None
    due_at: datetime | None
    state: WorkItemState
    created_at: datetime
    claimed_at: datetime | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    candidate_groups: list[str] = field(default_factory=list)
    candidate_users: list[str] = field(default_factory=list)
    # a 督办 on it is still unanswered (read with the ready items: completing the task answers
    # it; with none open, a completion sends no UPDATE for it)
    supervised: bool = False
    # a 督办 on the case as a whole is still unanswered (read with it: completing a task it was
    # addressed to answers that task's part; with none open, a completion reads no 督办 for it)
    case_supervised: bool = False
    # made just now, and no active person may take it (what announcing it found: nobody to
    # tell); not a column
    nobody_to_take: bool = False


_items, _groups, _supervisions = WorkItem.__table__, WorkItemGroup.__table__, Supervision.__table__
_ITEM_COLUMNS = [_items.c[f.name] for f in fields(ItemRow) if f.name in _items.c]
_OPEN_SUPERVISION = (
    exists()
    .where(_supervisions.c.work_item_id == _items.c.id, _supervisions.c.responded_at.is_(None))
    .label("supervised")
)
_OPEN_CASE_SUPERVISION = (
    exists()
    .where(
        _supervisions.c.instance_id == _items.c.instance_id,
        _supervisions.c.work_item_id.is_(None),
        _supervisions.c.responded_at.is_(None),
    )
    .label("case_supervised")
)
_READY_ITEM_ROWS = PreparedRead(
    select(*_ITEM_COLUMNS, _groups.c.group, _groups.c.is_user, _OPEN_SUPERVISION, _OPEN_CASE_SUPERVISION)
    .outerjoin(_groups, _groups.c.work_item_id == _items.c.id)
    .where(_items.c.instance_id == bindparam("instance_id"), _items.c.state == READY)
    .order_by(_items.c.id, _groups.c.is_user, _groups.c.group)
)


def ready_item_rows(session: Session, instance_id: int) -> list[ItemRow]:
    """The case's ready items with their candidate groups and users, and whether a 督办 on
    each, and one on the case as a whole, is open (one statement)."""
    found: dict[int, ItemRow] = {}
    width = len(_ITEM_COLUMNS)
    for row in _READY_ITEM_ROWS.rows(session, {"instance_id": instance_id}):
        item = found.get(row[0])  # the item's id
        if item is None:
            item = found[row[0]] = ItemRow(*row[:width])
            item.supervised, item.case_supervised = bool(row[width + 2]), bool(row[width + 3])
        group, is_user = row[width], row[width + 1]
        if group is not None:
            (item.candidate_users if is_user else item.candidate_groups).append(group)
    return list(found.values())


@dataclass(frozen=True)
class Withheld:
    """Unclaimed ready items of cases of these process versions (``definition_ids``), or of
    these cases (``instance_ids``: called cases whose caller gave them confidential fields their
    process's forms do not have), offered to any of these ``groups`` (roles, unit codes or
    names) or ``users``, are not claimable by the reader the inbox is for: such a task is taken
    only by those who may read its case's confidential fields (engine.access.may_take)."""

    definition_ids: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    instance_ids: tuple[int, ...] = ()

    @property
    def withholds_anything(self) -> bool:
        return bool(self.definition_ids or self.instance_ids) and bool(self.groups or self.users)


@dataclass(frozen=True)
class InboxFilter:
    """What an inbox shows. ``scope``: ``mine`` (assigned to me), ``group`` (unclaimed,
    claimable by my groups), ``open`` (both), ``all`` (every open task: supervisors).
    ``withheld``: what of ``group`` (and of the unclaimed part of ``open``) the reader may
    not take after all; ``mine`` and ``all`` list it as they always do."""

    scope: str = "open"
    process_key: str | None = None
    overdue_at: datetime | None = None  # only items due before this moment
    due_before: datetime | None = None
    group: str | None = None  # a unit / candidate group
    text: str | None = None  # names the case: in its title or business key, or its number (case_matches)
    sort: str = "due"  # a key of INBOX_ORDERS
    limit: int = 50
    offset: int = 0
    withheld: Withheld | None = None


def _offered(username: str, groups: Iterable[str], withheld: Withheld | None = None) -> Select[int]:
    """Ids of the ready work items offered to me or to one of my groups, read from the
    partial index ix_work_item_groups_ready (the plain IN gives it its index condition),
    but those ``withheld`` from me. Left out here, among the few rows offered to me, the
    inbox's plan still starts from them, never from a pass over every ready item."""
    groups = sorted(set(groups))
    offered = select(WorkItemGroup.work_item_id).where(
        WorkItemGroup.ready,
        WorkItemGroup.group.in_([*groups, username]),
        or_(
            and_(WorkItemGroup.is_user.is_(False), WorkItemGroup.group.in_(groups)),
            and_(WorkItemGroup.is_user.is_(True), WorkItemGroup.group == username),
        ),
    )
    if withheld is not None and withheld.withholds_anything:
        # the ids are primary keys, never NULL: NOT IN leaves out exactly those listed
        offered = offered.where(WorkItemGroup.work_item_id.not_in(_withheld_items(withheld)))
    return offered


def _offered_to(offer: Any, groups: Sequence[Any], users: Sequence[Any]) -> ColumnElement[bool]:
    """``offer`` (work_item_groups, or an alias of it) is a ready item's offer to one of
    ``groups`` or of ``users`` (values, or bound parameters), read from the partial index
    ix_work_item_groups_ready as ``_offered`` reads it."""
    return and_(
        offer.ready,
        offer.group.in_([*groups, *users]),
        or_(
            and_(offer.is_user.is_(False), offer.group.in_(groups)),
            and_(offer.is_user.is_(True), offer.group.in_(users)),
        ),
    )


# Another offer, item and case than the statement's own: nested in the inbox's statement, the
# withheld items' read is correlated with none of its tables. Made once: an alias builds its
# columns' proxies at first use, which cost more than the rest of building the statement.
_OFFER, _ITEM, _CASE = aliased(WorkItemGroup), aliased(WorkItem), aliased(ProcessInstance)


@lru_cache(maxsize=64)  # one request's counts, rows and filters ask for the same
def _withheld_items(withheld: Withheld) -> Select[int]:
    """Ids of the ready items of running cases of ``withheld.definition_ids`` (or among its
    ``instance_ids``) offered to one of its groups or people, claimed or not (an unclaimed one
    is what is withheld; one the reader holds reaches his open scope as his own): from those
    few offers, each item and its case by their keys (a condition on the holder would have
    PostgreSQL read every unclaimed item)."""
    kept = [
        *([_CASE.definition_id.in_(sorted(set(withheld.definition_ids)))] if withheld.definition_ids else []),
        *([_CASE.id.in_(sorted(set(withheld.instance_ids)))] if withheld.instance_ids else []),
    ]
    return (
        select(_OFFER.work_item_id)
        .join(_ITEM, _ITEM.id == _OFFER.work_item_id)
        .join(_CASE, _CASE.id == _ITEM.instance_id)
        .where(
            _offered_to(_OFFER, sorted(set(withheld.groups)), sorted(set(withheld.users))),
            _ITEM.state == READY,
            _CASE.status == RUNNING,
            or_(*kept),
        )
    )


def _numbered(prefix: str, count: int) -> list[Any]:
    return [bindparam(f"{prefix}_{n}") for n in range(count)]


class OfferedCase(NamedTuple):
    """What ``cases_offered_to`` found: a process version, and for a case a call activity
    started (``parent_bpmn_id``) that case's id and its caller's; the cases no call started
    stand as one row of their version with no id (their process's forms alone tell their
    confidential fields; a called case's are its caller's too)."""

    definition_id: int
    id: int | None
    parent_instance_id: int | None
    parent_bpmn_id: str | None


# Built once per number of groups and people asked for (as ``_active_in_roles``): a handful.
@cache
def _cases_offered(groups: int, users: int, their_groups: int) -> PreparedRead:
    theirs = select(WorkItemGroup.work_item_id).where(
        _offered_to(WorkItemGroup, _numbered("their_group", their_groups), [bindparam("username")])
    )
    return PreparedRead(
        select(
            ProcessInstance.definition_id,
            case((ProcessInstance.parent_bpmn_id.is_not(None), ProcessInstance.id)),  # NULL: no call started it
            ProcessInstance.parent_instance_id,
            ProcessInstance.parent_bpmn_id,
        )
        .distinct()
        .select_from(_OFFER)  # not correlated with the offers of ``theirs``
        .join(WorkItem, WorkItem.id == _OFFER.work_item_id)
        .join(ProcessInstance, ProcessInstance.id == WorkItem.instance_id)
        .where(
            _offered_to(_OFFER, _numbered("group", groups), _numbered("user", users)),
            WorkItem.state == READY,
            ProcessInstance.status == RUNNING,
            WorkItem.id.in_(theirs),
        )
        .order_by(ProcessInstance.definition_id, ProcessInstance.parent_bpmn_id)
    )


def cases_offered_to(
    session: Session, groups: Iterable[str], users: Iterable[str], *, claimable_by: tuple[str, Iterable[str]]
) -> list[OfferedCase]:
    """The process versions of the running cases with a ready item offered both to one of
    ``groups`` or ``users`` and to ``claimable_by`` (a user name and that person's groups),
    claimed or not (as ``_withheld_items``), and of them the cases a call activity started
    (``OfferedCase``): from those groups' and people's few ready offers, each item and its case
    by their keys."""
    username, their_groups = claimable_by
    wanted, named, theirs = sorted(set(groups)), sorted(set(users)), sorted(set(their_groups))
    params: dict[str, Any] = {"username": username}
    for prefix, values in (("group", wanted), ("user", named), ("their_group", theirs)):
        params.update({f"{prefix}_{n}": value for n, value in enumerate(values)})
    rows = _cases_offered(len(wanted), len(named), len(theirs)).rows(session, params)
    return [OfferedCase(*row) for row in rows]


@cache
def _groups_of(count: int) -> PreparedRead:
    return PreparedRead(
        select(UserRole.role, Department.code, Department.name)
        .select_from(User)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .outerjoin(Department, User.department_id == Department.id)
        .where(User.username.in_(_numbered("user", count)))
    )


def groups_of_users(session: Session, usernames: Iterable[str]) -> set[str]:
    """The candidate groups these people belong to (``User.groups``: their roles, their units'
    codes and names), in one statement."""
    wanted = sorted(set(usernames))
    if not wanted:
        return set()
    rows = _groups_of(len(wanted)).rows(session, {f"user_{n}": u for n, u in enumerate(wanted)})
    groups: set[str] = set()
    for role, code, name in rows:
        groups.update(group for group in (role.value if role is not None else None, code, name) if group)
    return groups


def _claimable(username: str, groups: Iterable[str], withheld: Withheld | None) -> Any:
    """Unclaimed, and offered to me or to one of my groups, but not withheld from me."""
    return and_(WorkItem.assignee.is_(None), WorkItem.id.in_(_offered(username, groups, withheld)))


def _mine_or_claimable(username: str, groups: Iterable[str], withheld: Withheld | None) -> Any:
    """Claimed by me, or claimable by me: the candidates are the union of two small id
    sets (mine, and the ready ones offered to me), never a pass over every ready item. What
    is withheld is unclaimed: what I hold comes through the first set whatever it is."""
    mine = select(WorkItem.id).where(WorkItem.state == READY, WorkItem.assignee == username)
    return and_(
        WorkItem.id.in_(mine.union_all(_offered(username, groups, withheld))),
        or_(WorkItem.assignee == username, WorkItem.assignee.is_(None)),
    )


# -- a case named in a search box: the case list and the inbox find it alike -----------------
_CASE_NUMBER = re.compile(r"[#＃№]?\s*(\d{1,10})")
MAX_CASE_ID = 2**31 - 1  # process_instances.id is an INTEGER


def case_number(text: str) -> int | None:
    """The case number a search names (``2``, ``#2``, ``＃２``: the number pages show as
    #2), else None."""
    match = _CASE_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    number = int(match.group(1))
    return number if 0 < number <= MAX_CASE_ID else None


def case_matches(text: str) -> ColumnElement[bool]:
    """The cases a search box's ``text`` names: in the title, in the business key (the
    ledger's 编号, ``2026-建-010``), or by the case number (``100``, ``#100``)."""
    number = case_number(text)
    return or_(
        ProcessInstance.title.contains(text, autoescape=True),
        ProcessInstance.business_key.contains(text, autoescape=True),
        *([ProcessInstance.id == number] if number is not None else []),
    )


def _inbox_where(username: str, groups: Iterable[str], flt: InboxFilter) -> list[Any]:
    """The inbox conditions on work_items alone (cases and processes as id subqueries),
    so that a count needs no join and the ready-items index answers most of it."""
    where: list[Any] = [WorkItem.state == READY]
    if flt.scope == "mine":
        where.append(WorkItem.assignee == username)
    elif flt.scope == "group":  # what I may claim leaves out what is withheld from me
        where.append(_claimable(username, groups, flt.withheld))
    elif flt.scope == "open":
        where.append(_mine_or_claimable(username, groups, flt.withheld))
    elif flt.scope != "all":  # a supervisor's overview lists every open task, withheld or not
        raise ValueError(f"unknown inbox scope {flt.scope!r}")
    # Only running cases have ready work items (completing or cancelling a case closes its
    # items), so the case filters read ix_process_instances_running alone.
    if flt.process_key:
        where.append(
            WorkItem.instance_id.in_(
                select(ProcessInstance.id).where(
                    ProcessInstance.status == RUNNING,
                    ProcessInstance.definition_id.in_(
                        select(ProcessDefinition.id).where(ProcessDefinition.key == flt.process_key)
                    ),
                )
            )
        )
    if flt.overdue_at is not None:
        where.append(WorkItem.due_at < flt.overdue_at)
    if flt.due_before is not None:
        where.append(WorkItem.due_at < flt.due_before)
    if flt.group:
        where.append(
            WorkItem.id.in_(
                select(WorkItemGroup.work_item_id).where(WorkItemGroup.ready, WorkItemGroup.group == flt.group)
            )
        )
    if flt.text:
        where.append(
            WorkItem.instance_id.in_(
                select(ProcessInstance.id).where(ProcessInstance.status == RUNNING, case_matches(flt.text))
            )
        )
    return where


# The inbox's sort orders; undated items always last. "due" is the order of the index
# ix_work_items_ready_due (ASC is NULLS LAST on PostgreSQL); "created" and "-created" (接收时间)
# read ix_work_items_ready_created forwards or backwards. By created_at, not by id: a ledger
# import makes its back-dated tasks in the file's row order, so ids do not follow the dates.
# The id breaks ties, so that pages neither repeat nor skip a row.
INBOX_ORDERS = {
    "due": (WorkItem.due_at.asc().nulls_last(), WorkItem.id),
    "-due": (WorkItem.due_at.desc().nulls_last(), WorkItem.id.desc()),
    "created": (WorkItem.created_at, WorkItem.id),
    "-created": (WorkItem.created_at.desc(), WorkItem.id.desc()),
}


def _inbox_order(flt: InboxFilter) -> tuple[Any, ...]:
    try:
        return INBOX_ORDERS[flt.sort]
    except KeyError:
        raise ValueError(f"unknown inbox sort {flt.sort!r}; one of {', '.join(INBOX_ORDERS)}") from None


def inbox_query(username: str, groups: Iterable[str], flt: InboxFilter) -> Select[WorkItem, str, str, str]:
    """(work item, case title, process key, process name) of the items the filter selects."""
    return (
        select(WorkItem, ProcessInstance.title, ProcessDefinition.key, ProcessDefinition.name)
        .join(ProcessInstance, WorkItem.instance_id == ProcessInstance.id)
        .join(ProcessDefinition, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(*_inbox_where(username, groups, flt))
    )


def inbox(session: Session, username: str, groups: Iterable[str], flt: InboxFilter) -> list[Any]:
    """One page: the page's ids first (indexes only), then those rows with their case."""
    order = _inbox_order(flt)
    page = (
        select(WorkItem.id)
        .where(*_inbox_where(username, groups, flt))
        .order_by(*order)
        .limit(flt.limit)
        .offset(flt.offset)
    )
    query = (
        select(WorkItem, ProcessInstance.title, ProcessDefinition.key, ProcessDefinition.name)
        .join(ProcessInstance, WorkItem.instance_id == ProcessInstance.id)
        .join(ProcessDefinition, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(WorkItem.id.in_(page.scalar_subquery()))
        .order_by(*order)
    )
    return list(session.execute(query).all())


def inbox_count(session: Session, username: str, groups: Iterable[str], flt: InboxFilter) -> int:
    query = select(func.count()).select_from(WorkItem).where(*_inbox_where(username, groups, flt))
    return session.scalar(query) or 0


def overdue_work_items(session: Session, now: datetime, limit: int = 200) -> list[Any]:
    return inbox(session, "", [], InboxFilter(scope="all", overdue_at=now, limit=limit))


# -- timers ------------------------------------------------------------------------
@dataclass
class TimerRow:
    """A case's pending timer as plain data: what saving a case reads and changes with
    Core statements (``storage.writes.update_timers``)."""

    id: int
    kind: TimerKind
    task_id: str
    bpmn_id: str
    due_at: datetime
    fired_at: datetime | None


_PENDING_TIMERS_OF_CASE = PreparedRead(
    select(Timer.id, Timer.kind, Timer.task_id, Timer.bpmn_id, Timer.due_at, Timer.fired_at).where(
        Timer.instance_id == bindparam("instance_id"), Timer.state == PENDING
    )
)


def pending_timers_of_instance(session: Session, instance_id: int) -> list[TimerRow]:
    return [TimerRow(*row) for row in _PENDING_TIMERS_OF_CASE.rows(session, {"instance_id": instance_id})]


def pending_timers_due_by(session: Session, until: datetime, limit: int) -> list[tuple[int, datetime]]:
    """(id, due time) of the pending timers due by ``until``, the earliest first: the
    scheduler's window and its sweep for what is due."""
    query = (
        select(Timer.id, Timer.due_at)
        .where(Timer.state == PENDING, Timer.due_at <= until)
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    return [(timer_id, due_at) for timer_id, due_at in session.execute(query)]


def due_timer_ids(session: Session, now: datetime, limit: int = 500) -> list[int]:
    return [timer_id for timer_id, _due_at in pending_timers_due_by(session, now, limit)]


def timer_for_update(session: Session, timer_id: int) -> Timer | None:
    return session.scalars(select(Timer).where(Timer.id == timer_id).with_for_update()).first()


# -- audit -------------------------------------------------------------------------
# The work item an audit entry was about, to read its title (its task's name and round: 评议打分 ·
# 财政所) with the entry in the same statement: one row per entry, for (instance_id, task_id) is
# unique; an entry of no user task joins none.
ENTRY_TASK = and_(WorkItem.instance_id == AuditEntry.instance_id, WorkItem.task_id == AuditEntry.task_id)
_HISTORY = (
    select(
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.bpmn_id,
        AuditEntry.task_id,
        AuditEntry.data,
        WorkItem.name.label("task_name"),
    )
    .outerjoin(WorkItem, ENTRY_TASK)
    .where(AuditEntry.instance_id == bindparam("instance_id"))
    .order_by(AuditEntry.at, AuditEntry.id)
)


def history(session: Session, instance_id: int) -> Sequence[Any]:
    """A case's audit entries, oldest first: rows of (at, actor, action, bpmn_id, task_id, data,
    task_name), ``task_name`` the title of the entry's work item (None for an entry of no user task)."""
    return core_execute(session, _HISTORY, {"instance_id": instance_id}).all()


_CONFIDENTIAL_FILES = select(Attachment.id).where(
    Attachment.instance_id == bindparam("instance_id"),
    Attachment.confidential.is_(True),
    Attachment.uploaded_by != bindparam("reader"),
)


def files_withheld_from(session: Session, instance_id: int, reader: str) -> set[int]:
    """The case's confidential attachments that ``reader`` did not upload."""
    return {
        row[0] for row in core_execute(session, _CONFIDENTIAL_FILES, {"instance_id": instance_id, "reader": reader})
    }


# -- people, settings, calendar ----------------------------------------------------
def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def department_by_code(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).first()


def department_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Department.code)))


_SETTING_VALUES = select(Setting.name, Setting.value)
# Both at once, as one row set: a setting's row has no day, a day's row no setting. Working out
# a deadline needs both (the period, and the working days to count it on), and each is a
# round trip to a database server.
_DEADLINE_CONFIGURATION = PreparedRead(
    union_all(
        select(
            Setting.name,
            Setting.value,
            cast(null(), Date).label("day"),
            cast(null(), Boolean).label("is_working"),
            cast(null(), Boolean).label("from_notice"),
        ),
        select(
            cast(null(), String), cast(null(), String), CalendarDay.day, CalendarDay.is_working, CalendarDay.from_notice
        ),
    )
)


_SUBSCRIPTIONS_OF_CASE = select(Subscription.id, Subscription.task_id, Subscription.kind, Subscription.name).where(
    Subscription.instance_id == bindparam("instance_id")
)


def subscriptions_of_case(session: Session, instance_id: int) -> Sequence[Any]:
    """The messages and signals a case waits for: rows of (id, task_id, kind, name)."""
    return core_execute(session, _SUBSCRIPTIONS_OF_CASE, {"instance_id": instance_id}).all()


def setting_overrides(session: Session) -> dict[str, str]:
    return {row[0]: row[1] for row in core_execute(session, _SETTING_VALUES)}


def deadline_configuration(session: Session) -> tuple[dict[str, str], dict[date, bool], set[int]]:
    """The settings administrators changed (name → value, as ``setting_overrides``), the
    days they entered in the working calendar (day → is it a working day) and the years whose
    State Council notice they entered (``CalendarDay.from_notice``), in one statement."""
    settings: dict[str, str] = {}
    days: dict[date, bool] = {}
    notice_years: set[int] = set()
    for name, value, day, is_working, from_notice in _DEADLINE_CONFIGURATION.rows(session):
        if day is None:
            settings[name] = value
        else:
            days[day] = is_working
            if from_notice:
                notice_years.add(day.year)
    return settings, days, notice_years


def department_choices(session: Session) -> dict[str, str]:
    """Department code → name, in the order they were created."""
    return dict(session.execute(select(Department.code, Department.name).order_by(Department.id)).all())


# Who a new task is announced to (every task that opens asks). One statement per number of
# roles or units asked for, built at first use and kept: a list bound as one parameter
# (``expanding``) has its IN (...) rewritten into the SQL text at every execution, which was
# half of this statement's time (about 1 % of a start or a completion over HTTP). A task is
# offered to a handful of units at most, so few sizes are ever built.
@cache
def _active_in_roles(count: int) -> PreparedRead:
    return PreparedRead(
        select(User.username, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role.in_([bindparam(f"role_{n}") for n in range(count)]))
    )


@cache
def _active_in_units(count: int) -> PreparedRead:
    return PreparedRead(
        select(User.username, Department.code, Department.name)
        .join(Department, User.department_id == Department.id)
        .where(
            User.active.is_(True),
            or_(
                Department.code.in_([bindparam(f"unit_{n}") for n in range(count)]),
                Department.name.in_([bindparam(f"unit_{n}") for n in range(count)]),
            ),
        )
    )


@cache
def _in_roles(count: int) -> PreparedRead:
    return PreparedRead(
        select(User.username, User.active)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([bindparam(f"role_{n}") for n in range(count)]))
    )


def users_in_roles(session: Session, roles: Sequence[Role]) -> dict[str, bool]:
    """Every user holding one of ``roles``, active or not: user name → whether active."""
    wanted = sorted(set(roles))
    if not wanted:
        return {}
    rows = _in_roles(len(wanted)).rows(session, {f"role_{n}": r for n, r in enumerate(wanted)})
    return {row[0]: bool(row[1]) for row in rows}


def active_users_in_roles(session: Session, roles: Sequence[Role]) -> list[tuple[str, Role]]:
    """(user name, role) of every active user holding one of ``roles``."""
    wanted = sorted(set(roles))
    if not wanted:
        return []
    rows = _active_in_roles(len(wanted)).rows(session, {f"role_{n}": r for n, r in enumerate(wanted)})
    return [(row[0], row[1]) for row in rows]


def active_users_in_units(session: Session, units: Sequence[str]) -> list[tuple[str, str, str]]:
    """(user name, unit code, unit name) of every active user of a unit named in ``units``
    by its code or its name."""
    wanted = sorted(set(units))
    if not wanted:
        return []
    rows = _active_in_units(len(wanted)).rows(session, {f"unit_{n}": u for n, u in enumerate(wanted)})
    return [(row[0], row[1], row[2]) for row in rows]


def users_with_role(session: Session, role: Role) -> dict[str, str]:
    """Active users holding ``role``: user name → display name, by display name."""
    return dict(
        session.execute(
            select(User.username, User.display_name)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role == role)
            .order_by(User.display_name, User.username)
        ).all()
    )


def existing_usernames(session: Session, usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` have an account (active or not)."""
    wanted = sorted(set(usernames))
    if not wanted:
        return set()
    return set(session.scalars(select(User.username).where(User.username.in_(wanted))))


def display_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """User name → display name (those who have one), for showing people by name."""
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all()
    return {username: name for username, name in rows if name}


def withdrawing_event(session: Session, instance_id: int, work_item_id: int) -> str | None:
    """The name of what withdrew the task ``work_item_id`` (退回改办, a terminate end...), as
    its holders were told it (the notice's ``event``); None when nothing named withdrew it or
    nobody was there to be told."""
    for params in session.scalars(
        select(Notification.params).where(
            Notification.instance_id == instance_id,  # indexed; a case has few notices
            Notification.work_item_id == work_item_id,
            Notification.kind == NotificationKind.TAKEN_AWAY,
        )
    ):
        if params and params.get("withdrawn") and params.get("event"):
            return str(params["event"])
    return None
