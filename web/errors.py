"""Engine errors and HTTP errors → responses, in one place.

NotAllowed → 403, NotFound → 404, Conflict / AlreadyCompleted → 409, InvalidData /
InvalidBpmn / ScriptError → 422. Two writers racing past the locks (a stale versioned
UPDATE, a PostgreSQL serialization failure or deadlock) → 409 too; a database that cannot
be reached → 503. A request under ``/api/`` (or one that prefers JSON)
gets ``{"code", "message", "fields", "codes"}`` (``fields``: field → English message;
``codes``: field → ``{"code", "params"}``, engine.errors.FIELD_ERRORS); a browser gets a
friendly page in its language.
Routes never catch these themselves (except a form page that re-displays its own
field errors).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date

from engine.errors import (
    Conflict,
    EngineError,
    FieldError,
    InvalidBpmn,
    InvalidData,
    NotAllowed,
    NotFound,
    ScriptError,
)

STATUS: tuple[tuple[type[EngineError], int], ...] = (
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),  # AlreadyCompleted is a Conflict
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
    409: (_l("状态已变化"), _l("此事项已被他人处理或已发生变化，请刷新后再试。")),
    413: (_l("文件太大"), _l("上传的文件超过了大小限制。")),
    422: (_l("内容有误"), _l("提交的内容未通过检查，请修改后重试。")),
    429: (_l("请求过于频繁"), _l("请稍后再试。")),
    500: (_l("系统错误"), _l("系统出现了意外错误，已记录，请稍后再试。")),
    503: (_l("系统繁忙"), _l("系统正忙，请几秒钟后再试。")),
}


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
    status: int, code: str, message: str, fields: Mapping[str, FieldError | str] | None = None, **extra: Any
) -> Response:
    """The JSON error; each field's error both as English text (``fields``) and as its code
    and params (``codes``; text given without a code: FieldError.from_text)."""
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
            **extra,
        }
    )
    response.status_code = status
    return response


def error_page(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, FieldError | str] | None = None,
    problems: list[Any] | None = None,
) -> Response | tuple[str, int]:
    if wants_json():
        extra = {"problems": [p.__dict__ for p in problems]} if problems else {}
        return json_error(status, code, message, fields, **extra)
    from .views.formdata import field_messages

    title, explanation = TITLES.get(status, TITLES[500])
    return render_template(
        "errors/error.html",
        status=status,
        code=code,
        title=title,
        explanation=explanation,
        message=message,
        fields=field_messages(fields or {}),
        problems=problems or [],
    ), status


def handle_engine_error(exc: EngineError) -> Response | tuple[str, int]:
    return error_page(
        status_of(exc), exc.code, exc.message, getattr(exc, "field_errors", None), getattr(exc, "problems", None)
    )


def handle_csrf_error(exc: CSRFError) -> Response | tuple[str, int]:
    return error_page(400, "csrf", str(_l("表单已过期或缺少安全令牌，请刷新页面后重新提交。")))


def handle_http_error(exc: HTTPException) -> Response | tuple[str, int]:
    """The error as JSON or as a page; Retry-After (429, 503) when the error says when."""
    response = _http_error(exc)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is None:
        return response
    response = make_response(response)
    response.headers["Retry-After"] = http_date(retry_after) if isinstance(retry_after, datetime) else str(retry_after)
    return response


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    if status == 401 and not wants_json():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    code = (exc.name or "error").lower().replace(" ", "_")
    if wants_json():
        return json_error(status, code, exc.description or exc.name or "")
    if status not in TITLES:
        return exc
    return error_page(status, code, "")


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


def handle_stale_data(exc: StaleDataError) -> Response | tuple[str, int]:
    """A versioned UPDATE found the row changed: someone else's write came first."""
    current_app.logger.info("lost a race on %s %s: %s", request.method, request.path, exc)
    return error_page(409, Conflict.code, CHANGED_MEANWHILE)


def handle_database_error(exc: DBAPIError) -> Response | tuple[str, int]:
    """409 for a lost race, 503 for a database out of reach; anything else is a bug, for
    the 500 handler (or, when testing, for the test to see)."""
    if lost_race(exc):
        current_app.logger.info("lost a race on %s %s: %s", request.method, request.path, exc.orig)
        return error_page(409, Conflict.code, CHANGED_MEANWHILE)
    if not database_unavailable(exc):
        if current_app.testing:
            raise exc
        return handle_unexpected(exc)
    current_app.logger.error("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
    if wants_json():
        return json_error(503, "database_unavailable", "the database is unavailable; try again in a moment")
    # who is signed in lives in the database: render the page as nobody's, or rendering
    # it would fail the same way
    current_app.login_manager._update_request_context_with_user()  # type: ignore[attr-defined]
    return error_page(
        503, "database_unavailable", str(_l("暂时无法连接数据库。请稍后再试；如果一直如此，请联系系统管理员。"))
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(EngineError, handle_engine_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(DBAPIError, handle_database_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
