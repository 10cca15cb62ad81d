"""Sending what waits in the outbox tables (engine.notifications.outbox: notifications'
e-mails; engine.notifications.process_mail: the mail processes send), one way for all: the
rows are read, then sent with smtplib outside any database transaction, each row marked as
it goes. An unreachable server leaves every outbox as it is for the next round; a message
the server refuses (or that cannot be written) is tried ``MAX_ATTEMPTS`` times; mail older
than ``MAX_AGE`` is not sent any more. A crash between sending and marking can repeat one
e-mail; it can never lose one.

Settings come from the app configuration (``CONGRESSFLOW_SMTP_HOST``, ``_PORT``, ``_FROM``,
``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``_SSL``); no host, no e-mail.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from storage.db import readers_of

from .. import clock

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_AGE = timedelta(days=7)  # older unsent mail is not sent any more (it stays in the UI)


def still_tried(attempts: Any, created_at: Any, now: datetime) -> tuple[Any, Any]:
    """The two conditions under which an unsent e-mail is still tried: written for a row's
    columns, they are an outbox query's filter (``.where(*still_tried(...))``); for its
    values, two booleans (``all(...)``)."""
    return attempts < MAX_ATTEMPTS, created_at >= now - MAX_AGE


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def _port(value: Any, default: int) -> int:
    """``SMTP_PORT``: unset or empty, the protocol's own; else a port number (the app checks
    its configuration at start, web/configuration.py; this says it in one line for any other
    caller)."""
    if value is None or value == "":
        return default
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"CONGRESSFLOW_SMTP_PORT is {value!r}: it takes a whole number, from 1 to 65535")
    return int(text)


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
            port=_port(config.get("SMTP_PORT"), 465 if ssl else 25),
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


@dataclass(frozen=True)
class Letter:
    """One e-mail waiting in an outbox table: its row, how to write it (when it is sent: a
    message that cannot be written counts as refused), and the envelope's recipients (None:
    those of its headers)."""

    row_id: int
    write: Callable[[SmtpSettings], EmailMessage]
    recipients: tuple[str, ...] | None = None


class Outbox(Protocol):
    """An outbox table: what waits in it to be sent now (fewer than ``MAX_ATTEMPTS`` tries,
    not older than ``MAX_AGE``), and a row marked sent or refused once more."""

    def waiting(self, session: Session, now: datetime, limit: int) -> list[Letter]: ...

    def mark(self, session: Session, row_id: int, *, sent: bool, error: str | None) -> None: ...


def send_waiting(factory: sessionmaker[Session], settings: SmtpSettings, outboxes: Sequence[Outbox], limit: int) -> int:
    """Send what waits in ``outboxes`` (at most ``limit`` of each) over one connection;
    returns how many e-mails went out."""
    now = clock.now()
    with readers_of(factory)() as session:
        waiting = [(outbox, letter) for outbox in outboxes for letter in outbox.waiting(session, now, limit)]
    if not waiting:
        return 0
    try:
        smtp = settings.connect()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "SMTP server %s:%s not reachable (%s); %d e-mail(s) wait in the outbox",
            settings.host,
            settings.port,
            exc,
            len(waiting),
        )
        return 0
    sent = 0
    try:
        for outbox, letter in waiting:
            try:
                refused = smtp.send_message(letter.write(settings), settings.sender, letter.recipients)
            except smtplib.SMTPServerDisconnected:
                log.warning("SMTP server disconnected; the rest waits in the outbox")
                break
            except (OSError, smtplib.SMTPException, ValueError, LookupError) as exc:
                _mark(factory, outbox, letter.row_id, sent=False, error=str(exc)[:500])
                log.warning("e-mail %s of %s refused: %s", letter.row_id, type(outbox).__name__, exc)
                continue
            # some recipients refused, the others took it: sent, saying who did not get it
            error = f"refused by the server for {', '.join(sorted(refused))}"[:500] if refused else None
            _mark(factory, outbox, letter.row_id, sent=True, error=error)
            sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent


def _mark(factory: sessionmaker[Session], outbox: Outbox, row_id: int, *, sent: bool, error: str | None) -> None:
    with factory.begin() as session:
        outbox.mark(session, row_id, sent=sent, error=error)
