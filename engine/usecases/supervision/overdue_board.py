"""The overdue board (督查台): every open task overdue or due soon, the unit late with it,
its holders and 督办, the counts per unit, and the 督办 still open, filtered and sorted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, Text, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus, WorkItemState
from storage.models import (
    CaseFacts,
    ProcessDefinition,
    ProcessInstance,
    Supervision,
    User,
    WorkItem,
    WorkItemGroup,
)

from ... import access, clock
from ...access import Actor, Permission
from ...errors import FieldError, InvalidData
from ..confidentiality import secrets_of_cases
from ..context import processes
from ..labels import holder_names, people_names, value_labels
from ..people import ROLE_CODES
from .answers import request_pending
from .states import FollowUp, SupervisionView, given_up_on_the_case
from .units import late_unit, late_unit_in_sql, unit_codes
from .views import addressed, addressees_recorded, follow_ups, view_of

SOON = timedelta(days=3)  # "due soon" on the board


@dataclass(frozen=True)
class BoardRow:
    task_id: str
    task_name: str
    instance_id: int
    case_title: str
    process_key: str
    process_name: str
    # who is late, by unit code (late_unit): the unit holding the task, else the case's unit,
    # else the role offered it
    unit: str | None
    assignee: str | None
    groups: tuple[str, ...]  # the units (candidate groups) offered it
    users: tuple[str, ...]  # the people (user names) offered it
    holders: tuple[str, ...]  # who holds it, by name: the assignee's, else the units and people offered it
    due_at: datetime
    days_overdue: int  # the day past the deadline it is: 1 on the first day after it; 0 when not yet due
    overdue: bool
    # 督办 on this task so far, and on its case as a whole addressed to its holders (as its badge)
    supervisions: int
    open_supervisions: int
    # not yet due: the whole days left before its deadline (0: it falls within a day); 0 when overdue
    days_left: int = 0
    # what the office recorded about the deadline timer's 督办 on it (its 督办 task done), the
    # latest's; None: none raised, or the office's task still open
    follow_up: FollowUp | None = None


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    per_unit: dict[str, tuple[int, int]]  # unit → (overdue, due soon)
    open_supervisions: list[SupervisionView]
    now: datetime
    people: dict[str, str] = field(default_factory=dict)  # the people the board names → their names
    unit_names: dict[str, str] = field(default_factory=dict)  # unit code → name
    # what the 代表 and 类别 filters offer: deputy's user name → name, class's code → its label
    deputies: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    processes: dict[str, str] = field(default_factory=dict)  # the 流程 filter: key → name (newest version's)


SORTS = ("due", "unit", "process", "supervisions")


def board(
    session: Session,
    actor: Actor,
    unit: str | None = None,
    process_key: str | None = None,
    sort: str = "due",
    deputy: str | None = None,
    category: str | None = None,
) -> Board:
    """Every open task that is overdue or due within SOON, with the unit that is late with it
    (``late_unit``), its holder and 督办; counts per unit; the 督办 still open. Every filter
    keeps the rows, the counts and the open 督办 alike: ``unit`` the tasks that unit is late
    with, and the 督办 pressing on it, as the counts say; ``process_key``, ``deputy`` and
    ``category`` the cases of that process, deputy and class. A filter or sort naming nothing
    there is (a typo in a script, an edited address) is refused, every such field at once
    (InvalidData, the field by its name in the API: ``unit``, ``process``, ``deputy``,
    ``category``, ``sort``): an empty board must mean nothing is overdue, not a wrong name."""
    access.require(actor, Permission.SUPERVISE, "see the overdue board")
    processes_offered = {d.key: d.name for d in repo.latest_definitions(session)}
    units = repo.department_choices(session)
    offered_deputies, offered_categories = _offered_choices(session)
    unknown = {
        **_unknown_choice("sort", sort, SORTS),
        **_unknown_choice("process", process_key, processes_offered),
        **_unknown_unit(session, unit, units),
        **_unknown_deputy(session, deputy, offered_deputies),
        **_unknown_category(session, category, offered_categories),
    }
    if unknown:
        raise InvalidData(unknown)
    now = clock.now()
    found = session.execute(_due_tasks(now, process_key, deputy, category)).all()
    groups, users = _offered(session, [r.id for r in found])
    on_the_case = _on_the_case_counts(session, {r.instance_id for r in found})
    followed_up = _followed_up(session, actor, [r.id for r in found])
    views = _open_supervisions(session, actor, now, unit, process_key, deputy, category)
    # everyone the board names, in one statement: holders, the people offered tasks, issuers,
    named = {r.assignee for r in found if r.assignee} | {v.issued_by for v in views}
    # and who recorded what the office did about a timer's (the open 督办's line, the rows' download)
    done_by = [v.follow_up for v in views if v.follow_up] + list(followed_up.values())
    named |= {f.done_by for f in done_by if f.done_by}
    people = people_names(session, named.union(*users.values()))
    codes = unit_codes(units)
    rows = []
    # each row unpacked, not read by name: a thousand rows' fields by name cost a tenth of the board's time
    for item_id, assignee, case_unit, *shown in found:
        offered, offered_users = groups.get(item_id, []), users.get(item_id, [])
        late = late_unit(offered, case_unit, codes)
        if unit and late != unit:
            continue
        holders = holder_names(assignee, offered, offered_users, people, units)
        also = on_the_case.get(item_id, (0, 0))
        row = _board_row(shown, now, late, assignee, offered, offered_users, holders, also)
        rows.append(replace(row, follow_up=followed_up[item_id]) if item_id in followed_up else row)
    order = {
        "due": lambda r: (r.due_at, r.instance_id),
        "unit": lambda r: (r.unit or "", r.due_at),
        "process": lambda r: (r.process_key, r.due_at),
        "supervisions": lambda r: (-r.supervisions, r.due_at),
    }
    rows.sort(key=order[sort])
    deputies, categories = _filter_choices(session, offered_deputies, offered_categories, deputy, category)
    return Board(rows, _per_unit(rows), views, now, people, units, deputies, categories, processes_offered)


def _due_tasks(
    now: datetime, process_key: str | None, deputy: str | None, category: str | None
) -> Select[*tuple[Any, ...]]:
    """The open tasks overdue or due within SOON, as the filters ask, with their case's unit
    and 督办 counts: plain columns, not work item objects (a board of a thousand rows is read,
    not changed)."""
    counts = (
        select(
            Supervision.work_item_id,
            func.count().label("all"),
            func.sum(case((Supervision.responded_at.is_(None), 1), else_=0)).label("open"),
        )
        .group_by(Supervision.work_item_id)
        .subquery()
    )
    query = (
        select(
            WorkItem.id,
            WorkItem.assignee,
            CaseFacts.unit,
            # what the board shows of it, in the order _board_row reads
            WorkItem.task_id,
            WorkItem.name,
            WorkItem.instance_id,
            ProcessInstance.title,
            ProcessDefinition.key,
            ProcessDefinition.name,
            WorkItem.due_at,
            counts.c.all,
            counts.c.open,
        )
        .join(ProcessInstance, ProcessInstance.id == WorkItem.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(CaseFacts, CaseFacts.instance_id == ProcessInstance.id)
        .outerjoin(counts, counts.c.work_item_id == WorkItem.id)
        .where(WorkItem.state == repo.READY, WorkItem.due_at.is_not(None), WorkItem.due_at < now + SOON)
    )
    if process_key:
        query = query.where(ProcessDefinition.key == process_key)
    if deputy:  # a deputy's proposals (the case facts)
        query = query.where(CaseFacts.deputy == deputy)
    if category:  # a proposal's class (分类)
        query = query.where(CaseFacts.category == category)
    return query


def _on_the_case_counts(session: Session, instance_ids: set[int]) -> dict[int, tuple[int, int]]:
    """Work item id → (all, open) of the 督办 on its case as a whole addressed to its holders
    (it held the task when issued: ``addressed.items``), which a row counts with those on its
    task, as the task's badge does (``open_on_items``): open, while its part of it stands
    (not answered, nor ended: the 督办 not answered, the task not taken back)."""
    counts: dict[int, tuple[int, int]] = {}
    if not instance_ids:
        return counts
    for kept, responded_at in session.execute(
        select(Supervision.escalation, Supervision.responded_at).where(
            Supervision.instance_id.in_(instance_ids), Supervision.work_item_id.is_(None)
        )
    ):
        addressed = (kept or {}).get("addressed") or {}
        ended_part = {*(addressed.get("answered") or ()), *(addressed.get("withdrawn") or ())}
        for item_id in addressed.get("items") or ():
            total, open_ = counts.get(item_id, (0, 0))
            counts[item_id] = (total + 1, open_ + (responded_at is None and item_id not in ended_part))
    return counts


def _offered(session: Session, item_ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Whom each of these tasks is offered to: the groups (units, roles), and the people by
    user name; each in their order."""
    groups: dict[int, list[str]] = {}
    users: dict[int, list[str]] = {}
    if item_ids:
        for item_id, group, is_user in session.execute(
            select(WorkItemGroup.work_item_id, WorkItemGroup.group, WorkItemGroup.is_user)
            .where(WorkItemGroup.work_item_id.in_(item_ids))
            .order_by(WorkItemGroup.work_item_id, WorkItemGroup.group)
        ):
            (users if is_user else groups).setdefault(item_id, []).append(group)
    return groups, users


