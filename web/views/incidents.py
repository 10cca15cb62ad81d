"""Incidents (系统管理 → 故障): cases that failed at run time with nobody waiting (a failing
timer, a stuck case) and timer start events that could not start a case (no case: the
process version is shown), filtered by open / resolved and process; and the retry, from the
list or the case page (a start event's: from the list). Who may is the access policy's
(incident.manage)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import Permission
from engine.errors import InvalidData
from engine.usecases import incidents, recovery, start_timers
from engine.usecases.incidents import IncidentView

from .. import database
from ..auth import current_actor, permission_required
from ..engine_messages import in_reader_language
from ..i18n import when
from ..roles import person_name
from .auth import safe_next

bp = Blueprint("incidents", __name__)


@bp.app_template_filter("incident_message")
def incident_message(incident: IncidentView) -> str:
    """An incident's error in the reader's language: in Chinese by the engine's table when the
    page is Chinese and the words are known (web/engine_messages.py; an external task's name
    its element by name), in the engine's own words otherwise."""

    def name_of(bpmn_id: str) -> str:
        return (incident.element_name or bpmn_id) if bpmn_id == incident.bpmn_id else bpmn_id

    return in_reader_language(incident.message, name_of)


@bp.get("/admin/incidents/")
@permission_required(Permission.INCIDENT_MANAGE)
def index():
    args = request.args
    state, process = args.get("state", "open"), args.get("process", "")[:200]
    try:
        page = incidents.incidents_page(database.session(), current_actor(), state, process)
    except InvalidData as exc:
        if set(exc.codes) != {"process"}:
            raise
        # a link to a process no longer deployed (or mistyped): the list without that filter,
        # saying so above it, not an error page in place of every incident
        flash(_("没有这个流程：%(process)s，已显示全部流程的故障。", process=process), "error")
        page = incidents.incidents_page(database.session(), current_actor(), state, "")
        return render_template("admin/incidents.html", page=page), 422
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
