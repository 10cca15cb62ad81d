"""The inbox page: one page of tasks for a tab, the count of every tab under the same
filters, and what the filters can choose from. Built on ``tasks.list_tasks``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessDefinition

from .. import access, clock
from ..access import Actor
from ..errors import NotAllowed
from . import supervision
from .labels import people_names
from .results import TaskSummary, paging
from .taking import withheld_from

TABS = ("mine", "group", "all")
DUE_FILTERS = ("", "overdue", "soon")
SORTS = tuple(repo.INBOX_ORDERS)  # "due" (the default), "-due", "created", "-created"
DUE_SOON = timedelta(days=3)
PER_PAGE = 25


@dataclass(frozen=True)
class InboxQuery:
    tab: str = ""  # "": my tasks, or my groups' when I have none
    process_key: str = ""
    due: str = ""  # "", "overdue", "soon" (due within DUE_SOON, overdue included)
    group: str = ""  # a unit (candidate group)
    text: str = ""  # names the case: its title, its 编号 or its number (repo.case_matches)
    sort: str = "due"  # one of SORTS
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class InboxPage:
    query: InboxQuery
    tabs: tuple[str, ...]
    counts: dict[str, int]
    rows: list[TaskSummary]
    total: int
    pages: int
    now: datetime
    soon_at: datetime
    processes: list[tuple[str, str]] = field(default_factory=list)  # (key, name)
    units: list[tuple[str, str]] = field(default_factory=list)  # (group, name)
    department_names: dict[str, str] = field(default_factory=dict)  # code → name, for display
    people: dict[str, str] = field(default_factory=dict)  # the rows' assignees → their names, for display
    supervised: dict[str, int] = field(default_factory=dict)  # task id → unanswered 督办 on it (the badge)


def visible_tabs(actor: Actor) -> tuple[str, ...]:
    return TABS if access.may_list_all_tasks(actor) else TABS[:2]


def _filter(
    q: InboxQuery,
    tab: str,
    now: datetime,
    withheld: repo.Withheld | None,
    limit: int = 0,
    offset: int = 0,
) -> repo.InboxFilter:
    return repo.InboxFilter(
        scope=tab,
        process_key=q.process_key or None,
        overdue_at=now if q.due == "overdue" else None,
        due_before=now + DUE_SOON if q.due == "soon" else None,
        group=q.group or None,
        text=q.text.strip() or None,
        sort=q.sort,
        limit=limit,
        offset=offset,
        withheld=withheld,
    )


def inbox_page(session: Session, actor: Actor, q: InboxQuery) -> InboxPage:
    tabs = visible_tabs(actor)
    page, per_page = paging(q.page, q.per_page)
    q = dataclasses.replace(
        q,
        due=q.due if q.due in DUE_FILTERS else "",
        sort=q.sort if q.sort in SORTS else "due",
        page=page,
        per_page=per_page,
    )
    now = clock.now()
    # what the reader may not take, asked once for every tab's count, the rows and the filters
    withheld = withheld_from(session, actor)
    counts = {t: list_tasks_count(session, actor, _filter(q, t, now, withheld)) for t in tabs}
    tab = q.tab if q.tab in tabs else ("group" if counts["mine"] == 0 and counts["group"] else "mine")
    q = dataclasses.replace(q, tab=tab)
    flt = _filter(q, tab, now, withheld, q.per_page, (page - 1) * q.per_page)
    found = repo.inbox(session, actor.username, actor.groups, flt)
    rows = [TaskSummary.of(item, title, key, name) for item, title, key, name in found]
    open_by_item = supervision.open_on_items(session, [item.id for item, *_ in found])
    supervised = {item.task_id: open_by_item[item.id] for item, *_ in found if item.id in open_by_item}
    total = counts[tab]
    departments = repo.department_choices(session)
    supervising = access.may_list_all_tasks(actor)
    units = [(code, name) for code, name in departments.items() if supervising or code in actor.groups]
    return InboxPage(
        query=q,
        tabs=tabs,
        counts=counts,
        rows=rows,
        total=total,
        pages=max(1, -(-total // q.per_page)),
        now=now,
        soon_at=now + DUE_SOON,
        processes=_processes_offered(session, actor, q.process_key, withheld),
        units=units,
        department_names=departments,
        people=people_names(session, {row.assignee for row in rows if row.assignee}),
        supervised=supervised,
    )


def _processes_offered(
    session: Session, actor: Actor, chosen: str, withheld: repo.Withheld | None
) -> list[tuple[str, str]]:
    """The 流程 filter's choices, (key, newest version's name): the processes of the tasks the
    reader's tabs hold, not every process deployed (a deputy does not take part in 信访 or
    单位定期报送), nor of those kept from him (``withheld``); the one chosen stays, to show it.
    A supervisor's 全部 tab holds every open task: every process is offered."""
    if access.may_list_all_tasks(actor):  # every open task: every process, without reading them all
        return [(d.key, d.name) for d in repo.latest_definitions(session)]
    held = repo.inbox_query(actor.username, actor.groups, repo.InboxFilter(scope="open", withheld=withheld))
    keys = set(session.scalars(held.with_only_columns(ProcessDefinition.key).distinct())) | {chosen}
    return [(d.key, d.name) for d in repo.latest_definitions(session) if d.key in keys]


def list_tasks_count(session: Session, actor: Actor, flt: repo.InboxFilter) -> int:
    if flt.scope == "all" and not access.may_list_all_tasks(actor):
        raise NotAllowed(f"{actor.username} may only list their own and their groups' tasks")
    return repo.inbox_count(session, actor.username, actor.groups, flt)