def _open_supervisions(
    session: Session,
    actor: Actor,
    now: datetime,
    unit: str | None,
    process_key: str | None,
    deputy: str | None,
    category: str | None,
) -> list[SupervisionView]:
    """The 督办 still open, newest first (200 at most), of the unit, the process, the deputy
    and the class the board is filtered to, as its rows are (``_due_tasks``): a 督办 is the
    unit's that is late with its task (``late_unit_in_sql``; one on the case as a whole, each
    unit's it was addressed to: ``_addressed_to``), and of its case's process, deputy and
    class (the case facts). Their case's title and task are read in the same statement (not
    three per row), their opinions masked to ``actor``."""
    open_query = (
        select(
            Supervision,
            ProcessInstance.title,
            ProcessInstance.definition_id,
            WorkItem.name,
            WorkItem.task_id,
            WorkItem.state,
            WorkItem.bpmn_id,
        )
        .join(ProcessInstance, ProcessInstance.id == Supervision.instance_id)
        .outerjoin(WorkItem, WorkItem.id == Supervision.work_item_id)
        .where(
            Supervision.responded_at.is_(None),
            ProcessInstance.status == InstanceStatus.RUNNING,
            # none on a task withdrawn without an answer (SupervisionState.ENDED); one on a task
            # completed unanswered stands while the request made there is decided (退回, 延期)
            or_(
                Supervision.work_item_id.is_(None),
                WorkItem.state == WorkItemState.READY,
                WorkItem.state == WorkItemState.COMPLETED,
            ),
        )
    )
    if unit or deputy or category:
        open_query = open_query.outerjoin(CaseFacts, CaseFacts.instance_id == ProcessInstance.id)
    if unit:
        # on the case as a whole: the units it was addressed to are kept in its row's JSON text,
        # where the unit's code is looked for as a JSON string (then checked: ``_addressed_to``);
        # one issued before they were kept, the case's unit's
        on_the_case = or_(
            type_coerce(Supervision.escalation, Text).contains(json.dumps(unit, ensure_ascii=False), autoescape=True),
            CaseFacts.unit == unit,
        )
        open_query = open_query.add_columns(CaseFacts.unit.label("case_unit")).where(
            or_(
                and_(Supervision.work_item_id.is_not(None), late_unit_in_sql(Supervision.work_item_id) == unit),
                and_(Supervision.work_item_id.is_(None), on_the_case),
            )
        )
    if deputy:  # a deputy's proposals, as _due_tasks keeps them
        open_query = open_query.where(CaseFacts.deputy == deputy)
    if category:
        open_query = open_query.where(CaseFacts.category == category)
    if process_key:
        open_query = open_query.join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id).where(
            ProcessDefinition.key == process_key
        )
    open_rows = [
        found
        for found in session.execute(open_query.order_by(Supervision.issued_at.desc()).limit(200)).all()
        if (found.state != WorkItemState.COMPLETED or request_pending(session, found[0], found[2], found.bpmn_id))
        and not given_up_on_the_case(found[0])
        and (not unit or _addressed_to(found[0], unit, found.case_unit))
    ]
    secrets = secrets_of_cases(session, actor, {(row.instance_id, definition) for row, _t, definition, *_ in open_rows})
    # a deadline timer's: what the office did about it, as the case and task pages say it
    followed_up = follow_ups(session, [(row, definition) for row, _t, definition, *_ in open_rows], secrets)
    return [
        replace(
            view_of(row, title, task_name, task_id, now, secrets[row.instance_id]), follow_up=followed_up.get(row.id)
        )
        for row, title, _definition, task_name, task_id, *_ in open_rows
    ]


