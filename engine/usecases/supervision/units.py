"""Which unit is late with a task, and so whose a 督办 on it is: the board lists the task
under it, its filter and counts go by it, the notice is addressed to it (``late_unit``, and
``late_unit_in_sql`` saying the same in SQL)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import (
    CaseFacts,
    Department,
    WorkItemGroup,
)


def unit_codes(units: Mapping[str, str]) -> dict[str, str]:
    """A candidate group that is a unit → the unit's code: a unit is named by its code or its
    name (as the inbox reads a group), by its code first. ``units``: code → name."""
    return {**{name: code for code, name in units.items()}, **{code: code for code in units}}


def late_unit(offered: list[str], case_unit: str | None, codes: Mapping[str, str]) -> str | None:
    """Who is late with a task, by unit code: the unit that holds it, the first of the groups
    ``offered`` it (in their order, as ``WorkItem.candidate_groups``) that is a unit (``codes``:
    ``unit_codes``): a co-handling unit's view is its own, not the lead unit's; for a task
    offered to no unit (to people alone, or to a role), the case's unit (``CaseFacts.unit``: its
    lead or handling unit); for a case without one, the role offered it (the board lists it
    under the role's name); else None. ``late_unit_in_sql`` says the same in SQL, for the 督办."""
    held = next((codes[group] for group in offered if group in codes), None)
    return held or case_unit or (offered[0] if offered else None)


def late_unit_in_sql(work_item_id: InstrumentedAttribute[int | None]) -> ColumnElement[str | None]:
    """``late_unit`` in SQL, for the work item ``work_item_id`` (a 督办's task: None for a 督办
    on the case as a whole, which is then the case's unit's). The statement it is used in joins
    CaseFacts to the case. (The board's rows work it out from what they read anyway: a
    subquery for each of a thousand rows costs a tenth of the board's time.)"""
    offered = (WorkItemGroup.work_item_id == work_item_id, WorkItemGroup.is_user.is_(False))
    holding = (
        select(Department.code)
        .join(WorkItemGroup, or_(WorkItemGroup.group == Department.code, WorkItemGroup.group == Department.name))
        .where(*offered)
        .order_by(WorkItemGroup.group, Department.code != WorkItemGroup.group)  # a unit by its code first
        .limit(1)
        .scalar_subquery()
    )
    role = select(WorkItemGroup.group).where(*offered).order_by(WorkItemGroup.group).limit(1).scalar_subquery()
    return func.coalesce(holding, CaseFacts.unit, role)
