"""Engine errors and HTTP errors → responses, in one place.

NotAllowed → 403, NotFound → 404, Conflict / AlreadyCompleted → 409, InvalidData /
InvalidBpmn / ScriptError → 422. Two writers racing past the locks (a stale versioned
UPDATE, a PostgreSQL serialization failure or deadlock) → 409 too; a database that cannot
be reached → 503. A request under ``/api/`` (or one that prefers JSON)
gets ``{"code", "message", "fields", "codes", "said"}`` (``fields``: field → English message;
``codes``: field → ``{"code", "params"}``, engine.errors.FIELD_ERRORS; ``said``: what the page
would say, in the request's language as the API's other texts: web.i18n.select_locale); a browser gets a
friendly page in its language: what happened, said from the error's ``reason`` and
``params`` (engine.errors.REASONS; people by name, times in the reader's time zone), and
what to do. The English ``message`` is the developer's: logged, and on the page only for an
error no reason explains, folded away as technical detail. Every HTTP error (4xx, 5xx) is
the app's page too, a status without its own title in general words, never Werkzeug's bare
English one. Routes never catch these themselves (except a form page that re-displays its own
field errors).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date

from engine.access import ROLE_PERMISSIONS, Permission
from engine.errors import (
    Conflict,
    EngineError,
    FieldError,
    InvalidBpmn,
    InvalidData,
    LostRace,
    NotAllowed,
    NotFound,
    ScriptError,
)
from engine.text import CONTROL_CHARACTERS, DIRECTION_CHARACTERS

from .engine_messages import in_reader_language
from .i18n import current_locale, when

STATUS: tuple[tuple[type[EngineError], int], ...] = (
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),  # AlreadyCompleted is a Conflict
    (LostRace, 409),  # field errors of a race lost, before InvalidData's 422
    (InvalidData, 422),
    (InvalidBpmn, 422),
    (ScriptError, 422),
)

# The friendly title and explanation of each status, shown above the technical detail.
TITLES = {
    400: (_l("请求无效"), _l("提交的内容无法处理，请返回重试。")),
    401: (_l("请先登录"), _l("登录后才能使用此功能。")),
    403: (_l("没有权限"), _l("您的角色或所在单位无权查看或办理此项。")),
    404: (_l("未找到"), _l("要找的页面、任务或案件不存在，或已被删除。")),
    405: (_l("不支持的操作"), _l("此页面不支持这种请求方式。")),
    409: (
        _l("状态已变化"),
        _l("您打开此页面之后，此事项已发生变化（他人已处理，或在另一个窗口中提交过）。请刷新后再试。"),
    ),
    410: (_l("已失效"), _l("要继续的内容已失效（例如一次上传已过期），请重新操作。")),
    413: (_l("文件太大"), _l("上传的文件超过了大小限制。")),
    422: (_l("内容有误"), _l("提交的内容未通过检查，请修改后重试。")),
    429: (_l("请求过于频繁"), _l("请稍后再试。")),
    500: (_l("系统错误"), _l("系统出现了意外错误，已记录，请稍后再试。")),
    503: (_l("系统繁忙"), _l("系统正忙，请几秒钟后再试。")),
}
# Any other status: a client error (4xx) in general words; a server error (5xx) as a 500.
OTHER_CLIENT_ERROR = (_l("无法完成请求"), _l("这个请求未能完成，请返回后重试。"))
# Statuses the app's pages raise with the reader's own words as the description
# (``abort(410, description=_("…"))``); any other description is the developer's English
# (a limiter's "5 per 1 minute"), and the status's explanation stands in for it.
SAID_IN_DESCRIPTION = frozenset({410})


def title_of(status: int) -> tuple[Any, Any]:
    """The friendly title and explanation of ``status``."""
    if status in TITLES:
        return TITLES[status]
    return OTHER_CLIENT_ERROR if 400 <= status < 500 else TITLES[500]


def status_of(exc: EngineError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def wants_json() -> bool:
    """API paths always; elsewhere when the client prefers JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_error(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, FieldError | str] | None = None,
    said: Said | None = None,
    **extra: Any,
) -> Response:
    """The JSON error; each field's error both as English text (``fields``) and as its code
    and params (``codes``; text given without a code: FieldError.from_text); and ``said``,
    the error in the request's language (``said``: the reader's words for it, when known)."""
    errors = {
        name: error if isinstance(error, FieldError) else FieldError.from_text(str(error))
        for name, error in (fields or {}).items()
    }
    response = jsonify(
        {
            "code": code,
            "message": message,
            "fields": {name: str(e) for name, e in errors.items()},
            "codes": {name: e.to_dict() for name, e in errors.items()},
            "said": said_json(status, errors, said),
            **extra,
        }
    )
    response.status_code = status
    return response


def said_json(status: int, errors: Mapping[str, FieldError], said: Said | None) -> dict[str, Any]:
    """The error as the page says it, in the language the API answers in (the language
    cookie, else Accept-Language, else Chinese): ``message`` and ``fields`` stay the
    developer's English, as the API has always said them. The command line's ``--json`` says
    its errors so too (web/cli/said.py)."""
    from .views.formdata import field_messages

    title, explanation = title_of(status)
    return {
        "language": current_locale(),
        "title": str(said.title if said and said.title else title),
        "text": str(said.text if said else explanation),
        "hint": str(said.hint) if said else "",
        "fields": field_messages({name: LibraryError.meant(e) for name, e in errors.items()}),
    }


