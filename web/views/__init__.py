"""One blueprint module per area; each route parses, calls one use case, renders."""

from __future__ import annotations

from flask import Flask

from engine import clock
from engine.bpmn.forms import DATE_MAX, DATE_MIN
from engine.usecases.attachments import MAX_ATTACHMENT_BYTES
from engine.usecases.confidentiality import WITHHELD

from .. import history_text
from ..engine_messages import in_reader_language
from ..roles import group_name, holders_by_name, person_name, role_names


def register(app: Flask) -> None:
    from . import (
        admin,
        assets,
        audit,
        auth,
        board,
        cases,
        designer,
        health,
        imports,
        inbox,
        incidents,
        notifications,
        process_library,
        settings,
        start,
        statistics,
        tasks,
    )

    areas = (auth, inbox, tasks, start, cases, notifications, settings, statistics, board, audit, admin, designer)
    areas += (imports, incidents)
    areas += (process_library, health)
    areas += (assets,)
    for module in areas:
        app.register_blueprint(module.bp)
    app.context_processor(notifications.unread_badge)  # the header's 消息 count
    app.jinja_env.filters["dept"] = group_name  # a unit or a role a task is offered to, by name
    app.jinja_env.filters["person"] = person_name  # who acted, by name
    app.jinja_env.filters["engine_message"] = in_reader_language  # a run-time error, in the reader's words
    app.jinja_env.globals.update(
        page_now=clock.now,
        has_endpoint=lambda name: name in app.view_functions,
        role_names=role_names,
        holders_by_name=holders_by_name,
        date_bounds=(DATE_MIN, DATE_MAX),  # what a period's date inputs accept (Period.parse)
        withheld_value=WITHHELD,  # a readers field's value the reader may not read (shown as 保密)
        attachment_max_bytes=MAX_ATTACHMENT_BYTES,  # checked in the browser before a byte is sent
    )
    app.jinja_env.globals.update(  # a case's history in words (web/history_text.py)
        history_action_names=history_text.action_names,
        history_words=history_text.Words,
        history_details=history_text.details,
    )
