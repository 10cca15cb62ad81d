"""导入 (import): units and people from the office's spreadsheets. Upload → preview (the dry
run, problems by row and column) → confirm (planned again and written, all or nothing) →
the result with the new people's initial passwords as a printable sheet, shown this once.
This year's ledger (台账) of proposals and petitions goes the same way: the preview is every
row replayed as a case and rolled back (engine.usecases.ledger). Each page says which worksheet
of a workbook it read; each problem quotes what its cell held (``problem_message``).

Between preview and confirm the upload waits in the database (engine.usecases.pending_uploads),
so that the confirmation may reach any web process on any machine: under an unguessable token,
for the administrator who uploaded it alone, for a day. Confirming removes it; nothing of the
file is imported until then."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from io import BytesIO
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy.orm import Session

from engine import access, clock
from engine.access import Permission
from engine.deadlines.calendar import LOCAL_TZ
from engine.errors import FieldError, InvalidData
from engine.usecases import ledger, onboarding, pending_uploads
from engine.usecases import ledger_export as ledger_export_case
from engine.usecases.context import Actor
from engine.usecases.labels import people_names
from engine.usecases.ledger_export import LedgerExport
from engine.usecases.pending_uploads import KeptUpload

from .. import database
from ..auth import current_actor
from ..roles import person_name, role_names
from .formdata import field_message

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
def _admins_only() -> None:
    """Each page refused to whoever lacks the permission it needs, and the refusal names that
    one: this year's ledger case.import, units and people admin.users (the page listing
    both too). The use cases ask the policy again. The ledger's export is the use case's
    alone to decide (``access.may_export_ledger``): the office head exports it too, with
    the petitioners' identities, which an administrator's export masks."""
    if request.endpoint == "imports.ledger_export":
        return None
    ledger_page = (request.endpoint or "").startswith("imports.ledger_")
    needed = Permission.CASE_IMPORT if ledger_page else Permission.ADMIN_USERS
    access.require(current_actor(), needed, f"open {request.path}")
    return None


def column_labels() -> dict[str, str]:
    """The files' headers in the reader's language (the files themselves keep the Chinese ones)."""
    # the header as a context: "名称" the column is not "名称" elsewhere on the pages
    return {
        "代码": pgettext("spreadsheet column", "代码"),
        "名称": pgettext("spreadsheet column", "名称"),
        "负责人": pgettext("spreadsheet column", "负责人"),
        "联络员": pgettext("spreadsheet column", "联络员"),
        "用户名": pgettext("spreadsheet column", "用户名"),
        "姓名": pgettext("spreadsheet column", "姓名"),
        "单位代码": pgettext("spreadsheet column", "单位代码"),
        "选区": pgettext("spreadsheet column", "选区"),
        "角色": pgettext("spreadsheet column", "角色"),
        "电话": pgettext("spreadsheet column", "电话"),
        "邮箱": pgettext("spreadsheet column", "邮箱"),
        **ledger_column_labels(),
    }


def ledger_column_labels() -> dict[str, str]:
    return {
        "编号": pgettext("spreadsheet column", "编号"),
        "标题": pgettext("spreadsheet column", "标题"),
        "内容": pgettext("spreadsheet column", "内容"),
        "提出代表": pgettext("spreadsheet column", "提出代表"),
        "提出时间": pgettext("spreadsheet column", "提出时间"),
        "登记日期": pgettext("spreadsheet column", "登记日期"),
        "交办日期": pgettext("spreadsheet column", "交办日期"),
        "类别": pgettext("spreadsheet column", "类别"),
        "主办单位": pgettext("spreadsheet column", "主办单位"),
        "协办单位": pgettext("spreadsheet column", "协办单位"),
        "答复日期": pgettext("spreadsheet column", "答复日期"),
        "答复类别": pgettext("spreadsheet column", "答复类别"),
        "答复内容": pgettext("spreadsheet column", "答复内容"),
        "评价日期": pgettext("spreadsheet column", "评价日期"),
        "评价": pgettext("spreadsheet column", "评价"),
        "协办意见日期": pgettext("spreadsheet column", "协办意见日期"),
        "事由": pgettext("spreadsheet column", "事由"),
        "来源": pgettext("spreadsheet column", "来源"),
        "信访人姓名": pgettext("spreadsheet column", "信访人姓名"),
        "联系电话": pgettext("spreadsheet column", "联系电话"),
        "信访内容": pgettext("spreadsheet column", "信访内容"),
        "收到日期": pgettext("spreadsheet column", "收到日期"),
        "受理日期": pgettext("spreadsheet column", "受理日期"),
        "承办单位": pgettext("spreadsheet column", "承办单位"),
    }


def problem_message(problem: onboarding.Problem) -> str:
    """A problem of an upload in the reader's language: the cell's value quoted when the
    sentence does not say it already (which date did not read, which code has a space), and
    a step the ledger's replay did not reach with where the case stopped instead."""
    error = _columns_named(problem.error)
    value = _quoted(problem.value) if problem.value else problem.value
    if error.code == "not_a_date":  # the forms' sentence names one way to write a date; the import reads three
        said = _("“%(value)s”不是日期：请写成 2026-03-02、2026/3/2 或 2026年3月2日", value=value)
    else:
        said = field_message(error)
        if value and problem.value not in said:
            said = _("“%(value)s”：%(problem)s", value=value, problem=said)
    if isinstance(problem, ledger.Unreached) and problem.stop is not None:
        said = _("%(problem)s。%(stop)s", problem=said, stop=_stop_text(problem.stop))
    return said


