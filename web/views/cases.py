"""The case list (the cases one may see, filtered and paged, like Cockpit's instance list),
the case page (status, labelled variables, history, the diagram with what is done, active
and overdue), its comments and attachments, and the BPMN XML for the viewer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.lists import format_list
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from engine.errors import InvalidData
from engine.usecases import attachments, cases, comments, messages
from engine.usecases.case_list import (
    CaseListQuery,
    CaseSummary,
    ProposalStep,
    ProposalSummary,
    Waiting,
    case_list_export,
    case_list_page,
    my_proposals_export,
)
from engine.usecases.cases import case_page
from engine.usecases.definitions import definition_xml
from engine.usecases.labels import people_names

from .. import database, exports, history_text
from ..auth import current_actor
from ..roles import person_name
from .board import RefusedSupervision, issue_supervision
from .formdata import as_typed, field_messages, one_line
from .queryargs import page_number

bp = Blueprint("cases", __name__)


def _list_query() -> CaseListQuery:
    args = request.args
    return CaseListQuery(
        process_key=args.get("process", "")[:200],
        status=args.get("status", ""),
        text=args.get("q", "")[:200],
        started_by_me=args.get("mine") == "1",
        as_deputy=args.get("deputy") == "1",
        page=page_number(args.get("page")),
    )


@bp.get("/cases", strict_slashes=False)  # /cases/ too, as /statistics/ and /board/ are written
def index():
    page = case_list_page(database.session(), current_actor(), _list_query())
    # 我的建议 says where each proposal stands and its evaluation in the words its download uses
    return render_template(
        "cases/index.html",
        page=page,
        step_names=_step_names(),
        evaluation_names=_evaluation_names(),
        waiting_said=waiting_said,
    )


STATUS_NAMES = {"running": "办理中", "completed": "已办结", "cancelled": "已撤销"}


@bp.get("/cases/export.<fmt>")
def export(fmt: str):
    """The case list as filtered on screen, as .xlsx or .csv."""
    if fmt not in exports.FORMATS:
        abort(404)
    query = _list_query()
    if query.as_deputy:
        return _my_proposals_export(fmt, query)
    rows = case_list_export(database.session(), current_actor(), query)
    people = people_names(database.session(), {c.started_by for c in rows})  # by name, as the list shows them
    # 当前任务 as the list shows it: the open tasks of a running case and, of them, the overdue,
    # each a number in a column of its own (nothing for a case no longer running, the list's —);
    # a running case with none, what it waits for, or that nothing goes on (_current_tasks)
    headers = [
        _("案件编号"),
        _("编号"),  # the case's own number (a ledger's 2026-建-001), as the case page names it
        _("案件"),
        _("流程"),
        _("状态"),
        _("发起人"),
        _("发起时间"),
        _("结束时间"),
        _("当前任务"),
        _("已逾期"),
    ]
    table = [
        [
            c.id,
            c.business_key,
            c.title,
            c.process_name,
            _(STATUS_NAMES.get(c.status, c.status)),
            _starter(c, people),
            c.started_at,
            c.ended_at,
            *((_current_tasks(c), c.overdue_task_count) if c.status == "running" else (None, None)),
        ]
        for c in rows
    ]
    return exports.download(_("案件列表"), fmt, headers, table)


def _current_tasks(c: CaseSummary) -> int | str:
    """A running case's 当前任务 cell, as the list says it: how many tasks are ready (a number,
    to sum and sort by); none, what it waits for (CaseSummary.waiting_for); nor that, no step in
    progress (stalled: a failure's incident says why), not a 0 that reads as nothing to do."""
    if c.open_task_count:
        return c.open_task_count
    if c.waiting_for:
        return waiting_said(c.waiting_for)
    return _("无进行中的环节")


def waiting_said(waiting_for: Sequence[str]) -> str:
    """What a running case with no ready task waits for (case_list.Waiting), as the list and its
    download say it: one thing in its own words (等待定时); several as one wait for all of them
    (等待消息和定时, "Waiting for a message and a timer"), not each wait said again."""
    if len(waiting_for) == 1:
        return _waiting_names().get(waiting_for[0], waiting_for[0])
    things = _waited_for()
    listed = format_list([things.get(w, w) for w in waiting_for], locale=get_locale())
    return _("等待%(things)s", things=listed)


def _waiting_names() -> dict[str, str]:
    """One thing a case waits for, said alone."""
    return {
        Waiting.EXTERNAL: _("等待外部系统处理"),
        Waiting.MESSAGE: _("等待消息"),
        Waiting.SIGNAL: _("等待信号"),
        Waiting.TRIGGER: _("等待外部触发"),
        Waiting.TIMER: _("等待定时"),
        Waiting.CALLED_CASE: _("等待子流程办结"),
    }


def _waited_for() -> dict[str, str]:
    """One thing a case waits for, as an item of a list of several (after 等待, "Waiting for")."""
    return {
        Waiting.EXTERNAL: pgettext("waited for", "外部系统处理"),
        Waiting.MESSAGE: pgettext("waited for", "消息"),
        Waiting.SIGNAL: pgettext("waited for", "信号"),
        Waiting.TRIGGER: pgettext("waited for", "外部触发"),
        Waiting.TIMER: pgettext("waited for", "定时"),
        Waiting.CALLED_CASE: pgettext("waited for", "子流程办结"),
    }


def _starter(c: CaseSummary, people: dict[str, str]) -> str:
    """Who started the case, as the list shows it: by name; one started from a row of this
    year's ledger (台账) as recorded from it by the administrator who imported it, in the
    history's words (history_text.Words.who)."""
    name = person_name(c.started_by, people)
    return _("台账补录（%(name)s）", name=name) if c.started_from_ledger else name


def _step_names() -> dict[str, str]:
    """Where a proposal stands, as 我的建议 says it (cases/index.html's step names)."""
    return {
        ProposalStep.UNASSIGNED: _("未交办"),
        ProposalStep.HANDLING: _("承办单位办理中"),
        # the lead unit's return (退回，申请改办) before the office's decision, then 改办 agreed
        ProposalStep.RETURN_REVIEW: _("申请改办中（待人大办审核）"),
        ProposalStep.REASSIGNING: _("改办中（待重新交办）"),
        ProposalStep.YOUR_EVALUATION: _("待您评价"),
        ProposalStep.DEPUTY_EVALUATION: _("待提出代表评价"),
        ProposalStep.CLOSED: _("已办结"),
        ProposalStep.CANCELLED: _("已撤销"),
    }


def _evaluation_names() -> dict[str, str]:
    """An evaluation as stored (the process's words) → as 我的建议 says it."""
    return {
        "满意": _("满意"),
        "基本满意": _("基本满意"),
        "不满意": _("不满意"),
        "逾期未反馈": _("逾期未反馈"),
        "最终不满意": _("最终不满意"),
    }


def _my_proposals_export(fmt: str, query: CaseListQuery) -> Response:
    """我的建议 as its deputy reads it on screen, a column each in the page's order: the
    deadline of his own step, the extension and the days late beside the reply deadline (a
    date cell stays a date); none of the officers' columns, no count of tasks he never sees."""
    rows = my_proposals_export(database.session(), current_actor(), query)
    steps, evaluations = _step_names(), _evaluation_names()
    headers = [
        _("案件编号"),
        _("编号"),  # the proposal's number (a ledger's 2026-建-001), as the case page names it
        _("标题"),
        _("主办单位"),
        _("协办单位"),
        _("当前环节"),
        _("期限"),
        _("答复期限"),
        _("期限已延长"),
        _("逾期天数"),
        _("答复类别"),
        _("评价"),
    ]

    def row(p: ProposalSummary) -> list[object]:
        return [
            p.case.id,
            p.case.business_key,
            p.case.title,
            p.lead_unit,
            _("、").join(p.cohandling_units) or None,
            # re-handling: said beside the step (the date's cell stays a date), as the page says
            # it beside the date; the first round's extension is not the re-handling date's
            steps[p.step] + (_("（%(text)s）", text=_("重新办理中")) if p.rehandling else ""),
            exports.Deadline(p.your_task_due),
            exports.Deadline(p.reply_due),
            (p.extended and not p.rehandling) if p.reply_due else None,
            p.days_overdue or None,
            p.reply_class_label,
            evaluations.get(p.evaluation, p.evaluation) if p.evaluation else None,
        ]

    return exports.download(_("我的建议"), fmt, headers, [row(p) for p in rows])


@bp.get("/cases/<int:instance_id>/history.<fmt>")
def history_export(instance_id: int, fmt: str):
    """A case's history (办理记录), masked as on the case page."""
    if fmt not in exports.FORMATS:
        abort(404)
    history, process_names = cases.history_download(database.session(), current_actor(), instance_id)
    headers = [_("时间"), _("操作人"), pgettext("entry", "操作"), _("环节"), _("内容")]
    table = history_text.download_rows(history.entries, history_text.Words.of(history, process_names=process_names))
    return exports.download(f"{history.title}_{_('办理记录')}", fmt, headers, table)


@bp.get("/cases/<int:instance_id>")
def show(instance_id: int):
    return show_case(instance_id)


def show_case(
    instance_id: int,
    refused_comment: RefusedComment | None = None,
    refused_cancel: RefusedCancel | None = None,
    refused_supervision: RefusedSupervision | None = None,
    status: int = 200,
):
    """The case page, with what a refused form of it (or of its task's page: web.views.tasks)
    brings back as typed, the reason beside it."""
    page = case_page(database.session(), current_actor(), instance_id)
    return render_template(
        "cases/show.html",
        page=page,
        d=page.detail,
        refused_comment=refused_comment,
        refused_cancel=refused_cancel,
        refused_supervision=refused_supervision,
    ), status


# The addresses the case page's forms post to: a refused comment, upload, cancel or 督办 is said
# on the page at that address (the form as typed), which a reload, a bookmark or a phone's in-app
# browser reopening its tab then asks for again: the case page, not 405.
@bp.get("/cases/<int:instance_id>/comments")
@bp.get("/cases/<int:instance_id>/attachments")
@bp.get("/cases/<int:instance_id>/cancel")
@bp.get("/cases/<int:instance_id>/supervisions")
@bp.get("/cases/<int:instance_id>/trigger")
def form_address(instance_id: int):
    return redirect(url_for("cases.show", instance_id=instance_id), 303)


@bp.get("/definitions/<int:definition_id>/bpmn.xml")
def bpmn_xml(definition_id: int):
    filename, xml = definition_xml(database.session(), current_actor(), definition_id)
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f"inline; filename={filename}"
    response.cache_control.private = True
    response.cache_control.max_age = 3600  # a deployed version never changes
    return response


def confidential_choice() -> bool:
    """The 保密 checkbox of a comment or upload form (the page ticks it by default where the
    case's notes are confidential)."""
    return request.form.get("confidential") in ("true", "on", "1")


@bp.post("/cases/<int:instance_id>/comments")
def comment(instance_id: int):
    """A comment refused (blank, too long) is said on the case page itself, which stays open
    with the comment in its form as it was typed."""
    try:
        with database.session_factory().begin() as s:
            comments.add_comment(
                s,
                current_actor(),
                as_typed(request.form.get("body", "")),
                instance_id=instance_id,
                confidential=confidential_choice(),
            )
    except InvalidData as exc:
        return show_case(instance_id, refused_comment=refused_comment(exc), status=422)
    flash(_("意见已添加。"), "success")
    return redirect(url_for("cases.show", instance_id=instance_id) + "#comments")


@dataclass(frozen=True)
class RefusedComment:
    """A comment the page refused, for its form to show again as typed (the text, the 保密
    choice), with why beside it: nothing the person wrote is lost."""

    body: str
    confidential: bool
    error: str


def refused_comment(exc: InvalidData) -> RefusedComment:
    """The comment just posted (the request's form), and why it was not added, for the page it
    was written on (the task's or the case's)."""
    if all(error.code == "required" for error in exc.codes.values()):
        why = _("意见未发表：请填写意见内容。")
    else:
        why = _("意见未发表：%(why)s", why=one_line(field_messages(exc.codes).values()))
    return RefusedComment(request.form.get("body", ""), confidential_choice(), why)


@bp.post("/cases/<int:instance_id>/attachments")
def attach(instance_id: int):
    upload = request.files.get("file")
    content = upload.read() if upload else b""
    try:
        with database.session_factory().begin() as s:
            attachments.add_attachment(
                s,
                current_actor(),
                (upload.filename or "") if upload else "",
                content,
                instance_id=instance_id,
                confidential=confidential_choice(),
            )
    except InvalidData as exc:
        flash(_("附件未上传：%(why)s", why=one_line(field_messages(exc.field_errors).values())), "error")
    else:
        flash(_("附件已上传。"), "success")
    return redirect(url_for("cases.show", instance_id=instance_id) + "#attachments")


@bp.post("/cases/<int:instance_id>/cancel")
def cancel(instance_id: int):
    """A reason refused (blank, too long) is said beside it on the case page, which stays open
    with the reason as it was typed."""
    reason = as_typed(request.form.get("reason", ""))
    try:
        with database.session_factory().begin() as s:
            cases.cancel_instance(s, current_actor(), instance_id, reason)
    except InvalidData as exc:
        why = _("案件未撤销：%(why)s", why=one_line(field_messages(exc.field_errors).values()))
        return show_case(instance_id, refused_cancel=RefusedCancel(reason, why), status=422)
    flash(_("案件已撤销。"), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.post("/cases/<int:instance_id>/supervisions")
def supervise(instance_id: int):
    """A 督办 refused (no opinion, a date past) is said on the case page itself, its form open
    again with what was typed, why beside it."""
    refused = issue_supervision(instance_id)
    if refused is not None:
        return show_case(instance_id, refused_supervision=refused, status=422)
    return redirect(url_for("cases.show", instance_id=instance_id) + "#supervisions")


@dataclass(frozen=True)
class RefusedCancel:
    """A cancellation the page refused: its reason as typed, and why, for the form to show again."""

    reason: str
    error: str


@bp.post("/cases/<int:instance_id>/trigger")
def trigger(instance_id: int):
    """Continue the case where it waits at a receive task without a message (the form names
    the element); who may and what it waits at are the use case's (message.send)."""
    with database.session_factory().begin() as s:
        messages.trigger_task(s, current_actor(), instance_id, request.form.get("element", ""))
    flash(_("案件已继续办理。"), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    meta, content = attachments.attachment_content(database.session(), current_actor(), attachment_id)
    response = Response(content, mimetype=meta.content_type)
    response.headers.set("Content-Disposition", "attachment", **exports.attachment_names(attachment_id, meta.filename))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.private = True
    return response
