"""What a family of figures is made of (``statistics``): the rows it counts, the period and
unit columns, and each figure as a named condition on those rows with the figure its rate is
taken over. The families themselves are defined in ``statistics`` (per case: proposals,
petitions) and ``statistics_items`` (per item: inspections, the year's plan).

A cancelled case (撤销: the only way the office withdraws a proposal or merges a duplicate)
counts in none of a family's figures: were it counted as received and never replied, it would
lower its unit's 答复率 for good. It is counted once, on its own, as ``withdrawn``, so that the
figures still add up to the register (``Family.counted_figures``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, not_

# the key of the figure that counts the cancelled cases of the period
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class FigureSpec:
    key: str
    condition: ColumnElement[bool]
    base: str | None = None  # the key of the figure its rate is taken over; None: no rate
    # what each row meeting the condition adds (a column: voters received); None: one, a count
    amount: Any = None
    # count the cases the rows meeting the condition belong to, each once, not the rows (an
    # inspection with three units is one inspection)
    per_case: bool = False
    # the unit each case of the figure belongs to when it is not the row's (``Family.unit``): a
    # query of (instance_id, unit) rows, a case under each unit it names, once. A 改办 is the
    # unit's that returned the case, which holds it no more: counted by the row's unit, it
    # would be the new unit's, the one that did not give it back. None: the row's unit.
    units: Callable[[], Select[int, str]] | None = None


@dataclass(frozen=True)
class Family:
    """The figures of one statistics key and what they count."""

    scope: Callable[[], ColumnElement[bool]]  # the rows of this family (before the period)
    received: Any  # the column that puts a row in a period
    unit: Any  # the column the per-unit table groups by
    instance_id: Any  # the column naming the row's case
    done_at: Any  # the column the cases-behind list shows as "replied / done"
    figures: Callable[[datetime], list[FigureSpec]]  # as defined: on every row of the family
    cancelled: Callable[[], ColumnElement[bool]]  # the rows of cancelled cases
    handling_time: bool = False  # average / slowest days from assignment to reply (case facts)

    def counted_figures(self, now: datetime) -> list[FigureSpec]:
        """The figures as they are counted: each on the rows of the cases not cancelled, then
        ``withdrawn``, the cancelled cases (each once, whatever rows it has), rate-less."""
        counted = not_(self.cancelled())
        return [replace(spec, condition=and_(counted, spec.condition)) for spec in self.figures(now)] + [
            FigureSpec(WITHDRAWN, self.cancelled(), per_case=True)
        ]