class LibraryError(FieldError):
    """A field error as a validation library (the API's marshmallow checks) says it: ``fields``
    and ``codes`` carry it as they always have, ``invalid`` with the library's English message
    (clients may read it); ``said`` tells the product's field error it means (``means``, with
    its bounds), in the reader's language. It rides on the error through a use case that
    refuses it with its own (web.api.common.ReportsAllSchema)."""

    means: FieldError | None

    def __new__(cls, message: str, means: FieldError | None) -> LibraryError:
        self = super().__new__(cls, "invalid", {"message": message})
        self.means = means
        return self

    @staticmethod
    def meant(error: FieldError) -> FieldError:
        """What ``error`` means for the reader: a library's its product error, where known."""
        return error.means if isinstance(error, LibraryError) and error.means is not None else error


@dataclass(frozen=True)
class Said:
    """What an error page says in its reader's words: what happened, what to do, where to go
    (``links``: (url, text)), and a headline of its own when the status's does not fit."""

    text: str
    hint: str = ""
    links: tuple[tuple[str, str], ...] = ()
    title: str | None = None


def error_page(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, FieldError | str] | None = None,
    problems: list[Any] | None = None,
    said: Said | None = None,
) -> Response | tuple[str, int]:
    """The error as JSON (``message``: English, as the API has always said it) or as a page:
    ``said`` when given, else the status's explanation with ``message`` as technical detail
    (none for a 422 listing its fields or problems: those are the detail)."""
    if wants_json():
        extra = {"problems": [p.__dict__ for p in problems]} if problems else {}
        return json_error(status, code, message, fields, said, **extra)
    title, explanation = title_of(status)
    return render_template(
        "errors/error.html",
        status=status,
        code=code,
        title=said.title if said and said.title else title,
        explanation=said.text if said else explanation,
        hint=said.hint if said else "",
        links=said.links if said else (),
        detail="" if said or fields or problems else message,
        fields=_field_lines(fields or {}),
        problems=problems or [],
    ), status


def field_labels() -> dict[str, str]:
    """The fields a page sends outside a BPMN form (filters, comments, 督办…) by their labels,
    for a 422 page that lists them without the form beside them."""
    return {
        "body": _("意见"),
        "comment": _("转交说明"),
        "reason": _("理由"),
        "opinion": _("督办意见"),
        "respond_by": _("回复期限"),
        "from": _("开始日期"),
        "to": _("结束日期"),
        "file": _("文件"),
        "task_id": _("任务"),
        "instance": _("案件"),
        "query": _("查询条件"),
        "year": _("年份"),  # ?year= of the calendar and the ledger's export
    }


def _field_lines(fields: Mapping[str, FieldError | str]) -> list[tuple[str, str, str]]:
    """(field, its label, its message) per field, the message as a form says it beside the
    field (formdata.field_messages); the label: the error's own (a form field's), or a known
    page field's, else none (the field's name is shown as code)."""
    from .views.formdata import field_messages

    labels = field_labels()
    messages = field_messages(fields)
    return [
        (name, getattr(error, "label", None) or labels.get(name, ""), messages[name]) for name, error in fields.items()
    ]


def handle_engine_error(exc: EngineError) -> Response | tuple[str, int]:
    status = status_of(exc)
    current_app.logger.info("%s on %s %s: %s", status, request.method, request.path, exc.message)
    return error_page(
        status,
        exc.code,
        exc.message,
        getattr(exc, "field_errors", None),
        getattr(exc, "problems", None),
        said=said_of(exc),
    )


def said_of(exc: EngineError) -> Said | None:
    """What the page and the API say of ``exc`` in the reader's words (None: the status's
    explanation is said); the command line's ``--json`` says it too (web/cli/said.py)."""
    return _script_failed(exc) if isinstance(exc, ScriptError) else _in_engine_words(exc) or say(exc)


def _script_failed(exc: ScriptError) -> Said:
    """A process's own script or expression failed: not what the reader typed, and nothing
    was stored; the designer must mend the process."""
    return Said(
        _("流程本身出错，这次操作没有保存：%(detail)s", detail=in_reader_language(exc.message)),
        _("这不是您填写的内容有误。请把此页内容告知流程设计人员修正流程；按浏览器的“后退”可回到您填写的内容。"),
        title=_("流程运行出错"),
    )


# Flask-WTF's reasons (CSRFError.description) for refusing an HTTPS form post whose token is
# good: it came from no page, or from a page of another address than the one the app believes
# it serves (behind a proxy, the Host header the proxy forwards).
REFERRER_MISSING = "The referrer header is missing."
REFERRER_MISMATCH = "The referrer does not match the host."


def handle_csrf_error(exc: CSRFError) -> Response | tuple[str, int]:
    """A form refused for its token (missing, expired, of another session: reloading the page
    helps), or for where it came from (reloading does not: say what is wrong)."""
    if exc.description == REFERRER_MISMATCH:
        return error_page(400, "csrf", exc.description, said=_referrer_mismatch())
    if exc.description == REFERRER_MISSING:
        return error_page(400, "csrf", exc.description, said=_referrer_missing())
    text = str(_l("表单已过期或缺少安全令牌，请刷新页面后重新提交。"))
    return error_page(400, "csrf", text, said=Said(text))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _referrer_mismatch() -> Said:
    """The browser's page and the address the app believes it serves differ: most often a
    proxy forwarding a Host without the port the browser used (nginx's ``$host``)."""
    return Said(
        _(
            "这次提交来自 %(page)s 的页面，而系统收到的本站地址是 %(site)s，两者不一致，为安全起见没有处理。",
            page=_origin(request.referrer or ""),
            site=f"{request.scheme}://{request.host}",
        ),
        _(
            "刷新页面不能解决。这通常是反向代理的设置问题：转发请求时，Host 请求头没有带上浏览器使用的地址和端口"
            "（nginx 应为 proxy_set_header Host $http_host）。请把此页内容告知系统管理员。"
        ),
    )


