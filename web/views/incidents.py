"""Incidents (系统管理 → 故障): cases that failed at run time with nobody waiting (a failing
timer, a stuck case), filtered by open / resolved and process; and the retry, from the list
or the case page. Who may is the access policy's (incident.manage)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import Permission
from engine.usecases import incidents, recovery

from .. import database
from ..auth import current_actor, permission_required
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
        flash(_("重试未成功：%(error)s", error=result.error), "error")
    elif result.still_stuck:
        flash(_("已重试，案件仍无法继续（没有待办任务，也没有等待中的期限）。"), "error")
    else:
        flash(_("已重试，案件已继续办理。"), "success")
    return redirect(safe_next(request.form.get("next"), url_for("cases.show", instance_id=instance_id)))
