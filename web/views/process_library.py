"""The process library (流程库): one process's versions with their notes and case counts,
offering it for new cases or not, a version read-only in the viewer, its .bpmn, a rollback
to it, the diff of two versions or of a draft, and moving a version's running cases to
another (迁移运行中的案件: plan and dry run, then the move). Designers and administrators only."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.access import Permission
from engine.errors import FieldError, InvalidData
from engine.usecases import case_migration, case_migration_texts, drafts, library, version_diff
from engine.usecases.labels import people_names
from engine.usecases.offering import AlreadySo

from .. import database
from ..auth import current_actor, permission_required
from ..i18n import when
from ..roles import person_name

bp = Blueprint("process_library", __name__, url_prefix="/designer/processes")
KEY = "<string(maxlength=200):key>"


@bp.before_request
@permission_required(Permission.PROCESS_DEPLOY)
def _designers_only() -> None:
    return None


@bp.get(f"/{KEY}")
def versions(key: str):
    s, actor = database.session(), current_actor()
    return render_template(
        "designer/versions.html", p=library.process_versions(s, actor, key), drafts=drafts.list_drafts(s, actor, key)
    )


@bp.get(f"/{KEY}/v<int:version>")
def show(key: str, version: int):
    s, actor = database.session(), current_actor()
    p = library.process_versions(s, actor, key)
    row = next((v for v in p.versions if v.version == version), None)
    if row is None:  # the use case's words: which versions there are
        library.definition_of(s, key, version)
    return render_template("designer/version.html", p=p, v=row)


@bp.get("/drafts/<int:draft_id>/diagram")
def draft_diagram(draft_id: int):
    """A draft's XML for the diff's viewer (with a generated layout when it has none)."""
    xml = drafts.draft_diagram(database.session(), current_actor(), draft_id)
    return Response(xml, mimetype="application/xml")


@bp.get(f"/{KEY}/v<int:version>.bpmn")
def download(key: str, version: int):
    filename, xml = library.version_document(database.session(), current_actor(), key, version)
    return Response(
        xml, mimetype="application/xml", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get(f"/{KEY}/v<int:version>/diagram")
def diagram(key: str, version: int):
    """The version's XML for the read-only viewer (with a generated layout when it has none)."""
    xml = library.version_diagram(database.session(), current_actor(), key, version)
    return Response(xml, mimetype="application/xml")


@bp.post(f"/{KEY}/v<int:version>/rollback")
def rollback(key: str, version: int):
    """The versions page's 回滚到此版本 asks first (a page saying what goes live); its 确认回滚
    (``confirm=yes``) deploys."""
    if request.form.get("confirm") != "yes":
        s, actor = database.session(), current_actor()
        p = library.process_versions(s, actor, key)
        row = next((v for v in p.versions if v.version == version), None)
        if row is None:  # the use case's words: which versions there are
            library.definition_of(s, key, version)
        if row is not None and not row.latest:  # the newest: the use case refuses it, nothing to ask
            return render_template("designer/rollback.html", p=p, v=row, note=request.form.get("note", ""))
    with database.session_factory().begin() as s:
        result = library.rollback(s, current_actor(), key, version, request.form.get("note", ""))
    flash(_("已回滚：v%(old)s 的内容已部署为 v%(new)s", old=version, new=result.version), "success")
    return redirect(url_for("process_library.versions", key=key))


@bp.post(f"/{KEY}/offering")
def offering(key: str):
    offered = request.form.get("offered") == "true"
    try:
        with database.session_factory().begin() as s:
            library.set_offered(s, current_actor(), key, offered)
    except AlreadySo as already:  # a second click, or a page from before someone else's: nothing changed
        flash(_already_so(already), "info")
        return redirect(url_for("process_library.versions", key=key))
    flash(
        _("已恢复发起：新案件可以使用此流程。")
        if offered
        else _("已停止发起：不能再用此流程新建案件，办理中的案件照常进行。"),
        "info",
    )
    return redirect(url_for("process_library.versions", key=key))


