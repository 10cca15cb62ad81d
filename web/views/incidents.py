"""Incidents (系统管理 → 故障): cases that failed at run time with nobody waiting (a failing
timer, a stuck case) and timer start events that could not start a case (no case: the
process version is shown), filtered by open / resolved and process; and the retry, from the
list or the case page (a start event's: from the list). Who may is the access policy's
(incident.manage)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import Permission
from engine.usecases import incidents, recovery, start_timers

from .. import database
from ..auth import current_actor, permission_required
from ..engine_messages import in_reader_language
from ..i18n import when
from ..roles import person_name
from .auth import safe_next

bp = Blueprint("incidents", __name__)


@bp.get("/admin/incidents/")
@permission_required(Permission.INCIDENT_MANAGE)
def index():
    args = request.args
    page = incidents.incidents_page(
        database.session(), current_actor(), args.get("state", "open"), args.get("process", "")[:200]
    )
    return render_template("admin/incidents.html", page=page)


@bp.post("/cases/<int:instance_id>/retry")
def retry(instance_id: int):
    with database.session_factory().begin() as s:
        result = recovery.retry_case(s, current_actor(), instance_id)
    if result.error:
        flash(_("重试未成功：%(error)s", error=in_reader_language(result.error)), "error")
    elif result.still_stuck:
        flash(_("已重试，案件仍无法继续（没有待办任务，也没有等待中的期限）。"), "error")
    else:
        flash(_("已重试，案件已继续办理。"), "success")
    return redirect(safe_next(request.form.get("next"), url_for("cases.show", instance_id=instance_id)))


@bp.post("/admin/incidents/<int:incident_id>/retry-start")
def retry_start(incident_id: int):
    """Fire a timer start event that could not start its case again, now."""
    with database.session_factory().begin() as s:
        result = start_timers.retry_start(s, current_actor(), incident_id)
    if result.ok:
        flash(_("已重试，定时启动已发起案件。"), "success")
    elif result.event_gone:
        flash(_("该流程的最新版本已没有这个定时启动事件，故障已关闭，未发起案件。"), "success")
    elif result.error:
        flash(_("重试未成功：%(error)s", error=in_reader_language(result.error)), "error")
    else:  # someone or the scheduler got there first
        flash(
            _(
                "此故障已于 %(at)s 由 %(by)s 解决，未再发起案件。",
                by=person_name(result.resolved_by, result.people),
                at=when(result.resolved_at),
            ),
            "error",
        )
    return redirect(safe_next(request.form.get("next"), url_for("incidents.index")))
