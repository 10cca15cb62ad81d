"""The administrator's deadline controls: the official working-day schedule (holidays and
make-up days, entered the day the State Council publishes them) and the named deadline
settings. Changes apply to deadlines computed from now on; stored due dates stay.

The calendar's days come from three sources (engine.deadlines.calendar.DaySource): the
holidays package's official table, its rule-based estimate for a year it has no table of,
and the administrator's entries. While pending due dates fall in an estimated year, the
calendar page and ``calendar check`` warn (:func:`estimated_year_warnings`) until someone
enters that year's schedule (:func:`enter_year_schedule`, with :func:`preview_year_schedule`
to see its effect first).

A due date stands for a day: a period ends at 24:00 of its last day, stored as 00:00 of the
next day (engine.deadlines.legal), so a due moment at local midnight belongs to the day
before (:func:`due_day`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import TimerKind, TimerState
from storage.models import CalendarDay, ProcessInstance, Setting, Timer, WorkItem

from .. import access, clock
from ..access import Actor
from ..deadlines import legal
from ..deadlines.calendar import LOCAL_TZ, MAKE_UP_DAY, DaySource, DayStatus, WorkingCalendar, days_of
from ..deadlines.date_functions import deadline_key, make_helpers
from ..deadlines.legal import Deadline
from ..deadlines.reminders import reminder_time
from ..deadlines.settings import DEFAULTS, out_of_range, resolve
from ..errors import Conflict, FieldError, InvalidData, NotFound, not_a_day
from .context import audit, processes, runtime_for
from .labels import element_names, people_names
from .results import stored_rule


def _require_admin(actor: Actor, doing: str = "change the calendar or the deadline settings") -> None:
    access.require(actor, access.Permission.ADMIN_SETTINGS, doing)


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


# -- where days come from ----------------------------------------------------------------
# The years the calendar pages and the year's schedule accept.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _check_year(year: int, field: str = "year") -> None:
    if year < FIRST_YEAR:
        raise InvalidData({field: FieldError("min", {"min": FIRST_YEAR})})
    if year > LAST_YEAR:
        raise InvalidData({field: FieldError("max", {"max": LAST_YEAR})})


def working_calendar(session: Session) -> WorkingCalendar:
    """The calendar with every administrator entry and its note, and the years whose State
    Council notice was entered (the only entries that make a year published)."""
    rows = session.execute(
        select(CalendarDay.day, CalendarDay.is_working, CalendarDay.note, CalendarDay.from_notice)
    ).all()
    return WorkingCalendar(
        {row.day: row.is_working for row in rows},
        {row.day: row.note for row in rows},
        notice_years={row.day.year for row in rows if row.from_notice},
    )


def day_status(session: Session, day: date, language: str | None = None) -> DayStatus:
    """Whether ``day`` is a working day, and where that comes from."""
    return working_calendar(session).day_status(day, language)


@dataclass(frozen=True)
class CalendarYear:
    year: int
    source: DaySource  # where the year's schedule comes from
    published: bool  # official, or entered by an administrator: not an estimate
    days: list[DayStatus]  # the special days (holidays, make-up days, entries), or every day


def calendar_year(session: Session, year: int, *, every_day: bool = False, language: str | None = None) -> CalendarYear:
    """A year's calendar: its special days (holidays, weekends worked, the administrator's
    entries), or with ``every_day`` all its days, each with its source."""
    _check_year(year)
    calendar = working_calendar(session)
    days = calendar.year_days(year, language) if every_day else calendar.special_days(year, language)
    return CalendarYear(year, calendar.year_source(year), calendar.is_published(year), days)


def due_day(moment: datetime) -> date:
    """The day a due moment stands for, Beijing time: 00:00 is 24:00 of the day before."""
    local = moment.astimezone(LOCAL_TZ)
    return local.date() - timedelta(days=1) if local.time() == time(0) else local.date()


def _year_window(year: int) -> tuple[datetime, datetime]:
    """The due moments whose day is in ``year``: after the first, up to the second included."""
    return (
        datetime.combine(date(year, 1, 1), time(0), LOCAL_TZ),
        datetime.combine(date(year + 1, 1, 1), time(0), LOCAL_TZ),
    )


# Due dates: a ready task's, and every other pending timer (BPMN timers, reminders, timer
# start events); a task's own due-date timer (task_due) is its task's due date again.
_TASKS_DUE = (WorkItem.state == repo.READY, WorkItem.due_at.is_not(None))
_TIMERS_DUE = (Timer.state == repo.PENDING, Timer.kind != TimerKind.TASK_DUE)
# the pending timers of cases: a process's timer start event (of no case) is when a case
# begins, not a deadline of one, so it is no due date to warn about
_CASE_TIMERS_DUE = (*_TIMERS_DUE, Timer.instance_id.is_not(None))


@dataclass(frozen=True)
class EstimatedYear:
    """Pending due dates that fall in a year whose schedule is only an estimate."""

    year: int
    tasks: int  # ready tasks due that year
    timers: int  # pending timers of cases due that year (BPMN timers, reminders)
    first_due: datetime

    @property
    def due_dates(self) -> int:
        return self.tasks + self.timers


def estimated_year_warnings(session: Session) -> list[EstimatedYear]:
    """The years whose schedule is an estimate and in which pending due dates fall, with how
    many: the deadlines computed there counted the package's guess, not the State Council's
    schedule. Empty once every such year is entered."""
    calendar = working_calendar(session)
    spans = [
        session.execute(select(func.min(WorkItem.due_at), func.max(WorkItem.due_at)).where(*_TASKS_DUE)).one(),
        session.execute(select(func.min(Timer.due_at), func.max(Timer.due_at)).where(*_CASE_TIMERS_DUE)).one(),
    ]
    moments = [m for span in spans for m in span if m is not None]
    if not moments:
        return []
    warnings = []
    for year in calendar.estimated_years_between(due_day(min(moments)), due_day(max(moments))):
        after, until = _year_window(year)
        tasks, first_task = session.execute(
            select(func.count(), func.min(WorkItem.due_at)).where(
                *_TASKS_DUE, WorkItem.due_at > after, WorkItem.due_at <= until
            )
        ).one()
        timers, first_timer = session.execute(
            select(func.count(), func.min(Timer.due_at)).where(
                *_CASE_TIMERS_DUE, Timer.due_at > after, Timer.due_at <= until
            )
        ).one()
        if tasks or timers:
            first = min(m for m in (first_task, first_timer) if m is not None)
            warnings.append(EstimatedYear(year, tasks, timers, first))
    return warnings


@dataclass(frozen=True)
class CalendarOverview:
    """The 工作日历 page: a year, the warnings, and the year's entries as schedule lines."""

    calendar: CalendarYear
    warnings: list[EstimatedYear]
    schedule_text: str


