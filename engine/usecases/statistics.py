"""The figures a township congress reports (答复率, 满意率, 办成率, ...): each one a named
condition on ``case_facts`` (written when a case is saved, see ``case_facts``), counted
for the cases received in a period, overall and per unit, and the cases behind it; the
inspections and the year's plan count item rows the same way (``statistics_items``); the
trend per month (``trend``).

Every figure is defined here once, as (key, condition, base): ``count`` is how many cases
of the period meet the condition, ``base`` the figure its rate is taken over. The pages,
the API and the exports show the definitions next to the numbers (bpmn/README.md §5 says
which variables they read).

A cancelled case (撤销: a proposal withdrawn or merged into another) counts in no figure and
in no month of the trend, only in ``withdrawn`` (``figure_specs``). Of a proposal's replies,
已答复, 按期答复 and 逾期 judge the first (``replied_at``: the statutory period is the first
reply's); the classes A–D read the latest (``reply_class``: a re-handling reply replaces the
one the deputy was not satisfied with), a replied case in one class only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, literal_column, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from storage import repositories as repo
from storage.enums import InstanceStatus, WorkItemState
from storage.models import CaseFacts, ProcessInstance, WorkItem, WorkItemGroup

from .. import access, clock
from ..access import Actor, Permission
from ..bpmn.forms import DATE_MAX, DATE_MIN
from ..deadlines.calendar import LOCAL_TZ
from ..deadlines.settings import resolve
from ..errors import FieldError, InvalidData, NotFound
from .figure_specs import Family, FigureSpec
from .labels import department_names
from .statistics_items import FAMILIES as ITEM_FAMILIES
from .visibility import visible_cases

F = CaseFacts
SATISFIED = ("满意", "基本满意")
EVALUATIONS = ("满意", "基本满意", "不满意")
FINALLY_UNSATISFIED = "最终不满意"


def _late(now: datetime) -> ColumnElement[bool]:
    """Replied after the deadline, or not replied and the deadline passed."""
    return or_(F.replied_on_time.is_(False), and_(F.replied_at.is_(None), F.due_at < now, F.status == "running"))


def _reply_class(letter: str) -> ColumnElement[bool]:
    """Replied, the latest reply of class ``letter``: a subset of 已答复, its base."""
    return and_(F.replied_at.is_not(None), F.reply_class == letter)


# the lead unit's task of re-handling a proposal the deputy was not satisfied with
# (bpmn/proposal.bpmn): completed, it is the re-handling reply
REHANDLE_TASK = "Task_Rehandle"


def _rehandle_replied() -> ColumnElement[bool]:
    """Sent to re-handling, and the unit replied again: the case has a completed re-handling
    task. ``rehandled`` (``rehandle_count > 0``) is set when that task opens, so it counts the
    cases still waiting for the new reply too; the reply itself is read from the task history,
    as the 督办 are (bpmn/README.md §3.1)."""
    replied_again = select(WorkItem.instance_id).where(
        WorkItem.bpmn_id == REHANDLE_TASK, WorkItem.state == WorkItemState.COMPLETED
    )
    return and_(F.rehandled.is_(True), F.instance_id.in_(replied_again))


# 改办 (bpmn/proposal.bpmn): the lead unit's reply task, where it asks to return the item, and
# 整理分类并交办, which only Script_Reassign (the office agreed at 审核退回申请) leads back to once
# the item was assigned
REPLY_TASK = "Task_Reply"
CLASSIFY_TASK = "Task_Classify"


def _returned_by() -> Select[int, str]:
    """Each 改办 as (case, the unit that returned it): a 整理分类并交办 opened after a reply task
    (the first one comes before any), and the unit offered the last reply task before it (its
    ``${lead_unit}``), whose return the office agreed to. Read from the task history, as
    ``_rehandle_replied`` is: the variables name the last re-assignment's unit alone
    (``reassigned_from``), and a case two units returned in turn is each one's."""
    classify = aliased(WorkItem)
    returned = (
        select(func.max(WorkItem.id))
        .where(WorkItem.instance_id == classify.instance_id, WorkItem.bpmn_id == REPLY_TASK, WorkItem.id < classify.id)
        .scalar_subquery()
    )
    return (
        select(classify.instance_id.label("instance_id"), WorkItemGroup.group.label("unit"))
        .join(WorkItemGroup, and_(WorkItemGroup.work_item_id == returned, WorkItemGroup.is_user.is_(False)))
        .where(classify.bpmn_id == CLASSIFY_TASK)
    )


