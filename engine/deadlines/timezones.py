"""The time zones people may read dates in. Everything is stored and computed in UTC;
a zone only changes how a date is shown. Nobody chose one → the congress's own zone,
the one its working-day calendar is kept in (:data:`engine.deadlines.calendar.LOCAL_TZ`)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from ..errors import FieldError
from .calendar import LOCAL_TZ

DEFAULT_TIMEZONE: str = LOCAL_TZ.key  # Asia/Shanghai

# Offered first: the zones in use in China (mainland, Hong Kong, Macao, Taiwan, Xinjiang).
COMMON_TIMEZONES = (DEFAULT_TIMEZONE, "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Urumqi")

# In the tz database but not places: "localtime" is whatever the server is set to, and
# "Factory" is a placeholder zone.
_NOT_PLACES = frozenset({"localtime", "Factory"})


@lru_cache(maxsize=1)
def known() -> frozenset[str]:
    """Every zone name one may choose (reading the tz database once is enough)."""
    return frozenset(available_timezones() - _NOT_PLACES)


def choices() -> tuple[str, ...]:
    """The common Chinese zones first, then all the others by name."""
    common = tuple(z for z in COMMON_TIMEZONES if z in known())
    return common + tuple(sorted(known() - set(common)))


def problem(name: str) -> FieldError | None:
    """Why ``name`` cannot be someone's time zone, or None ("" means the default)."""
    if name and name not in known():
        return FieldError("unknown_timezone", {"timezone": name, "example": DEFAULT_TIMEZONE})
    return None


def effective(name: str | None) -> str:
    """The zone a person with this stored choice reads dates in."""
    return name if name and name in known() else DEFAULT_TIMEZONE


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(effective(name))
