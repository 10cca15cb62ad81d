"""E-mail for notifications: the outbox (notifications with ``email_to`` and no
``emailed_at``) and, beside it, the mail processes send (engine.notifications.process_mail),
sent by the scheduler's round (``send_outbox``) the way engine.notifications.smtp sends every
outbox: outside any database transaction, each sent row then marked, an unreachable server
leaving everything for the next round (noted on the waiting notifications: ``unreachable: …``),
a refused message tried ``MAX_ATTEMPTS`` times, mail older than ``MAX_AGE`` marked given up
(``give_up_expired``: its error ``expired: …``, its attempts ``MAX_ATTEMPTS``) rather than left
aside unsaid.

A notification's e-mail is written when it is sent, in its recipient's language
(``users.language``) and time zone, from what the notification keeps of its making
(``Notification.params``), by the texts the 消息 page writes it with (engine.notifications.texts,
in the catalogue the web hands over: ``languages``); one kept without params is sent as stored
(in Chinese). It carries the case's number as the pages show it (``#12``) and an absolute link
to its task (or its case, when it has no task) at the site's public address
(``CONGRESSFLOW_PUBLIC_URL``); without that setting, it says where to read it instead. Whoever
turned notification e-mails off (``users.email_notices``) has none queued (engine.usecases.
notifications ``notify``; turning it off takes their waiting ones out of the outbox). The mail
of processes' mail tasks goes out as its designer wrote it, whatever its recipients chose.

What an administrator sees of the outboxes (``outbox_status``): how many e-mails wait, since
when, why the server did not take them, and how many were given up (the admin area's line, and
``/metrics``).

Settings come from the app configuration (``CONGRESSFLOW_SMTP_HOST``, ``_PORT``, ``_FROM``,
``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``_SSL``: ``SmtpSettings.from_config``); no
host, no e-mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.db import readers_of
from storage.models import Notification, OutgoingMail, User, WorkItem

from .. import clock
from . import texts
from .process_mail import PROCESS_MAILS
from .smtp import (
    EXPIRED_ERROR,
    MAX_AGE,
    MAX_ATTEMPTS,
    Letter,
    Outbox,
    SmtpSettings,
    Trouble,
    send_waiting,
    still_tried,
    trouble,
)

__all__ = ["MAX_AGE", "MAX_ATTEMPTS", "SmtpSettings", "outbox_status", "send_outbox"]

log = logging.getLogger(__name__)

MAX_SUBJECT = 500  # as stored (engine.usecases.notifications): a case's title may take that alone


@dataclass(frozen=True)
class Notice:
    """A waiting notification as its e-mail is written from: what it is, what it keeps of its
    making (None: only the stored Chinese text), and its recipient's language and time zone."""

    to: str
    kind: str
    params: dict[str, Any] | None
    subject: str
    message: str
    case_id: int | None
    task_id: str | None
    language: str | None
    zone: str | None

    def written(self, languages: texts.Languages) -> tuple[str, str, texts.Translate]:
        """Subject, body and the texts around them, in the recipient's language: written anew
        from the params as the 消息 page writes them; without params, as stored (Chinese)."""
        if not self.params:
            return self.subject, self.message, texts.chinese
        _ = texts.in_language(self.language, languages)
        language = self.language if _ is not texts.chinese else texts.DEFAULT_LANGUAGE
        due_at = self.params.get("due_at")
        due = texts.due_as_read(datetime.fromisoformat(due_at), self.zone, language) if due_at else ""
        subject = texts.subject(self.kind, self.params, _)
        if len(subject) > MAX_SUBJECT:
            subject = subject[: MAX_SUBJECT - 1] + "…"
        return subject, texts.message(self.kind, self.params, due, _), _


def _message(settings: SmtpSettings, notice: Notice, languages: texts.Languages) -> EmailMessage:
    subject, body, _ = notice.written(languages)
    msg = EmailMessage()
    msg["From"] = formataddr((settings.sender_name, settings.sender))
    msg["To"] = notice.to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())  # when it was sent: a mail client shows and sorts by it
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    where = texts.where_to_read(notice.case_id, notice.task_id, settings.public_url, _)
    msg.set_content(body + "\n\n" + where + "\n\n-- \n" + texts.signature(_), charset="utf-8")
    return msg


