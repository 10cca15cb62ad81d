"""The figures a township congress reports (答复率, 满意率, 办成率, ...): each one a named
condition on ``case_facts`` (written when a case is saved, see ``case_facts``), counted
for the cases received in a period, overall and per unit, and the cases behind it.

Every figure is defined here once, as (key, condition, base): ``count`` is how many cases
of the period meet the condition, ``base`` the figure its rate is taken over. The pages,
the API and the exports show the definitions next to the numbers (bpmn/README.md §5 says
which variables they read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from storage.models import CaseFacts, ProcessInstance

from .. import access, clock
from ..access import Actor, Permission
from ..deadlines.calendar import LOCAL_TZ
from ..errors import FieldError, InvalidData, NotFound
from .labels import department_names
from .visibility import case_visibility

F = CaseFacts
SATISFIED = ("满意", "基本满意")
EVALUATIONS = ("满意", "基本满意", "不满意")
FINALLY_UNSATISFIED = "最终不满意"


@dataclass(frozen=True)
class FigureSpec:
    key: str
    condition: ColumnElement[bool]
    base: str | None = None  # the key of the figure the rate is taken over; None: no rate


def _late(now: datetime) -> ColumnElement[bool]:
    """Replied after the deadline, or not replied and the deadline passed."""
    return or_(F.replied_on_time.is_(False), and_(F.replied_at.is_(None), F.due_at < now, F.status == "running"))


def _proposal_figures(now: datetime) -> list[FigureSpec]:
    return [
        FigureSpec("received", true()),
        FigureSpec("assigned", F.assigned_at.is_not(None), "received"),
        FigureSpec("replied", F.replied_at.is_not(None), "assigned"),  # 答复率
        FigureSpec("replied_on_time", F.replied_on_time.is_(True), "assigned"),  # 按期答复率
        FigureSpec("late", _late(now), "assigned"),
        FigureSpec("extended", F.extended.is_(True), "assigned"),
        FigureSpec("evaluated", F.first_evaluation.in_(EVALUATIONS), "replied"),
        FigureSpec("satisfied_first", F.first_evaluation.in_(SATISFIED), "evaluated"),  # 满意率 (first)
        FigureSpec("satisfied_final", F.final_evaluation.in_(SATISFIED), "evaluated"),  # 满意率 (final)
        FigureSpec("rehandled", F.rehandled.is_(True), "evaluated"),
        FigureSpec("finally_unsatisfied", F.final_evaluation == FINALLY_UNSATISFIED, "evaluated"),
        FigureSpec("class_a", F.reply_class == "A", "replied"),  # 办成率
        FigureSpec("class_b", F.reply_class == "B", "replied"),
        FigureSpec("class_c", F.reply_class == "C", "replied"),
        FigureSpec("class_d", F.reply_class == "D", "replied"),
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


FIGURES = {"proposal": _proposal_figures, "petition": _petition_figures}


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
        if not errors and days["from"] > days["to"]:
            errors["to"] = FieldError("range_backwards")
        if errors:
            raise InvalidData(errors)
        return cls(days["from"], days["to"])


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
    """The figures of the cases of ``process_key`` received in ``period``, overall and per
    unit. Needs the export permission (statistics and exports of case data)."""
    access.require(actor, Permission.EXPORT, "see the statistics")
    specs = _specs(process_key)
    start, end = period.bounds
    in_period = and_(F.process_key == process_key, F.received_at >= start, F.received_at < end)
    counts = [func.coalesce(func.sum(case((s.condition, 1), else_=0)), 0) for s in specs]
    rows = session.execute(select(F.unit, *counts).where(in_period).group_by(F.unit).order_by(F.unit)).all()
    units = [UnitFigures(row[0], _figures(specs, row[1:])) for row in rows]
    totals = [sum(int(row[i + 1]) for row in rows) for i in range(len(specs))]
    took = _days_between(session, F.assigned_at, F.replied_at)
    average, slowest = session.execute(
        select(func.avg(took), func.max(took)).where(in_period, F.replied_at.is_not(None), F.assigned_at.is_not(None))
    ).one()
    return Statistics(
        process_key=process_key,
        period=period,
        overall=_figures(specs, totals),
        units=units,
        handling_days={
            "average": round(float(average), 1) if average is not None else None,
            "slowest": round(float(slowest), 1) if slowest is not None else None,
        },
    )


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
) -> list[CaseBehind]:
    """The cases a figure counts (of one unit, or all), as ``actor`` may see them."""
    access.require(actor, Permission.EXPORT, "see the statistics")
    spec = next((s for s in _specs(process_key) if s.key == figure), None)
    if spec is None:
        raise NotFound(f"no figure {figure!r} for {process_key!r}")
    start, end = period.bounds
    query = (
        select(ProcessInstance.id, ProcessInstance.title, F.unit, F.status, F.received_at, F.replied_at)
        .join(F, F.instance_id == ProcessInstance.id)
        .where(F.process_key == process_key, F.received_at >= start, F.received_at < end, spec.condition)
        .where(case_visibility(actor))
        .order_by(F.received_at, ProcessInstance.id)
        .limit(limit)
    )
    if unit is not None:
        query = query.where(F.unit == unit)
    return [CaseBehind(*row) for row in session.execute(query).all()]


def _days_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    """``end - start`` in days, in SQL (a year's cases are not fetched to be subtracted)."""
    if session.get_bind().dialect.name == "sqlite":  # the moments are stored as UTC text
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400


def unit_names(session: Session) -> dict[str, str]:
    """Unit (department) code → name, for the tables."""
    return department_names(session)


def _specs(process_key: str) -> list[FigureSpec]:
    build = FIGURES.get(process_key)
    if build is None:
        raise NotFound(f"no statistics for {process_key!r} (known: {', '.join(FIGURES)})")
    return build(clock.now())


def _figures(specs: Sequence[FigureSpec], counts: Sequence[Any]) -> dict[str, Figure]:
    by_key = {s.key: int(c) for s, c in zip(specs, counts, strict=True)}
    return {s.key: Figure(s.key, by_key[s.key], by_key[s.base] if s.base else None) for s in specs}


def period_report(session: Session, actor: Actor, period: Period) -> dict[str, Statistics]:
    """The figures of every counted process for a period (工作报告统计部分)."""
    return {key: statistics(session, actor, key, period) for key in FIGURES}