def calendar_overview(session: Session, actor: Actor, year: int, language: str | None = None) -> CalendarOverview:
    _require_admin(actor, "see the working-day calendar")
    _check_year(year)
    return CalendarOverview(
        calendar_year(session, year, language=language),
        estimated_year_warnings(session),
        schedule_text(calendar_entries(session, year)),
    )


# -- a year's schedule ----------------------------------------------------------------------
# What a day gets that the State Council's schedule, once entered, leaves ordinary while the
# package says otherwise (an estimated holiday that is not one, a make-up day not in it).
ENTERED_WORKING = "按国务院安排上班"
ENTERED_OFF = "按国务院安排休息"
# The longest holiday one line may enter (the Spring Festival's are 8 or 9 days).
MAX_HOLIDAY_DAYS = 31
MAX_NOTE = 200  # calendar_days.note


@dataclass(frozen=True)
class HolidayRange:
    start: date
    end: date
    name: str = ""  # 春节
    key: str = ""  # where errors about it are told; "" for "holidays.<its index>"


@dataclass(frozen=True)
class MakeUpDay:
    day: date
    note: str = ""  # why, when the day is a weekday
    key: str = ""  # where errors about it are told; "" for "make_up_days.<its index>"


@dataclass(frozen=True)
class YearSchedule:
    """The State Council's schedule for a year: holidays and make-up working days (调休).
    Entered, it replaces every administrator entry of that year."""

    year: int
    holidays: tuple[HolidayRange, ...] = ()
    make_up_days: tuple[MakeUpDay, ...] = ()