def _reassigned() -> ColumnElement[bool]:
    """Re-assigned (改办) at least once, by whichever unit; waiting for the new 交办 too."""
    return F.instance_id.in_(select(_returned_by().subquery().c.instance_id))


def _proposal_figures(now: datetime) -> list[FigureSpec]:
    return [
        FigureSpec("received", true()),
        FigureSpec("assigned", F.assigned_at.is_not(None), "received"),
        FigureSpec("replied", F.replied_at.is_not(None), "assigned"),  # 答复率
        FigureSpec("replied_on_time", F.replied_on_time.is_(True), "assigned"),  # 按期答复率
        FigureSpec("late", _late(now), "assigned"),
        FigureSpec("extended", F.extended.is_(True), "assigned"),
        # 改办件数: a count, no rate. Per unit it is the returning unit's, whose 已交办 no longer
        # counts the case: a share of it could pass 100%
        FigureSpec("reassigned", _reassigned(), units=_returned_by),
        FigureSpec("evaluated", F.first_evaluation.in_(EVALUATIONS), "replied"),
        FigureSpec("satisfied_first", F.first_evaluation.in_(SATISFIED), "evaluated"),  # 满意率 (first)
        FigureSpec("satisfied_final", F.final_evaluation.in_(SATISFIED), "evaluated"),  # 满意率 (final)
        # 要求重新办理: the deputy was not satisfied and the unit was told to handle it again
        # (its task opened), whether it has replied again or not
        FigureSpec("rehandled", F.rehandled.is_(True), "evaluated"),
        FigureSpec("rehandle_replied", _rehandle_replied(), "rehandled"),  # 其中已重新答复
        FigureSpec("finally_unsatisfied", F.final_evaluation == FINALLY_UNSATISFIED, "evaluated"),
        FigureSpec("class_a", _reply_class("A"), "replied"),  # 办成率
        FigureSpec("class_b", _reply_class("B"), "replied"),
        FigureSpec("class_c", _reply_class("C"), "replied"),
        FigureSpec("class_d", _reply_class("D"), "replied"),
        # closed as solved: class A, or class B reported solved on follow-up; not 办成率
        FigureSpec("solved", F.solved.is_(True), "replied"),
    ]


def _petition_figures(now: datetime) -> list[FigureSpec]:
    return [
        FigureSpec("received", true()),
        FigureSpec("channel_letter", F.kind == "letter", "received"),
        FigureSpec("channel_visit", F.kind == "visit", "received"),
        FigureSpec("channel_opinion_box", F.kind == "opinion_box", "received"),
        FigureSpec("decided", F.accepted.is_not(None), "received"),
        FigureSpec("accepted", F.accepted.is_(True), "decided"),
        FigureSpec("accepted_on_time", F.accepted_on_time.is_(True), "decided"),  # 15 日内受理告知
        FigureSpec("replied", F.replied_at.is_not(None), "accepted"),
        FigureSpec("replied_on_time", F.replied_on_time.is_(True), "accepted"),
        FigureSpec("late", _late(now), "accepted"),
        FigureSpec("extended", F.extended.is_(True), "accepted"),
        FigureSpec("review_requested", F.review_requested.is_(True), "replied"),
        FigureSpec("review_changed", F.review_result == "changed", "review_requested"),
        FigureSpec("rereview_requested", F.rereview_requested.is_(True), "review_requested"),
        FigureSpec("rereview_changed", F.rereview_result == "changed", "rereview_requested"),
    ]


