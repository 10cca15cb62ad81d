"""The case list (案件): the cases a person may see, filtered and paged, for the API and as
the case list page with what its filters need."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import NamedFromClause

from storage import repositories as repo
from storage.enums import InstanceStatus, SubscriptionKind, TimerKind, WorkItemState
from storage.models import (
    AuditEntry,
    CaseDeputy,
    CaseFacts,
    ExternalTask,
    ProcessDefinition,
    ProcessInstance,
    Subscription,
    Timer,
    User,
    WorkItem,
    WorkItemGroup,
)

from .. import clock
from ..access import Actor
from .context import FROM_LEDGER, processes
from .labels import department_names, option_labels
from .results import paging
from .visibility import case_visibility, visible_cases


class Waiting(StrEnum):
    """What a running case with no ready task waits for (the list's 当前任务 says it instead of
    "0 项"), as the indexes its last save wrote have it: the list never restores a workflow."""

    EXTERNAL = "external"  # an external task, for a worker outside (external_tasks; the case page's step)
    # the subscriptions' kinds, as the case page's 等待外部 lists them: a message or a signal (a
    # receive task, a catch or boundary event), a receive task without a message (its trigger)
    MESSAGE = SubscriptionKind.MESSAGE.value
    SIGNAL = SubscriptionKind.SIGNAL.value
    TRIGGER = SubscriptionKind.TRIGGER.value
    TIMER = "timer"  # a BPMN timer, intermediate or boundary (timers; not a task's due date)
    CALLED_CASE = "called_case"  # a case its call activity started, still running


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
    open_task_count: int = 0  # ready user tasks
    overdue_task_count: int = 0  # of those, past their due date
    # started from a row of this year's ledger (台账): ``started_by`` is the administrator who
    # imported it and recorded the start, not who registered it back then (the history's start
    # entry says so, with the file and row: HistoryEntry.ledger)
    started_from_ledger: bool = False
    # a running case with no ready task: what it waits for (Waiting's values, in its order; any
    # of them moves it on); empty for a case with a ready task, one no longer running, or one
    # that waits for nothing the indexes know of (a failure with an incident)
    waiting_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None  # running / completed / cancelled
    process_key: str | None = None
    text: str | None = None  # in the title or the business key, or a case number (2, #2)
    started_by_me: bool = False
    as_deputy: bool = False  # the proposals the actor submitted or co-signed as a deputy (我的建议)
    limit: int = 25
    offset: int = 0


def _filters(actor: Actor, flt: CaseFilter) -> list[ColumnElement[bool]]:
    """The conditions on ``process_instances`` of the cases ``flt`` leaves, whoever may see them."""
    where: list[ColumnElement[bool]] = []
    if flt.status:
        where.append(ProcessInstance.status == InstanceStatus(flt.status))
    if flt.process_key:  # by the case's own column: counting what a filter leaves needs no join
        versions = select(ProcessDefinition.id).where(ProcessDefinition.key == flt.process_key)
        where.append(ProcessInstance.definition_id.in_(versions))
    if flt.text:  # the inbox's search box finds a case by the same rule
        where.append(repo.case_matches(flt.text))
    if flt.started_by_me:
        where.append(ProcessInstance.started_by == actor.username)
    if flt.as_deputy:
        where.append(exists().where(CaseDeputy.instance_id == ProcessInstance.id, CaseDeputy.deputy == actor.username))
    return where


# A filter that leaves at most this many cases (whoever may see them) has each of them checked
# for the reader (``case_visibility``: a few index reads a case) rather than against the set of
# every case the reader's tasks name (``visible_cases``), which reads every item offered to their
# unit (~53,000 for a unit's officer at 100,000 cases) however few cases the filter leaves. At
# 100,000 cases (bench/README.md, the twenty-second stop) a unit officer's running cases (4,700)
# took half the time checked one by one; a village's name (8,161 cases) about as long either way.
FEW_CASES = 5_000


def _leaves_few(session: Session, filters: list[ColumnElement[bool]]) -> bool:
    """Whether ``filters`` leave FEW_CASES cases or fewer, counted no further than one more
    (by an index, for a status; a text is one pass over the titles)."""
    if not filters:
        return False
    leaves = select(ProcessInstance.id).where(*filters).limit(FEW_CASES + 1).subquery()
    return (session.scalar(select(func.count()).select_from(leaves)) or 0) <= FEW_CASES


_TASKS = "task"  # the ready work items' row of a case in _CURRENT_WORK


def _kind(value: str) -> ColumnElement[str]:
    return literal_column(f"'{value}'", String)


def _current_work_statement() -> CompoundSelect[int, str, int, int]:
    """Rows (case id, what, how many, overdue) of the cases ``:ids``: their ready tasks (what:
    _TASKS, with how many are past ``:now``) and each kind of Waiting they wait at. Each part is
    read through an index by case (the literal states let SQLite use the partial ones too): the
    ready work items, the external tasks, the subscriptions, the pending BPMN timers, the
    running called cases."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    now: BindParameter[datetime] = bindparam("now")  # typed as what it is compared with (due_at)
    zero: ColumnElement[int] = literal_column("0")
    return union_all(
        select(WorkItem.instance_id, _kind(_TASKS), func.count(), func.count(case((WorkItem.due_at < now, 1))))
        .where(WorkItem.state == repo.READY, WorkItem.instance_id.in_(ids))
        .group_by(WorkItem.instance_id),
        select(ExternalTask.instance_id, _kind(Waiting.EXTERNAL), func.count(), zero)
        .where(ExternalTask.instance_id.in_(ids))
        .group_by(ExternalTask.instance_id),
        # message, signal, trigger: the subscriptions' kinds are Waiting's values
        select(Subscription.instance_id, cast(Subscription.kind, String), func.count(), zero)
        .where(Subscription.instance_id.in_(ids))
        .group_by(Subscription.instance_id, Subscription.kind),
        select(Timer.instance_id, _kind(Waiting.TIMER), func.count(), zero)
        .where(Timer.state == repo.PENDING, Timer.kind == TimerKind.BPMN, Timer.instance_id.in_(ids))
        .group_by(Timer.instance_id),
        select(ProcessInstance.parent_instance_id, _kind(Waiting.CALLED_CASE), func.count(), zero)
        .where(ProcessInstance.parent_instance_id.in_(ids), ProcessInstance.status == repo.RUNNING)
        .group_by(ProcessInstance.parent_instance_id),
    )


