"""Sending what waits in the outbox tables (engine.notifications.outbox: notifications'
e-mails; engine.notifications.process_mail: the mail processes send), one way for all: the
rows are read, then sent with smtplib outside any database transaction, each row marked as
it goes. An unreachable server leaves every outbox as it is for the next round, said in the
log once when it stops answering (with how many e-mails wait) and once when it answers again
(with how many went), not every round; a message the server refuses (or that cannot be
written) is tried ``MAX_ATTEMPTS`` times; mail older than ``MAX_AGE`` is not sent any more,
and is marked given up (``EXPIRED``: engine.notifications.outbox ``give_up_expired``). A crash
between sending and marking can repeat one e-mail; it can never lose one.

What a row's stored error says (``trouble``): ``unreachable: HOST:PORT: …`` (the server did not
answer when it was last tried; the row still waits), ``expired: …`` (given up), anything else
the server's own words refusing it.

Settings come from the app configuration (``CONGRESSFLOW_SMTP_HOST``, ``_PORT``, ``_FROM``,
``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``_SSL``); no host, no e-mail.
"""

from __future__ import annotations

import logging
import smtplib
import threading
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
MAX_AGE = timedelta(days=7)  # older unsent mail is not sent any more: marked given up (EXPIRED)

# What a row's stored error begins with (``trouble`` reads it back)
UNREACHABLE = "unreachable"  # the server did not answer: the row waits for the next round
EXPIRED = "expired"  # not sent within MAX_AGE: given up
EXPIRED_ERROR = f"{EXPIRED}: not sent within {MAX_AGE.days} days; given up"


@dataclass(frozen=True)
class Trouble:
    """A stored error read back: ``kind`` ``unreachable`` (``server`` and ``detail``: what the
    connection said), ``expired`` (``days``), or ``refused`` (``detail``: the server's words)."""

    kind: str
    detail: str = ""
    server: str = ""
    days: int = MAX_AGE.days


def unreachable_error(settings: SmtpSettings, exc: BaseException) -> str:
    return f"{UNREACHABLE}: {settings.host}:{settings.port}: {exc}"[:500]


def trouble(error: str | None) -> Trouble | None:
    """What a row's stored error says (None: none)."""
    if not error:
        return None
    kind, colon, rest = error.partition(": ")
    if colon and kind == UNREACHABLE:
        server, _, detail = rest.partition(": ")
        return Trouble(UNREACHABLE, detail, server)
    if colon and kind == EXPIRED:
        return Trouble(EXPIRED)
    return Trouble("refused", error)


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
    # the site's address as its users reach it (CONGRESSFLOW_PUBLIC_URL, no trailing slash):
    # a notification's e-mail links to its task there; None: no link
    public_url: str | None = None

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
            public_url=str(config.get("PUBLIC_URL") or "").strip().rstrip("/") or None,
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
    message that cannot be written counts as refused), the envelope's recipients (None:
    those of its headers), and the error stored on it (an outage is noted once on each row)."""

    row_id: int
    write: Callable[[SmtpSettings], EmailMessage]
    recipients: tuple[str, ...] | None = None
    error: str | None = None
    # how the row records the recipients the server refused (address → its reply code); None:
    # "refused by the server for …" (a process mail stores them for its page to say)
    refusal: Callable[[Mapping[str, Any]], str] | None = None


class Outbox(Protocol):
    """An outbox table: what waits in it to be sent now (fewer than ``MAX_ATTEMPTS`` tries,
    not older than ``MAX_AGE``), and a row marked sent or refused once more."""

    def waiting(self, session: Session, now: datetime, limit: int) -> list[Letter]: ...

    def mark(self, session: Session, row_id: int, *, sent: bool, error: str | None) -> None: ...


class _Servers:
    """Whether each SMTP server answered at its last round, so that an outage is logged when it
    begins and when it ends, not at every round (the outbox is sent every 2 seconds)."""

    def __init__(self) -> None:
        self._down: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def failed(self, settings: SmtpSettings) -> bool:
        """The server did not answer: True when it did at the round before (an outage begins)."""
        with self._lock:
            began = (settings.host, settings.port) not in self._down
            self._down.add((settings.host, settings.port))
        return began

    def answered(self, settings: SmtpSettings) -> bool:
        """The server answered: True when it did not at the round before (an outage ended)."""
        with self._lock:
            ended = (settings.host, settings.port) in self._down
            self._down.discard((settings.host, settings.port))
        return ended


_servers = _Servers()

Unreachable = Callable[[sessionmaker[Session], list[tuple["Outbox", Letter]], str], None]


def send_waiting(
    factory: sessionmaker[Session],
    settings: SmtpSettings,
    outboxes: Sequence[Outbox],
    limit: int,
    on_unreachable: Unreachable | None = None,
) -> int:
    """Send what waits in ``outboxes`` (at most ``limit`` of each) over one connection;
    returns how many e-mails went out. ``on_unreachable``: told what waits and why when the
    server cannot be reached (to note it on the rows)."""
    now = clock.now()
    with readers_of(factory)() as session:
        waiting = [(outbox, letter) for outbox in outboxes for letter in outbox.waiting(session, now, limit)]
    if not waiting:
        return 0
    try:
        smtp = settings.connect()
    except (OSError, smtplib.SMTPException) as exc:
        if _servers.failed(settings):
            log.warning(
                "SMTP server %s:%s not reachable (%s); %d e-mail(s) wait in the outbox, tried again every"
                " round (said again when it answers)",
                settings.host,
                settings.port,
                exc,
                len(waiting),
            )
        else:
            log.debug("SMTP server %s:%s still not reachable (%s)", settings.host, settings.port, exc)
        if on_unreachable is not None:
            on_unreachable(factory, waiting, unreachable_error(settings, exc))
        return 0
    back = _servers.answered(settings)
    sent = 0
    try:
        for outbox, letter in waiting:
            try:
                refused = smtp.send_message(letter.write(settings), settings.sender, letter.recipients)
            except smtplib.SMTPServerDisconnected:
                log.warning("SMTP server disconnected; the rest waits in the outbox")
                break
            except (OSError, smtplib.SMTPException, ValueError, LookupError) as exc:
                _mark(factory, outbox, letter.row_id, sent=False, error=_not_sent(letter, exc))
                log.warning("e-mail %s of %s refused: %s", letter.row_id, type(outbox).__name__, exc)
                continue
            # some recipients refused, the others took it: sent, saying who did not get it
            error = _refused(letter, refused) if refused else None
            _mark(factory, outbox, letter.row_id, sent=True, error=error)
            sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    if back:
        log.info(
            "SMTP server %s:%s answers again; %d of %d waiting e-mail(s) sent",
            settings.host,
            settings.port,
            sent,
            len(waiting),
        )
    return sent


def _not_sent(letter: Letter, exc: Exception) -> str:
    """What a row the server took for none of its recipients stores: every recipient refused,
    as a partial refusal is recorded (it is tried again); else the error's own words."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and letter.refusal is not None:
        return letter.refusal(exc.recipients)
    return str(exc)[:500]


def _refused(letter: Letter, refused: Mapping[str, Any]) -> str:
    """What a row sent to some of its recipients stores of those the server refused."""
    if letter.refusal is not None:
        return letter.refusal(refused)
    return f"refused by the server for {', '.join(sorted(refused))}"[:500]


def _mark(factory: sessionmaker[Session], outbox: Outbox, row_id: int, *, sent: bool, error: str | None) -> None:
    with factory.begin() as session:
        outbox.mark(session, row_id, sent=sent, error=error)