def _followed_up(session: Session, actor: Actor, item_ids: list[int]) -> dict[int, FollowUp]:
    """Work item id → what the office recorded about the deadline timer's 督办 on it, the
    latest's (``views.follow_ups``), masked to ``actor``: for the board's rows (its download
    says it), whether or not the open 督办 listed beside them (the newest 200) hold it."""
    if not item_ids:
        return {}
    raised = [
        (row, definition)
        for row, definition in session.execute(
            select(Supervision, ProcessInstance.definition_id)
            .join(ProcessInstance, ProcessInstance.id == Supervision.instance_id)
            .where(Supervision.automatic.is_(True), Supervision.work_item_id.in_(item_ids))
            .order_by(Supervision.id)
        )
        if (row.escalation or {}).get("followed_by")
    ]
    if not raised:
        return {}
    secrets = secrets_of_cases(session, actor, {(row.instance_id, definition) for row, definition in raised})
    found = follow_ups(session, raised, secrets)
    # (oldest first: a later timer's on the same task is the one kept)
    return {row.work_item_id: found[row.id] for row, _definition in raised if row.id in found and row.work_item_id}


def _addressed_to(row: Supervision, unit: str, case_unit: str | None) -> bool:
    """Whether an open 督办 ``_open_supervisions`` found for ``unit`` is that unit's: one on a
    task, the unit late with it (found so); one on the case as a whole, a unit it was addressed
    to, not the case's lead unit (a co-handling unit's view is its own); one issued before
    they were kept, the case's unit's (``case_unit``), as before."""
    if row.work_item_id is not None:
        return True
    if addressees_recorded(row):
        return unit in addressed(row, "units")
    return case_unit == unit


