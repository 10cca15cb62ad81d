"""When to remind someone of a due date: ``reminder.working_days_before`` Chinese working
days before it (same time of day), through the runtime's own helpers, so the setting and
the calendar (with the administrator's entries) are the ones every expression sees."""
from __future__ import annotations

from datetime import datetime, timezone

from .helpers import parse_when
from .runtime import Runtime

SETTING = "reminder.working_days_before"


def reminder_time(runtime: Runtime, due_at: datetime) -> datetime | None:
    """The reminder moment for ``due_at``, or None when reminders are switched off (0)."""
    helpers = runtime.environment.globals
    days = int(helpers["setting"](SETTING))
    if days <= 0:
        return None
    return parse_when(helpers["add_working_days"](due_at.isoformat(), -days)).astimezone(timezone.utc)
