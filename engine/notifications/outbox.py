"""E-mail for notifications: the outbox (notifications with ``email_to`` and no
``emailed_at``) is sent with smtplib outside any database transaction, then each sent
row is marked. An unreachable server leaves the outbox as it is for the next round; a
message the server refuses is tried ``MAX_ATTEMPTS`` times. A crash between sending and
marking can repeat one e-mail; it can never lose one.

Settings come from the app configuration (``CONGRESSFLOW_SMTP_HOST``, ``_PORT``, ``_FROM``,
``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``_SSL``); no host, no e-mail.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Notification

from .. import clock

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_AGE = timedelta(days=7)  # older unsent mail is not sent any more (it stays in the UI)


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "congressflow@localhost"
    sender_name: str = "人大工作流 CongressFlow"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        host = config.get("SMTP_HOST")
        if not host:
            return None
        ssl = _flag(config.get("SMTP_SSL", False))
        return cls(
            host=str(host),
            port=int(config.get("SMTP_PORT") or (465 if ssl else 25)),
            sender=str(config.get("SMTP_FROM") or cls.sender),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            starttls=_flag(config.get("SMTP_STARTTLS", False)),
            ssl=ssl,
        )

    def connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls()
        if self.username:
            smtp.login(self.username, self.password or "")
        return smtp


def _message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((settings.sender_name, settings.sender))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    msg.set_content(body + "\n\n-- \n此邮件由人大工作流系统自动发送。", charset="utf-8")
    return msg


def send_outbox(factory: sessionmaker[Session], settings: SmtpSettings, limit: int = 100) -> int:
    """Send what is waiting in the outbox; returns how many e-mails went out."""
    now = clock.now()
    with factory() as session:
        rows = session.execute(
            select(Notification.id, Notification.email_to, Notification.subject, Notification.message)
            .where(
                Notification.emailed_at.is_(None),
                Notification.email_to.is_not(None),
                Notification.email_attempts < MAX_ATTEMPTS,
                Notification.created_at >= now - MAX_AGE,
            )
            .order_by(Notification.id)
            .limit(limit)
        ).all()
    if not rows:
        return 0
    try:
        smtp = settings.connect()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "SMTP server %s:%s not reachable (%s); %d e-mail(s) wait in the outbox",
            settings.host,
            settings.port,
            exc,
            len(rows),
        )
        return 0
    sent = 0
    try:
        for notification_id, to, subject, body in rows:
            try:
                smtp.send_message(_message(settings, to or "", subject, body))
            except smtplib.SMTPServerDisconnected:
                log.warning("SMTP server disconnected; the rest waits in the outbox")
                break
            except (OSError, smtplib.SMTPException) as exc:
                _mark(factory, notification_id, error=str(exc)[:500])
                log.warning("e-mail for notification %s refused: %s", notification_id, exc)
                continue
            _mark(factory, notification_id)
            sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent


def _mark(factory: sessionmaker[Session], notification_id: int, error: str | None = None) -> None:
    values: dict[str, Any] = (
        {"emailed_at": clock.now(), "email_error": None}
        if error is None
        else {"email_attempts": Notification.email_attempts + 1, "email_error": error}
    )
    with factory.begin() as session:
        session.execute(update(Notification).where(Notification.id == notification_id).values(**values))