def _case_family(process_key: str, figures: Any) -> Family:
    return Family(
        scope=lambda: F.process_key == process_key,
        received=F.received_at,
        unit=F.unit,
        instance_id=F.instance_id,
        done_at=F.replied_at,
        figures=figures,
        cancelled=lambda: F.status == InstanceStatus.CANCELLED.value,
        handling_time=True,
    )


FAMILIES: dict[str, Family] = {
    "proposal": _case_family("proposal", _proposal_figures),
    "petition": _case_family("petition", _petition_figures),
    **ITEM_FAMILIES,
}
FIGURES = {key: family.counted_figures for key, family in FAMILIES.items()}


# the longest period the statistics count over: ten years, leap days included, two terms of a
# township congress (a trend of centuries' months is nobody's report, and took seconds to draw)
MAX_PERIOD_DAYS = 3653


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # last day, included

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The instants [from, to) of the period, Beijing days."""
        return (
            datetime.combine(self.start, time(0), LOCAL_TZ),
            datetime.combine(self.end + timedelta(days=1), time(0), LOCAL_TZ),
        )

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date) -> Period:
        """From the form: ``YYYY-MM-DD`` each; by default this year so far."""
        errors: dict[str, FieldError] = {}
        days: dict[str, date] = {}
        for name, text, default in (("from", start, date(today.year, 1, 1)), ("to", end, today)):
            try:
                days[name] = date.fromisoformat(text) if text else default
            except ValueError:
                errors[name] = FieldError("not_a_date")
                continue
            if not DATE_MIN <= days[name] <= DATE_MAX:  # a date picker offers years up to 9999
                bounds = {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
                errors[name] = FieldError("date_out_of_range", bounds)
        if not errors and days["from"] > days["to"]:
            errors["to"] = FieldError("range_backwards")
        elif not errors and (days["to"] - days["from"]).days + 1 > MAX_PERIOD_DAYS:
            errors["to"] = FieldError("range_too_long", {"max": MAX_PERIOD_DAYS})
        if errors:
            raise InvalidData(errors)
        return cls(days["from"], days["to"])

    @classmethod
    def preset(cls, name: str, today: date, session_opens: tuple[int, int] = (3, 1)) -> Period:
        """A period the congress reports on, around ``today``: ``year``, ``first_half``,
        ``second_half`` (of this year), ``last_year``, or ``session``: the session year
        (人代会年度), from the day the congress last met (``session_opens``: month, day; the
        settings ``congress.session_month`` / ``congress.session_day``) to the day before it
        meets again, the year the next session's report covers."""
        year = today.year
        if name == "session":
            opens = _session_day(year, *session_opens)
            if opens > today:
                opens = _session_day(year - 1, *session_opens)
            return cls(opens, _session_day(opens.year + 1, *session_opens) - timedelta(days=1))
        periods = {
            "year": (date(year, 1, 1), date(year, 12, 31)),
            "first_half": (date(year, 1, 1), date(year, 6, 30)),
            "second_half": (date(year, 7, 1), date(year, 12, 31)),
            "last_year": (date(year - 1, 1, 1), date(year - 1, 12, 31)),
        }
        if name not in periods:
            raise InvalidData({"preset": FieldError("not_allowed_value", {"value": name})})
        return cls(*periods[name])


PRESETS = ("session", "year", "first_half", "second_half", "last_year")