# built once, not for every page (only :ids and :now differ): building its five parts cost the list
# more than the database takes to answer it (about a millisecond over 100,000 cases)
_CURRENT_WORK = _current_work_statement()


def _current_work(
    session: Session, instance_ids: list[int], now: datetime
) -> tuple[dict[int, tuple[int, int]], dict[int, set[str]]]:
    """For one page of cases, in one statement: case id → (ready tasks, overdue ones), and
    case id → what it waits for besides (Waiting's values)."""
    if not instance_ids:
        return {}, {}
    counts: dict[int, tuple[int, int]] = {}
    waits: dict[int, set[str]] = {}
    for instance_id, what, n, late in session.execute(_CURRENT_WORK, {"ids": instance_ids, "now": now}):
        if what == _TASKS:
            counts[instance_id] = (n, late)
        else:
            waits.setdefault(instance_id, set()).add(what)
    return counts, waits


def _waiting_for(status: InstanceStatus, ready: int, waits: set[str]) -> tuple[str, ...]:
    """What the list says a case waits for (CaseSummary.waiting_for), in Waiting's order."""
    if status != InstanceStatus.RUNNING or ready:
        return ()
    return tuple(w.value for w in Waiting if w.value in waits)


def _started_from_ledger(session: Session, instance_ids: list[int]) -> set[int]:
    """Of one page of cases, those whose start was replayed from a ledger's row: their start
    entry is marked so (``FROM_LEDGER``, as the history reads it), one query for the page by the
    log's index of cases. The database passes on only the start entries whose text holds the
    mark's key, and each is read as the history reads it (a title that merely holds the word
    is no mark). A case imported before the mark was written has none: it stays as it was."""
    if not instance_ids:
        return set()
    rows = session.execute(
        select(AuditEntry.instance_id, AuditEntry.data).where(
            AuditEntry.instance_id.in_(instance_ids),
            AuditEntry.action == "start",
            type_coerce(AuditEntry.data, Text).contains(FROM_LEDGER, autoescape=True),
        )
    )
    return {instance_id for instance_id, data in rows if data and isinstance(data.get(FROM_LEDGER), Mapping)}


