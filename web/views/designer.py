"""The process designer: the process library's front page (every process, the drafts, new
ones from templates), the bpmn-js Modeler on a deployed process, a draft or a new process,
saving drafts and deploying; what deploy refused is in the modeler's one problem list (element
by name, line), a file without a diagram is shown laid out. An uploaded file
that is not a BPMN document at all brings the front page back, saying why in the reader's
language; so does a refused new process from a template, its form as typed, each field's
problem beside it and in a summary over the form. A process's versions, rollback and diff
are web/views/process_library.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import Permission
from engine.bpmn.stored_lengths import NAME_LENGTH
from engine.errors import Conflict, InvalidBpmn, InvalidData, Problem
from engine.text import without_control_characters
from engine.usecases import definitions, design_checks, drafts, library
from engine.usecases.drafts import DraftGone
from engine.usecases.labels import people_names

from .. import database
from ..auth import current_actor, permission_required
from ..engine_messages import in_reader_language
from ..errors import Said, say
from ..i18n import when
from ..roles import person_name
from .formdata import field_messages

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
    return _index()


def _index(
    status: int = 200,
    discard_refused: Said | None = None,
    template_form: TemplateForm | None = None,
    upload_form: UploadForm | None = None,
):
    s, actor = database.session(), current_actor()
    page = render_template(
        "designer/index.html",
        processes=library.process_library(s, actor),
        drafts=drafts.list_drafts(s, actor),
        templates=drafts.templates(templates_dir()),
        descriptions=template_descriptions(),
        upload_form=upload_form or UploadForm(),
        discard_refused=discard_refused,
        template_form=template_form or TemplateForm(),
        limits={"key": drafts.KEY_LENGTH, "name": NAME_LENGTH},
    )
    return page, status


@dataclass(frozen=True)
class TemplateForm:
    """The new-process-from-a-template form as the page shows it again after a refusal: what
    the designer typed, each refused field's message (field → text) and the summary over the
    form (forms/_field_errors.html, admin/_form_errors.html: each problem a link to its field)."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[Mapping[str, str | None], ...] = ()


def _template_fields() -> tuple[tuple[str, str, str], ...]:
    """The template form's fields in its order: (name, the input's id, its label)."""
    return (
        ("template", "tpl-template", _("模板")),
        ("key", "tpl-key", _("流程标识")),
        ("name", "tpl-name", _("流程名称")),
    )


def _template_refused(exc: InvalidData | InvalidBpmn, values: Mapping[str, str]):
    """The front page again, its template form holding what was typed and saying, field by
    field, why it was not taken (nothing was stored). A document refused (InvalidBpmn) once
    the key and the name passed the form's checks can only be for the name, as the drafts'
    list stores it (its length): said at the name, in the reader's words."""
    if isinstance(exc, InvalidBpmn):
        errors = {"name": _("；").join(in_reader_language(p.message) for p in exc.problems)}
    else:
        errors = field_messages(exc.codes)
    fields = _template_fields()
    problems = tuple(
        {"id": input_id, "label": label, "message": errors[name]} for name, input_id, label in fields if name in errors
    )
    shown = {name for name, _input_id, _label in fields}
    # a field the form does not have (none today): said in the summary, by its message alone
    problems += tuple({"id": None, "label": "", "message": m} for name, m in errors.items() if name not in shown)
    return _index(status=422, template_form=TemplateForm(dict(values), errors, problems))


@dataclass(frozen=True)
class FileProblem:
    """Why an uploaded file is not a BPMN document, for the page: the file, the line and what
    is wrong in the reader's language; the XML parser's own words (libxml's, in English)
    beside, when it said more."""

    text: str
    detail: str = ""


_NOT_BPMN = re.compile(r"^not a BPMN 2\.0 file: the root element is <(?P<root>[^>]*)>")
_NOT_UTF8 = re.compile(r"^not UTF-8 text \(line \d+, column (?P<column>\d+)\)")  # the line: the problem's


