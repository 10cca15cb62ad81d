"""The mail processes send (a mail task: engine/bpmn/mail_tasks.py), queued as a transactional
outbox: the mails the engine rendered while it moved a case are written to ``outgoing_mails``
in the transaction that saves the case (``persist.save_instance``), each with an entry
``mail_queued`` in the case's history naming its recipients. Whatever rolls the case back
rolls its mail back too; nothing is sent from here. The scheduler's outbox round sends them
when SMTP is configured (engine/notifications/process_mail.py); without it they stay queued.

Recipients are whoever the process names, on the roster or not: a deployed process is the
organisation's decision, and its designer wrote them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import OutgoingMail

from .. import clock
from ..bpmn.mail_rendering import QueuedMail
from ..notifications.smtp import still_tried
from .confidentiality import mask
from .context import SYSTEM, audit


def queue(session: Session, instance_id: int, mails: Sequence[QueuedMail]) -> None:
    """Queue the mails a case's mail tasks rendered, and say so in its history."""
    if not mails:
        return
    now = clock.now()
    session.execute(
        insert(OutgoingMail),
        [
            {
                "instance_id": instance_id,
                "task_id": mail.task_id,
                "bpmn_id": mail.bpmn_id,
                "sender": mail.sender,
                "to_addresses": list(mail.to),
                "cc_addresses": list(mail.cc),
                "bcc_addresses": list(mail.bcc),
                "subject": mail.subject,
                "text": mail.text,
                "html": mail.html,
                "charset": mail.charset,
                "created_at": now,
                "attempts": 0,
            }
            for mail in mails
        ],
    )
    for mail in mails:
        audit(
            session,
            SYSTEM,
            "mail_queued",
            instance_id=instance_id,
            task_id=mail.task_id,
            bpmn_id=mail.bpmn_id,
            data={"to": list(mail.to), "cc": list(mail.cc), "bcc": list(mail.bcc)},
        )


@dataclass(frozen=True)
class MailView:
    """A mail a case's mail task sent, as the case page shows it: ``state`` is ``sent``,
    ``queued`` (not tried yet, or SMTP is not configured), ``retrying`` (the server refused it,
    it is tried again) or ``failed`` (tried ``MAX_ATTEMPTS`` times, or older than ``MAX_AGE``:
    not sent any more). On a case with confidential fields the recipients and the subject are
    masked, and the server's error withheld, for whoever may not read them (an address may be a
    petitioner's)."""

    bpmn_id: str
    to: list[str]
    cc: list[str]
    subject: str
    state: str
    sent_at: datetime | None
    error: str | None
    masked: bool


def of_case(session: Session, instance_id: int, *, hidden: bool) -> list[MailView]:
    """The mails of a case the caller has let its reader see, oldest first; ``hidden``: the
    reader may not read some of its fields (its case page says which)."""
    rows = session.scalars(
        select(OutgoingMail).where(OutgoingMail.instance_id == instance_id).order_by(OutgoingMail.id)
    ).all()
    now = clock.now()
    return [
        MailView(
            bpmn_id=row.bpmn_id,
            to=mask(list(row.to_addresses)) if hidden else list(row.to_addresses),
            cc=mask(list(row.cc_addresses)) if hidden else list(row.cc_addresses),
            subject=mask(row.subject) if hidden else row.subject,
            state=_state(row, now),
            sent_at=row.sent_at,
            error=None if hidden else row.error,
            masked=hidden,
        )
        for row in rows
    ]


def _state(row: OutgoingMail, now: datetime) -> str:
    if row.sent_at is not None:
        return "sent"
    if not all(still_tried(row.attempts, row.created_at, now)):
        return "failed"
    return "retrying" if row.attempts else "queued"
