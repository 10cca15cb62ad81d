"""督查台: the overdue board (every overdue and due-soon task by unit and process, with its
督办), and issuing a 督办 from it or from a case page (engine.usecases.supervision)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.errors import FieldError, InvalidData
from engine.usecases import supervision
from engine.usecases.labels import department_names, people_names
from engine.usecases.supervision.overdue_board import Board
from engine.usecases.supervision.states import FollowUp

from .. import database, exports
from ..auth import current_actor
from ..i18n import when
from ..roles import group_name, holders_by_name, person_name
from .auth import safe_next
from .formdata import as_typed, field_messages

bp = Blueprint("board", __name__, url_prefix="/board")
# the days a 督办's 回复期限 takes, the min and max of its date input (tasks/_supervisions.html,
# on the board and the case page): the server's bounds, from the one clock
bp.add_app_template_global(supervision.respond_by_bounds, "respond_by_bounds")


# The board's filters and sort, by their names in the address (and in the API)
_FILTERS = ("unit", "process", "deputy", "category", "sort")


def _board(ignored: frozenset[str] = frozenset()) -> Board:
    """The board as the address asks it, but for the filters ``ignored`` (refused before)."""
    asked = {name: request.args.get(name, "") for name in _FILTERS if name not in ignored}
    return supervision.board(
        database.session(),
        current_actor(),
        unit=asked.get("unit") or None,
        process_key=asked.get("process") or None,
        sort=asked.get("sort") or "due",
        deputy=asked.get("deputy") or None,
        category=asked.get("category") or None,
    )


def _board_without_unknown_filters() -> tuple[Board, frozenset[str]]:
    """The board as asked; a filter naming nothing there is (an edited or stale address:
    ``?unit=nope``) is said above it and left out, the board shown as the rest asks, never
    an empty board that would read as "nothing overdue". Also the filters left out."""
    try:
        return _board(), frozenset()
    except InvalidData as exc:
        if not set(exc.codes) <= set(_FILTERS):
            raise
        refused = exc.codes
    ignored = frozenset(refused)
    flash(_("筛选或排序条件有误，已忽略：%(why)s", why=_unknown_filters(refused)), "error")
    return _board(ignored), ignored


def _unknown_filters(codes: Mapping[str, FieldError]) -> str:
    """Why each filter was refused, by the label the form shows it under; a value that is not
    one of a list's choices without them (the list beside it offers them, by name: the codes
    would only puzzle, and a process's name may hold a 、 itself)."""
    labels = {"unit": _("单位"), "process": _("流程"), "deputy": _("代表"), "category": _("类别"), "sort": _("排序")}
    said = field_messages(codes)
    for name, error in codes.items():
        if error.code == "not_one_of":
            said[name] = _("不是可选的值：%(value)s", value=error.params["value"])
    return _("；").join(
        _("%(where)s：%(message)s", where=labels[name], message=message) for name, message in said.items()
    )


@bp.get("/")
def index():
    return _index()


def _index(refused: RefusedSupervision | None = None, status: int = 200):
    # the refresh: the counts, the rows and the open 督办 together, so that they agree
    if request.args.get("partial") == "1":
        # it asks as the page it refreshes did, without what the page left out: a
        # filter refused here is a 422 (engine errors), the rows the page shows kept
        board, ignored = _board(), frozenset[str]()
        template = "board/_refresh.html"
    else:
        board, ignored = _board_without_unknown_filters()
        template = "board/index.html"
    return render_template(
        template,
        board=board,
        units=board.unit_names,
        sorts=supervision.SORTS,
        filters=_filters(ignored),
        refused=refused,
    ), (422 if ignored else status)


def _filters(ignored: frozenset[str] = frozenset()) -> dict[str, str]:
    """The board's filters and sort as asked, for its 督办 forms to come back to the board as
    it was (the whole page, never the rows its refresh fetches), but for those ``ignored``."""
    return {name: value for name, value in request.args.items() if name != "partial" and name not in ignored}


@bp.get("/export.<fmt>")
def export(fmt: str):
    if fmt not in exports.FORMATS:
        return redirect(url_for("board.index"))
    board = _board()
    units = board.unit_names
    # the columns of old first, where readers' sheets and macros find them; then what was added
    headers = [
        _("任务"),
        _("案件"),
        _("流程"),
        _("单位"),
        _("办理人"),
        _("期限"),
        _("逾期天数"),
        _("状态"),
        _("督办次数"),
        _("案件编号"),
        _("督办落实情况"),
    ]
    rows = [
        [
            r.task_name,
            r.case_title,
            r.process_name,
            group_name(r.unit, units) if r.unit else "",
            _("、").join(holders_by_name(r.assignee, r.groups, r.users, board.people, units)),
            exports.Deadline(r.due_at),
            r.days_overdue or None,  # a task not yet due is no day late: blank, not 0
            _due_state(r),
            r.supervisions,
            r.instance_id,  # as the case list's download and the case page number it
            _follow_up_said(r.follow_up, board.people),
        ]
        for r in board.rows
    ]
    return exports.download(_("督查台"), fmt, headers, rows)


