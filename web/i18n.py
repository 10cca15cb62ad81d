"""Languages and time zones: Chinese (zh_CN) first, English switchable; dates in the
user's time zone (Asia/Shanghai by default). Translations are compiled from the .po files
in web/translations at setup (``pybabel compile -d web/translations``)."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
LANG_COOKIE = "lang"

babel = Babel()


def select_locale() -> str:
    lang = session.get("lang") or request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def when(value: datetime | date | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """An aware UTC datetime shown in the user's time zone (a date as it is)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, "yyyy-MM-dd")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TIMEZONE") or "Asia/Shanghai")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_locale=current_locale,
                                 here=lambda: request.full_path.rstrip("?"))


def current_locale() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"
