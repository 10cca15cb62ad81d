"""The administrator's deadline controls: the official working-day schedule (holidays and
make-up days, entered the day the State Council publishes them) and the named deadline
settings. Changes apply to deadlines computed from now on; stored due dates stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CalendarDay, Setting

from .. import access, clock
from ..access import Actor
from ..deadlines.calendar import WorkingCalendar
from ..deadlines.settings import DEFAULTS
from ..errors import FieldError, InvalidData, NotFound
from .context import audit


def _require_admin(actor: Actor) -> None:
    access.require(actor, access.Permission.ADMIN_SETTINGS, "change the calendar or the deadline settings")


# -- calendar --------------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarEntry:
    day: date
    is_working: bool
    note: str


def set_calendar_day(session: Session, actor: Actor, day: date, is_working: bool, note: str = "") -> CalendarEntry:
    """Declare ``day`` a working day (e.g. 调休 make-up day) or a holiday, whatever the package says."""
    _require_admin(actor)
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, is_working=is_working, note=note)
        session.add(row)
    else:
        row.is_working, row.note = is_working, note
    audit(session, actor, "calendar_set", data={"day": day.isoformat(), "is_working": is_working, "note": note})
    session.flush()
    return CalendarEntry(row.day, row.is_working, row.note)


def unset_calendar_day(session: Session, actor: Actor, day: date) -> None:
    """Remove an entry: the day follows the package again."""
    _require_admin(actor)
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"no calendar entry for {day.isoformat()}")
    session.delete(row)
    audit(session, actor, "calendar_unset", data={"day": day.isoformat()})
    session.flush()


def calendar_entries(session: Session, year: int | None = None) -> list[CalendarEntry]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return [CalendarEntry(r.day, r.is_working, r.note) for r in session.scalars(query)]


def is_working_day(session: Session, day: date) -> bool:
    return WorkingCalendar({r.day: r.is_working for r in calendar_entries(session, day.year)}).is_working_day(day)


# -- settings --------------------------------------------------------------------------
@dataclass(frozen=True)
class SettingView:
    name: str
    value: int
    default: int
    unit: str
    description: str
    overridden: bool
    updated_by: str | None
    updated_at: datetime | None


def list_settings(session: Session) -> list[SettingView]:
    stored = {s.name: s for s in session.scalars(select(Setting))}
    views = []
    for name, spec in sorted(DEFAULTS.items()):
        row = stored.get(name)
        views.append(
            SettingView(
                name,
                int(row.value) if row else spec.default,
                spec.default,
                spec.unit,
                spec.description,
                row is not None,
                row.updated_by if row else None,
                row.updated_at if row else None,
            )
        )
    return views


def set_setting(session: Session, actor: Actor, name: str, value: str | int) -> SettingView:
    _require_admin(actor)
    if name not in DEFAULTS:
        raise InvalidData({"name": FieldError("unknown_setting", {"name": name, "known": ", ".join(sorted(DEFAULTS))})})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidData({"value": FieldError("not_a_number")}) from None
    if number < 0:
        raise InvalidData({"value": FieldError("min", {"min": 0})})
    row = session.get(Setting, name)
    now = clock.now()
    if row is None:
        session.add(Setting(name=name, value=str(number), updated_by=actor.username, updated_at=now))
    else:
        row.value, row.updated_by, row.updated_at = str(number), actor.username, now
    audit(session, actor, "setting_set", data={"name": name, "value": number})
    session.flush()
    return next(v for v in list_settings(session) if v.name == name)


def reset_setting(session: Session, actor: Actor, name: str) -> None:
    """Back to the default."""
    _require_admin(actor)
    row = session.get(Setting, name)
    if row is not None:
        session.delete(row)
        audit(session, actor, "setting_reset", data={"name": name})
        session.flush()