def file_problem(problem: Problem) -> FileProblem:
    """A problem of engine.usecases.definitions.read_bpmn_file (or of a draft's process) as the
    page says it; a message not known here still says which file, the engine's words beside."""
    message, detail = problem.message, ""
    if message.startswith("not well-formed XML: "):
        what = _("不是格式正确的 XML（例如有标签没有闭合或前后不配对）")
        detail = message.removeprefix("not well-formed XML: ")
    elif found := _NOT_BPMN.match(message):
        what = _(
            "不是 BPMN 2.0 文件：根元素是 <%(root)s>，BPMN 文件的根元素应是 BPMN 命名空间中的 <definitions>",
            root=found["root"],
        )
    elif found := _NOT_UTF8.match(message):
        what = _("不是 UTF-8 编码的文本（第 %(column)s 列）：BPMN 文件应是 UTF-8 编码的 XML", column=found["column"])
    elif message == "the document is empty":
        what = _("文件是空的")
    elif message.startswith("the document is larger than"):
        what = _("文件太大：超过 %(n)s 个字符", n=definitions.MAX_BPMN_CHARS)
    elif message.startswith("entity declarations and references are not allowed"):
        what = _("BPMN 文件中不允许 <!DOCTYPE …> 声明和实体引用（&…;）")
    elif message.startswith("the document has no <process> with an id"):
        what = _("文件中没有带标识（id）的流程 <process>：没有可保存的内容")
    else:
        what, detail = _("无法作为 BPMN 文件读取"), message
    return FileProblem(_at(problem, what), detail)


def _at(problem: Problem, what: str) -> str:
    """``what`` said at the file (and line) of ``problem``."""
    file = problem.file or _("上传的文件")
    if problem.line:
        return _("「%(file)s」第 %(line)s 行：%(what)s", file=file, line=problem.line, what=what)
    return _("「%(file)s」：%(what)s", file=file, what=what)


def deploy_warning(problem: Problem, names: Mapping[str, str]) -> str:
    """A warning deploy gave (what it read the BPMN way and went ahead with), as the designer's
    page says it: at its file and line, in the reader's language by the table the modeler's
    problem list reads (web/engine_messages.py), the elements it names by id by their
    ``names`` (id -> name in the deployed document) as that list names them."""
    return _at(problem, in_reader_language(problem.message, lambda element_id: names.get(element_id) or element_id))


_FIELD_NAMES = {"filename": lambda: _("文件名"), "note": lambda: _("说明")}


def _said_fields(exc: InvalidData) -> Said:
    """A refused file name or note in the reader's words, each by the name the page gives it."""
    return Said(
        _("；").join(
            f"{_FIELD_NAMES[name]() if name in _FIELD_NAMES else name}{_('：')}{message}"
            for name, message in field_messages(exc.codes).items()
        )
    )


@dataclass(frozen=True)
class UploadForm:
    """One of the front page's two upload forms (``form``: "draft" or "deploy") as the page
    shows it again after a refusal, as the template form is (TemplateForm): the note typed (a
    file cannot be offered back: only the designer can choose it), each refused field's message
    (field → text), the summary over the forms (each problem a link to its field), the XML
    parser's own words beside, and whether the file was read and is no BPMN document (the page
    then says that nothing was uploaded)."""

    form: str = ""
    note: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[Mapping[str, str | None], ...] = ()
    details: tuple[str, ...] = ()
    not_bpmn: bool = False


def _upload_fields(form: str) -> tuple[tuple[str, str, str], ...]:
    """An upload form's fields in its order: (name, the input's id, its label)."""
    note = _("说明（可选）") if form == "draft" else _("部署说明（可选）")
    return (("file", f"upload-{form}-file", _("BPMN 文件")), ("note", f"upload-{form}-note", note))


