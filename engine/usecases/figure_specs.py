"""What a family of figures is made of (``statistics``): the rows it counts, the period and
unit columns, and each figure as a named condition on those rows with the figure its rate is
taken over. The families themselves are defined in ``statistics`` (per case: proposals,
petitions) and ``statistics_items`` (per item: inspections, the year's plan)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement


@dataclass(frozen=True)
class FigureSpec:
    key: str
    condition: ColumnElement[bool]
    base: str | None = None  # the key of the figure its rate is taken over; None: no rate
    # what each row meeting the condition adds (a column: voters received); None: one, a count
    amount: Any = None


@dataclass(frozen=True)
class Family:
    """The figures of one statistics key and what they count."""

    scope: Callable[[], ColumnElement[bool]]  # the rows of this family (before the period)
    received: Any  # the column that puts a row in a period
    unit: Any  # the column the per-unit table groups by
    instance_id: Any  # the column naming the row's case
    done_at: Any  # the column the cases-behind list shows as "replied / done"
    figures: Callable[[datetime], list[FigureSpec]]
    handling_time: bool = False  # average / slowest days from assignment to reply (case facts)