def _referrer_missing() -> Said:
    return Said(
        _("浏览器没有随这次提交发送来源页地址（Referer 请求头），为安全起见没有处理。"),
        _(
            "请检查浏览器或其插件是否关闭了发送来源页地址；如果每个人都是如此，通常是反向代理去掉了 Referer "
            "请求头，请告知系统管理员。"
        ),
    )


# -- an engine error in the reader's words ---------------------------------------------
def people_named(usernames: list[str]) -> dict[str, str]:
    """User name → what the pages call the person (engine.usecases.labels.people_names)."""
    from engine.usecases.labels import people_names

    from . import database
    from .roles import person_name

    try:
        people = people_names(database.session(), [u for u in usernames if u])
    except SQLAlchemyError:  # the page is said all the same, people by user name
        current_app.logger.warning("no names for the error page on %s", request.path, exc_info=True)
        people = {}
    return {u: person_name(u, people) for u in usernames if u}


def _me() -> str | None:
    if "api_actor" in g:  # an API token's holder
        return g.api_actor.username
    return current_user.actor.username if current_user.is_authenticated else None


def _case_link(case: Any) -> tuple[str, str]:
    return url_for("cases.show", instance_id=case), _("查看案件 #%(case)s", case=case)


def _inbox_link() -> tuple[str, str]:
    return url_for("inbox.index"), _("返回待办")


def _saved_since(p: dict[str, Any]) -> dict[str, Any]:
    """The params of a draft saved by someone after the page opened it (``draft_saved_meanwhile``
    and its discard's), as the sentences say them: who by name, when in the reader's zone."""
    return {
        "draft": p["draft"],
        "opened": p["opened"],
        "who": people_named([p["by"]])[p["by"]],
        "at": when(p["at"]),
        "revision": p["revision"],
    }


def _latest_draft_link(p: dict[str, Any]) -> tuple[str, str]:
    return url_for("designer.draft", draft_id=p["draft"]), _("打开草稿的最新一稿")


def _not_found(text: str) -> Said:
    return Said(
        text,
        _("请从待办或案件列表重新打开；若链接是别人发来的，请向对方确认。"),
        (_inbox_link(), (url_for("cases.index"), _("案件列表"))),
    )


def _needs_permission(p: dict[str, Any]) -> Said:
    permission = Permission(p["permission"])
    from .roles import permission_names, role_names

    roles = [name for role, name in role_names().items() if permission in ROLE_PERMISSIONS.get(role, ())]
    hint = (
        _("有此权限的角色：%(roles)s。如确需使用，请联系系统管理员为您分配角色。", roles=_("、").join(roles))
        if roles
        else _("如确需使用，请联系系统管理员。")
    )
    return Said(_("您没有“%(permission)s”的权限。", permission=permission_names()[permission]), hint)


# What a refused request on a task was, by the view that took it (page or API): said as what
# was not done ("未能签收"), not as a submission that was not saved, which a claim is not.
_NOT_DONE: dict[str, Callable[[], str]] = {
    "claim": lambda: _("未能签收"),
    "unclaim": lambda: _("未能退回"),
    "hand_over": lambda: _("未能转交"),
    "save_draft": lambda: _("草稿未保存"),
    "comment": lambda: _("意见未发表"),
    "comment_task": lambda: _("意见未发表"),
    "attach": lambda: _("附件未上传"),
    "attach_to_task": lambda: _("附件未上传"),
}


def _refused_view() -> str:
    """The view (its endpoint's last part) that took the request refused, "" outside a request."""
    return (request.endpoint or "").rpartition(".")[2] if has_request_context() else ""


def _not_done() -> str:
    """What of the reader's request on a task was not done, by the view that took it (a
    submission, or outside a request, as the command line's: "您的提交没有保存")."""
    view = _refused_view()
    if view == "submit" and request.form.get("action") == "draft":  # the task page's 保存草稿
        view = "save_draft"
    if view in _NOT_DONE:
        return _NOT_DONE[view]()
    return _("您的提交没有保存")


def _sentence(fragment: str) -> str:
    """``fragment`` (said within a sentence) starting one: capitalised, in a language that does."""
    return fragment[:1].upper() + fragment[1:]


def _already_completed(p: dict[str, Any]) -> Said:
    at = when(p["at"])
    link = (_case_link(p["case"]), _inbox_link())
    if p["by"] == _me():
        return Said(
            _(
                "您已于 %(at)s 办理完成「%(task)s」（可能是在另一个窗口或标签页中提交的），这次提交没有再保存。",
                at=at,
                task=p["task"],
            ),
            _("办理结果可在案件页查看。"),
            link,
            _("任务已办理"),
        )
    return Said(
        _(
            "「%(task)s」已由 %(who)s 于 %(at)s 办理完成，%(not_done)s。",
            task=p["task"],
            who=people_named([p["by"]])[p["by"]],
            at=at,
            not_done=_not_done(),
        ),
        _("办理结果可在案件页查看；如有不同意见，可在案件页发表意见。"),
        link,
        _("任务已由他人办理"),
    )


def _held_by(p: dict[str, Any]) -> Said:
    holder = people_named([p["holder"]])[p["holder"]]
    return Said(
        _("「%(task)s」已由 %(holder)s 签收，只有签收人可以办理、退回或转交。", task=p["task"], holder=holder),
        _("如需由您办理，请 %(holder)s 转交给您，或请人大办主任调派。", holder=holder),
        (_inbox_link(),),
    )