def masked_hint() -> str:
    """Said once above the problems of a ledger whose cells hold the mask an export writes for
    whoever may not read the petitioner's identity: such a file re-creates no petition, and
    who exports one that does (the roles ``access.roles_exporting_identities`` names)."""
    return _(
        "这份台账是由无权查看信访人信息的账号导出的，信访人姓名、联系电话等为“******”，不能用来重新建立信访案件。"
        "请由有权查看信访人信息的%(roles)s导出台账，再导入那一份。",
        roles=identity_exporters(),
    )


def identity_exporters() -> str:
    """The roles whose ledger export carries the petitioners' identities, by name."""
    names = role_names()
    return _("、").join(names[r] for r in sorted(access.roles_exporting_identities()))


def _columns_named(error: FieldError) -> FieldError:
    """``error`` with the column it names (a date before “交办日期”, a column missing) named as
    the problem's own column is (``column_labels``: in English, “Assigned on (交办日期)”)."""
    named = error.params.get("column")
    if not isinstance(named, str):
        return error
    return FieldError(error.code, {**error.params, "column": column_labels().get(named, named)}, error.label)


# A cell quoted in a problem is cut to what identifies it: a cell of 90 MB (a file under the
# unpacked limit) came back whole, a page of 94 MB
QUOTED_AT_MOST = 60


def _quoted(value: str) -> str:
    if len(value) <= QUOTED_AT_MOST:
        return value
    return _("%(start)s…（共 %(count)s 字）", start=value[:QUOTED_AT_MOST], count=len(value))


def _stop_text(stop: ledger.Stop) -> str:
    if stop.waiting_at:
        return _(
            "按流程“%(process)s”的现行版本 v%(version)s，案件停在“%(tasks)s”，台账没有这一步的列：请与流程设计员核对。",
            process=stop.process,
            version=stop.version,
            tasks=_("、").join(stop.waiting_at),
        )
    if stop.closed:
        return _(
            "按流程“%(process)s”的现行版本 v%(version)s，案件到这里已经办结。",
            process=stop.process,
            version=stop.version,
        )
    return _(
        "按流程“%(process)s”的现行版本 v%(version)s，案件停在没有待办任务的环节。",
        process=stop.process,
        version=stop.version,
    )