def _upload_refused(exc: InvalidBpmn | InvalidData | None, form: str):
    """The front page again, saying at the file input (and in a summary linking it) why the
    file was not taken; nothing was stored. ``exc`` None: no file was chosen, which the form
    leaves to the server (novalidate) so that it is said in the page's language."""
    fields = _upload_fields(form)
    if exc is None:
        errors, problems, details = {"file": _("请选择要上传的文件")}, None, ()
    elif isinstance(exc, InvalidBpmn):
        said = [file_problem(p) for p in exc.problems]
        errors = {"file": _("；").join(p.text for p in said)}
        # each of the file's problems a line of the summary, each a link to the file input
        problems = tuple({"id": fields[0][1], "label": fields[0][2], "message": p.text} for p in said)
        details = tuple(p.detail for p in said if p.detail)
    else:  # the file's name is said at the file input: the designer changes it by choosing again
        errors = {"file" if name == "filename" else name: m for name, m in field_messages(exc.codes).items()}
        problems, details = None, ()
    if problems is None:
        problems = tuple(
            {"id": i, "label": label, "message": errors[name]} for name, i, label in fields if name in errors
        )
        shown = {name for name, _i, _label in fields}
        problems += tuple({"id": None, "label": "", "message": m} for name, m in errors.items() if name not in shown)
    kept = UploadForm(form, request.form.get("note", ""), errors, problems, details, isinstance(exc, InvalidBpmn))
    return _index(status=422, upload_form=kept)


def _modeler(
    filename: str,
    xml: str,
    *,
    draft=None,
    problems=(),
    error: str | Said = "",
    note: str = "",
    based_on: Mapping[str, int] | None = None,
    status: int = 200,
):
    """The modeler on ``xml`` (laid out when it has no diagram: bpmn-js draws nothing without
    one); ``problems``, what deploy refused it for, go into the page's one problem list.
    ``based_on`` (key → version): what the edit began from, sent back with a deploy so that
    a version deployed meanwhile is not undone unseen."""
    shown = design_checks.drawable(xml, filename)
    refused = design_checks.refusal(xml, filename, list(problems)) if problems else ()
    page = render_template(
        "designer/modeler.html",
        filename=filename,
        xml=shown.xml,
        laid_out=shown.laid_out,
        refused=[asdict(p) for p in refused],
        draft=draft,
        error=error if isinstance(error, Said) else Said(error) if error else None,
        note=note if note or draft is None else draft.note,
        based_on=",".join(f"{key}:{version}" for key, version in (based_on or {}).items()),
    )
    return page, status


@bp.get("/new")
def new():
    # the process and its start event named in the reader's language: only the names offered
    opened = definitions.document(database.session(), current_actor(), None, _)
    return _modeler(opened.filename, opened.xml)


@bp.get("/<int:definition_id>")
def edit(definition_id: int):
    opened = definitions.document(database.session(), current_actor(), definition_id)
    return _modeler(opened.filename, opened.xml, based_on=opened.based_on)


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    document = drafts.get_draft(database.session(), current_actor(), draft_id)
    d = document.draft
    return _modeler(d.filename, document.xml, draft=d, based_on={d.key: d.base_version} if d.base_version else None)


@dataclass(frozen=True)
class Posted:
    """The modeler's form as sent."""

    filename: str
    xml: str
    note: str
    draft_id: int | None
    revision: int
    based_on: dict[str, int] | None
    draft_created: datetime | None  # the creation stamp of the draft the page opened


def _posted() -> Posted:
    form = request.form
    return Posted(
        form.get("filename", ""),
        form.get("xml", ""),
        form.get("note", ""),
        form.get("draft_id", type=int),
        form.get("revision", 0, int),
        _based_on(form.get("based_on", "")),
        _stamp(form.get("draft_created", "")),
    )


def _stamp(text: str) -> datetime | None:
    """A draft's creation stamp as the page wrote it (ISO 8601, aware); None when absent or
    not of that form (the save is then checked by the draft's revision alone)."""
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def _based_on(text: str) -> dict[str, int] | None:
    """``key:version,...`` as the page wrote it; what is not of that form is left out (the
    deploy is then checked only against what could be read)."""
    found = {}
    for pair in text.split(","):
        key, _colon, version = pair.strip().rpartition(":")
        if key and version.isascii() and version.isdigit() and len(version) <= 9:
            found[key] = int(version)
    return found or None


def _gone_by(gone: DraftGone) -> str:
    """Who deployed or discarded the draft, by the name the pages give them."""
    return person_name(gone.by or "", people_names(database.session(), [gone.by] if gone.by else []))


