"""What a notification says as its reader reads it, for the 消息 page and the API alike: its
kind, subject and message in the request's language (``i18n.select_locale``: Chinese unless
English is chosen) and its due time in the request's time zone.

The stored subject and message are what was e-mailed: Chinese, in the recipient's zone. A
notification that keeps what they are made of (``params``) is written anew for whoever reads
it (``engine.notifications.texts`` with this request's gettext); an older one, kept without
its params, can only say what was stored."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l  # the keyword pybabel extracts (babel.cfg)

from engine.notifications import texts
from engine.usecases.notifications import NotificationView
from storage.enums import NotificationKind

from .i18n import due as due_text

KIND_NAMES = {
    NotificationKind.REMINDER.value: _l("到期提醒"),
    NotificationKind.OVERDUE.value: _l("逾期"),
    NotificationKind.SUPERVISION.value: _l("督办"),
    NotificationKind.LAPSED.value: _l("期限届满"),
    NotificationKind.TASK.value: _l("新任务"),
    NotificationKind.SENT.value: _l("已送达"),
    NotificationKind.ANSWERED.value: _l("办理结果"),
    NotificationKind.TAKEN_AWAY.value: _l("任务调整"),
    NotificationKind.CANCELLED.value: _l("案件撤销"),
}


def kind_label(note: NotificationView) -> str:
    name = KIND_NAMES.get(note.kind)
    return str(name) if name is not None else note.kind_label


def subject(note: NotificationView) -> str:
    return texts.subject(note.kind, note.params, gettext) if note.params else note.subject


def message(note: NotificationView) -> str:
    if not note.params:
        return note.message
    due_at = note.params.get("due_at")
    due = due_text(datetime.fromisoformat(due_at)) if due_at else ""
    return texts.message(note.kind, note.params, due, gettext)
