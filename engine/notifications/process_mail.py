"""The mail processes send (mail tasks: engine/bpmn/mail_tasks.py), from the ``outgoing_mails``
table the use case saving a case queued it in (engine/usecases/outgoing_mails.py), sent by
the scheduler's outbox round with the notifications' settings and retry rules
(engine.notifications.smtp).

As Camunda's mail task writes it: ``From`` the task's ``from`` or the configured sender, ``To``
and ``Cc`` in the headers, ``Bcc`` only in the envelope; ``text`` as text/plain and ``html``
as its HTML alternative (or the only body), in the task's charset (UTF-8 unless it says
otherwise). The envelope's sender is always the configured one: the account the server lets
the product send as, and where a bounce belongs. A message with neither To nor Cc (its
recipients all Bcc) says ``To: undisclosed-recipients:;``.

What a row's ``error`` holds is said on the case page in the reader's language, so it is
stored as a kind and its facts (``read_error``): ``refused: a@x.cn (550), b@y.cn (550)`` the
recipients the server refused (with the rest of its recipients it was sent: the row is
marked sent; every recipient refused, it is tried again), ``no_recipient: writer_email`` a
mail not sent because its ``to`` gave no address, those variables having been left empty
(engine/usecases/outgoing_mails.py); a row stored before that says ``refused by the server
for a@x.cn`` and is read alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import OutgoingMail

from .. import clock
from .smtp import EXPIRED, Letter, SmtpSettings, still_tried

REFUSED = "refused"
NO_RECIPIENT = "no_recipient"
_OLD_REFUSED = "refused by the server for "  # what rows stored before said
_MAX_ERROR = 500  # outgoing_mails.error
_ENTRY = re.compile(r"(?P<address>.+?)(?: \((?P<code>\d{3})\))?")


@dataclass(frozen=True)
class MailError:
    """A row's stored error read back: ``kind`` ``refused`` (``addresses``: the recipients the
    server refused), ``no_recipient`` (``variables``: those the ``to`` read, left empty),
    ``expired`` (not sent in time: given up), or ``other`` (``text``: the server's own words)."""

    kind: str
    addresses: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()
    text: str = ""


def refusal_error(refused: Mapping[str, Any]) -> str:
    """The error stored for the recipients the server refused (address → its reply: code,
    message), as many as the column holds."""
    said: list[str] = []
    for address in sorted(refused):
        reply = refused[address]
        code = reply[0] if isinstance(reply, tuple) and reply and isinstance(reply[0], int) else None
        entry = f"{address} ({code})" if code else address
        if len(f"{REFUSED}: {', '.join([*said, entry])}") > _MAX_ERROR:
            break
        said.append(entry)
    return f"{REFUSED}: {', '.join(said)}"


def no_recipient_error(variables: Iterable[str]) -> str:
    """The error stored on a mail not sent because its ``to`` gave no address."""
    return f"{NO_RECIPIENT}: {', '.join(variables)}"[:_MAX_ERROR].rstrip(", ")


def read_error(error: str | None) -> MailError | None:
    """What a row's stored error says (None: nothing)."""
    if not error:
        return None
    kind, colon, rest = error.partition(": ")
    if error.startswith(_OLD_REFUSED) or (colon and kind == REFUSED):
        listed = error[len(_OLD_REFUSED) :] if error.startswith(_OLD_REFUSED) else rest
        entries = [_ENTRY.fullmatch(entry) for entry in listed.split(", ") if entry.strip()]
        return MailError(REFUSED, addresses=tuple(found["address"] for found in entries if found))
    if colon and kind == NO_RECIPIENT:
        return MailError(NO_RECIPIENT, variables=tuple(v for v in rest.split(", ") if v))
    if colon and kind == EXPIRED:
        return MailError(EXPIRED)
    return MailError("other", text=error)


def write_mail(settings: SmtpSettings, row: OutgoingMail) -> EmailMessage:
    """The message of a queued mail (its Bcc is the envelope's: never a header)."""
    msg = EmailMessage()
    msg["From"] = row.sender or formataddr((settings.sender_name, settings.sender))
    if row.to_addresses:
        msg["To"] = ", ".join(row.to_addresses)
    if row.cc_addresses:
        msg["Cc"] = ", ".join(row.cc_addresses)
    if not row.to_addresses and not row.cc_addresses:
        msg["To"] = "undisclosed-recipients:;"
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
        return [Letter(row.id, partial(write_mail, row=row), envelope(row), refusal=refusal_error) for row in rows]

    def mark(self, session: Session, row_id: int, *, sent: bool, error: str | None) -> None:
        values: dict[str, Any] = (
            {"sent_at": clock.now(), "error": error}
            if sent
            else {"attempts": OutgoingMail.attempts + 1, "error": error}
        )
        session.execute(update(OutgoingMail).where(OutgoingMail.id == row_id).values(**values))


PROCESS_MAILS = _ProcessMails()