def _unsent() -> tuple[ColumnElement[bool], ...]:
    return Notification.emailed_at.is_(None), Notification.email_to.is_not(None)


class _Notifications:
    """The notifications to be e-mailed: ``email_to`` set, ``emailed_at`` not yet; written in
    their recipients' languages as ``languages`` has them."""

    def __init__(self, languages: texts.Languages = texts.chinese_only) -> None:
        self.languages = languages

    def waiting(self, session: Session, now: datetime, limit: int) -> list[Letter]:
        rows = session.execute(
            select(
                Notification.id,
                Notification.email_to,
                Notification.kind,
                Notification.params,
                Notification.subject,
                Notification.message,
                Notification.instance_id,
                WorkItem.task_id,
                User.language,
                User.timezone,
                Notification.email_error,
            )
            .outerjoin(WorkItem, WorkItem.id == Notification.work_item_id)
            .outerjoin(User, User.username == Notification.username)
            .where(*_unsent(), *still_tried(Notification.email_attempts, Notification.created_at, now))
            .order_by(Notification.id)
            .limit(limit)
        ).all()
        return [
            Letter(
                row_id,
                partial(
                    _message,
                    notice=Notice(to or "", kind.value, params, subject, body, case_id, task_id, language, zone),
                    languages=self.languages,
                ),
                error=error,
            )
            for row_id, to, kind, params, subject, body, case_id, task_id, language, zone, error in rows
        ]

    def mark(self, session: Session, row_id: int, *, sent: bool, error: str | None) -> None:
        values: dict[str, Any] = (
            {"emailed_at": clock.now(), "email_error": error}
            if sent
            else {"email_attempts": Notification.email_attempts + 1, "email_error": error}
        )
        session.execute(update(Notification).where(Notification.id == row_id).values(**values))


def _note_unreachable(factory: sessionmaker[Session], waiting: list[tuple[Outbox, Letter]], error: str) -> None:
    """The server did not answer: say why on the waiting notifications not saying it yet (one
    write when an outage begins and when a notification arrives during it, not every round).
    Their attempts stay: an outage is nobody's refusal."""
    ids = [letter.row_id for outbox, letter in waiting if isinstance(outbox, _Notifications) and letter.error != error]
    if not ids:
        return
    with factory.begin() as session:
        session.execute(update(Notification).where(Notification.id.in_(ids), *_unsent()).values(email_error=error))


