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

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import OutgoingMail

from .. import clock
from ..bpmn.mail_rendering import QueuedMail
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