def _held_by_another(p: dict[str, Any]) -> Said:
    """A task the reader held, or could have taken, was claimed by, or handed to, someone else
    meanwhile (the task page says it above the reader's form, kept as typed: web.views.tasks)."""
    names = people_named([p["holder"], p["by"] or ""])
    holder = names[p["holder"]]
    if p["by"] and p["by"] != p["holder"]:
        text = _(
            "「%(task)s」已由 %(by)s 于 %(at)s 转交给 %(holder)s 办理，%(not_done)s。",
            task=p["task"],
            by=names[p["by"]],
            at=when(p["at"]),
            holder=holder,
            not_done=_not_done(),
        )
        title = _("任务已转由他人办理")
    elif p["by"]:  # a colleague claimed it: no hand-over, which "转由" would suggest
        text = _(
            "「%(task)s」已由 %(holder)s 于 %(at)s 签收，%(not_done)s。",
            task=p["task"],
            holder=holder,
            at=when(p["at"]),
            not_done=_not_done(),
        )
        title = _("任务已由他人签收")
    else:
        text = _(
            "「%(task)s」现由 %(holder)s 办理，%(not_done)s。", task=p["task"], holder=holder, not_done=_not_done()
        )
        title = _("任务现由他人办理")
    return Said(
        text,
        _("如需由您办理，请 %(holder)s 转交给您，或请人大办主任调派。", holder=holder),
        (_case_link(p["case"]), _inbox_link()),
        title,
    )


def _task_draft_saved_meanwhile(p: dict[str, Any]) -> Said:
    """A task's draft saved (in another tab, or by a colleague of the unit) after the page read
    the one it would have overwritten (the task page keeps what was typed in its form)."""
    at = when(p["at"])
    if p["by"] == _me():
        text = _(
            "您打开此页后，又于 %(at)s 保存过「%(task)s」的草稿（可能是在另一个窗口或标签页中），"
            "这次的草稿没有保存，以免覆盖那一份。",
            at=at,
            task=p["task"],
        )
    else:
        text = _(
            "您打开此页后，%(who)s 于 %(at)s 保存了「%(task)s」的草稿，您的草稿没有保存，以免覆盖那一份。",
            who=people_named([p["by"]])[p["by"]],
            at=at,
            task=p["task"],
        )
    return Said(
        text,
        _("您填写的内容没有丢失：确认以它为准的，再保存一次即覆盖那一份草稿；要先看那一份，可在新标签页中打开此任务。"),
        (_case_link(p["case"]),),
        _("草稿已在别处保存"),
    )


def _holding_changed(p: dict[str, Any]) -> Said:
    """A hand-over or a give-back (放弃签收) from a page older than the task's latest claim,
    hand-over or give-back (a unit head's, while its holder handed it on or gave it back): who
    did what, when, and what to check before trying again."""
    names = people_named([p["by"], p["holder"] or ""])
    said = {"by": names[p["by"]], "at": when(p["at"]), "task": p["task"], "not_done": _not_done()}
    if p["action"] == "hand_over" and p["holder"]:
        text = _(
            "您打开此页后，%(by)s 于 %(at)s 将「%(task)s」转交给了 %(holder)s，%(not_done)s。",
            holder=names[p["holder"]],
            **said,
        )
    elif p["action"] == "claim":
        text = _("您打开此页后，%(by)s 于 %(at)s 签收了「%(task)s」，%(not_done)s。", **said)
    else:
        text = _("您打开此页后，%(by)s 于 %(at)s 将「%(task)s」退回待签收，%(not_done)s。", **said)
    return Said(
        text,
        _("请在任务页确认现在的办理人后，再决定是否放弃签收。")
        if _refused_view() == "unclaim"
        else _("请在任务页确认现在的办理人后，再决定是否转交。"),
        ((url_for("tasks.show", task_id=p["task_id"]), _("打开任务页")), _case_link(p["case"])),
        _("任务的办理人已变动"),
    )


def _case_cancelled(p: dict[str, Any]) -> Said:
    return Said(
        _(
            "「%(task)s」已不再办理：案件 #%(case)s 已于 %(at)s 由 %(by)s 撤销。撤销理由：%(reason)s",
            task=p["task"],
            case=p["case"],
            at=when(p["at"]),
            by=people_named([p["by"]])[p["by"]],
            reason=p["why"],
        ),
        _("%(not_done)s，此任务无需再办理。", not_done=_sentence(_not_done())),
        (_case_link(p["case"]), _inbox_link()),
        _("案件已撤销"),
    )


def _unit_name(code: str) -> str:
    """A unit by its name (engine.usecases.labels.department_names), else by its code."""
    from engine.usecases.labels import department_names

    from . import database
    from .roles import group_name

    try:
        units = department_names(database.session())
    except SQLAlchemyError:  # the page is said all the same, the unit by its code
        units = {}
    return group_name(code, units)


def _left_unit(p: dict[str, Any]) -> Said:
    """A task of a unit the reader was moved out of while its page was open
    (engine.usecases.closed_tasks.left_unit): whose it is, not "no such task"."""
    unit = _unit_name(p["unit"])
    return Said(
        _(
            "「%(task)s」由%(unit)s办理，您已于 %(at)s 调离%(unit)s，不能再办理此任务，%(not_done)s。",
            task=p["task"],
            unit=unit,
            at=when(p["at"]),
            not_done=_not_done(),
        ),
        _("如需继续办理，请把填写的内容转告%(unit)s的同事；如调动有误，请联系系统管理员。", unit=unit),
        (_inbox_link(),),
        _("您已不在该单位"),
    )