# One line of the schedule text: "2027-02-06..2027-02-13 春节", "2027-02-14 调休 [note]".
_DAY = r"\d{4}-\d{1,2}-\d{1,2}"
_LINE = re.compile(rf"({_DAY})(?:\s*(?:\.\.|~|～|至|到)\s*({_DAY}))?(?:\s+(.*))?")
MAKE_UP_WORDS = frozenset({MAKE_UP_DAY, "调休上班", "上班", "补班", "working"})


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def _spans(days: list[date]) -> list[tuple[date, date]]:
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and spans[-1][1] + timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def schedule_text(entries: list[CalendarEntry]) -> str:
    """Entries as schedule lines (what :func:`parse_schedule` reads): the days off in runs
    with their note, the working days one a line; the days the entered schedule made
    ordinary are left out (entering the lines again makes them again)."""
    lines: list[tuple[date, str]] = []
    off: dict[str, list[date]] = {}
    for e in entries:
        if e.note in (ENTERED_WORKING, ENTERED_OFF):
            continue
        if e.is_working:
            note = "" if e.note == MAKE_UP_DAY else e.note
            lines.append((e.day, f"{e.day.isoformat()} {MAKE_UP_DAY} {note}".rstrip()))
        else:
            off.setdefault(e.note, []).append(e.day)
    for note, days in off.items():
        for first, last in _spans(sorted(days)):
            span = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
            lines.append((first, f"{span} {note}".rstrip()))
    return "\n".join(text for _, text in sorted(lines))


def parse_schedule(year: int, text: str) -> YearSchedule:
    """Schedule lines, one holiday (a day or a range) or make-up day each, into a
    :class:`YearSchedule`; errors by line (``lines.3``), the schedule's own checks included.
    Empty lines and lines starting with # are skipped."""
    holidays: list[HolidayRange] = []
    make_up: list[MakeUpDay] = []
    errors: dict[str, FieldError] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line, key = raw.strip(), f"lines.{number}"
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            errors[key] = FieldError("calendar_line")
            continue
        first, last = _date(match[1]), _date(match[2] or match[1])
        if first is None or last is None:  # written as a date, but 2027-02-30 is none
            errors[key] = not_a_day(match[1] if first is None else match[2])
            continue
        words = (match[3] or "").strip().split(maxsplit=1)
        if words and words[0].lower() in MAKE_UP_WORDS:
            note = words[1].strip(" :：,，") if len(words) > 1 else ""
            if last < first:
                errors[key] = FieldError("range_backwards")
            elif (last - first).days + 1 > MAX_HOLIDAY_DAYS:
                errors[key] = FieldError("range_too_long", {"max": MAX_HOLIDAY_DAYS})
            else:
                make_up += [MakeUpDay(first + timedelta(days=i), note, key) for i in range((last - first).days + 1)]
        else:
            holidays.append(HolidayRange(first, last, (match[3] or "").strip(), key))
    schedule = YearSchedule(year, tuple(holidays), tuple(make_up))
    errors = {**_problems(schedule), **errors}
    if errors:
        raise InvalidData(dict(sorted(errors.items(), key=lambda kv: _key_order(kv[0]))))
    return schedule


def _key_order(key: str) -> tuple[str, int]:
    name, _, number = key.partition(".")
    return (name, int(number) if number.isdigit() else -1)


def _problems(schedule: YearSchedule) -> dict[str, FieldError]:
    """What is wrong with a schedule: one error per entry (the first found)."""
    year = schedule.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        bound = ("min", FIRST_YEAR) if year < FIRST_YEAR else ("max", LAST_YEAR)
        return {"year": FieldError(bound[0], {bound[0]: bound[1]})}
    errors: dict[str, FieldError] = {}
    if not schedule.holidays:
        errors["holidays"] = FieldError("required")
    seen: set[date] = set()

    def once(key: str, days: list[date]) -> None:
        twice = next((d for d in days if d in seen), None)
        if twice is not None:
            errors.setdefault(key, FieldError("calendar_overlap", {"day": twice.isoformat()}))
        seen.update(days)

    for i, h in enumerate(schedule.holidays):
        key = h.key or f"holidays.{i}"
        if h.start.year != year or h.end.year != year:
            errors.setdefault(key, FieldError("not_in_year", {"year": year}))
        elif h.end < h.start:
            errors.setdefault(key, FieldError("range_backwards"))
        elif (h.end - h.start).days + 1 > MAX_HOLIDAY_DAYS:
            errors.setdefault(key, FieldError("range_too_long", {"max": MAX_HOLIDAY_DAYS}))
        elif len(h.name) > MAX_NOTE:
            errors.setdefault(key, FieldError("max_length", {"max": MAX_NOTE}))
        else:
            days = [h.start + timedelta(days=n) for n in range((h.end - h.start).days + 1)]
            if not h.name and all(d.weekday() >= 5 for d in days):
                errors.setdefault(key, FieldError("holiday_on_weekend", {"day": h.start.isoformat()}))
            once(key, days)
    for i, m in enumerate(schedule.make_up_days):
        key = m.key or f"make_up_days.{i}"
        if m.day.year != year:
            errors.setdefault(key, FieldError("not_in_year", {"year": year}))
        elif len(m.note) > MAX_NOTE:
            errors.setdefault(key, FieldError("max_length", {"max": MAX_NOTE}))
        else:
            if m.day.weekday() < 5 and not m.note:
                errors.setdefault(key, FieldError("make_up_on_weekday", {"day": m.day.isoformat()}))
            once(key, [m.day])
    return errors


