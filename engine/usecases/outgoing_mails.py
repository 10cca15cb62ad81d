"""The mail processes send (a mail task: engine/bpmn/mail_tasks.py), queued as a transactional
outbox: the mails the engine rendered while it moved a case are written to ``outgoing_mails``
in the transaction that saves the case (``persist.save_instance``), each with an entry
``mail_queued`` in the case's history naming its recipients. Whatever rolls the case back
rolls its mail back too; nothing is sent from here. The scheduler's outbox round sends them
when SMTP is configured (engine/notifications/process_mail.py); without it they stay queued.

Recipients are whoever the process names, on the roster or not: a deployed process is the
organisation's decision, and its designer wrote them. But a recipient whose address a
confidential form field of the process holds (a petitioner's) is queued a mail of their own,
with no other recipient, and the others' mail does not name them (engine.bpmn.mail_rendering
``split_confidential``): deploy refuses a mail task naming one beside other recipients, and
this keeps the versions deployed before that from showing the petitioner's address to the
handling unit.

A mail whose ``to`` gave no address because what it reads was left empty (an optional form
field: the petitioner has no e-mail address) is kept as not sent, with that reason, and never
sent (its ``sent_at`` is when it was found so: the outbox is done with it); the case goes on.

The case page says each mail's state (``MailView``): sent, partly refused (some recipients
refused by the server: named), failed (every ``to`` refused, or tried too often), not sent
(no recipient), waiting, retrying; its reason in the reader's language from what the row
stored (engine.notifications.process_mail ``read_error``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import OutgoingMail, ProcessInstance

from .. import clock
from ..bpmn.mail_rendering import QueuedMail, bare, split_confidential
from ..notifications.process_mail import NO_RECIPIENT, REFUSED, MailError, no_recipient_error, read_error
from ..notifications.smtp import still_tried
from .confidentiality import case_confidential, mask
from .context import SYSTEM, audit


def queue(session: Session, instance_id: int, mails: Sequence[QueuedMail]) -> None:
    """Queue the mails a case's mail tasks rendered, a confidential recipient's apart, and say
    so in its history; keep those not sent for want of a recipient, saying why."""
    if not mails:
        return
    instance = session.get(ProcessInstance, instance_id)
    # a called case's too: the petitioner's address its caller passed it (case_confidential)
    confidential = case_confidential(session, instance) if instance else frozenset()
    mails = [part for mail in mails for part in split_confidential(mail, confidential)]
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
                # not sent: the outbox is done with it (never sent), the reason kept
                "sent_at": now if mail.unsent else None,
                "error": no_recipient_error(mail.left_empty) if mail.unsent else None,
            }
            for mail in mails
        ],
    )
    for mail in mails:
        if mail.unsent:
            continue
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
    ``partial`` (sent, but the server refused some of its recipients: ``refused``),
    ``queued`` (not tried yet, or SMTP is not configured), ``retrying`` (the server refused it,
    it is tried again), ``failed`` (every ``to`` recipient refused; or tried ``MAX_ATTEMPTS``
    times, or older than ``MAX_AGE``: not sent any more) or ``unsent`` (its ``to`` gave no
    address: ``left_empty`` names the variables it reads, left empty). ``problem`` is what its
    stored error says (``refused``, ``no_recipient``, ``expired``, ``other``: ``error`` the
    server's own words; None: nothing). On a case with confidential fields the recipients and
    the subject are masked, and the refused addresses and the server's words withheld, for
    whoever may not read them (an address may be a petitioner's)."""

    bpmn_id: str
    to: list[str]
    cc: list[str]
    subject: str
    state: str
    sent_at: datetime | None
    error: str | None
    masked: bool
    problem: str | None = None
    refused: list[str] = field(default_factory=list)
    left_empty: list[str] = field(default_factory=list)


def of_case(session: Session, instance_id: int, *, hidden: bool) -> list[MailView]:
    """The mails of a case the caller has let its reader see, oldest first; ``hidden``: the
    reader may not read some of its fields (its case page says which)."""
    rows = session.scalars(
        select(OutgoingMail).where(OutgoingMail.instance_id == instance_id).order_by(OutgoingMail.id)
    ).all()
    now = clock.now()
    return [_view(row, now, hidden) for row in rows]


def _view(row: OutgoingMail, now: datetime, hidden: bool) -> MailView:
    said = read_error(row.error)
    state = _state(row, now, said)
    return MailView(
        bpmn_id=row.bpmn_id,
        to=mask(list(row.to_addresses)) if hidden else list(row.to_addresses),
        cc=mask(list(row.cc_addresses)) if hidden else list(row.cc_addresses),
        subject=mask(row.subject) if hidden else row.subject,
        state=state,
        sent_at=row.sent_at if state in ("sent", "partial") else None,
        error=None if hidden or said is None or said.kind != "other" else said.text,
        masked=hidden,
        problem=said.kind if said else None,
        refused=[] if hidden or said is None else list(said.addresses),
        left_empty=list(said.variables) if said else [],
    )


def _state(row: OutgoingMail, now: datetime, said: MailError | None) -> str:
    if said is not None and said.kind == NO_RECIPIENT:
        return "unsent"
    if row.sent_at is not None:
        if said is not None and said.kind == REFUSED:
            gone = {bare(address) for address in said.addresses}
            to = {bare(entry) for entry in row.to_addresses}
            return "failed" if to and to <= gone else "partial"
        return "sent"
    if not all(still_tried(row.attempts, row.created_at, now)):
        return "failed"
    return "retrying" if row.attempts else "queued"