def _process_stopped(p: dict[str, Any]) -> Said:
    return Said(
        _(
            "「%(process)s」已于 %(at)s 由 %(who)s 停止发起，不能再发起新案件；已在办理的案件照常办理。",
            process=p["process"],
            at=when(p["at"]),
            who=people_named([p["by"]])[p["by"]],
        ),
        _("如需发起，请联系流程设计人员。"),
        ((url_for("start.index"), _("返回发起")),),
    )


# -- a machine door's refusal (a worker's answer, a message), said with its own reason -----
# A worker or a sender of messages is told why (who holds the lock and until when, which
# cases wait for the message), not the page's "reload and try again". A JSON answer in
# another language than Chinese says the engine's own words (``message``), as it always has;
# a page says them all in its reader's language.
def _in_engine_words(exc: EngineError) -> Said | None:
    """A machine door's refusal to a JSON reader of English: the engine's words (None: not one)."""
    if exc.reason not in _SAY_TO_A_MACHINE or not wants_json() or current_locale() == "zh_CN":
        return None
    return Said(exc.message)


def _to_the_second(moment: datetime) -> str:
    """A lock's moment in the reader's time zone, to the second."""
    return when(moment, "yyyy-MM-dd HH:mm:ss")


def _matched_by(p: dict[str, Any]) -> str:
    """What a message was matched by (its business key, its correlation variables written as
    the engine writes them: ``a=1, b='x'``), as the reader reads it: "" for nothing."""
    key, correlation = p["key"], p["correlation"]
    written = ", ".join(f"{name}={value!r}" for name, value in correlation.items()) if correlation else ""
    if key is not None and written:
        return _("（编号 %(key)s，关联变量 %(correlation)s）", key=key, correlation=written)
    if key is not None:
        return _("（编号 %(key)s）", key=key)
    return _("（关联变量 %(correlation)s）", correlation=written) if written else ""


def _cases(p: dict[str, Any]) -> str:
    """The cases waiting for a message (the first few, with … when there are more), as listed."""
    cases = _("、").join(f"#{case}" for case in p["cases"])
    return cases + ("…" if p["count"] > len(p["cases"]) else "")


def _several_waiting(p: dict[str, Any]) -> str:
    """The cases waiting for a message, and what tells them apart: when they all have one 编号
    (a called case shares its caller's), the 编号 does not, only the case number does."""
    listed = {"count": p["count"], "message": p["name"], "where": _matched_by(p), "cases": _cases(p)}
    if p["shared_key"] is None:
        return _(
            "有 %(count)s 个案件在等待消息「%(message)s」%(where)s：%(cases)s。"
            "请用编号（business_key）、关联变量或案件号（instance_id）指明其中一个。",
            **listed,
        )
    return _(
        "有 %(count)s 个案件在等待消息「%(message)s」%(where)s：%(cases)s。"
        "它们的编号都是 %(key)s，用编号分不开：请用案件号（instance_id，命令行用 --case）指明其中一个。",
        key=p["shared_key"],
        **listed,
    )


def _case_status(status: str) -> str:
    """A case's status inside a sentence: in Chinese its word; in English the engine's own
    (``cancelled``: the words' English, ``Cancelled``, is a heading's)."""
    if current_locale() != "zh_CN":
        return status
    return {"completed": _("已办结"), "cancelled": _("已撤销")}.get(status, status)


_SAY_TO_A_MACHINE: dict[str, Callable[[dict[str, Any]], Said]] = {
    # engine/usecases/external_tasks.py (lock_task, held_task)
    "external_task_gone": lambda p: Said(
        _("外部任务 %(task)s 不在等待外部程序处理：它已处理完、案件已结束，或者没有这个任务。", task=p["task"])
    ),
    "external_task_not_locked": lambda p: Said(
        _("外部任务 %(task)s 没有被锁定：请先获取并锁定它（fetch-and-lock）。", task=p["task"])
    ),
    "external_task_locked_by": lambda p: Said(
        _(
            "外部任务 %(task)s 已由外部程序 %(holder)s 锁定，至 %(until)s 为止；%(worker)s 不能答复它。",
            task=p["task"],
            holder=p["lock_holder"],
            until=_to_the_second(p["until"]),
            worker=p["worker"],
        )
    ),
    "external_task_lock_not_held": lambda p: Said(
        _(
            "外部程序 %(worker)s 没有锁定外部任务 %(task)s：请先获取并锁定它（fetch-and-lock）。",
            worker=p["worker"],
            task=p["task"],
        )
    ),
    "external_task_lock_expired": lambda p: Said(
        _(
            "外部程序 %(worker)s 对外部任务 %(task)s 的锁定已于 %(at)s 过期：请重新获取并锁定它。",
            worker=p["worker"],
            task=p["task"],
            at=_to_the_second(p["at"]),
        )
    ),
    # engine/usecases/messages.py
    "message_starts_nothing": lambda p: Said(
        _(
            "没有案件在等待消息「%(message)s」%(where)s，也没有由这个消息发起的流程。",
            message=p["name"],
            where=_matched_by({**p, "correlation": None}),
        )
    ),
    "message_not_awaited": lambda p: Said(
        _("没有案件在等待消息「%(message)s」%(where)s。", message=p["name"], where=_matched_by(p))
    ),
    "message_awaited_by_several": lambda p: Said(_several_waiting(p)),
    "no_case_to_reach": lambda p: Said(_("没有案件 #%(case)s。", case=p["case"])),
    "case_ended_for_message": lambda p: Said(
        _(
            "案件 #%(case)s %(status)s，不再等待消息「%(message)s」。",
            case=p["case"],
            status=_case_status(p["status"]),
            message=p["name"],
        ),
        links=(_case_link(p["case"]),),
    ),
    "message_not_awaited_by_case": lambda p: Said(
        _(
            "案件 #%(case)s 没有在等待消息「%(message)s」%(where)s。",
            case=p["case"],
            message=p["name"],
            where=_matched_by(p),
        ),
        links=(_case_link(p["case"]),),
    ),
    "message_starts_several": lambda p: Said(
        _(
            "消息「%(message)s」会发起多个流程（%(keys)s）：一个消息只能发起一个流程。",
            message=p["name"],
            keys=", ".join(p["processes"]),
        )
    ),
    "case_ended_for_trigger": lambda p: Said(
        _("案件 #%(case)s %(status)s，不再等待任何消息。", case=p["case"], status=_case_status(p["status"])),
        links=(_case_link(p["case"]),),
    ),
    "trigger_not_awaited": lambda p: Said(
        _("案件 #%(case)s 没有停在接收任务「%(element)s」等待。", case=p["case"], element=p["element"]),
        links=(_case_link(p["case"]),),
    ),
}