@dataclass(frozen=True)
class DayChange:
    day: date
    before: DayStatus
    after: DayStatus


@dataclass(frozen=True)
class AffectedDue:
    """A pending due date the schedule concerns: one counted by a rule (engine.deadlines.legal)
    that the schedule counts to another end, one on a day whose status the schedule changes,
    or a reminder the schedule moves. A due date's stored moment stays as it is: only deadlines
    computed from now on follow the new schedule, and the office corrects a stored one by hand
    where the law asks. A reminder is no deadline: it moves (``moves_to``), to stay its working
    days before the due date as stored (``_reminder_moves``)."""

    what: str  # "task", or the timer's kind: "bpmn", "reminder", "start"
    id: int  # the work item's or the timer's
    instance_id: int | None
    case_title: str | None  # None for whoever may not see every case
    case_number: str | None  # the case's own number (business key), likewise
    name: str  # the task's name, the timer element's name (a reminder: its task's)
    due_at: datetime  # the stored end
    day: date  # the day it stands for (due_day)
    was_working: bool  # that day, before and after the schedule
    now_working: bool
    # the end the schedule counts by the due date's rule, when it is not the stored one
    recounted_at: datetime | None = None
    # a reminder: the moment entering the schedule moves it to, when it moves
    moves_to: datetime | None = None


@dataclass(frozen=True)
class SchedulePreview:
    """What entering a year's schedule does (or did, ``saved``)."""

    year: int
    entries: list[DayStatus]  # the administrator entries the year will have
    replaced: int  # how many entries of the year it replaces
    changes: list[DayChange]  # the days that turn working or off
    affected: list[AffectedDue]  # pending due dates on those days
    saved: bool
    stored_due_dates_move: bool = False  # never: stored due dates stay as computed
    # pending reminders the entered days move (would move, in a preview): each is in ``affected``
    reminders_moved: int = 0


def _plan(session: Session, actor: Actor, schedule: YearSchedule, language: str | None) -> SchedulePreview:
    errors = _problems(schedule)
    if errors:
        raise InvalidData(errors)
    year = schedule.year
    rows: dict[date, tuple[bool, str]] = {}
    for h in schedule.holidays:
        for n in range((h.end - h.start).days + 1):
            rows[h.start + timedelta(days=n)] = (False, h.name)
    for m in schedule.make_up_days:
        rows[m.day] = (True, m.note or MAKE_UP_DAY)
    package = WorkingCalendar()
    for day in days_of(year):
        plain = day.weekday() < 5
        if day not in rows and package.is_working_day(day) != plain:
            rows[day] = (plain, ENTERED_WORKING if plain else ENTERED_OFF)
    before = working_calendar(session)
    kept = {d: (w, before.notes.get(d, "")) for d, w in before.overrides.items() if d.year != year}
    after_rows = kept | rows
    after = WorkingCalendar(
        {d: w for d, (w, _) in after_rows.items()},
        {d: n for d, (_, n) in after_rows.items()},
        notice_years=before.notice_years | {year},
    )
    changes = [
        DayChange(day, before.day_status(day, language), after.day_status(day, language))
        for day in days_of(year)
        if before.is_working_day(day) != after.is_working_day(day)
    ]
    reminders = _reminder_moves(session, year, after)
    return SchedulePreview(
        year,
        [after.day_status(day, language) for day in sorted(rows)],
        sum(1 for d in before.overrides if d.year == year),
        changes,
        _affected(session, actor, year, before, after, reminders),
        saved=False,
        reminders_moved=len(reminders),
    )


