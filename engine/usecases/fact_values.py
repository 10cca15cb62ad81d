"""Reading one variable as a fact (``case_facts``, ``item_facts``): a value a case holds that
is not what the fact needs (typed by hand into an old case, a process not yet at that step)
is an unknown fact, never an error."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..deadlines.calendar import LOCAL_TZ
from ..deadlines.date_functions import parse_when


def moment(value: Any) -> datetime | None:
    """A moment the date functions wrote (an ISO string), or a date (its start, Beijing)."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, datetime.min.time(), LOCAL_TZ)
        return parse_when(value)
    except (TypeError, ValueError):
        return None


def flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def text(value: Any, length: int) -> str | None:
    return str(value)[:length] if value not in (None, "") else None