def list_cases(session: Session, actor: Actor, flt: CaseFilter) -> tuple[list[CaseSummary], int]:
    """One page of the cases ``actor`` may see, newest first, and the total for the filter."""
    filters = _filters(actor, flt)
    # the one rule (visibility) read the cheaper way for this filter: the set, or case by case
    visible = visible_cases(actor)
    one_by_one = visible is not None and _leaves_few(session, filters)
    if one_by_one:
        visible = case_visibility(actor)
    query = select(ProcessInstance.id, ProcessInstance.started_at).where(
        *filters, *([] if visible is None else [visible])
    )
    # The total and the page in one statement: the total is one row, the page joined to it (a page
    # past the end still says the total). The reader's set (visible_cases) is a table expression
    # both read, so it is built once, not by a count and again by the page; the few cases checked
    # one by one are found once too (a table expression read twice, materialised by PostgreSQL and
    # SQLite: at most FEW_CASES ids), not checked by the count and again by the page.
    listed = query.cte("listed") if one_by_one else query.subquery("listed")
    number = repo.case_number(flt.text) if flt.text else None

    def newest_first(rows: NamedFromClause) -> list[ColumnElement[Any]]:
        # the case whose number was searched for first, before the titles that merely hold the digits
        first = [case((rows.c.id == number, 0), else_=1)] if number is not None else []
        return [*first, rows.c.started_at.desc(), rows.c.id.desc()]

    page = select(listed).order_by(*newest_first(listed)).limit(flt.limit).offset(flt.offset).subquery("page")
    shown = (
        select(
            ProcessInstance.id,
            ProcessInstance.title,
            ProcessInstance.business_key,
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.version,
            ProcessInstance.status,
            ProcessInstance.started_by,
            ProcessInstance.started_at,
            ProcessInstance.ended_at,
        )
        .join_from(page, ProcessInstance, ProcessInstance.id == page.c.id)
        .join(ProcessDefinition, ProcessInstance.definition_id == ProcessDefinition.id)
        .subquery("shown")
    )
    counted = select(func.count().label("total")).select_from(listed).subquery("counted")
    found = session.execute(
        select(counted.c.total, shown).select_from(counted.outerjoin(shown, true())).order_by(*newest_first(shown))
    ).all()
    total = found[0][0]
    rows = [r[1:] for r in found if r[1] is not None]
    ids = [r[0] for r in rows]
    counts, waits = _current_work(session, ids, clock.now())
    from_ledger = _started_from_ledger(session, ids)
    return [
        CaseSummary(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6].value,
            r[7],
            r[8],
            r[9],
            *counts.get(r[0], (0, 0)),
            started_from_ledger=r[0] in from_ledger,
            waiting_for=_waiting_for(r[6], counts.get(r[0], (0, 0))[0], waits.get(r[0], set())),
        )
        for r in rows
    ], total


# -- the case list page ------------------------------------------------------------------
CASE_STATUSES = tuple(s.value for s in InstanceStatus)  # running, completed, cancelled; "" is all
CASES_PER_PAGE = 25


@dataclass(frozen=True)
class CaseListQuery:
    process_key: str = ""
    status: str = ""  # one of CASE_STATUSES, or "" (all)
    text: str = ""  # in the title or the business key, or a case number (2, #2)
    started_by_me: bool = False
    as_deputy: bool = False
    page: int = 1
    per_page: int = CASES_PER_PAGE


