"""What an audit log entry says (its 内容): on the 审计日志 page, in its download
(web/views/audit.py) and in ``GET /api/v1/audit`` (web/api/audit.py), alike and in the
reader's language. Only what engine.usecases.audit_log reads of an entry (``_SAID``): never a
password or a token's secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import npgettext

from engine.deadlines.settings import DEFAULTS
from engine.usecases import audit_log
from engine.usecases.audit_log import AuditPage, AuditRow, Change, Changes

from . import history_text
from .i18n import LANGUAGES, current_locale
from .roles import person_name, role_names


def said(row: AuditRow, log: AuditPage) -> str:
    """An entry's 内容 on the page and in the download: an import's file and counts, an
    administrative entry's target and what it set; nothing for an entry of a case (its
    content is the case's history's, shown there as its reader may read it)."""
    if row.imported is not None:
        return history_text.import_summary(row.imported)
    if row.changed is not None:
        return _changes_text(row.changed, log)
    return ""


def _changes_text(entry: Changes, log: AuditPage) -> str:
    """``li_si（李四）：角色 办理人员 → 办理人员、督查；单位 财政所 → 民政办``."""
    parts = [_change_text(entry.action, change, log) for change in entry.changes]
    if entry.unchanged:
        parts.append(_("未改动"))
    body = _("；").join(parts)
    target = _target_text(entry, log)
    if target and body:
        return target + _("：") + body
    return target or body


def _target_text(entry: Changes, log: AuditPage) -> str:
    """Whom or what an entry was about, as kept with what it is called: a user name with the
    person's name, a unit's code with its name, a setting with what it is for; a day, a
    process key as kept."""
    target = entry.target
    if target is None:
        return ""
    if entry.action == "calendar_year_set":
        return _("%(year)s 年", year=target)
    about = audit_log.target_kind(entry.action)
    if about == "username":
        name = person_name(target, log.people)
    elif about == "code":
        name = log.units.get(target, target)
    elif about == "name" and target in DEFAULTS:
        name = DEFAULTS[target].label_in(current_locale())
    else:
        return target
    return target if name == target else target + _("（%(text)s）", text=name)


def _change_text(action: str, change: Change, log: AuditPage) -> str:
    """One thing set: ``label value``, or ``label before → value`` when the entry kept it."""
    label = _key_label(action, change.key)
    value = _value_text(change.key, change.value, log)
    if change.has_before:
        value = _value_text(change.key, change.before, log) + " → " + value
    return f"{label} {value}" if label else value


def _key_label(action: str, key: str) -> str:
    """What ``key`` of ``action``'s entry is called ("" for a value that says itself: a
    setting's, whose target names it; a day's 上班 / 休息; why a sign-in failed)."""
    if key == "name":
        return _("令牌") if action == "create_token" else _("名称")
    return {
        "display_name": _("姓名"),
        "email": _("邮箱"),
        "roles": _("角色"),
        "department": _("单位"),
        "active": _("状态"),
        "timezone": _("时区"),
        "language": _("语言"),
        "email_notices": _("通过电子邮件接收通知"),
        "must_change_password": _("首次登录须改密码"),
        "must_change": _("下次登录须改密码"),
        "head": _("负责人"),
        "contact": _("联络员"),
        "value": "",
        "is_working": "",
        "note": _("说明"),
        "entries": _("录入条目"),
        "replaced": _("替换原有条目"),
        "changed_days": _("改变的日子"),
        "reminders_moved": _("重算的提醒"),
        "token_id": _("令牌编号"),
        "expires_in_days": _("有效期"),
        "reason": "",  # 密码不正确 says itself
        "retry_after": _("需等待"),
        "version": _("版本"),
        "file": _("文件"),
        "rolled_back_from": _("回退自"),
        "revision": _("草稿修订"),
        "from_version": _("原版本"),
        "to_version": _("目标版本"),
        "moved": _("已迁移"),
        "refused": _("不能迁移"),
        "failed": _("失败"),
    }.get(key, key)


def _value_text(key: str, value: Any, log: AuditPage) -> str:
    say = _VALUE_TEXTS.get(key)
    if say is not None:
        return say(value, log)
    if value is None or value == "" or value == []:
        return _("无")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _or_none(say: Callable[[Any], str]) -> Callable[[Any, AuditPage], str]:
    """``say`` for a value there is, 无 for none (a token that never expires says so itself)."""
    return lambda value, _log: say(value) if value not in (None, "", []) else _("无")


def _days(days: int) -> str:
    """A token's life in days, "1 day" or "90 days" (a length of time: not the board's days late)."""
    return npgettext("duration", "%(num)s 天", "%(num)s 天", days)


def _count(value: Any, _log: AuditPage) -> str:
    return str(len(value) if isinstance(value, list) else value or 0)


_SIGN_IN_REFUSED = {
    "unknown_name": lambda: _("无此用户"),
    "inactive": lambda: _("账号已停用"),
    "wrong_password": lambda: _("密码不正确"),
    "token_only": lambda: _("监控账号不能登录页面"),
}

_VALUE_TEXTS: dict[str, Callable[[Any, AuditPage], str]] = {
    "roles": _or_none(lambda roles: _("、").join(role_names().get(r, str(r)) for r in roles)),
    "department": lambda code, log: log.units.get(code, code) if code else _("无"),
    "head": lambda who, log: person_name(who, log.people) if who else _("无"),
    "contact": lambda who, log: person_name(who, log.people) if who else _("无"),
    "active": lambda active, _log: _("启用") if active else _("停用"),
    "timezone": lambda zone, _log: zone or _("默认"),
    "language": lambda code, _log: str(LANGUAGES.get(code, code)) if code else _("默认"),
    "is_working": lambda working, _log: _("上班") if working else _("休息"),
    "changed_days": _count,
    "moved": _count,
    "refused": _count,
    "failed": _count,
    "expires_in_days": lambda days, _log: _("永不过期") if days is None else _days(days),
    "retry_after": _or_none(lambda seconds: _("%(seconds)s 秒", seconds=seconds)),
    "reason": _or_none(lambda code: _SIGN_IN_REFUSED[code]() if code in _SIGN_IN_REFUSED else str(code)),
    "token_id": _or_none(lambda n: f"#{n}"),
    "version": _or_none(lambda n: f"v{n}"),
    "from_version": _or_none(lambda n: f"v{n}"),
    "to_version": _or_none(lambda n: f"v{n}"),
    "rolled_back_from": _or_none(lambda n: f"v{n}"),
}
