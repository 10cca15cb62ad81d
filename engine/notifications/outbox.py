"""E-mail for notifications: the outbox (notifications with ``email_to`` and no
``emailed_at``) and, beside it, the mail processes send (engine.notifications.process_mail),
sent by the scheduler's round (``send_outbox``) the way engine.notifications.smtp sends every
outbox: outside any database transaction, each sent row then marked, an unreachable server
leaving everything for the next round, a refused message tried ``MAX_ATTEMPTS`` times.

Settings come from the app configuration (``CONGRESSFLOW_SMTP_HOST``, ``_PORT``, ``_FROM``,
``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``_SSL``: ``SmtpSettings.from_config``); no
host, no e-mail.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Notification

from .. import clock
from .process_mail import PROCESS_MAILS
from .smtp import MAX_AGE, MAX_ATTEMPTS, Letter, SmtpSettings, send_waiting, still_tried

__all__ = ["MAX_AGE", "MAX_ATTEMPTS", "SmtpSettings", "send_outbox"]


def _message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((settings.sender_name, settings.sender))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())  # when it was sent: a mail client shows and sorts by it
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    msg.set_content(body + "\n\n-- \n此邮件由人大工作流系统自动发送。", charset="utf-8")
    return msg


class _Notifications:
    """The notifications to be e-mailed: ``email_to`` set, ``emailed_at`` not yet."""

    def waiting(self, session: Session, now: datetime, limit: int) -> list[Letter]:
        rows = session.execute(
            select(Notification.id, Notification.email_to, Notification.subject, Notification.message)
            .where(
                Notification.emailed_at.is_(None),
                Notification.email_to.is_not(None),
                *still_tried(Notification.email_attempts, Notification.created_at, now),
            )
            .order_by(Notification.id)
            .limit(limit)
        ).all()
        return [
            Letter(row_id, partial(_message, to=to or "", subject=subject, body=body))
            for row_id, to, subject, body in rows
        ]

    def mark(self, session: Session, row_id: int, *, sent: bool, error: str | None) -> None:
        values: dict[str, Any] = (
            {"emailed_at": clock.now(), "email_error": error}
            if sent
            else {"email_attempts": Notification.email_attempts + 1, "email_error": error}
        )
        session.execute(update(Notification).where(Notification.id == row_id).values(**values))


NOTIFICATIONS = _Notifications()


def send_outbox(factory: sessionmaker[Session], settings: SmtpSettings, limit: int = 100) -> int:
    """Send what is waiting in the outbox: notifications' e-mails, then the mail processes
    send (at most ``limit`` of each); returns how many e-mails went out."""
    return send_waiting(factory, settings, (NOTIFICATIONS, PROCESS_MAILS), limit)