_SAY: dict[str, Callable[[dict[str, Any]], Said]] = {
    "no_case": lambda p: _not_found(_("找不到案件 #%(case)s：它不存在，或者您无权查看。", case=p["case"])),
    "no_task": lambda p: _not_found(_("找不到这项任务：它不存在，或者您无权查看它所在的案件。")),
    "no_attachment": lambda p: _not_found(_("找不到这个附件：它不存在，或者您无权查看它所在的案件。")),
    "no_notification": lambda p: Said(
        _("找不到这条消息：它不存在，或者不是发给您的。"),
        links=((url_for("notifications.index"), _("查看消息")),),
    ),
    "no_process": lambda p: Said(
        _("没有已部署的流程 %(process)s。", process=p["process"]),
        _("请从“发起”页面选择流程。"),
        ((url_for("start.index"), _("返回发起")),),
    ),
    "needs_permission": _needs_permission,
    "not_candidate": lambda p: Said(
        _("「%(task)s」不是交给您或您所在单位办理的，您不能签收或办理。", task=p["task"]),
        _("如认为应由您办理，请联系人大办调整。"),
        (_inbox_link(),),
    ),
    "held_by": _held_by,
    "held_by_another": _held_by_another,
    "not_offered": lambda p: Said(
        _(
            "「%(task)s」是指定由 %(holder)s 本人办理的，没有可以签收它的单位或人员，不能退回。",
            task=p["task"],
            holder=people_named([p["holder"]])[p["holder"]],
        ),
        _("如确需他人办理，请联系人大办主任调派。"),
        (_inbox_link(),),
    ),
    "colleague_not_candidate": lambda p: Said(
        _(
            "%(colleague)s 不在可以办理「%(task)s」的单位或角色中，不能转交给其办理。",
            colleague=people_named([p["colleague"]])[p["colleague"]],
            task=p["task"],
        ),
        _("请选择列表中可以办理此任务的同事。"),
        (_inbox_link(),),
    ),
    "colleague_cannot_read_confidential": lambda p: Said(
        _(
            "%(colleague)s 没有保密权限，不能查看本案的保密信息，不能转交给其办理「%(task)s」。",
            colleague=people_named([p["colleague"]])[p["colleague"]],
            task=p["task"],
        ),
        _("请转交给有保密权限的同事。"),
        (_inbox_link(),),
    ),
    "task_for_confidential_readers": lambda p: Said(
        _(
            "「%(task)s」所在案件含保密信息，只有有保密权限的人员可以签收办理。",
            task=p["task"],
        ),
        _("请由有保密权限的同事签收办理。"),
        (_inbox_link(),),
    ),
    "may_not_start": lambda p: Said(
        _("您不能发起「%(process)s」：此流程只能由指定的单位或角色发起。", process=p["process"]),
        links=((url_for("start.index"), _("返回发起")),),
    ),
    "may_not_cancel": lambda p: Said(
        _(
            "您不能撤销案件 #%(case)s：只有发起该案件的单位（代表本人提出的由人大办）和管理员可以撤销。",
            case=p["case"],
        ),
        links=(_case_link(p["case"]),),
    ),
    "process_stopped": _process_stopped,
    "left_unit": _left_unit,
    "already_completed": _already_completed,
    "case_cancelled": _case_cancelled,
    "task_closed": lambda p: Said(
        _("「%(task)s」已不再办理：案件已进入下一步，或已被撤销。", task=p["task"]),
        _("案件现在的状态可在案件页查看。"),
        (_case_link(p["case"]), _inbox_link()),
    ),
    "already_claimed": lambda p: Said(
        _("「%(task)s」刚刚已由 %(holder)s 签收。", task=p["task"], holder=people_named([p["holder"]])[p["holder"]]),
        _("请刷新待办，办理其他任务。"),
        (_inbox_link(),),
    ),
    "case_not_running": lambda p: Said(
        _("案件 #%(case)s 已经撤销过了。", case=p["case"])
        if p["status"] == "cancelled"
        else _("案件 #%(case)s 已经办结，不能再撤销。", case=p["case"]),
        links=(_case_link(p["case"]),),
    ),
    "changed_meanwhile": lambda p: Said(
        _("您提交时，此案件正好被他人修改，您的操作没有保存。"), _("请刷新页面，确认最新内容后再操作一次。")
    ),
    "task_draft_saved_meanwhile": _task_draft_saved_meanwhile,
    "holding_changed": _holding_changed,
    "draft_saved_meanwhile": lambda p: Said(
        _(
            "您打开草稿 #%(draft)s 的第 %(opened)s 稿后，%(who)s 于 %(at)s 又保存了第 %(revision)s 稿，"
            "所以您的修改没有保存。",
            **_saved_since(p),
        ),
        _(
            "您的修改都还在。可以在新标签页打开草稿的最新一稿对照，或另存为新草稿；确认以您的修改为准的，再保存一次。",
        ),
        (_latest_draft_link(p),),
    ),
    "draft_discard_saved_meanwhile": lambda p: Said(
        _(
            "您打开草稿 #%(draft)s 的第 %(opened)s 稿后，%(who)s 于 %(at)s 又保存了第 %(revision)s 稿，"
            "所以草稿没有删除。",
            **_saved_since(p),
        ),
        _("请先打开草稿的最新一稿看过，再决定是否删除。"),
        (_latest_draft_link(p),),
    ),
    "newer_version": lambda p: Said(
        _(
            "您开始修改后，%(who)s 于 %(at)s 部署了「%(process)s」的新版本 v%(version)s。您的修改基于 v%(based_on)s，"
            "现在部署会撤销 v%(version)s 的修改，所以没有部署。",
            who=people_named([p["by"]])[p["by"]],
            at=when(p["at"]),
            process=p["process"],
            version=p["version"],
            based_on=p["based_on"],
        ),
        _(
            "您的修改都还在。请先比较两个版本，把 v%(version)s 的修改补进来；确认以您的版本为准的，再点一次“部署”。",
            version=p["version"],
        ),
        (
            (
                url_for("process_library.diff", key=p["key"], old=p["based_on"], new=p["version"]),
                _("比较 v%(old)s 与 v%(new)s", old=p["based_on"], new=p["version"]),
            ),
        ),
    ),
    "business_key_held": lambda p: Said(
        _(
            "编号 %(key)s 已是「%(process)s」在办案件 #%(case)s 的编号，没有再发起案件。",
            key=p["key"],
            process=p["process"],
            case=p["case"],
        ),
        _("同一流程在办的案件不能共用一个编号：新案件请换一个编号。"),
        (_case_link(p["case"]),),
    ),
    **_SAY_TO_A_MACHINE,
}


