"""When to remind someone of a due date: ``reminder.working_days_before`` Chinese working
days before it (same time of day), through the date functions of the runtime that moved the
case, so the setting and the calendar (with the administrator's entries) are the ones every
expression sees."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from .date_functions import parse_when

SETTING = "reminder.working_days_before"


def reminder_time(helpers: Mapping[str, Callable[..., Any]], due_at: datetime) -> datetime | None:
    """The reminder moment for ``due_at``, or None when reminders are switched off (0).
    ``helpers``: the date functions of a runtime (``setting``, ``add_working_days``)."""
    days = int(helpers["setting"](SETTING))
    if days <= 0:
        return None
    return parse_when(helpers["working_days_before"](due_at.isoformat(), days)).astimezone(UTC)
