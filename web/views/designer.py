"""The process designer: the process library's front page (every process, the drafts, new
ones from templates), the bpmn-js Modeler on a deployed process, a draft or a new process,
saving drafts and deploying; problems are listed with file, line and element. A process's
versions, rollback and diff are web/views/process_library.py."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import Permission
from engine.errors import Conflict, InvalidBpmn, InvalidData
from engine.usecases import definitions, drafts, library

from .. import database
from ..auth import current_actor, permission_required

bp = Blueprint("designer", __name__, url_prefix="/designer")
REPO_ROOT = Path(__file__).resolve().parents[2]


@bp.before_request
@permission_required(Permission.PROCESS_DEPLOY)
def _designers_only() -> None:
    return None


def templates_dir() -> Path:
    return Path(current_app.config.get("BPMN_TEMPLATES_DIR") or REPO_ROOT / "bpmn" / "templates")


def template_descriptions() -> dict[str, str]:
    """What the shipped templates (bpmn/templates/) are for, in the reader's language; their
    <documentation> (the designer's notes, in English) stands for a template added beside them."""
    return {
        "approval": _("人大办提交事项，人大办主任同意或退回修改，同意的事项归档。"),
        "deadline_supervision": _("事项交一个单位限期（按工作日计）办理；逾期未答复时提请人大办督办，单位继续办理。"),
        "unit_round": _("选定的各单位同时报送（每个单位一项任务），再由人大办汇总。"),
    }


@bp.get("/")
def index():
    s, actor = database.session(), current_actor()
    return render_template(
        "designer/index.html",
        processes=library.process_library(s, actor),
        drafts=drafts.list_drafts(s, actor),
        templates=drafts.templates(templates_dir()),
        descriptions=template_descriptions(),
    )


def _modeler(filename: str, xml: str, *, draft=None, problems=(), error: str = "", note: str = "", status: int = 200):
    page = render_template(
        "designer/modeler.html",
        filename=filename,
        xml=xml,
        problems=list(problems),
        draft=draft,
        error=error,
        note=note if note or draft is None else draft.note,
    )
    return page, status


@bp.get("/new")
def new():
    filename, xml = definitions.document(database.session(), current_actor(), None)
    return _modeler(filename, xml)


@bp.get("/<int:definition_id>")
def edit(definition_id: int):
    filename, xml = definitions.document(database.session(), current_actor(), definition_id)
    return _modeler(filename, xml)


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    document = drafts.get_draft(database.session(), current_actor(), draft_id)
    return _modeler(document.draft.filename, document.xml, draft=document.draft)


def _posted() -> tuple[str, str, str, int | None, int]:
    form = request.form
    draft_id = form.get("draft_id", type=int)
    return form.get("filename", ""), form.get("xml", ""), form.get("note", ""), draft_id, form.get("revision", 0, int)


def _refused(exc: InvalidBpmn | InvalidData | Conflict, filename: str, xml: str, note: str, draft_id: int | None):
    """The modeler again with the designer's own XML and what was wrong: nothing is lost."""
    draft = drafts.get_draft(database.session(), current_actor(), draft_id).draft if draft_id else None
    if isinstance(exc, InvalidBpmn):
        return _modeler(filename, xml, draft=draft, problems=exc.problems, note=note, status=422)
    status = 409 if isinstance(exc, Conflict) else 422
    return _modeler(filename, xml, draft=draft, error=exc.message, note=note, status=status)


@bp.post("/drafts/save")
def save_draft():
    filename, xml, note, draft_id, revision = _posted()
    try:
        with database.session_factory().begin() as s:
            if draft_id:
                saved = drafts.save_draft(s, current_actor(), draft_id, xml, revision, note)
            else:
                saved = drafts.create_draft(s, current_actor(), xml, filename, note)
    except (InvalidBpmn, InvalidData, Conflict) as exc:
        return _refused(exc, filename, xml, note, draft_id)
    flash(_("草稿已保存：%(name)s（第 %(revision)s 稿）", name=saved.name, revision=saved.revision), "success")
    return redirect(url_for("designer.draft", draft_id=saved.id))


@bp.post("/drafts/<int:draft_id>/discard")
def discard_draft(draft_id: int):
    with database.session_factory().begin() as s:
        drafts.discard_draft(s, current_actor(), draft_id, request.form.get("revision", type=int))
    flash(_("草稿已删除。"), "info")
    return redirect(url_for("designer.index"))


@bp.post("/drafts/upload")
def upload_draft():
    upload = request.files.get("file")
    name = upload.filename if upload and upload.filename else ""
    with database.session_factory().begin() as s:
        saved = drafts.upload_draft(
            s, current_actor(), upload.read() if upload else b"", name, request.form.get("note", "")
        )
    flash(_("已上传为草稿：%(name)s", name=saved.name), "success")
    return redirect(url_for("designer.draft", draft_id=saved.id))


@bp.post("/drafts/from-template")
def from_template():
    form = request.form
    with database.session_factory().begin() as s:
        saved = drafts.draft_from_template(
            s,
            current_actor(),
            templates_dir(),
            form.get("template", ""),
            form.get("key", "").strip(),
            form.get("name", ""),
        )
    flash(_("已按模板新建草稿：%(name)s", name=saved.name), "success")
    return redirect(url_for("designer.draft", draft_id=saved.id))


@bp.post("/deploy")
def deploy():
    upload = request.files.get("file")
    filename, xml, note, draft_id, revision = _posted()
    if upload and upload.filename:
        filename, xml = upload.filename, upload.read().decode("utf-8", errors="replace")
    try:
        with database.session_factory().begin() as s:
            if draft_id:  # the draft as the designer has it now, if nobody saved it meanwhile
                results = drafts.deploy_draft(s, current_actor(), draft_id, revision, note, xml)
            else:
                results = definitions.deploy_document(s, current_actor(), xml, filename, note)
    except (InvalidBpmn, InvalidData, Conflict) as exc:
        return _refused(exc, filename, xml, note, draft_id)
    for d in results:
        what = f"{d.name}（{d.key}）v{d.version}"
        flash(
            _("已部署：%(what)s", what=what) if d.created else _("未改变：%(what)s", what=what),
            "success" if d.created else "info",
        )
        for warning in d.warnings:  # the engine's own words, as the problems table shows them
            flash(warning, "warning")
    return redirect(url_for("designer.index"))
