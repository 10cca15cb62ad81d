"""The mail processes send (mail tasks: engine/bpmn/mail_tasks.py), from the ``outgoing_mails``
table the use case saving a case queued it in (engine/usecases/outgoing_mails.py), sent by
the scheduler's outbox round with the notifications' settings and retry rules
(engine.notifications.smtp).

As Camunda's mail task writes it: ``From`` the task's ``from`` or the configured sender, ``To``
and ``Cc`` in the headers, ``Bcc`` only in the envelope; ``text`` as text/plain and ``html``
as its HTML alternative (or the only body), in the task's charset (UTF-8 unless it says
otherwise). The envelope's sender is always the configured one: the account the server lets
the product send as, and where a bounce belongs.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import OutgoingMail

from .. import clock
from .smtp import Letter, SmtpSettings, still_tried


def write_mail(settings: SmtpSettings, row: OutgoingMail) -> EmailMessage:
    """The message of a queued mail (its Bcc is the envelope's: never a header)."""
    msg = EmailMessage()
    msg["From"] = row.sender or formataddr((settings.sender_name, settings.sender))
    msg["To"] = ", ".join(row.to_addresses)
    if row.cc_addresses:
        msg["Cc"] = ", ".join(row.cc_addresses)
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    if row.text is not None:
        msg.set_content(row.text, charset=row.charset)
        if row.html is not None:
            msg.add_alternative(row.html, subtype="html", charset=row.charset)
    else:
        msg.set_content(row.html or "", subtype="html", charset=row.charset)
    return msg


def envelope(row: OutgoingMail) -> tuple[str, ...]:
    """Every recipient's bare address (``Kermit <kermit@camunda.org>``: the part in brackets)."""
    return tuple(parseaddr(entry)[1] for entry in (*row.to_addresses, *row.cc_addresses, *row.bcc_addresses))


class _ProcessMails:
    """``outgoing_mails`` not sent yet."""

    def waiting(self, session: Session, now: datetime, limit: int) -> list[Letter]:
        rows = session.scalars(  # read whole, used once the session is closed (nothing expires them)
            select(OutgoingMail)
            .where(
                OutgoingMail.sent_at.is_(None),
                *still_tried(OutgoingMail.attempts, OutgoingMail.created_at, now),
            )
            .order_by(OutgoingMail.id)
            .limit(limit)
        ).all()
        return [Letter(row.id, partial(write_mail, row=row), envelope(row)) for row in rows]

    def mark(self, session: Session, row_id: int, *, sent: bool, error: str | None) -> None:
        values: dict[str, Any] = (
            {"sent_at": clock.now(), "error": error}
            if sent
            else {"attempts": OutgoingMail.attempts + 1, "error": error}
        )
        session.execute(update(OutgoingMail).where(OutgoingMail.id == row_id).values(**values))


PROCESS_MAILS = _ProcessMails()
