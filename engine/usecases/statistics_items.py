"""The figures counted item by item (``case_item_facts``, written when a case is saved, see
``item_facts``): the inspections (监督检查: units notified, self-checks on time, findings,
rectifications accepted, rounds) and the year's plan (接待选民日, 代表述职, 部门工作评议, 单位
定期报送). Each is a named condition on the item rows of the period, with the figure its rate
is taken over; per unit = by the item's unit. bpmn/README.md §6 says which variables each
item fact is read from. The rows of a cancelled case count in no figure but ``withdrawn``
(``figure_specs``): a cancelled inspection's units are not notified units waiting.

Each case has a row of its own from its start (``item_facts``): the trend's 启动事项 and
``withdrawn`` count each case once by its rows, so a round counts from the day it started,
before its units or deputies are chosen. Each figure names the kind of row it counts: the
round rows of 代表述职 and 单位定期报送 (``deputy_report_round``, ``unit_report_round``) are in
none, the deputies and the reports are counted by their own rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from storage.enums import InstanceStatus
from storage.models import CaseItemFacts, ProcessInstance

from .figure_specs import Family, FigureSpec

I = CaseItemFacts  # noqa: E741 - the item rows, as F is the case rows in ``statistics``
SATISFIED = ("满意", "基本满意")


def _kind(kind: str) -> ColumnElement[bool]:
    return I.kind == kind


def _late(kind: str, now: datetime) -> ColumnElement[bool]:
    """The part with a deadline was done late, or is not done and its deadline passed."""
    return and_(
        _kind(kind),
        or_(I.on_time.is_(False), and_(I.on_time.is_(None), I.done.is_(False), I.due_at < now)),
    )


def _inspection_figures(now: datetime) -> list[FigureSpec]:
    unit = _kind("inspected_unit")
    return [
        FigureSpec("rounds", _kind("inspection")),  # 检查次数
        FigureSpec("rounds_closed", and_(_kind("inspection"), I.done.is_(True)), "rounds"),
        FigureSpec("units", unit),  # 被检查单位（单位次）
        FigureSpec("notified", and_(unit, I.started_at.is_not(None)), "units"),
        FigureSpec("selfchecked", and_(unit, I.on_time.is_not(None)), "notified"),
        FigureSpec("selfcheck_on_time", and_(unit, I.on_time.is_(True)), "notified"),
        FigureSpec("selfcheck_late", _late("inspected_unit", now), "notified"),
        FigureSpec("inspected", and_(unit, I.problems_found.is_not(None)), "notified"),
        FigureSpec("problems_found", and_(unit, I.problems_found.is_(True)), "inspected"),
        FigureSpec("rectified", and_(unit, I.accepted.is_(True)), "problems_found"),  # 整改验收
        FigureSpec("returned", and_(unit, I.rounds > 1), "problems_found"),
        FigureSpec("units_done", and_(unit, I.done.is_(True)), "units"),
    ]


def _plan_figures(now: datetime) -> list[FigureSpec]:
    day, issue, deputy = _kind("reception_day"), _kind("voter_issue"), _kind("deputy_report")
    evaluation, evaluated, monthly, thematic = (
        _kind("evaluation"),
        _kind("evaluated_unit"),
        _kind("monthly_report"),
        _kind("thematic_report"),
    )
    return [
        FigureSpec("reception_days", day),
        FigureSpec("receptions_held", and_(day, I.done.is_(True)), "reception_days"),
        FigureSpec("voters_received", and_(day, I.done.is_(True)), amount=I.voters),  # 接待选民人次
        FigureSpec("issues", issue),
        FigureSpec("issues_replied_on_time", and_(issue, I.on_time.is_(True)), "issues"),
        FigureSpec("issues_late", _late("voter_issue", now), "issues"),
        FigureSpec("deputies_scheduled", deputy),
        FigureSpec("deputies_reported", and_(deputy, I.done.is_(True)), "deputies_scheduled"),
        FigureSpec("deputies_satisfied", and_(deputy, I.result.in_(SATISFIED)), "deputies_reported"),
        FigureSpec("evaluations", evaluation),
        FigureSpec("evaluations_done", and_(evaluation, I.done.is_(True)), "evaluations"),
        FigureSpec("units_evaluated", evaluated),
        FigureSpec("units_evaluated_done", and_(evaluated, I.done.is_(True)), "units_evaluated"),
        FigureSpec("units_evaluated_satisfied", and_(evaluated, I.result.in_(SATISFIED)), "units_evaluated_done"),
        FigureSpec("reports_due", monthly),
        FigureSpec("reports_submitted", and_(monthly, I.started_at.is_not(None)), "reports_due"),
        FigureSpec("reports_on_time", and_(monthly, I.on_time.is_(True)), "reports_due"),
        FigureSpec("reports_late", _late("monthly_report", now), "reports_due"),
        FigureSpec("thematic_due", thematic),
        FigureSpec("thematic_heard", and_(thematic, I.done.is_(True)), "thematic_due"),
    ]


PLAN_PROCESSES = ("voter_reception", "deputy_report", "department_evaluation", "unit_report")


def _cancelled() -> ColumnElement[bool]:
    """The rows of cancelled cases (the item rows keep no status of their case)."""
    return I.instance_id.in_(select(ProcessInstance.id).where(ProcessInstance.status == InstanceStatus.CANCELLED))


def _family(processes: tuple[str, ...], figures: Callable[[datetime], list[FigureSpec]]) -> Family:
    return Family(
        scope=lambda: I.process_key.in_(processes),
        received=I.received_at,
        unit=I.unit,
        instance_id=I.instance_id,
        done_at=I.done_at,
        figures=figures,
        cancelled=_cancelled,
    )


FAMILIES = {
    "inspection": _family(("inspection",), _inspection_figures),
    "plan": _family(PLAN_PROCESSES, _plan_figures),
}