@dataclass(frozen=True)
class _PendingDue:
    what: str
    id: int
    instance_id: int | None
    title: str | None
    number: str | None
    name: str
    due_at: datetime
    rule: Deadline | None


def _affected(
    session: Session,
    actor: Actor,
    year: int,
    before: WorkingCalendar,
    after: WorkingCalendar,
    reminders: dict[int, datetime],
) -> list[AffectedDue]:
    """The pending due dates the schedule of ``year`` concerns (``AffectedDue``), in order;
    ``reminders``: the reminders it moves (``_reminder_moves``), every one of them listed."""
    titled = access.sees_every_case(actor)
    found = []
    for due in _pending_dues(session, _year_window(year)[0], reminders):
        day = due_day(due.due_at)
        recounted = _recounted(due.rule, year, after)
        moves_to = reminders.get(due.id) if due.what == TimerKind.REMINDER.value else None
        changed = day.year == year and before.is_working_day(day) != after.is_working_day(day)
        if recounted is None and moves_to is None and not changed:
            continue
        found.append(
            AffectedDue(
                due.what,
                due.id,
                due.instance_id,
                due.title if titled else None,
                due.number if titled else None,
                due.name,
                due.due_at,
                day,
                before.is_working_day(day),
                after.is_working_day(day),
                recounted,
                moves_to,
            )
        )
    return sorted(found, key=lambda a: (a.due_at, a.what != "task", a.id))


def _recounted(rule: Deadline | None, year: int, after: WorkingCalendar) -> datetime | None:
    """The end ``after`` counts by ``rule``, when it is not the stored one and the period
    runs into ``year`` (a period wholly in another year is not this schedule's concern)."""
    if rule is None:
        return None
    again = legal.recount(rule, after)
    if again.ends_at == rule.ends_at:
        return None
    first_counted, last = rule.start + timedelta(days=1), max(rule.last_day, again.last_day)
    return again.ends_at if first_counted.year <= year <= last.year else None


