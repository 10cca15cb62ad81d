"""What a notification says as its reader reads it, for the 消息 page and the API alike: its
kind, subject and message in the request's language (``i18n.select_locale``: Chinese unless
English is chosen) and its due time in the request's time zone.

The stored subject and message are Chinese, in the recipient's zone. A notification that
keeps what they are made of (``params``) is written anew for whoever reads it
(``engine.notifications.texts`` with this request's gettext); an older one, kept without its
params, can only say what was stored. Its e-mail is written by the same texts when it is sent,
in the recipient's language (``users.language``), from the same catalogues (``mail_languages``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.support import Translations
from flask_babel import gettext
from flask_babel import lazy_gettext as _l  # the keyword pybabel extracts (babel.cfg)

from engine.notifications import texts
from engine.usecases.notifications import NotificationView
from storage.enums import NotificationKind

from .i18n import due as due_text

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).parent / "translations"  # the pages' catalogues (Flask-Babel's default)

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


# a task that arrived overdue already: one notice of both (engine: ARRIVED_OVERDUE_LABEL)
ARRIVED_OVERDUE = _l("新任务（已逾期）")


def kind_label(note: NotificationView) -> str:
    if note.kind == NotificationKind.TASK.value and note.params and note.params.get("overdue"):
        return str(ARRIVED_OVERDUE)
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


def mail_languages(directory: Path = TRANSLATIONS) -> texts.Languages:
    """The texts of notifications' e-mails in each language a person may choose, from the
    compiled catalogues the pages read (loaded once, for the scheduler's outbox, which writes
    each e-mail when it sends it, outside any request). A language without a compiled catalogue
    is said in the log, and its readers' e-mails go out in Chinese."""
    catalogues: dict[str, texts.Translate] = {}
    for language in texts.LANGUAGES:
        if language == texts.DEFAULT_LANGUAGE:
            continue
        found = Translations.load(str(directory), [language])
        if isinstance(found, Translations):
            catalogues[language] = _translating(found)
        else:
            log.warning("no compiled %s catalogue in %s: e-mails to its readers go out in Chinese", language, directory)
    return catalogues.get


def _translating(catalogue: Translations) -> texts.Translate:
    def translate(text: str, **values: Any) -> str:
        said = catalogue.gettext(text)
        return said % values if values else said  # as Flask-Babel's gettext

    return translate