def sheet_names(names: tuple[str, ...]) -> str:
    """Worksheets by name, each in 「」 (a name may hold the list's separator)."""
    return _("、").join(_("「%(sheet)s」", sheet=name) for name in names)


Imported = TypeVar("Imported")
Refused = TypeVar("Refused", bound=InvalidData)


def _keep(kind: str, filename: str, content: bytes) -> str:
    """Keep an upload until it is confirmed; return the token its confirmation names."""
    with database.session_factory().begin() as s:
        return pending_uploads.keep(s, current_actor(), kind, filename, content)


# an import of a kept upload: (session, file name, content, the upload's receipt for its audit entry)
Apply = Callable[[Session, str, bytes, str], Imported]


class _AlreadyImported(Exception):
    """The upload confirmed was imported already (a double click, the browser's back and a
    second confirm): the import page says when, by whom and what it made (``imported``)."""

    def __init__(self, kind: str, imported: pending_uploads.Imported):
        self.kind, self.imported = kind, imported


def _confirmed(kept_as: str, apply: Apply[Imported], refused: type[Refused]) -> tuple[str, Imported | Refused]:
    """Import the upload this administrator kept under the form's token: its file name, and
    what ``apply`` returned or the ``refused`` error it raised (someone changed the units
    meanwhile: its new plan). The upload goes in the same transaction, refused or not (the same
    file would be refused again); any other failure leaves it waiting. Imported already
    (its receipt in his import's audit entry): ``_AlreadyImported``. None kept under that
    token for this person otherwise (unknown, expired, someone else's): 410."""
    token = request.form.get("token", "")
    with database.session_factory().begin() as s:
        upload = pending_uploads.take(s, current_actor(), kept_as, token)
        if upload is not None:
            return upload.filename, _imported(s, upload, apply, refused, pending_uploads.receipt(token))
        done = pending_uploads.imported(s, current_actor(), kept_as, token)
    if done is not None:
        raise _AlreadyImported(kept_as, done)
    # refused once the transaction is over: an expired upload's removal stands
    abort(410, description=_("这次上传已失效，请重新上传文件。"))


def _imported(
    session: Session, upload: KeptUpload, apply: Apply[Imported], refused: type[Refused], receipt: str
) -> Imported | Refused:
    """``apply`` in a savepoint: refused, what it wrote is undone and the upload's removal stands."""
    try:
        with session.begin_nested():
            return apply(session, upload.filename, upload.content, receipt)
    except refused as exc:
        return exc


@bp.errorhandler(_AlreadyImported)
def _already_imported(already: _AlreadyImported):
    """A second confirmation of an upload: not an error (the import succeeded), said as such."""
    done = already.imported
    return render_template(
        "admin/imports.html",
        errors={},
        order=onboarding.ORDER_NOTE,
        identity_exporters=identity_exporters,
        already=done,
        already_kind=already.kind,
        already_by=person_name(done.by, people_names(database.session(), [done.by])),
    )


def _index(errors: dict[str, str] | None = None, status: int = 200):
    page = render_template(
        "admin/imports.html", errors=errors or {}, order=onboarding.ORDER_NOTE, identity_exporters=identity_exporters
    )
    return page, status


@bp.get("/")
def index():
    return _index()


