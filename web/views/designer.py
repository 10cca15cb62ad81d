"""The process designer: bpmn-js Modeler to edit a deployed process (or a new one) and
deploy it as a new version; problems are listed with file, line and element."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import Permission
from engine.errors import InvalidBpmn
from engine.usecases import definitions

from .. import database
from ..auth import current_actor, permission_required

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.before_request
@permission_required(Permission.PROCESS_DEPLOY)
def _designers_only() -> None:
    return None


@bp.get("/")
def index():
    return render_template(
        "designer/index.html", definitions=definitions.deployed_processes(database.session(), current_actor())
    )


@bp.get("/new")
def new():
    filename, xml = definitions.document(database.session(), current_actor(), None)
    return render_template("designer/modeler.html", filename=filename, xml=xml, problems=[])


@bp.get("/<int:definition_id>")
def edit(definition_id: int):
    filename, xml = definitions.document(database.session(), current_actor(), definition_id)
    return render_template("designer/modeler.html", filename=filename, xml=xml, problems=[])


@bp.post("/deploy")
def deploy():
    upload = request.files.get("file")
    if upload and upload.filename:
        filename, xml = upload.filename, upload.read().decode("utf-8", errors="replace")
    else:
        filename, xml = request.form.get("filename", ""), request.form.get("xml", "")
    try:
        with database.session_factory().begin() as s:
            results = definitions.deploy_document(s, current_actor(), xml, filename)
    except InvalidBpmn as exc:
        return render_template("designer/modeler.html", filename=filename, xml=xml, problems=exc.problems), 422
    for d in results:
        what = f"{d.name}（{d.key}）v{d.version}"
        flash(
            _("已部署：%(what)s", what=what) if d.created else _("未改变：%(what)s", what=what),
            "success" if d.created else "info",
        )
        for warning in d.warnings:  # the engine's own words, as the problems table shows them
            flash(warning, "warning")
    return redirect(url_for("designer.index"))