def _draft_gone(gone: DraftGone) -> Said:
    """A save (or deploy) of a draft deployed or discarded since the page opened it, in the
    reader's words: who did it and when, when the audit log says."""
    if gone.how is None or gone.at is None:
        text = _("草稿 #%(draft)s 已不存在（已被部署或删除），您的修改没有保存。", draft=gone.draft_id)
    else:
        who = _gone_by(gone)
        if gone.how == "deployed":
            text = _(
                "您打开草稿 #%(draft)s 后，%(who)s 于 %(at)s 已将它部署（%(versions)s），草稿随之删除，"
                "所以您的修改没有保存。",
                draft=gone.draft_id,
                who=who,
                at=when(gone.at),
                versions=_("、").join(gone.versions),
            )
        else:
            text = _(
                "您打开草稿 #%(draft)s 后，%(who)s 于 %(at)s 已将它删除，所以您的修改没有保存。",
                draft=gone.draft_id,
                who=who,
                at=when(gone.at),
            )
    return Said(text, _("您的修改都还在：点“保存草稿”可另存为新草稿。"))


def _refused(exc: InvalidBpmn | InvalidData | Conflict | DraftGone, posted: Posted):
    """The modeler again with the designer's own XML and what was wrong: nothing is lost. A
    newer version deployed meanwhile: the page is now based on it, so that deploying again is
    the designer's choice, made knowing it. The draft gone meanwhile: the page is no longer
    on a draft, so that saving it makes a new one."""
    if isinstance(exc, DraftGone):
        return _modeler(
            posted.filename,
            posted.xml,
            error=_draft_gone(exc),
            note=posted.note,
            based_on=posted.based_on,
            status=409,
        )
    draft = drafts.get_draft(database.session(), current_actor(), posted.draft_id).draft if posted.draft_id else None
    based_on = posted.based_on
    if isinstance(exc, InvalidBpmn):
        return _modeler(
            posted.filename,
            posted.xml,
            draft=draft,
            problems=exc.problems,
            note=posted.note,
            based_on=based_on,
            status=422,
        )
    if isinstance(exc, Conflict) and exc.reason == "newer_version":
        based_on = {**(based_on or {}), exc.params["key"]: exc.params["version"]}
    filename, error = posted.filename, say(exc) or exc.message
    if isinstance(exc, InvalidData):
        error = _said_fields(exc)
        if "filename" in exc.codes:
            # the name rides in a hidden field the designer cannot retype: offered back without
            # what was refused, so that saving again goes through (the message says so)
            filename = without_control_characters(filename)
            error = replace(error, hint=_("页面上的文件名已去掉这些字符：再次保存或部署即可。"))
    return _modeler(
        filename,
        posted.xml,
        draft=draft,
        error=error,
        note=posted.note,
        based_on=based_on,
        status=409 if isinstance(exc, Conflict) else 422,
    )


@bp.post("/drafts/save")
def save_draft():
    p = _posted()
    try:
        with database.session_factory().begin() as s:
            if p.draft_id:
                saved = drafts.save_draft(s, current_actor(), p.draft_id, p.xml, p.revision, p.note, p.draft_created)
            else:
                saved = drafts.create_draft(s, current_actor(), p.xml, p.filename, p.note, p.based_on)
    except (InvalidBpmn, InvalidData, Conflict, DraftGone) as exc:
        return _refused(exc, p)
    flash(_("草稿已保存：%(name)s（第 %(revision)s 稿）", name=saved.name, revision=saved.revision), "success")
    return redirect(url_for("designer.draft", draft_id=saved.id))


