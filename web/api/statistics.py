"""/api/v1/statistics: the figures of a period (答复率, 满意率, 办成率, ...; the inspections and
the year's plan), overall and per unit, the trend per month, as the 统计 page shows them
(engine.usecases.statistics)."""

from __future__ import annotations

from typing import Any

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.usecases import statistics
from engine.usecases.statistics import Figure, Period, Statistics

from ..views.statistics import FIGURE_TEXT
from .common import actor, make_blueprint, reader
from .schemas import (
    CaseBehindSchema,
    CasesBehindArgs,
    MonthFiguresSchema,
    StatisticsArgs,
    StatisticsSchema,
)

bp = make_blueprint("statistics", "/statistics", "The figures a congress reports, for a period")


@bp.get("")
@bp.arguments(StatisticsArgs, location="query")
@bp.response(200, StatisticsSchema)
def figures(args: dict):
    """The cases received from ``from`` to ``to`` (Beijing days, both included): every figure
    with its count, base and rate, overall and per unit, and (overall) its label and definition
    as the 统计 page shows them beside it, in the request's language (needs the export
    permission)."""
    return labelled(statistics.statistics(reader(), actor(), args["process"], period_of(args)))


@bp.get("/trend")
@bp.arguments(StatisticsArgs, location="query")
@bp.response(200, MonthFiguresSchema(many=True))
def trend(args: dict):
    """Month by month over the period: the cases received (inspections, the plan: started),
    each once however many units or items it has, and for proposals and petitions those of
    them replied to that month and on time (the 统计 page's trend)."""
    return statistics.trend(reader(), actor(), args["process"], period_of(args))


@bp.get("/cases")
@bp.arguments(CasesBehindArgs, location="query")
@bp.response(200, CaseBehindSchema(many=True))
def cases_behind(args: dict):
    """The cases one figure counts (of one unit, or all), at most 1,000."""
    return statistics.cases_behind(reader(), actor(), args["process"], period_of(args), args["figure"], args["unit"])


def labelled(result: Statistics) -> dict[str, Any]:
    """``result`` for StatisticsSchema, each overall figure with the 统计 page's label and
    definition (the units' figures are the same keys: said once)."""
    texts = FIGURE_TEXT[result.process_key]

    def with_text(key: str, figure: Figure) -> dict[str, Any]:
        label, definition = texts[key]
        return {
            "count": figure.count,
            "base": figure.base,
            "rate": figure.rate,
            "label": label,
            "definition": definition,
        }

    return {
        "process_key": result.process_key,
        "period": result.period,
        "overall": {key: with_text(key, figure) for key, figure in result.overall.items()},
        "units": result.units,
        "handling_days": result.handling_days,
    }


def period_of(args: dict) -> Period:
    today = clock.now().astimezone(LOCAL_TZ).date()
    start, end = args["start"], args["end"]
    if args.get("preset") and not (start or end):
        return Period.preset(args["preset"], today, statistics.session_opens(reader()))
    return Period.parse(start.isoformat() if start else None, end.isoformat() if end else None, today)