def say(exc: EngineError) -> Said | None:
    """What ``exc`` says in the reader's words, from its reason and params (None: it has no
    reason, or one this page does not know: the status's explanation is said instead)."""
    if exc.reason is None or exc.reason not in _SAY:
        return None
    return _SAY[exc.reason](exc.params)


def handle_http_error(exc: HTTPException) -> Response | tuple[str, int]:
    """The error as JSON or as a page; Retry-After (429, 503) when the error says when."""
    if exc.code == 413:
        _drain_refused_body()
    response = _http_error(exc)
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = http_date(retry_after) if isinstance(retry_after, datetime) else str(retry_after)
    # the headers werkzeug's own answer carries, kept when the JSON (or page) replaces its body
    valid_methods = getattr(exc, "valid_methods", None)
    if exc.code == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    if exc.code == 401 and request.path.startswith("/api/"):  # the pages redirect to sign-in instead
        headers["WWW-Authenticate"] = API_AUTHENTICATE
    if not headers:
        return response
    response = make_response(response)
    response.headers.update(headers)
    return response


# RFC 6750: how to authenticate, on each 401 of the API (a session cookie works too)
API_AUTHENTICATE = 'Bearer realm="congressflow"'


# A body refused as too large is read (and dropped) before answering when it is at most this
# many times the app's limit: one a proxy in front let through (deploy/nginx.conf stops bodies
# well under twice the limit); a larger one, from no such proxy, is left unread.
DRAINED_OVER_LIMIT = 2
_DRAIN_CHUNK = 64 * 1024


def _drain_refused_body() -> None:
    """Read the rest of a request body refused as too large (413), so that the answer reaches
    the proxy: the server closes a connection whose body it left unread, and closing with the
    body still arriving resets it; the proxy, still sending the body it holds whole, then
    answers 502 with a page of its own instead of this one."""
    length = request.content_length
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not length or not limit or length > DRAINED_OVER_LIMIT * limit:
        return
    body = request.environ["wsgi.input"]
    while length > 0:
        chunk = body.read(min(length, _DRAIN_CHUNK))
        if not chunk:
            return
        length -= len(chunk)


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    if status == 401 and not wants_json():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    code = (exc.name or "error").lower().replace(" ", "_")
    if wants_json():
        return json_error(status, code, exc.description or exc.name or "", said=_said_in_description(exc))
    if status < 400:  # a redirect raised while routing (a missing trailing slash): not an error
        return exc
    return error_page(status, code, "", said=_said_in_description(exc))


def _said_in_description(exc: HTTPException) -> Said | None:
    """The reader's words the page raising ``exc`` gave it, if its status is one raised so."""
    if exc.code not in SAID_IN_DESCRIPTION or not exc.description or exc.description == type(exc).description:
        return None
    return Said(exc.description)


def handle_unexpected(exc: Exception) -> Response | tuple[str, int]:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500, "server_error", "")


