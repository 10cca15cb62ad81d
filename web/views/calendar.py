"""系统管理 → 工作日历 and 期限设置: the working-day calendar (each day with its source, the
warning when pending due dates fall in an estimated year, entering a year's schedule with a
preview first) and the deadline settings. Routes of the admin blueprint (``register``);
each also needs the permission admin.settings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import npgettext

from engine import access, clock
from engine.access import Permission
from engine.deadlines import legal
from engine.deadlines.calendar import LOCAL_TZ, MAKE_UP_DAY
from engine.deadlines.legal import CountedNow, Deadline
from engine.deadlines.settings import DEFAULTS
from engine.errors import FieldError, InvalidData
from engine.usecases import deadlines

from .. import database
from ..auth import current_actor
from ..i18n import current_locale
from .formdata import field_message, field_messages


def _settings_admins_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        access.require(current_actor(), Permission.ADMIN_SETTINGS, "see the calendar or the deadline settings")
        return view(*args, **kwargs)

    return wrapper


def _language() -> str:
    """The language of the holidays package's names."""
    return "en_US" if current_locale() == "en" else "zh_CN"


def _this_year() -> int:
    return clock.now().astimezone(LOCAL_TZ).year


def _schedule_errors(codes: Mapping[str, FieldError]) -> list[dict[str, str]]:
    """Each error of the schedule form with what it is about (第 3 行, 年份, 假日), as the error
    summary lists it (admin/_form_errors.html): a link to the schedule's box, which holds the line."""
    said = []
    for key, error in codes.items():
        name, _dot, number = key.partition(".")
        if name == "lines":
            where = _("第 %(n)s 行", n=number)
        elif name == "year":
            where = _("年份")
        else:
            where = _("假日")
        said.append({"id": "schedule", "label": where, "message": field_message(error)})
    return said


# A date as the holidays package writes it in its English names ("Day off (substituted from
# 02/14/2026)"): month, day, year, as no other page of the product writes one
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def iso_dates(name: str) -> str:
    """A holiday's name with its dates written 2026-02-14, as every date of the product is."""
    return _US_DATE.sub(lambda m: f"{m[3]}-{int(m[1]):02d}-{int(m[2]):02d}", name)


# -- 工作日历 ---------------------------------------------------------------------------------
def _calendar_page(
    year: int,
    text: str | None = None,
    errors: Mapping[str, FieldError] | None = None,
    preview: deadlines.SchedulePreview | None = None,
    status: int = 200,
):
    overview = deadlines.calendar_overview(database.session(), current_actor(), year, _language())
    this_year = _this_year()
    years = sorted({*range(this_year - 1, this_year + 3), year})
    return render_template(
        "admin/calendar.html",
        overview=overview,
        view=overview.calendar,
        year=year,
        years=years,
        text=overview.schedule_text if text is None else text,
        errors=_schedule_errors(errors or {}),
        preview=preview,
        entered_working=deadlines.ENTERED_WORKING,
        entered_off=deadlines.ENTERED_OFF,
        make_up=MAKE_UP_DAY,
        iso_dates=iso_dates,
    ), status


@_settings_admins_only
def calendar_page():
    year = request.args.get("year", type=int) or _this_year()
    return _calendar_page(year)


@_settings_admins_only
def calendar_schedule(year: int):
    """预览 (preview, nothing saved) or 保存 (enter the year's schedule)."""
    text = request.form.get("schedule", "")
    saving = request.form.get("action") == "save"
    try:
        with database.session_factory().begin() as s:
            schedule = deadlines.parse_schedule(year, text)
            if saving:
                result = deadlines.enter_year_schedule(s, current_actor(), schedule, _language())
            else:
                result = deadlines.preview_year_schedule(s, current_actor(), schedule, _language())
    except InvalidData as exc:
        return _calendar_page(year, text, exc.codes, status=422)
    if not saving:
        return _calendar_page(year, text, preview=result)
    flash(
        _(
            "已录入 %(year)s 年的放假安排：%(entries)s 条，%(changes)s 天的上班/休息有变化；"
            "%(reminders)s 条待发的到期提醒已按新安排重新计算时间。",
            year=year,
            entries=len(result.entries),
            changes=len(result.changes),
            reminders=result.reminders_moved,
        ),
        "success",
    )
    return redirect(url_for("admin.calendar_page", year=year))