@bp.get("/<any(units, people):kind>/template.xlsx")
def template(kind: str):
    """The .xlsx to fill in, its notes in the reader's language (its headers as the import reads them)."""
    content = onboarding.template(database.session(), current_actor(), kind, pgettext, column_labels())
    name = _("单位导入模板.xlsx") if kind == "units" else _("人员导入模板.xlsx")
    return send_file(BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/<any(units, people):kind>/export.xlsx")
def export(kind: str):
    """The current units or people in the template's shape: edit in Excel, upload again. Its
    notes in the reader's language, as the template's (its headers as the import reads them)."""
    content = roster_export(database.session(), current_actor(), kind)
    today = clock.now().astimezone(LOCAL_TZ).date().isoformat()
    name = _("单位_%(day)s.xlsx", day=today) if kind == "units" else _("人员_%(day)s.xlsx", day=today)
    response = send_file(BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # phones and e-mails: not kept by the browser's cache
    return response


def _preview(kind: str, filename: str, token: str, plan: onboarding.Plan, status: int = 200):
    page = render_template(
        "admin/import_preview.html",
        kind=kind,
        filename=filename,
        token=token,
        plan=plan,
        columns=column_labels(),
        say=problem_message,
        masked_hint=masked_hint,
        sheet_names=sheet_names,
    )
    return page, status


class _FileRefused(Exception):
    """No file, or one that cannot be read at all: the index page says so (``page``)."""

    def __init__(self, page: tuple[str, int]):
        self.page = page


def _planned(
    kind: str, keep_as: str, plan: Callable[..., Any], new: Callable[[Any], bool], *, writes: bool = False
) -> tuple[str, str, Any]:
    """The upload's dry run: (file name, the token it is kept under for the confirmation, the
    plan). Kept only when the plan has no problems and something ``new`` to write: a file
    with problems, or the same file again, has nothing to confirm.
    ``writes``: the dry run writes and rolls back (a ledger's replay), so it runs in a
    writer's transaction rather than the request's read-only session."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise _FileRefused(_index({kind: _("请选择要上传的文件")}, 422))
    content = upload.read()
    try:
        with database.session_factory().begin() if writes else nullcontext(database.session()) as db:
            planned = plan(db, current_actor(), kind, upload.filename, content)
    except InvalidData as exc:  # the file as a whole: unreadable, empty, too large
        raise _FileRefused(_index({kind: "；".join(field_message(e) for e in exc.codes.values())}, 422)) from None
    token = "" if planned.problems or not new(planned) else _keep(keep_as, upload.filename, content)
    return upload.filename, token, planned


@bp.errorhandler(_FileRefused)
def _file_refused(refused: _FileRefused):
    return refused.page


# The addresses the upload and confirm forms post to: their preview or result is the page at
# that address, which a reload or a reopened tab asks for again: the import page, not 405.
# (The preview's upload waits for its confirmation; the result's passwords are not shown again.)
@bp.get("/<any(units, people):kind>")
@bp.get("/<any(units, people):kind>/confirm")
def form_address(kind: str):
    return redirect(url_for("imports.index"), 303)


@bp.post("/<any(units, people):kind>")
def upload(kind: str):
    return _preview(kind, *_planned(kind, kind, onboarding.plan, lambda plan: bool(plan.changes)))


@bp.post("/<any(units, people):kind>/confirm")
def confirm(kind: str):
    def apply(s: Session, filename: str, content: bytes, receipt: str) -> onboarding.Result:
        return onboarding.apply(s, current_actor(), kind, filename, content, upload=receipt)

    filename, result = _confirmed(kind, apply, onboarding.ImportRefused)
    if isinstance(result, onboarding.ImportRefused):  # someone changed the units or people meanwhile
        return _preview(kind, filename, "", result.plan, 422)
    page = render_template(
        "admin/import_result.html", kind=kind, result=result, columns=column_labels(), sheet_names=sheet_names
    )
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the passwords: not kept by the browser's cache
    return response


# -- this year's ledger ------------------------------------------------------------------------
LEDGER = "/ledger/<any(proposals, petitions):kind>"


@bp.get(LEDGER + "/template.xlsx")
def ledger_template(kind: str):
    """As ``template``: the notes in the reader's language, the rest as the import reads it."""
    content = ledger.template(database.session(), current_actor(), kind, pgettext, column_labels())
    name = _("代表建议台账模板.xlsx") if kind == "proposals" else _("信访台账模板.xlsx")
    return send_file(BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get(LEDGER + "/export.xlsx")
def ledger_export(kind: str):
    """This year's ledger as it stands, in the template's shape (``?year=`` another year); its
    notes in the reader's language, as the template's (its headers as the import reads them)."""
    exported = ledger_export_said(database.session(), current_actor(), kind, request.args.get("year", type=int))
    name = (
        _("代表建议台账_%(year)s.xlsx", year=exported.year)
        if kind == "proposals"
        else _("信访台账_%(year)s.xlsx", year=exported.year)
    )
    response = send_file(BytesIO(exported.content), mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # the cases' texts (a petitioner's identity): not cached
    return response


def roster_export(session: Session, actor: Actor, kind: str) -> bytes:
    """The units or people as they stand (``onboarding.export``), its notes in the language of
    the request or the command at hand: the page's download, the API's and ``congressflow
    export`` alike; its headers as the import reads them."""
    return onboarding.export(session, actor, kind, pgettext, column_labels())


def ledger_export_said(session: Session, actor: Actor, kind: str, year: int | None) -> LedgerExport:
    """This year's ledger as it stands (``ledger_export.export``), its notes, its read-only
    columns' names and who may read a petitioner's identity said in the language at hand: the
    page's download, the API's and ``congressflow export`` alike."""
    return ledger_export_case.export(
        session, actor, kind, year, pgettext, {**column_labels(), **_read_only_labels()}, identity_exporters()
    )


def _read_only_labels() -> dict[str, str]:
    """The export's columns after the template's (the case as it stands, not read by the
    import), in the reader's language, for its notes to name."""
    return {
        "状态（只读）": pgettext("spreadsheet column", "状态（只读）"),
        "当前环节（只读）": pgettext("spreadsheet column", "当前环节（只读）"),
        "最终评价（只读）": pgettext("spreadsheet column", "最终评价（只读）"),
    }


def _ledger_page(kind: str, filename: str, token: str, plan: ledger.LedgerPlan, done: bool, status: int = 200):
    page = render_template(
        "admin/ledger.html",
        kind=kind,
        filename=filename,
        token=token,
        plan=plan,
        done=done,
        columns=column_labels(),
        say=problem_message,
        masked_hint=masked_hint,
        sheet_names=sheet_names,
        column_names=column_names,
    )
    return page, status


def column_names(headers: tuple[str, ...]) -> str:
    """Columns by their headers, named in the reader's language and listed."""
    labels = column_labels()
    return _("、").join(_("“%(column)s”", column=labels.get(h, h)) for h in headers)


@bp.get(LEDGER)
@bp.get(LEDGER + "/confirm")
def ledger_form_address(kind: str):
    """As ``form_address``: the import page, at its ledger."""
    return redirect(url_for("imports.index", _anchor="ledger"), 303)


@bp.post(LEDGER)
def ledger_upload(kind: str):
    planned = _planned(kind, f"ledger-{kind}", ledger.plan, _ledger_has_new_rows, writes=True)
    return _ledger_page(kind, *planned, done=False)


def _ledger_has_new_rows(plan: ledger.LedgerPlan) -> bool:
    return plan.unchanged < len(plan.outcomes)  # a row whose 编号 a case has already is left as it is


@bp.post(LEDGER + "/confirm")
def ledger_confirm(kind: str):
    def apply(s: Session, filename: str, content: bytes, receipt: str) -> ledger.LedgerPlan:
        return ledger.apply(s, current_actor(), kind, filename, content, upload=receipt)

    filename, result = _confirmed(f"ledger-{kind}", apply, ledger.LedgerRefused)
    if isinstance(result, ledger.LedgerRefused):  # someone changed units, deputies or cases meanwhile
        return _ledger_page(kind, filename, "", result.plan, done=False, status=422)
    return _ledger_page(kind, filename, "", result, done=True)
