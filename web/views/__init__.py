"""One blueprint module per area; each route parses, calls one use case, renders."""

from __future__ import annotations

from flask import Flask

from engine import clock


def _department_name(code: str, names: dict[str, str]) -> str:
    return names.get(code, code)


def register(app: Flask) -> None:
    from . import (
        admin,
        assets,
        audit,
        auth,
        board,
        cases,
        designer,
        inbox,
        notifications,
        settings,
        start,
        statistics,
        tasks,
    )

    areas = (auth, inbox, tasks, start, cases, notifications, settings, statistics, board, audit, admin, designer)
    areas += (assets,)
    for module in areas:
        app.register_blueprint(module.bp)
    app.context_processor(notifications.unread_badge)  # the header's 消息 count
    app.jinja_env.filters["dept"] = _department_name
    app.jinja_env.globals.update(page_now=clock.now, has_endpoint=lambda name: name in app.view_functions)