# The address the schedule's preview and save post to: a refused or previewed schedule is shown
# on the page at that address, which a reload or a reopened tab asks for again: that year's
# calendar, not 405.
@_settings_admins_only
def calendar_form_address(year: int):
    return redirect(url_for("admin.calendar_page", year=year), 303)


# -- 期限设置 ---------------------------------------------------------------------------------
def _unit_word(unit: str, amount: object) -> str:
    """A setting's unit as said after ``amount`` (its value, default or bound): counted units in
    the plural English needs (1 month, 3 months; Chinese says 个月 alike), a month or a day of the
    year by its name, an unknown unit as stored."""
    n = amount if isinstance(amount, int) else 2
    counted = {
        "days": lambda: npgettext("unit", "天", "天", n),
        "months": lambda: npgettext("unit", "个月", "个月", n),
        "working days": lambda: npgettext("unit", "个工作日", "个工作日", n),
        "ms": lambda: npgettext("unit", "毫秒", "毫秒", n),
        "steps": lambda: npgettext("unit", "步", "步", n),
        "month": lambda: _("月"),
        "day": lambda: _("日"),
    }
    return counted[unit]() if unit in counted else unit


def _settings_page(errors: Mapping[str, FieldError] | None = None, name: str = "", value: str = "", status: int = 200):
    return render_template(
        "admin/settings.html",
        page=deadlines.admin_settings(database.session(), current_actor()),
        specs=DEFAULTS,
        unit_word=_unit_word,
        errors=field_messages(errors or {}),
        error_name=name,
        error_value=value,
    ), status


@_settings_admins_only
def settings_page():
    return _settings_page()


@_settings_admins_only
def save_setting():
    name, value = request.form.get("name", ""), request.form.get("value", "")
    resetting = request.form.get("action") == "reset"
    try:
        with database.session_factory().begin() as s:
            if resetting:
                deadlines.reset_setting(s, current_actor(), name)
            else:
                deadlines.set_setting(s, current_actor(), name, value)
    except InvalidData as exc:
        return _settings_page(exc.codes, name, value, 422)
    # said by what the setting is for, as its row says it (its code is on the row already);
    # a name no setting has (a reset of nothing, which stores nothing) as it came
    spec = DEFAULTS.get(name)
    label = spec.label_in(current_locale()) if spec is not None else name
    if resetting:
        flash(_("“%(label)s”已恢复默认值。", label=label), "success")
    else:
        flash(_("已保存“%(label)s”。", label=label), "success")
    return redirect(url_for("admin.settings_page", _anchor=f"setting-{name}"))


# -- a stored rule against today's calendar ------------------------------------------------------
def counted_now(rule: Deadline) -> CountedNow:
    """How today's working calendar counts a stored due date's rule (tasks/_deadline.html):
    the calendar is read once a request, however many rules a page shows."""
    if "working_calendar" not in g:
        g.working_calendar = deadlines.working_calendar(database.session())
    return legal.counted_now(rule, g.working_calendar)


def register(bp: Blueprint) -> None:
    """The pages' routes on the admin blueprint (its before_request asks admin.settings of
    them, ``is_its_page``), and ``counted_now`` for every page's templates."""
    bp.add_app_template_global(counted_now, "counted_now")
    for rule, view, method in _ROUTES:
        bp.add_url_rule(rule, view_func=view, methods=[method])


# The pages' routes, each needing admin.settings rather than admin.users (``is_its_page``)
_ROUTES = (
    ("/calendar", calendar_page, "GET"),
    # the form's address reopened first: a number past any year, matched by neither rule, is
    # then not found (404) rather than a method the POST rule would not allow (405)
    ("/calendar/<int(max=9999):year>", calendar_form_address, "GET"),
    ("/calendar/<int(max=9999):year>", calendar_schedule, "POST"),
    ("/settings", settings_page, "GET"),
    ("/settings", save_setting, "POST"),
)
_PAGES = frozenset(view.__name__ for _rule, view, _method in _ROUTES)


def is_its_page(endpoint: str | None) -> bool:
    """Whether ``endpoint`` is one of the calendar's or the deadline settings' pages, which
    need admin.settings (the admin blueprint's gate asks for it and names it refusing)."""
    blueprint, _dot, name = (endpoint or "").rpartition(".")
    return blueprint == "admin" and name in _PAGES