def _board_row(
    shown: Sequence[Any],
    now: datetime,
    unit: str | None,
    assignee: str | None,
    offered: list[str],
    users: list[str],
    holders: list[str],
    on_the_case: tuple[int, int] = (0, 0),
) -> BoardRow:
    """A task ``_due_tasks`` found (``shown``: its columns after the case's unit), as the board
    lists it, ``unit`` late with it; its 督办 counted with ``on_the_case``, (all, open) of those
    on its case as a whole addressed to it (``_on_the_case_counts``)."""
    task_id, task_name, instance_id, case_title, process_key, process_name, due_at, total, open_ = shown
    overdue = due_at < now
    return BoardRow(
        task_id=task_id,
        task_name=task_name,
        instance_id=instance_id,
        case_title=case_title,
        process_key=process_key,
        process_name=process_name,
        unit=unit,
        assignee=assignee,
        groups=tuple(offered),
        users=tuple(users),
        holders=tuple(holders),
        due_at=due_at,
        days_overdue=(now - due_at).days + 1 if overdue else 0,
        overdue=overdue,
        supervisions=(total or 0) + on_the_case[0],
        open_supervisions=(open_ or 0) + on_the_case[1],
        days_left=0 if overdue else (due_at - now).days,
    )


def _per_unit(rows: list[BoardRow]) -> dict[str, tuple[int, int]]:
    """Unit → (overdue, due soon) of the rows, by the unit late with each ("": none)."""
    counts: dict[str, tuple[int, int]] = {}
    for r in rows:
        late, soon = counts.get(r.unit or "", (0, 0))
        counts[r.unit or ""] = (late + r.overdue, soon + (not r.overdue))
    return counts