def _session_day(year: int, month: int, day: int) -> date:
    """The day of ``year`` the congress meets (a day past the month's end: its last day)."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return min(date(year, month, 1) + timedelta(days=day - 1), first_of_next - timedelta(days=1))


def session_opens(session: Session) -> tuple[int, int]:
    """(month, day) the township congress meets each year, from the settings."""
    values = resolve(repo.setting_overrides(session))
    return values["congress.session_month"], values["congress.session_day"]


@dataclass(frozen=True)
class Figure:
    key: str
    count: int
    base: int | None  # None: the figure has no rate

    @property
    def rate(self) -> float | None:
        """The share of the base in percent, one decimal; None with no base or a base of 0."""
        return round(100 * self.count / self.base, 1) if self.base else None


@dataclass(frozen=True)
class UnitFigures:
    unit: str | None  # None: not assigned to a unit yet
    figures: dict[str, Figure]


@dataclass(frozen=True)
class Statistics:
    process_key: str
    period: Period
    overall: dict[str, Figure]
    units: list[UnitFigures]
    handling_days: dict[str, float | None] = field(default_factory=dict)  # average, slowest (replied cases)


def statistics(session: Session, actor: Actor, process_key: str, period: Period) -> Statistics:
    """The figures of ``process_key`` (a process, or ``plan``: the year's plan) for the
    cases (items) received in ``period``, overall and per unit. Needs the export permission
    (statistics and exports of case data)."""
    access.require(actor, Permission.EXPORT, "see the statistics")
    family = _family(process_key)
    specs = family.counted_figures(clock.now())
    start, end = period.bounds
    in_period = and_(family.scope(), family.received >= start, family.received < end)
    counts = [_count(family, s) for s in specs]
    rows = session.execute(
        # units by code, the row of no unit (not assigned yet, or a figure of no unit) last on
        # every database (SQLite sorts NULL first, PostgreSQL last)
        select(family.unit, *counts).where(in_period).group_by(family.unit).order_by(family.unit.is_(None), family.unit)
    ).all()
    units = [
        UnitFigures(unit, _figures(specs, row)) for unit, row in _by_own_units(session, family, specs, rows, in_period)
    ]
    # overall counted on its own, not summed over the units: a figure counting cases counts a
    # case of several units (an inspection's) once
    totals = session.execute(select(*counts).where(in_period)).one()
    handling_days: dict[str, float | None] = {}
    if family.handling_time:
        took = _days_between(session, F.assigned_at, F.replied_at)
        average, slowest = session.execute(
            select(func.avg(took), func.max(took)).where(
                in_period, not_(family.cancelled()), F.replied_at.is_not(None), F.assigned_at.is_not(None)
            )
        ).one()
        handling_days = {
            "average": round(float(average), 1) if average is not None else None,
            "slowest": round(float(slowest), 1) if slowest is not None else None,
        }
    return Statistics(
        process_key=process_key,
        period=period,
        overall=_figures(specs, totals),
        units=units,
        handling_days=handling_days,
    )


def _by_own_units(
    session: Session, family: Family, specs: Sequence[FigureSpec], rows: Sequence[Any], in_period: ColumnElement[bool]
) -> list[tuple[str | None, list[Any]]]:
    """The per-unit counts ``rows`` (unit, count of each spec), with the figures that name the
    unit each case belongs to (``FigureSpec.units``) counted by it instead: a unit that only
    such a figure counts (it returned every case it had) gets a row, its other figures 0."""
    by_unit = {row[0]: list(row[1:]) for row in rows}
    added = False
    for i, spec in enumerate(specs):
        if spec.units is None:
            continue
        pairs = spec.units().subquery()
        counted: dict[str | None, int] = dict(
            session.execute(
                select(pairs.c.unit, func.count(distinct(pairs.c.instance_id)))
                .where(pairs.c.instance_id.in_(select(family.instance_id).where(in_period, spec.condition)))
                .group_by(pairs.c.unit)
            ).all()
        )
        for unit in counted.keys() - by_unit.keys():
            by_unit[unit], added = [0] * len(specs), True
        for unit, counts in by_unit.items():
            counts[i] = counted.get(unit, 0)
    # the query's order (its database's) unless a unit was added: then by code, no unit last
    order = sorted(by_unit, key=lambda u: (u is None, u or "")) if added else list(by_unit)
    return [(unit, by_unit[unit]) for unit in order]


@dataclass(frozen=True)
class CaseBehind:
    id: int
    title: str
    unit: str | None
    status: str
    received_at: datetime | None
    replied_at: datetime | None


def cases_behind(
    session: Session,
    actor: Actor,
    process_key: str,
    period: Period,
    figure: str,
    unit: str | None = None,
    limit: int = 1000,
    *,
    no_unit: bool = False,
    month: str | None = None,
) -> list[CaseBehind]:
    """The cases a figure counts (of one unit; with ``no_unit``, of the per-unit table's row of
    no unit: not assigned yet, or a round, a reception day, a deputy; else all), as ``actor``
    may see them; for an item figure, one row per item (a case with two units counted is
    there twice), for one that counts cases (``withdrawn``) one per case. With ``month``
    (YYYY-MM, one of the period's), the cases behind a number of the trend (``trend``): the
    figure ``received`` of that month (every family), or ``replied`` / ``replied_on_time``
    replied in that month (proposals, petitions)."""
    access.require(actor, Permission.EXPORT, "see the statistics")
    family = _family(process_key)
    specs = family.counted_figures(clock.now())
    if month is not None and figure == TREND_RECEIVED and process_key not in TREND_FAMILIES:
        # the item families' trend counts their cases started that month, each once
        specs = [FigureSpec(TREND_RECEIVED, not_(family.cancelled()), per_case=True)]
    spec = next((s for s in specs if s.key == figure), None)
    if spec is None:
        raise NotFound(f"no figure {figure!r} for {process_key!r} (known: {', '.join(s.key for s in specs)})")
    start, end = period.bounds
    in_month = _in_trend_month(session, process_key, family, period, figure, month) if month is not None else true()
    query = (
        select(
            ProcessInstance.id,
            ProcessInstance.title,
            family.unit,
            ProcessInstance.status,
            family.received,
            family.done_at,
        )
        .join(ProcessInstance, family.instance_id == ProcessInstance.id)
        .where(family.scope(), family.received >= start, family.received < end, spec.condition, in_month)
        .order_by(family.received, ProcessInstance.id)
        .limit(limit)
    )
    if (visible := visible_cases(actor)) is not None:  # the rule as a set of case ids, as the case list reads it
        query = query.where(visible)
    # the unit a case is counted under: its own, or the one the figure names (a 改办's returning unit)
    if spec.units is not None and (unit is not None or no_unit):
        pairs = spec.units().subquery()
        named = pairs.c.unit == unit if unit is not None else pairs.c.unit.is_(None)
        query = query.where(family.instance_id.in_(select(pairs.c.instance_id).where(named)))
    elif unit is not None:
        query = query.where(family.unit == unit)
    elif no_unit:
        query = query.where(family.unit.is_(None))
    rows = [
        CaseBehind(i, title, u, getattr(status, "value", status), *rest)
        for i, title, u, status, *rest in session.execute(query).all()
    ]
    return _each_case_once(rows) if spec.per_case else rows


def _in_trend_month(
    session: Session, process_key: str, family: Family, period: Period, figure: str, month: str
) -> ColumnElement[bool]:
    """The rows of ``month``'s number of the trend for ``figure``: received that month, or
    replied that month; NotFound for a month outside the period or a figure the trend has not."""
    if month not in _months(period.start, period.end):
        raise NotFound(f"no month {month!r} in the period {period.start} .. {period.end} (YYYY-MM)")
    dialect = session.get_bind().dialect.name
    if figure == TREND_RECEIVED:
        return _month(dialect, family.received) == month
    if figure in TREND_REPLIED and process_key in TREND_FAMILIES:
        return _month(dialect, F.replied_at) == month
    raise NotFound(f"the trend has no {figure!r} by month for {process_key!r}")


def _each_case_once(rows: list[CaseBehind]) -> list[CaseBehind]:
    """One row per case, in order: a unit or a moment its rows do not all share is left out
    (an inspection's units are not one unit)."""
    cases: dict[int, CaseBehind] = {}
    for row in rows:
        seen = cases.setdefault(row.id, row)
        cases[row.id] = replace(
            seen,
            unit=seen.unit if seen.unit == row.unit else None,
            replied_at=seen.replied_at if seen.replied_at == row.replied_at else None,
        )
    return list(cases.values())


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM, Beijing time
    received: int  # cases received (inspections, the plan: started) that month, each once
    replied: int | None  # proposals and petitions: replied that month (of the period's cases)
    replied_on_time: int | None


TREND_FAMILIES = ("proposal", "petition")
# the trend's numbers as the figures whose cases they are, counted by month (``cases_behind``)
TREND_RECEIVED = "received"
TREND_REPLIED = ("replied", "replied_on_time")


def trend(session: Session, actor: Actor, process_key: str, period: Period) -> list[MonthFigures]:
    """Month by month over ``period``, of the cases received in it: how many were received
    (inspections, the year's plan: started) that month, and (proposals, petitions) how many of
    them were replied to that month, and on time (a reply after the period's last month is in
    no month). Every month of the period is listed, empty ones too. A case counts once, however
    many item rows it has (an inspection's units, a report round's reports): they all carry
    the moment their case came in. A cancelled case is in no month, as in no figure."""
    access.require(actor, Permission.EXPORT, "see the statistics")
    family = _family(process_key)
    start, end = period.bounds
    in_period = and_(family.scope(), family.received >= start, family.received < end, not_(family.cancelled()))
    dialect = session.get_bind().dialect.name
    received = dict(
        session.execute(
            select(_month(dialect, family.received), func.count(distinct(family.instance_id)))
            .where(in_period)
            .group_by(_month(dialect, family.received))
        ).all()
    )
    replied: dict[str, tuple[int, int]] = {}
    if process_key in TREND_FAMILIES:
        month = _month(dialect, F.replied_at)
        on_time = func.coalesce(func.sum(case((F.replied_on_time.is_(True), 1), else_=0)), 0)
        rows = session.execute(
            select(month, func.count(), on_time).where(in_period, F.replied_at.is_not(None)).group_by(month)
        ).all()
        replied = {m: (int(n), int(t)) for m, n, t in rows}
    counted = process_key in TREND_FAMILIES
    return [
        MonthFigures(
            m,
            int(received.get(m, 0)),
            replied.get(m, (0, 0))[0] if counted else None,
            replied.get(m, (0, 0))[1] if counted else None,
        )
        for m in _months(period.start, period.end)
    ]


def _month(dialect: str, column: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a moment, in Beijing time (the moments are stored in UTC)."""
    if dialect == "sqlite":
        return func.strftime(literal_column("'%Y-%m'"), column, literal_column("'+8 hours'"))
    # literal constants: the same expression in SELECT and GROUP BY (bound ones would differ)
    return func.to_char(func.timezone(literal_column("'Asia/Shanghai'"), column), literal_column("'YYYY-MM'"))


def _months(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _days_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    """``end - start`` in days, in SQL (a year's cases are not fetched to be subtracted)."""
    if session.get_bind().dialect.name == "sqlite":  # the moments are stored as UTC text
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400


def unit_names(session: Session) -> dict[str, str]:
    """Unit (department) code → name, for the tables."""
    return department_names(session)


def _count(family: Family, spec: FigureSpec) -> ColumnElement[Any]:
    """The figure's count over the rows selected: of a figure counting cases (``per_case``),
    the cases of the rows meeting its condition, each once; else the sum of what each such row
    adds: one, or its amount (none given: 0)."""
    if spec.per_case:
        return func.count(distinct(case((spec.condition, family.instance_id))))
    each = 1 if spec.amount is None else func.coalesce(spec.amount, 0)
    return func.coalesce(func.sum(case((spec.condition, each), else_=0)), 0)


def _family(process_key: str) -> Family:
    family = FAMILIES.get(process_key)
    if family is None:
        raise NotFound(f"no statistics for {process_key!r} (known: {', '.join(FAMILIES)})")
    return family


def _figures(specs: Sequence[FigureSpec], counts: Sequence[Any]) -> dict[str, Figure]:
    by_key = {s.key: int(c) for s, c in zip(specs, counts, strict=True)}
    return {s.key: Figure(s.key, by_key[s.key], by_key[s.base] if s.base else None) for s in specs}


def period_report(session: Session, actor: Actor, period: Period) -> dict[str, Statistics]:
    """The figures of every family for a period (工作报告统计部分)."""
    return {key: statistics(session, actor, key, period) for key in FAMILIES}
