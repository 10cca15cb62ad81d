"""Languages and time zones: Chinese (zh_CN) first, English switchable; dates in the
user's time zone (Asia/Shanghai by default). Translations are compiled from the .po files
in web/translations at setup (``pybabel compile -d web/translations``)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale, get_timezone, pgettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from engine.deadlines import timezones
from engine.usecases.ledger_rows import note_said

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
LANG_COOKIE = "lang"

babel = Babel()


def select_locale() -> str:
    """The language chosen (the session's, or the cookie the language link sets); for the
    JSON API, which a script calls without either, the request's Accept-Language; else
    Chinese. (The pages do not follow a browser's Accept-Language: Chinese is the product's
    language, English one click away.)"""
    lang = session.get("lang") or request.cookies.get(LANG_COOKIE)
    if lang in LANGUAGES:
        return lang
    if request.path.startswith("/api/"):
        asked = request.accept_languages.best_match(["zh-CN", "zh", "en"])
        return "en" if asked == "en" else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def remember_language(response: Response, code: str) -> None:
    """This browser reads the pages in ``code`` from now on: the session's language, and the
    cookie that outlives the session (a year)."""
    session["lang"] = code
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")


def select_timezone() -> tzinfo | None:
    """The zone of whoever the request acts for: the API token's holder (web.api.common
    ``authenticate``), else the signed-in person (read with the user at the start of the
    request); nobody: None, Babel's default (ours)."""
    if not has_request_context():
        return None
    if "api_timezone" in g:
        return timezones.zone(g.api_timezone)
    if not current_user.is_authenticated:
        return None
    return timezones.zone(current_user.timezone)


def when(value: datetime | date | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """An aware UTC datetime shown in the user's time zone (a date as it is)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, "yyyy-MM-dd")


def due(value: datetime | None) -> str:
    """A deadline: a period ends at 24:00 of its last day, stored as 00:00 of the next
    (engine.deadlines.legal), and is shown so, "2027-06-16 24:00", in the reader's zone."""
    if value is None:
        return ""
    local = value.astimezone(get_timezone())
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return format_date((local - timedelta(days=1)).date(), "yyyy-MM-dd") + " 24:00"
    return when(value)


# A process variable holding a moment ("2026-12-17T09:00:00+08:00", what the date helpers
# return): shown like any other date. Text without an offset is left as it is.
_AWARE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})")


def when_text(value: str) -> str:
    """A text value as shown (a case's facts, its history): a stored moment in the reader's zone,
    a note the ledger import stored (（按台账导入）) in the reader's language, anything else as is."""
    if not _AWARE_ISO.fullmatch(value):
        return note_said(value, pgettext)
    try:
        # the date functions write a deadline as the midnight that ends its last day
        return due(datetime.fromisoformat(value))
    except ValueError:
        return value


def file_size(size: int | None) -> str:
    """A file's size as people read it: bytes under 1 KB ("22 B"), then KB, MB or GB, with
    one decimal below 100 ("1.5 KB", "2 MB", "640 KB"); 1 KB = 1024 bytes."""
    size = max(size or 0, 0)
    if size < 1024:
        return f"{size} B"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if round(value) < 1024:  # not "1024 KB"
            break
        value, unit = value / 1024, bigger
    shown = f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return f"{shown.removesuffix('.0')} {unit}"


# Han characters (the unified ideographs, extension A and the compatibility block): what makes
# a text Chinese for a screen reader's voice. Punctuation alone does not.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def foreign_chinese(text: object) -> bool:
    """Is ``text`` Chinese on an English page? A process's own words (a BPMN label, an option, a
    step's name, the help text) and what people typed are not translated: under ``lang="en"``
    an English voice spells them out or skips them (WCAG 3.1.2), so they are marked. A text that
    is translated (English by then) or has no Han character is not."""
    return current_locale() == "en" and isinstance(text, str) and bool(_HAN.search(text))


def zh(text: object) -> object:
    """The filter ``zh``: ``text`` in ``<span lang="zh-CN">`` where it is Chinese on an English
    page (escaped as any value is), else as it is."""
    if not foreign_chinese(text):
        return text
    return Markup('<span lang="zh-CN">{}</span>').format(text)


def zh_lang(text: object) -> Markup:
    """The filter ``zh_lang``: the attribute `` lang="zh-CN"`` for an element that holds ``text``
    (an ``<option>``, which holds no span; a paragraph of help), or nothing."""
    return Markup(' lang="zh-CN"') if foreign_chinese(text) else Markup("")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", timezones.DEFAULT_TIMEZONE)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters.update(when=when, when_text=when_text, due=due, file_size=file_size, zh=zh, zh_lang=zh_lang)
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, current_locale=current_locale, here=lambda: request.full_path.rstrip("?")
    )


def current_locale() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"