def _discard_gone(gone: DraftGone) -> Said:
    """A discard of a draft someone else deployed or discarded first, in the reader's words:
    who did it and when, when the audit log says; nothing is lost either way."""
    if gone.how is None or gone.at is None:
        text = _("草稿 #%(draft)s 已不存在（已被部署或删除），无需再删除。", draft=gone.draft_id)
    elif gone.how == "deployed":
        text = _(
            "草稿 #%(draft)s 已由 %(who)s 于 %(at)s 部署（%(versions)s），草稿随之删除，无需再删除。",
            draft=gone.draft_id,
            who=_gone_by(gone),
            at=when(gone.at),
            versions=_("、").join(gone.versions),
        )
    else:
        text = _(
            "草稿 #%(draft)s 已由 %(who)s 于 %(at)s 删除，无需再删除。",
            draft=gone.draft_id,
            who=_gone_by(gone),
            at=when(gone.at),
        )
    return Said(text, _("下面的草稿列表是现在的。"))


@bp.post("/drafts/<int:draft_id>/discard")
def discard_draft(draft_id: int):
    try:
        with database.session_factory().begin() as s:
            drafts.discard_draft(
                s,
                current_actor(),
                draft_id,
                request.form.get("revision", type=int),
                _stamp(request.form.get("draft_created", "")),
            )
    except DraftGone as gone:  # another tab or designer deployed or discarded it first
        return _index(status=409, discard_refused=_discard_gone(gone))
    flash(_("草稿已删除。"), "info")
    return redirect(url_for("designer.index"))


@bp.post("/drafts/upload")
def upload_draft():
    upload = request.files.get("file")
    if upload is None or not upload.filename:  # no file chosen (the form leaves that to us)
        return _upload_refused(None, "draft")
    name = upload.filename
    try:
        with database.session_factory().begin() as s:
            saved = drafts.upload_draft(s, current_actor(), upload.read(), name, request.form.get("note", ""))
    except (InvalidBpmn, InvalidData) as exc:
        return _upload_refused(exc, "draft")
    flash(_("已上传为草稿：%(name)s", name=saved.name), "success")
    return redirect(url_for("designer.draft", draft_id=saved.id))


@bp.post("/drafts/from-template")
def from_template():
    form = request.form
    try:
        with database.session_factory().begin() as s:
            saved = drafts.draft_from_template(
                s,
                current_actor(),
                templates_dir(),
                form.get("template", ""),
                form.get("key", ""),
                form.get("name", ""),
            )
    except (InvalidData, InvalidBpmn) as exc:
        return _template_refused(exc, {name: form.get(name, "") for name in ("template", "key", "name")})
    flash(_("已按模板新建草稿：%(name)s", name=saved.name), "success")
    return redirect(url_for("designer.draft", draft_id=saved.id))


@bp.post("/deploy")
def deploy():
    upload = request.files.get("file")
    p = _posted()
    if upload is not None and not upload.filename:
        # the front page's upload form sent without a file: a browser sends its file field even
        # empty; the modeler's own form has none (it sends the XML)
        return _upload_refused(None, "deploy")
    if upload is not None:
        try:  # a file that is no BPMN document at all: nothing the modeler could open
            filename, xml = definitions.read_bpmn_file(current_actor(), upload.read(), upload.filename or "")
        except InvalidBpmn as exc:
            return _upload_refused(exc, "deploy")
        p = replace(p, filename=filename, xml=xml, based_on=None)  # a file chosen to deploy as it is
    try:
        with database.session_factory().begin() as s:
            if p.draft_id:  # the draft as the designer has it now, if nobody saved it meanwhile
                results = drafts.deploy_draft(
                    s, current_actor(), p.draft_id, p.revision, p.note, p.xml, p.based_on, p.draft_created
                )
            else:
                results = definitions.deploy_document(s, current_actor(), p.xml, p.filename, p.note, p.based_on)
    except (InvalidBpmn, InvalidData, Conflict, DraftGone) as exc:
        return _refused(exc, p)
    # the elements the warnings name, by name: read again only when there are warnings
    names = design_checks.element_names(p.xml, p.filename) if any(d.warning_problems for d in results) else {}
    for d in results:
        what = _("%(name)s（%(key)s）v%(version)s", name=d.name, key=d.key, version=d.version)
        flash(
            _("已部署：%(what)s", what=what) if d.created else _("未改变：%(what)s", what=what),
            "success" if d.created else "info",
        )
        for warning in d.warning_problems:
            flash(deploy_warning(warning, names), "warning")
    return redirect(url_for("designer.index"))