def _follow_up_said(follow_up: FollowUp | None, people: Mapping[str, str]) -> str:
    """What the office recorded about a task's deadline-timer 督办 (its 督办 task done), as the
    board's open 督办 say it: each answer by its field's label, then who and when; blank when
    there is none, or the office's task is still open."""
    if follow_up is None:
        return ""
    answers = _("；").join(_("%(where)s：%(message)s", where=a.label, message=a.value) for a in follow_up.answers)
    done = " ".join(part for part in (person_name(follow_up.done_by, people), when(follow_up.done_at)) if part)
    return answers + _("（%(text)s）", text=done) if done else answers


def _due_state(row: supervision.BoardRow) -> str:
    """Where a task of the board stands against its deadline, as the download says it: how
    many days overdue, or how many days are left before it is."""
    if row.overdue:
        return ngettext("已逾期 %(num)s 天", "已逾期 %(num)s 天", row.days_overdue)
    if row.days_left == 0:
        return _("即将到期，今天到期")
    return ngettext("即将到期，还剩 %(num)s 天", "即将到期，还剩 %(num)s 天", row.days_left)


@bp.post("/supervise")
def supervise():
    """Posted to with the board's filters: a 督办 refused (no opinion, a date past) is said on
    the board as filtered, its row's form open again with what was typed, why beside it."""
    refused = issue_supervision(_case_id(request.form.get("instance_id")))
    if refused is not None:
        return _index(refused, 422)
    return redirect(safe_next(request.form.get("next"), url_for("board.index", **_filters())))


@bp.get("/supervise")
def supervise_address():
    """The address a refused 督办 leaves in the browser (its form posted here, with the board's
    filters): reloaded, bookmarked or reopened later (a phone's in-app browser reopens a tab),
    it is the board as it was filtered, not 405."""
    return redirect(url_for("board.index", **_filters()), 303)


@dataclass(frozen=True)
class RefusedSupervision:
    """A 督办 a page refused, for its form to show again as typed (the task, the opinion, the
    date, the escalation), with why: beside each field, and in one sentence for the page (the
    form may be folded away in a row, or gone with the task: the board then shows it again on
    its own, for the case)."""

    instance_id: int
    # the task chosen: as posted, but none when that task is no longer open (done or withdrawn
    # since the page was read): the case as a whole, as the refusal suggests
    task_id: str
    opinion: str
    respond_by: str
    escalate: bool
    errors: dict[str, str]  # field → why, in the reader's language
    summary: str
    # the case ended since the page was read: nothing of it is left to supervise, and no form is
    # offered again (it could only be refused again)
    case_ended: bool = False


def issue_supervision(instance_id: int) -> RefusedSupervision | None:
    """Issue the 督办 the request's form describes on the case (from the board or the case
    page); issued, said in a flash message; refused, what was typed and why, for the page to
    show again (None: issued)."""
    form = request.form
    try:
        with database.session_factory().begin() as s:
            issued = supervision.issue(
                s,
                current_actor(),
                instance_id,
                form.get("task_id") or None,
                as_typed(form.get("opinion", "")),
                form.get("respond_by") or None,
                escalate=form.get("escalate") == "1",
            )
    except InvalidData as exc:
        codes = exc.codes
        task_gone = codes.get("task_id") is not None and codes["task_id"].code in _TASK_GONE
        return RefusedSupervision(
            instance_id=instance_id,
            task_id="" if task_gone else form.get("task_id", ""),
            opinion=form.get("opinion", ""),
            respond_by=form.get("respond_by", ""),
            escalate=form.get("escalate") == "1",
            errors=field_messages(codes),
            summary=refusal_summary(instance_id, codes),
            case_ended=case_ended(codes),
        )
    if issued.task_id is None and not issued.addressed_units:
        # on the case as a whole, while no unit holds one of its tasks: the supervisor must know
        flash(_("已发出督办，但案件目前没有由单位办理的任务，未通知任何人。"), "warning")
    elif issued.unreported is not None:  # issued, but a head it was meant to reach is not told
        flash(_("已发出督办，但未报告单位负责人：%(why)s", why=_unreported(issued)), "warning")
    elif issued.task_id is None:
        units = _("、").join(issued.addressed_unit_names)
        flash(_("已发出督办，已通知%(units)s。", units=units), "success")
    else:
        flash(_("已发出督办。"), "success")
    return None


def case_ended(codes: Mapping[str, FieldError]) -> bool:
    return codes.get("instance") is not None and codes["instance"].code == "case_ended"


def refusal_summary(instance_id: int, codes: Mapping[str, FieldError]) -> str:
    """Why a 督办 on the case ``instance_id`` was not issued, in one sentence of the reader's
    words (the page's and the API's ``said``): the case ended, that alone (what else was wrong
    with the form no longer matters); else each field's refusal."""
    why = _case_end(instance_id) if case_ended(codes) else _refusal(field_messages(codes), codes)
    return _("督办未发出：%(why)s", why=why)