def _pending_dues(session: Session, after: datetime, timer_ids: Collection[int] = ()) -> list[_PendingDue]:
    """Every pending due date after ``after``: the ready tasks' with their rules, and the
    other pending timers' (a task's own due-date timer is its task's due date again), with
    the pending timers of ``timer_ids`` however early (a reminder the schedule moves, of a due
    date early in the year), each named as its process names it. A BPMN timer's rule is the
    one its case counted for that end: a task of the case due then has it, else the case's
    record of its deadlines (``Runtime.deadline_rules``, read for those cases only)."""
    tasks = session.execute(
        select(
            WorkItem.id,
            WorkItem.instance_id,
            ProcessInstance.title,
            ProcessInstance.business_key,
            WorkItem.name,
            WorkItem.due_at,
            WorkItem.due_rule,
        )
        .join(ProcessInstance, ProcessInstance.id == WorkItem.instance_id)
        .where(*_TASKS_DUE, WorkItem.due_at > after)
    ).all()
    dues = [
        _PendingDue("task", t.id, t.instance_id, t.title, t.business_key, t.name, t.due_at, stored_rule(t.due_rule))
        for t in tasks
    ]
    rules = {(d.instance_id, deadline_key(d.due_at)): d.rule for d in dues if d.rule is not None}
    timers = session.execute(
        select(
            Timer.id,
            Timer.kind,
            Timer.instance_id,
            ProcessInstance.title,
            ProcessInstance.business_key,
            func.coalesce(ProcessInstance.definition_id, Timer.definition_id).label("definition_id"),
            Timer.bpmn_id,
            Timer.due_at,
        )
        .outerjoin(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(*_TIMERS_DUE, or_(Timer.due_at > after, Timer.id.in_(sorted(timer_ids))))
    ).all()
    unmatched = {
        t.instance_id
        for t in timers
        if t.kind == TimerKind.BPMN and t.instance_id and (t.instance_id, deadline_key(t.due_at)) not in rules
    }
    rules |= _kept_rules(session, unmatched)
    names: dict[int, dict[str, str]] = {}
    for t in timers:
        if t.definition_id is not None and t.definition_id not in names:
            names[t.definition_id] = element_names(processes.get_by_id(session, t.definition_id))
        name = names.get(t.definition_id, {}).get(t.bpmn_id, t.bpmn_id)
        rule = rules.get((t.instance_id, deadline_key(t.due_at))) if t.kind == TimerKind.BPMN else None
        dues.append(
            _PendingDue(TimerKind(t.kind).value, t.id, t.instance_id, t.title, t.business_key, name, t.due_at, rule)
        )
    return dues


def _kept_rules(session: Session, case_ids: set[int]) -> dict[tuple[int | None, str], Deadline]:
    """How each of these cases counted its deadlines, by (case, ``deadline_key`` of the end)."""
    if not case_ids:
        return {}
    runtime = runtime_for(session)
    kept: dict[tuple[int | None, str], Deadline] = {}
    cases = session.execute(
        select(ProcessInstance.id, ProcessInstance.definition_id, ProcessInstance.workflow_json).where(
            ProcessInstance.id.in_(sorted(case_ids))
        )
    ).all()
    for case in cases:
        workflow = runtime.restore(processes.get_by_id(session, case.definition_id), case.workflow_json)
        kept |= {(case.id, key): rule for key, rule in runtime.deadline_rules(workflow).items()}
    return kept


def preview_year_schedule(
    session: Session, actor: Actor, schedule: YearSchedule, language: str | None = None
) -> SchedulePreview:
    """What entering ``schedule`` would do, without saving anything: the entries the year
    would have, the days that turn working or off, the pending due dates on those days or
    counted by their rules to another end (which keep their stored moments), and the pending
    reminders it would move, with their new moments."""
    _require_admin(actor)
    return _plan(session, actor, schedule, language)


def enter_year_schedule(
    session: Session, actor: Actor, schedule: YearSchedule, language: str | None = None
) -> SchedulePreview:
    """Enter the State Council's schedule for a year, all or nothing: it replaces every
    administrator entry of that year with its holidays and make-up days, plus an entry for
    each day the package would otherwise count differently from the schedule (an estimated
    holiday that is none: ``按国务院安排上班``). The year is then published. Stored due
    dates do not move; deadlines computed from now on follow the new schedule, and the
    pending reminders move as the preview said (``_reminder_moves``)."""
    _require_admin(actor)
    plan = _plan(session, actor, schedule, language)
    first, last = date(schedule.year, 1, 1), date(schedule.year, 12, 31)
    session.execute(delete(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last))
    session.add_all(
        CalendarDay(day=e.day, is_working=e.is_working, note=e.note, from_notice=True) for e in plan.entries
    )
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"the calendar of {schedule.year} was changed at the same time: look again", "changed_meanwhile"
        ) from None
    moved = _move_reminders(session, {a.id: a.moves_to for a in plan.affected if a.moves_to is not None})
    audit(
        session,
        actor,
        "calendar_year_set",
        data={
            "year": schedule.year,
            "holidays": [[h.start.isoformat(), h.end.isoformat(), h.name] for h in schedule.holidays],
            "make_up_days": [[m.day.isoformat(), m.note] for m in schedule.make_up_days],
            "entries": len(plan.entries),
            "replaced": plan.replaced,
            "changed_days": [c.day.isoformat() for c in plan.changes],
            "reminders_moved": moved,
        },
    )
    return SchedulePreview(
        plan.year, plan.entries, plan.replaced, plan.changes, plan.affected, saved=True, reminders_moved=moved
    )