@dataclass(frozen=True)
class CaseListPage:
    query: CaseListQuery
    rows: list[CaseSummary]
    total: int
    pages: int
    processes: list[tuple[str, str]] = field(default_factory=list)  # (key, name) for the filter
    people: dict[str, str] = field(default_factory=dict)  # username → display name
    proposals: list[ProposalSummary] = field(default_factory=list)  # the rows as 我的建议 shows them


def case_list_page(session: Session, actor: Actor, q: CaseListQuery) -> CaseListPage:
    """The case list page: one page of ``list_cases`` under the query's filters (an unknown
    status means all; a page past the end shows the last one), with what the filters and
    the "started by" column need."""
    page, per_page = paging(q.page, q.per_page)
    q = dataclasses.replace(
        q,
        status=q.status if q.status in CASE_STATUSES else "",
        text=q.text.strip(),
        process_key=q.process_key.strip(),
        page=page,
        per_page=per_page,
    )

    def page_of(number: int) -> tuple[list[CaseSummary], int]:
        return list_cases(
            session,
            actor,
            CaseFilter(
                status=q.status or None,
                process_key=q.process_key or None,
                text=q.text or None,
                started_by_me=q.started_by_me,
                as_deputy=q.as_deputy,
                limit=q.per_page,
                offset=(number - 1) * q.per_page,
            ),
        )

    rows, total = page_of(q.page)
    pages = max(1, -(-total // q.per_page))
    if q.page > pages:
        q = dataclasses.replace(q, page=pages)
        rows, total = page_of(pages)
    if q.as_deputy:
        # 我的建议: no process filter (a deputy's cases are proposals) and no starters
        return CaseListPage(q, rows, total, pages, proposals=proposal_summaries(session, actor, rows))
    starters = sorted({r.started_by for r in rows})
    people = (
        dict(session.execute(select(User.username, User.display_name).where(User.username.in_(starters))).all())
        if starters
        else {}
    )
    return CaseListPage(
        query=q,
        rows=rows,
        total=total,
        pages=pages,
        processes=[(d.key, d.name) for d in repo.latest_definitions(session)],
        people=people,
    )


# -- 我的建议: a page of the list as a deputy follows his proposals ----------------------------
COHANDLING_TASK = "Task_CohandlingView"  # proposal.bpmn: one task per 协办单位, offered to that unit
# proposal.bpmn's return path (退回，申请改办): the office decides on the lead unit's return, and
# after 改办 classifies and assigns the item again; the case's facts keep the old assignment
# (unit, reply deadline) until the new 交办 stamps its own
REVIEW_RETURN_TASK = "Task_ReviewReturn"
CLASSIFY_TASK = "Task_Classify"


class ProposalStep(StrEnum):
    """Where a proposal stands, as its deputy asks: who has it now."""

    UNASSIGNED = "unassigned"  # registered, not yet 交办 (a motion before the presidium too)
    HANDLING = "handling"  # with the units: replying, an extension, re-handling, following up
    RETURN_REVIEW = "return_review"  # the lead unit returned it (申请改办): the office decides
    REASSIGNING = "reassigning"  # 改办 agreed: to be assigned again (整理分类并交办)
    YOUR_EVALUATION = "your_evaluation"  # the reader's own evaluation (回执) is open
    DEPUTY_EVALUATION = "deputy_evaluation"  # the submitting deputy's, as a co-signer sees it
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ProposalSummary:
    """A row of 我的建议: the case, and its proposal's facts by name (units) or stored value."""

    case: CaseSummary
    step: ProposalStep
    lead_unit: str | None = None  # 主办单位, by name
    cohandling_units: tuple[str, ...] = ()  # 协办单位, by name, in the order they were assigned
    reply_due: datetime | None = None  # extensions included
    extended: bool = False
    reply_class: str | None = None  # A-D, the latest reply's
    # what the process's reply form calls it ("A 已解决或基本解决"): the classes are the
    # province's, configured in the BPMN, not written here
    reply_class_label: str | None = None
    evaluation: str | None = None  # the latest: 满意 / 基本满意 / 不满意 / 逾期未反馈 / 最终不满意
    your_task_id: str | None = None  # the reader's own open task (his evaluation), to open from the row
    your_task_due: datetime | None = None  # and when it is due
    # the reply deadline passed with no reply yet, or the re-handling's with no reply again
    # (the case still running): by how many days, counted as the board counts a task's (the
    # day it fell due is the first day late)
    days_overdue: int = 0

    @property
    def rehandling(self) -> bool:
        """The unit handles it again after the deputy's 不满意 (the latest evaluation, the case
        neither with the deputy nor closed): ``reply_due`` is the re-handling's, and the first
        round's extension no longer that date's. The page and its download say it alike."""
        return self.step == ProposalStep.HANDLING and self.evaluation == "不满意"


def proposal_summaries(session: Session, actor: Actor, rows: list[CaseSummary]) -> list[ProposalSummary]:
    """The page's cases as 我的建议 shows them: read from their ``case_facts`` rows, the units
    the co-handling tasks were offered to, and who holds their open tasks (the evaluation is
    assigned to the submitting deputy)."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    facts = {f.instance_id: f for f in session.scalars(select(CaseFacts).where(CaseFacts.instance_id.in_(ids)))}
    cohandling: dict[int, list[str]] = {}
    # a co-handling task withdrawn while its case went on (the office re-assigned the item: 改办)
    # is no longer the case's; one that ended with the case (cancelled) still is
    withdrawn = and_(
        WorkItem.state == WorkItemState.CANCELLED,
        or_(ProcessInstance.ended_at.is_(None), WorkItem.completed_at < ProcessInstance.ended_at),
    )
    for instance_id, unit in session.execute(
        select(WorkItem.instance_id, WorkItemGroup.group)
        .join(WorkItemGroup, WorkItemGroup.work_item_id == WorkItem.id)
        .join(ProcessInstance, ProcessInstance.id == WorkItem.instance_id)
        .where(
            WorkItem.instance_id.in_(ids),
            WorkItem.bpmn_id == COHANDLING_TASK,
            WorkItemGroup.is_user.is_(False),
            ~withdrawn,
        )
        .order_by(WorkItem.id)
    ):
        cohandling.setdefault(instance_id, []).append(unit)
    # the open tasks that say where each case stands: those someone holds (the deputy's
    # evaluation, the reader's own), and the return path's (while they are open, the old
    # assignment is no longer current)
    open_tasks = session.execute(
        select(WorkItem.instance_id, WorkItem.assignee, WorkItem.task_id, WorkItem.due_at, WorkItem.bpmn_id).where(
            WorkItem.state == repo.READY,
            WorkItem.instance_id.in_(ids),
            or_(WorkItem.assignee.is_not(None), WorkItem.bpmn_id.in_((REVIEW_RETURN_TASK, CLASSIFY_TASK))),
        )
    ).all()
    holders = {(t.instance_id, t.assignee) for t in open_tasks if t.assignee is not None}
    # the reader's own open task of each case (his evaluation): the row links to it, with its due date
    mine = {t.instance_id: (t.task_id, t.due_at) for t in open_tasks if t.assignee == actor.username}
    returning = {(t.instance_id, t.bpmn_id) for t in open_tasks if t.bpmn_id in (REVIEW_RETURN_TASK, CLASSIFY_TASK)}
    units = department_names(session)
    classes = {key: _reply_classes(session, key) for key in {r.process_key for r in rows}}
    now = clock.now()

    def summary(case: CaseSummary) -> ProposalSummary:
        f = facts.get(case.id)
        if f is None:  # a case saved before its facts were (``case_facts.backfill``)
            return ProposalSummary(case, _step(case, None, holders, returning, actor.username))
        step = _step(case, f, holders, returning, actor.username)
        # being re-assigned (改办): the unit that returned it, its co-handling units and its
        # deadline are not the item's any more (nor the days late by that deadline); the new
        # 交办 names the new ones
        assigned = step not in (ProposalStep.RETURN_REVIEW, ProposalStep.REASSIGNING)
        p = ProposalSummary(
            case,
            step,
            lead_unit=units.get(f.unit, f.unit) if f.unit and assigned else None,
            cohandling_units=tuple(dict.fromkeys(units.get(u, u) for u in cohandling.get(case.id, [])))
            if assigned
            else (),
            reply_due=f.due_at if assigned else None,
            extended=bool(f.extended) and assigned,
            reply_class=f.reply_class,
            reply_class_label=classes[case.process_key].get(f.reply_class, f.reply_class) if f.reply_class else None,
            evaluation=f.final_evaluation,  # every evaluation sets it: the latest one
            your_task_id=mine[case.id][0] if case.id in mine else None,
            your_task_due=mine[case.id][1] if case.id in mine else None,
        )
        return dataclasses.replace(p, days_overdue=_days_overdue(p, f, now))

    return [summary(r) for r in rows]


def _days_overdue(p: ProposalSummary, f: CaseFacts, now: datetime) -> int:
    """How many days the reply round in progress is late: the first reply not given by
    ``reply_due``, or the re-handling's not by its own date (``reply_due`` is then that date,
    ``ProposalSummary.rehandling``). 0: not late, replied, being re-assigned (no deadline), or
    the case no longer running. The statistics' 逾期 is the first reply's alone (case_facts)."""
    due = p.reply_due
    if p.case.status != InstanceStatus.RUNNING or due is None or due >= now:
        return 0
    if f.replied_at is not None and not p.rehandling:
        return 0
    return (now - due).days + 1


def _reply_classes(session: Session, process_key: str) -> dict[str, str]:
    """The reply classes as the process's newest version names them (code → label)."""
    definition = repo.latest_definition(session, process_key)
    return option_labels(processes.get(definition)).get("reply_class", {}) if definition else {}


def _step(
    case: CaseSummary,
    f: CaseFacts | None,
    holders: set[tuple[int, str | None]],
    returning: set[tuple[int, str]],
    reader: str,
) -> ProposalStep:
    """``holders``: (case, user) of the open tasks held by someone; ``returning``: (case, task
    element) of the open tasks of the return path (审核退回申请, 整理分类并交办)."""
    if case.status == InstanceStatus.COMPLETED:
        return ProposalStep.CLOSED
    if case.status == InstanceStatus.CANCELLED:
        return ProposalStep.CANCELLED
    if f is None:
        return ProposalStep.HANDLING
    if f.deputy and (case.id, f.deputy) in holders:  # the deputy's one task is the evaluation
        return ProposalStep.YOUR_EVALUATION if f.deputy == reader else ProposalStep.DEPUTY_EVALUATION
    if f.assigned_at is None:
        return ProposalStep.UNASSIGNED
    if (case.id, REVIEW_RETURN_TASK) in returning:
        return ProposalStep.RETURN_REVIEW
    # classified again once assigned: only after 改办 (a first 交办 has no assigned_at yet)
    if (case.id, CLASSIFY_TASK) in returning:
        return ProposalStep.REASSIGNING
    return ProposalStep.HANDLING


MAX_EXPORT = 10_000


def case_list_export(session: Session, actor: Actor, q: CaseListQuery) -> list[CaseSummary]:
    """The cases of the list as filtered on screen, newest first, up to MAX_EXPORT (the
    download of the case list; what ``actor`` may see only)."""
    rows, _total = list_cases(
        session,
        actor,
        CaseFilter(
            status=q.status if q.status in CASE_STATUSES else None,
            process_key=q.process_key.strip() or None,
            text=q.text.strip() or None,
            started_by_me=q.started_by_me,
            as_deputy=q.as_deputy,
            limit=MAX_EXPORT,
        ),
    )
    return rows


def my_proposals_export(session: Session, actor: Actor, q: CaseListQuery) -> list[ProposalSummary]:
    """我的建议 as filtered on screen, up to MAX_EXPORT, each row as the page shows it (the
    download of 我的建议: the deputy's columns, not the officers' task counts)."""
    rows = case_list_export(session, actor, dataclasses.replace(q, as_deputy=True))
    return proposal_summaries(session, actor, rows)