CHANGED_MEANWHILE = "this case was changed by someone else meanwhile; reload it and try again"
# PostgreSQL's serialization_failure and deadlock_detected: another transaction won.
_LOST_RACE_SQLSTATES = frozenset({"40001", "40P01"})
# Classes of PostgreSQL errors that say the server is not there for us: connection
# exceptions, insufficient resources (too many connections), operator intervention
# (shutting down, starting up); and the database itself missing.
_UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
_UNAVAILABLE_SQLSTATES = frozenset({"3D000"})
_UNAVAILABLE_SQLITE = ("unable to open database", "database is locked", "disk i/o error", "readonly database")


def lost_race(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _LOST_RACE_SQLSTATES


def database_unavailable(exc: DBAPIError) -> bool:
    """The database cannot be reached or cannot take the request now, as opposed to a
    query the database refused (a bug: 500)."""
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return any(text in str(exc.orig).lower() for text in _UNAVAILABLE_SQLITE)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    # no SQLSTATE: the driver failed before the server said anything (refused, unreachable)
    return sqlstate is None or sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES


def text_refused(exc: DBAPIError) -> bool:
    """PostgreSQL cannot keep a text: a NUL in it (psycopg says so before sending it), or a
    character no encoding holds. The use cases refuse control characters in what people
    write (engine.text); this is what any other input carrying one comes to."""
    if not isinstance(exc, DataError):
        return False
    return "NUL (0x00)" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "22021"


def _changed_meanwhile() -> Response | tuple[str, int]:
    return error_page(409, Conflict.code, CHANGED_MEANWHILE, said=_SAY["changed_meanwhile"]({}))


def handle_stale_data(exc: StaleDataError) -> Response | tuple[str, int]:
    """A versioned UPDATE found the row changed: someone else's write came first."""
    current_app.logger.info("lost a race on %s %s: %s", request.method, request.path, exc)
    return _changed_meanwhile()


def handle_database_error(exc: DBAPIError) -> Response | tuple[str, int]:
    """409 for a lost race, 503 for a database out of reach; anything else is a bug, for
    the 500 handler (or, when testing, for the test to see)."""
    if lost_race(exc):
        current_app.logger.info("lost a race on %s %s: %s", request.method, request.path, exc.orig)
        return _changed_meanwhile()
    if text_refused(exc):  # nothing was stored: the transaction rolled back whole
        current_app.logger.info("text refused by the database on %s %s: %s", request.method, request.path, exc.orig)
        text = str(_l("提交的内容含有控制字符（如 NUL），无法保存：请删去后再提交。"))
        if wants_json():
            message = "the submitted text holds a control character (such as NUL)"
            return json_error(422, "invalid_data", message, said=Said(text))
        return error_page(422, "invalid_data", text, said=Said(text))
    if not database_unavailable(exc):
        if current_app.testing:
            raise exc
        return handle_unexpected(exc)
    current_app.logger.error("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
    text = str(_l("暂时无法连接数据库。请稍后再试；如果一直如此，请联系系统管理员。"))
    if wants_json():
        message = "the database is unavailable; try again in a moment"
        return json_error(503, "database_unavailable", message, said=Said(text))
    # who is signed in lives in the database: render the page as nobody's, or rendering
    # it would fail the same way
    current_app.login_manager._update_request_context_with_user()  # type: ignore[attr-defined]
    return error_page(503, "database_unavailable", text, said=Said(text))


# What a log line must not carry as it came: line breaks (U+2028/2029 and NEL too) would start
# a forged line of their own, and the other C0/C1 controls (an escape sequence) and the
# direction overrides would rewrite the line on a terminal. The app's log lines carry request
# text (a path, the refusal's message naming the caller's JSON keys): each such character is
# written as its escape (``\n``, ``\x1b``, ``\u2028``), and the backslash itself too, so that
# an escape in the request cannot pass for one written here.
_UNLOGGABLE = re.compile(f"[\\\\\t\n\r{CONTROL_CHARACTERS}{DIRECTION_CHARACTERS}\u2028\u2029\ud800-\udfff]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
# a refusal naming thousands of random field names is one line, not a page of the log
MAX_LOGGED_CHARS = 2000


def _escaped(character: re.Match[str]) -> str:
    found = character[0]
    code = ord(found)
    return _ESCAPES.get(found) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def one_line(message: str) -> str:
    """``message`` as one log line: its control characters escaped, cut at MAX_LOGGED_CHARS."""
    if len(message) > MAX_LOGGED_CHARS:
        message = f"{message[:MAX_LOGGED_CHARS]}… ({len(message) - MAX_LOGGED_CHARS} more characters)"
    return _UNLOGGABLE.sub(_escaped, message)


class OneLineRecords(logging.Filter):
    """Every record of the app's logger as one line (``one_line``): its message formatted
    here, with its arguments, so that the handlers (gunicorn's, the command line's, a test's)
    write what was made safe. A traceback (``exc_info``) stays as it is: the formatter writes it
    on lines of its own, below the record's line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit: logging says so itself
            return True
        record.msg, record.args = one_line(message), None
        return True


def keep_logs_one_line(logger: logging.Logger) -> None:
    """Install OneLineRecords on ``logger`` once (the apps a process makes share the logger)."""
    if not any(isinstance(f, OneLineRecords) for f in logger.filters):
        logger.addFilter(OneLineRecords())


def init_app(app: Flask) -> None:
    # the logger by its name, not ``app.logger``: Flask's property would give it a handler of its
    # own beside the root logger's, and every line would be written twice
    keep_logs_one_line(logging.getLogger(app.import_name))
    app.register_error_handler(EngineError, handle_engine_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(DBAPIError, handle_database_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