def _expired_notifications(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return *_unsent(), Notification.email_attempts < MAX_ATTEMPTS, Notification.created_at < now - MAX_AGE


def _expired_mails(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS, OutgoingMail.created_at < now - MAX_AGE


def give_up_expired(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Mark the unsent e-mails older than ``MAX_AGE`` as given up, saying so on the row
    (``expired: …``) and in the log; returns how many. Looked for first with a read, so that
    a round with none writes nothing."""
    now = now or clock.now()
    with readers_of(factory)() as session:
        found = session.scalar(select(func.count()).select_from(Notification).where(*_expired_notifications(now)))
        found = (found or 0) + (
            session.scalar(select(func.count()).select_from(OutgoingMail).where(*_expired_mails(now))) or 0
        )
    if not found:
        return 0
    with factory.begin() as session:
        notes = _count(
            session.execute(
                update(Notification)
                .where(*_expired_notifications(now))
                .values(email_attempts=MAX_ATTEMPTS, email_error=EXPIRED_ERROR)
            )
        )
        mails = _count(
            session.execute(
                update(OutgoingMail).where(*_expired_mails(now)).values(attempts=MAX_ATTEMPTS, error=EXPIRED_ERROR)
            )
        )
    log.warning(
        "%d e-mail(s) not sent within %d days given up (%d notification(s), %d process mail(s));"
        " the admin area (系统管理) lists the notifications' and /metrics counts them",
        notes + mails,
        MAX_AGE.days,
        notes,
        mails,
    )
    return notes + mails


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)  # a CursorResult for an UPDATE


def send_outbox(
    factory: sessionmaker[Session],
    settings: SmtpSettings,
    limit: int = 100,
    languages: texts.Languages = texts.chinese_only,
) -> int:
    """Send what is waiting in the outbox: notifications' e-mails, then the mail processes
    send (at most ``limit`` of each), once what is too old to send is marked given up;
    returns how many e-mails went out. ``languages``: the texts in each language a recipient
    may read (the web's catalogues: web.notification_texts ``mail_languages``); without,
    every notification's e-mail is written in Chinese."""
    give_up_expired(factory)
    outboxes = (_Notifications(languages), PROCESS_MAILS)
    return send_waiting(factory, settings, outboxes, limit, _note_unreachable)


# -- what an administrator sees -------------------------------------------------------------
RECENT = timedelta(days=30)  # given-up e-mails listed in the admin area: those of the last 30 days
LISTED = 20


@dataclass(frozen=True)
class GivenUp:
    """A notification's e-mail given up: to whom, about what, when, why."""

    id: int
    username: str
    email_to: str
    subject: str
    created_at: datetime
    trouble: Trouble | None  # None: none said (never so for a given-up one)


@dataclass(frozen=True)
class OutboxStatus:
    waiting: dict[str, int]  # by outbox (``notifications``, ``process``): still to be sent
    oldest_waiting: datetime | None  # when the oldest of those was written
    given_up: dict[str, int]  # by outbox: not sent and not tried any more (refused, or too old)
    trouble: Trouble | None  # why the server did not take the waiting ones, when it said
    given_up_recently: list[GivenUp]  # notifications' e-mails of the last RECENT, newest first

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())

    @property
    def given_up_total(self) -> int:
        return sum(self.given_up.values())

    def age(self, now: datetime) -> timedelta | None:
        return None if self.oldest_waiting is None else max(now - self.oldest_waiting, timedelta(0))


def outbox_status(session: Session, now: datetime | None = None) -> OutboxStatus:
    """The outboxes as an administrator reads them (a few counts over their outbox indexes:
    the unsent rows only)."""
    now = now or clock.now()
    figures = {}
    for name, unsent, attempts, created_at in (
        ("notifications", and_(*_unsent()), Notification.email_attempts, Notification.created_at),
        ("process", OutgoingMail.sent_at.is_(None), OutgoingMail.attempts, OutgoingMail.created_at),
    ):
        tried = and_(*still_tried(attempts, created_at, now))
        row = session.execute(
            select(
                func.coalesce(func.sum(case((tried, 1), else_=0)), 0),
                func.min(case((tried, created_at), else_=None)),
                func.coalesce(func.sum(case((not_(tried), 1), else_=0)), 0),
            ).where(unsent)
        ).one()
        figures[name] = (int(row[0]), _aware(row[1]), int(row[2]))
    oldest = min((f[1] for f in figures.values() if f[1] is not None), default=None)
    said = session.scalar(
        select(Notification.email_error)
        .where(
            *_unsent(),
            *still_tried(Notification.email_attempts, Notification.created_at, now),
            Notification.email_error.is_not(None),
        )
        .order_by(Notification.id.desc())
        .limit(1)
    )
    given_up = session.execute(
        select(
            Notification.id,
            Notification.username,
            Notification.email_to,
            Notification.subject,
            Notification.created_at,
            Notification.email_error,
        )
        .where(
            *_unsent(),
            or_(Notification.email_attempts >= MAX_ATTEMPTS, Notification.created_at < now - MAX_AGE),
            Notification.created_at >= now - RECENT,
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(LISTED)
    ).all()
    return OutboxStatus(
        waiting={name: f[0] for name, f in figures.items()},
        oldest_waiting=oldest,
        given_up={name: f[2] for name, f in figures.items()},
        trouble=trouble(said),
        given_up_recently=[
            GivenUp(i, user, to or "", subject, at, trouble(error or EXPIRED_ERROR))
            for i, user, to, subject, at, error in given_up
        ],
    )


def _aware(value: datetime | None) -> datetime | None:
    """A moment read back (SQLite's min() gives the text or a naive value): an aware UTC one."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