def _case_end(instance_id: int) -> str:
    """How the case a 督办 was refused on ended, in the supervisor's words: who cancelled it and
    when, or who finished its last step and when, as a task done meanwhile is said."""
    session = database.session()
    end = supervision.case_end(session, current_actor(), instance_id)
    if end is None:  # running again? (nothing resumes a case that ended): as the refusal said
        return _("案件已办结，无需督办")
    by = person_name(end.by, people_names(session, [end.by] if end.by else []))
    at = when(end.at) if end.at else ""
    if end.status == "cancelled":
        return _("案件已由 %(by)s 于 %(at)s 撤销，无需督办", by=by, at=at)
    if end.task:
        return _("案件已办结：最后一步「%(task)s」由 %(by)s 于 %(at)s 办理完毕，无需督办", task=end.task, by=by, at=at)
    return _("案件已于 %(at)s 办结，无需督办", at=at)


# A 督办 that lost its race: its task done or withdrawn, or its case ended, since the page was
# read. The reason names the task or the case itself: said without the field's label.
_SELF_NAMED = supervision.LOST_RACE
_TASK_GONE = _SELF_NAMED - {"case_ended"}


def _refusal(errors: dict[str, str], codes: Mapping[str, FieldError]) -> str:
    """What is wrong with the 督办 form (``errors``: field → why), each field by the label the
    form shows it under ("督办意见：必填"), the case or task it was issued on by what it is; a
    lost race as it stands, the task or the case named in it."""
    labels = {"opinion": _("督办意见"), "respond_by": _("回复期限"), "task_id": _("任务"), "instance": _("案件")}
    return _("；").join(
        message
        if name in codes and codes[name].code in _SELF_NAMED
        else _("%(where)s：%(message)s", where=labels.get(name, name), message=message)
        for name, message in errors.items()
    )


def _unreported(issued: supervision.SupervisionView) -> str:
    """Why an escalated 督办 reached no head, and who of the unit heard of it instead (told in
    the head's stead, or already as the task's holders), in the supervisor's words: of each
    unit it did not reach the head of (a 督办 on the case as a whole escalates to every unit it
    is addressed to), and once how to fix the roster when a unit's head is missing."""
    session = database.session()
    units = department_names(session)
    said = [_unreported_unit(each, units) for each in issued.unreported_units]
    roster = {supervision.Unreported.NO_HEAD, supervision.Unreported.HEAD_INACTIVE}
    fix = _("请管理员在“系统管理 → 单位”中设置负责人。")
    if any(each.unreported in roster for each in issued.unreported_units):
        said.append(fix)
    return _sentences(said)


def _sentences(said: list[str]) -> str:
    """Sentences one after another: nothing between them in Chinese, a space in English."""
    return reduce(lambda first, then: _("%(said)s%(more)s", said=first, more=then), said) if said else ""


def _unreported_unit(found: supervision.UnreportedUnit, units: Mapping[str, str]) -> str:
    """Why the head of one unit was not told, and who of it heard of it instead."""
    why = found.unreported
    if why == supervision.Unreported.NO_TASK:
        return _("案件目前没有由单位办理的任务，无单位负责人可报告。")
    if why == supervision.Unreported.NO_UNIT:
        return _("该任务未交办给单位，无单位负责人可报告。")
    unit = group_name(found.unit or "", units)
    if why == supervision.Unreported.HEAD_IS_HOLDER:
        head = found.head or ""
        reason = _(
            "%(unit)s的负责人%(head)s已亲自签收该任务。",
            unit=unit,
            head=person_name(head, people_names(database.session(), [head])),
        )
    elif why == supervision.Unreported.HEAD_INACTIVE:
        reason = _("%(unit)s的负责人账号已停用。", unit=unit)
    else:
        reason = _("%(unit)s未设负责人。", unit=unit)
    if found.told_instead:
        told = ngettext(
            "督办已改为通知该单位其他 %(num)s 人。", "督办已改为通知该单位其他 %(num)s 人。", found.told_instead
        )
    elif found.told_as_holders:  # an unclaimed task of the unit: its people hold it, and were told so
        told = ngettext(
            "该单位 %(num)s 名在用人员已作为办理人收到督办，没有其他人可改为通知。",
            "该单位 %(num)s 名在用人员已作为办理人收到督办，没有其他人可改为通知。",
            found.told_as_holders,
        )
    else:
        told = _("该单位也没有其他在用人员可通知。")
    return _sentences([reason, told])


def _case_id(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return 0  # no such case: the use case answers NotFound


@bp.get("/supervisions/<int:supervision_id>/notice")
def notice(supervision_id: int):
    """督办通知书: the notice printed on A4."""
    return render_template(
        "board/notice.html", n=supervision.notice(database.session(), current_actor(), supervision_id)
    )