# the process whose case facts carry a deputy and a class (case_facts reads them from its
# variables ``deputy`` and ``category``, which its form offers by name)
_PROPOSAL = "proposal"


def _offered_choices(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """The deputies and the classes the current proposal form offers: deputy's user name → name,
    class's code → its label (none: no proposal process deployed)."""
    definition = repo.latest_definition(session, _PROPOSAL)
    offered = value_labels(session, processes.get(definition)) if definition else {}
    return dict(offered.get("deputy", {})), dict(offered.get("category", {}))


def _filter_choices(
    session: Session,
    deputies: dict[str, str],
    categories: dict[str, str],
    deputy: str | None,
    category: str | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The board's 代表 and 类别 filters as lists to choose from, by what people see: the deputies
    by name and the classes by label, as the current proposal form offers them (the filters
    match codes, which nobody types). A value asked for that the form no longer offers (a
    deputy since deactivated, a class since dropped) is kept, by name where there is one, so
    that the filter in force shows."""
    deputies, categories = dict(deputies), dict(categories)
    if deputy and deputy not in deputies:
        deputies[deputy] = people_names(session, [deputy]).get(deputy, deputy)
    if category and category not in categories:
        categories[category] = category
    return deputies, categories


# Which filter values the board knows. Each answers {field: why} for a value naming nothing
# there is, {} for a known one or none asked. Known is wider than what the page's lists offer:
# a unit, deputy or class the cases still carry stays a filter after it was dropped from the
# forms (a deputy deactivated, a class removed), as ``_filter_choices`` keeps it shown.


def _unknown_choice(name: str, value: str | None, known: Sequence[str] | dict[str, str]) -> dict[str, FieldError]:
    if not value or value in known:
        return {}
    return {name: FieldError("not_one_of", {"value": value, "choices": "、".join(known)})}


def _unknown_unit(session: Session, unit: str | None, units: dict[str, str]) -> dict[str, FieldError]:
    """A unit by its code; a role, or any other group a task is offered to: the board lists a
    task offered to no unit under it (``late_unit``), and its count links to it; a case's unit."""
    if not unit or unit in units or unit in ROLE_CODES:
        return {}
    offered = select(WorkItemGroup.work_item_id).where(WorkItemGroup.group == unit, WorkItemGroup.is_user.is_(False))
    of_a_case = select(CaseFacts.instance_id).where(CaseFacts.unit == unit)
    if session.execute(select(or_(offered.exists(), of_a_case.exists()))).scalar():
        return {}
    return {"unit": FieldError("unknown_department", {"department": unit})}


def _unknown_deputy(session: Session, deputy: str | None, offered: dict[str, str]) -> dict[str, FieldError]:
    """A deputy by user name: one the form offers, anyone with an account (active or not), or
    a case's deputy."""
    if not deputy or deputy in offered:
        return {}
    a_user = select(User.id).where(User.username == deputy)
    of_a_case = select(CaseFacts.instance_id).where(CaseFacts.deputy == deputy)
    if session.execute(select(or_(a_user.exists(), of_a_case.exists()))).scalar():
        return {}
    return {"deputy": FieldError("unknown_user", {"username": deputy})}


def _unknown_category(session: Session, category: str | None, offered: dict[str, str]) -> dict[str, FieldError]:
    """A class by its code: one the proposal form offers, or a case's."""
    if not category or category in offered:
        return {}
    if session.execute(select(select(CaseFacts.instance_id).where(CaseFacts.category == category).exists())).scalar():
        return {}
    return _unknown_choice("category", category, offered)