def _already_so(already: AlreadySo) -> str:
    """A stop (or offer) of a process already stopped (or offered), in the reader's words."""
    if already.by is None or already.at is None:
        return _("此流程从未停止发起，一直可以发起新案件；未作改变。")
    who = person_name(already.by, people_names(database.session(), [already.by]))
    if already.offered:
        return _("此流程已于 %(at)s 由 %(who)s 恢复发起；未作改变。", at=when(already.at), who=who)
    return _("此流程已于 %(at)s 由 %(who)s 停止发起；未作改变。", at=when(already.at), who=who)


def _no_version(text: str) -> FieldError:
    """What is wrong with a version that is not digits: a whole number below 1, or no number."""
    whole = text.strip().lstrip("-+")
    return FieldError("min", {"min": 1}) if whole.isdigit() else FieldError("not_a_number")


@bp.get(f"/{KEY}/diff")
def diff(key: str):
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    # a version given that is no number (or below 1) is said so, not taken for "the newest two"
    given = {name: request.args.get(name) for name in ("old", "new")}
    wrong = {name: _no_version(text) for name, text in given.items() if text and not text.isdigit()}
    if wrong:
        raise InvalidData(wrong)
    if old is None or new is None:
        latest = library.process_versions(database.session(), current_actor(), key).latest.version
        old, new = old or max(latest - 1, 1), new or latest
    d = version_diff.compare_versions(database.session(), current_actor(), key, old, new)
    return render_template("designer/diff.html", d=d, kind=_kind)


@bp.get("/drafts/<int:draft_id>/diff")
def draft_diff(draft_id: int):
    d = version_diff.compare_draft(database.session(), current_actor(), draft_id)
    return render_template("designer/diff.html", d=d, kind=_kind)


MAP_FIELD = "map:"  # a plan's entries in the migration page's forms: map:<old element id> = <new element id>
CASE_FIELD = "case:"  # the cases to move: case:<id> = the revision the dry run showed


def _plan_args(values: MultiDict[str, str]) -> tuple[int | None, dict[str, str]]:
    """The target version and the map entries of the migration page's forms."""
    to = values.get("to", type=int)
    return to, {name[len(MAP_FIELD) :]: value for name, value in values.items() if name.startswith(MAP_FIELD)}


def _say(reason: case_migration.Reason) -> str:
    """A reason in the reader's language."""
    return case_migration_texts.reason_text(reason, _)


def _kind(kind: str) -> str:
    """An element's kind in the reader's language."""
    return case_migration_texts.kind_name(kind, _)


@bp.get(f"/{KEY}/v<int:version>/migrate")
def migrate_plan(key: str, version: int):
    """The plan (target version, the map of the elements whose id is gone) and its dry run."""
    to, overrides = _plan_args(request.args)
    run = case_migration.dry_run(database.session(), current_actor(), key, version, to, overrides)
    return render_template("designer/migrate.html", plan=run.plan, run=run, report=None, say=_say, kind=_kind)


@bp.post(f"/{KEY}/v<int:version>/migrate")
def migrate(key: str, version: int):
    """Move the cases the dry run showed movable, each at the revision it showed."""
    to, overrides = _plan_args(request.form)
    chosen = {
        int(name[len(CASE_FIELD) :]): request.form.get(name, type=int)
        for name in request.form
        if name.startswith(CASE_FIELD) and name[len(CASE_FIELD) :].isdigit()
    }
    if request.form.get("confirm") != "yes":
        # the form leaves its checkbox to us (novalidate), so that it is said in the page's
        # language: the plan and its dry run again (as of now: nothing was moved), said at the box
        run = case_migration.dry_run(database.session(), current_actor(), key, version, to, overrides)
        page = render_template(
            "designer/migrate.html",
            plan=run.plan,
            run=run,
            report=None,
            say=_say,
            kind=_kind,
            errors={"confirm": _("请先勾选确认，再迁移。")},
        )
        return page, 422
    report = case_migration.migrate_cases(
        database.session_factory(), current_actor(), key, version, to, overrides, chosen
    )
    return render_template("designer/migrate.html", plan=report.plan, run=None, report=report, say=_say, kind=_kind)