def _reminder_moves(session: Session, year: int, calendar: WorkingCalendar) -> dict[int, datetime]:
    """The pending reminders ``calendar`` (the one the schedule of ``year`` makes) places
    elsewhere than stored, by timer id, each with its new moment. A reminder is a message some
    working days before its task's due date, not a deadline: it follows the working days as
    entered (three working days before a due date just after 春节 fall before the holiday, not
    inside it) while the due date stays as stored, and is counted as a case's save counts it
    (engine.usecases.persist.reminder_timers, the settings in effect). Those of the due dates
    whose day is in ``year`` or later: an earlier one is reminded earlier still."""
    rows = session.execute(
        select(Timer.id, Timer.due_at, WorkItem.due_at.label("task_due"))
        .join(WorkItem, (WorkItem.instance_id == Timer.instance_id) & (WorkItem.task_id == Timer.task_id))
        .where(
            Timer.kind == TimerKind.REMINDER,
            Timer.state == TimerState.PENDING,
            WorkItem.due_at > _year_window(year)[0],
        )
    ).all()
    if not rows:
        return {}
    helpers = make_helpers(lambda: calendar, lambda: resolve(repo.setting_overrides(session)))
    moves = {}
    for row in rows:
        at = reminder_time(helpers, row.task_due)
        if at is not None and at != row.due_at:
            moves[row.id] = at
    return moves


def _move_reminders(session: Session, moves: dict[int, datetime]) -> int:
    """Each pending reminder of ``moves`` (timer id → moment) to its new moment; how many moved."""
    moved = 0
    for timer in session.scalars(select(Timer).where(Timer.id.in_(sorted(moves)), Timer.state == TimerState.PENDING)):
        timer.due_at = moves[timer.id]
        moved += 1
    return moved


# -- settings --------------------------------------------------------------------------
@dataclass(frozen=True)
class SettingView:
    name: str
    value: int  # the value in effect: the stored one, within the bounds (see settings.resolve)
    default: int
    unit: str
    description: str
    overridden: bool
    updated_by: str | None
    updated_at: datetime | None
    minimum: int = 0
    maximum: int = 0
    stored: str | None = None  # the stored text, when it is out of range (and so not in effect as it is)

    @property
    def out_of_range(self) -> bool:
        return self.stored is not None


def list_settings(session: Session) -> list[SettingView]:
    stored = {s.name: s for s in session.scalars(select(Setting))}
    raw = {name: row.value for name, row in stored.items()}
    values, wrong = resolve(raw), out_of_range(raw)
    views = []
    for name, spec in sorted(DEFAULTS.items()):
        row = stored.get(name)
        views.append(
            SettingView(
                name,
                values[name],
                spec.default,
                spec.unit,
                spec.description,
                row is not None,
                row.updated_by if row else None,
                row.updated_at if row else None,
                spec.minimum,
                spec.maximum,
                wrong.get(name),
            )
        )
    return views


@dataclass(frozen=True)
class SettingsPage:
    settings: list[SettingView]
    people: dict[str, str]  # who changed them → their names


def admin_settings(session: Session, actor: Actor) -> SettingsPage:
    """The 期限设置 page: every setting, for whoever may change them, and who changed each by name."""
    _require_admin(actor, "see the deadline settings")
    found = list_settings(session)
    return SettingsPage(found, people_names(session, {s.updated_by for s in found if s.updated_by}))


def set_setting(session: Session, actor: Actor, name: str, value: str | int) -> SettingView:
    """Set a setting to a whole number within its bounds (field errors ``min`` / ``max``)."""
    _require_admin(actor)
    spec = DEFAULTS.get(name)
    if spec is None:
        raise InvalidData({"name": FieldError("unknown_setting", {"name": name, "known": ", ".join(sorted(DEFAULTS))})})
    number = spec.checked(value)
    row = session.get(Setting, name)
    before = _in_effect(name, row)
    now = clock.now()
    if row is None:
        session.add(Setting(name=name, value=str(number), updated_by=actor.username, updated_at=now))
    else:
        row.value, row.updated_by, row.updated_at = str(number), actor.username, now
    # the value before, as the page showed it in effect: what the audit log says was changed
    audit(session, actor, "setting_set", data={"name": name, "value": number, "before": {"value": before}})
    session.flush()
    return next(v for v in list_settings(session) if v.name == name)


def _in_effect(name: str, row: Setting | None) -> int:
    """The value of ``name`` in effect with ``row`` stored (None: its default)."""
    return resolve({name: row.value} if row is not None else {})[name]


def reset_setting(session: Session, actor: Actor, name: str) -> None:
    """Back to the default."""
    _require_admin(actor)
    row = session.get(Setting, name)
    if row is not None:
        before = _in_effect(name, row)
        session.delete(row)
        audit(
            session,
            actor,
            "setting_reset",
            data={"name": name, "value": DEFAULTS[name].default, "before": {"value": before}},
        )
        session.flush()
