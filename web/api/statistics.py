"""/api/v1/statistics: the figures of a period (答复率, 满意率, 办成率, ...; the inspections and
the year's plan), overall and per unit, the trend per month, as the 统计 page shows them
(engine.usecases.statistics)."""

from __future__ import annotations

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.usecases import statistics
from engine.usecases.statistics import Period

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
    with its count, base and rate, overall and per unit (needs the export permission)."""
    return statistics.statistics(reader(), actor(), args["process"], period_of(args))


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


def period_of(args: dict) -> Period:
    today = clock.now().astimezone(LOCAL_TZ).date()
    start, end = args["start"], args["end"]
    if args.get("preset") and not (start or end):
        return Period.preset(args["preset"], today, statistics.session_opens(reader()))
    return Period.parse(start.isoformat() if start else None, end.isoformat() if end else None, today)
