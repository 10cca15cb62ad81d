"""审计: the audit log by person, action and period (engine.usecases.audit_log), and its
download."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.errors import InvalidData
from engine.usecases import audit_log
from engine.usecases.results import MAX_PER_PAGE
from engine.usecases.statistics import Period

from .. import database, exports, history_text
from ..audit_text import said
from ..auth import current_actor
from ..roles import person_name
from .formdata import field_messages
from .queryargs import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _filters() -> tuple[str | None, str | None, Period | None]:
    args = request.args
    period = None
    if args.get("from") or args.get("to"):
        today = clock.now().astimezone(LOCAL_TZ).date()
        period = Period.parse(args.get("from"), args.get("to"), today)
    return (args.get("user") or "").strip()[:64] or None, (args.get("action") or None), period


@bp.get("/")
def index():
    try:
        username, action, period = _filters()
    except InvalidData as exc:
        return render_template("audit/index.html", log=None, errors=field_messages(exc.codes)), 422
    log = audit_log.audit_page(
        database.session(), current_actor(), username, action, period, page=page_number(request.args.get("page"))
    )
    return render_template("audit/index.html", log=log, errors={}, said=said)


@bp.get("/export.<fmt>")
def export(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    username, action, period = _filters()
    actions = history_text.action_names()
    rows = []
    for number in range(1, audit_log.MAX_EXPORT // MAX_PER_PAGE + 1):
        log = audit_log.audit_page(
            database.session(), current_actor(), username, action, period, page=number, per_page=MAX_PER_PAGE
        )
        rows += [
            [
                r.at,
                person_name(r.actor, log.people),
                actions.get(r.action, r.action),
                r.instance_id,
                r.case_title,
                r.step,
                said(r, log),
                r.address,
            ]
            for r in log.rows
        ]
        if number >= log.pages:
            break
    headers = [
        _("时间"),
        _("操作人"),
        pgettext("entry", "操作"),
        _("案件编号"),
        _("案件"),
        _("环节"),
        _("内容"),
        _("来源地址"),
    ]
    return exports.download(_("审计日志"), fmt, headers, rows)
