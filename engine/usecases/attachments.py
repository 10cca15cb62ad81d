"""Files attached to a case, kept in the database (table ``attachments``) in the same
transaction as the audit entry that records them: backed up with the cases, never
separated from them. Limits: ``MAX_ATTACHMENT_BYTES`` and the ``ALLOWED_TYPES`` by file
extension, whose content must be what the extension claims (``file_types``: a program renamed
.pdf is refused); the stored content type comes from that list, never from the uploading browser.
A file may be confidential (by default on a case with confidential fields): then only its
uploader and those with ``confidential.read`` open it; the others see a masked name. One its
uploader left open is listed and downloaded by whoever sees the case, but named to those
without ``confidential.read`` with the case's confidential values masked in its name, its kind
of file still shown (陈小红来信.pdf → ******来信.pdf), as the case's history names it
(``confidentiality.case_secrets``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from storage.models import Attachment, ProcessInstance

from .. import access, clock
from ..access import Actor
from ..errors import FieldError, InvalidData, NotAllowed, NotFound
from ..text import control_character
from .closed_tasks import note_target
from .confidentiality import NO_SECRETS, Secrets, case_secrets, mask_filename, notes_confidential_by_default
from .context import audit
from .file_types import content_matches
from .visibility import round_scope, visible_case

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".wps": "application/vnd.ms-works",
    ".ofd": "application/ofd",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".zip": "application/zip",
}


@dataclass(frozen=True)
class AttachmentView:
    id: int
    instance_id: int
    task_id: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime
    confidential: bool = False
    withheld: bool = False  # confidential, and the reader may not read it: the file name is masked


# -- attachments --------------------------------------------------------------------
def check_upload(filename: str, content: bytes) -> str:
    """The content type to store for ``filename``; InvalidData when the file is refused. Its
    name is text people read (lists, the history, downloads, exports): no control character,
    nor a direction character that shows it as another kind of file (engine.text)."""
    size = len(content)
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if not name or suffix not in ALLOWED_TYPES:
        raise InvalidData({"file": FieldError("file_type", {"allowed": " ".join(sorted(ALLOWED_TYPES))})})
    if (refused := control_character(name)) is not None:
        raise InvalidData({"file": refused})
    if size == 0:
        raise InvalidData({"file": FieldError("file_empty")})
    if size > MAX_ATTACHMENT_BYTES:
        raise InvalidData({"file": FieldError("file_too_large", {"max_mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)})})
    if not content_matches(suffix, content):  # served as its extension says: it must be one
        raise InvalidData({"file": FieldError("file_content", {"file": name, "type": suffix})})
    return ALLOWED_TYPES[suffix]


MAX_FILENAME_CHARS = 255  # storage.models.Attachment.filename


def stored_name(filename: str) -> str:
    """``filename`` without its folders, as kept: a name too long for its column shortened
    in its stem, never in its extension, which says what kind of file it is (and which the
    download is served as)."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    if len(name) <= MAX_FILENAME_CHARS:
        return name
    suffix = PurePosixPath(name).suffix  # one of ALLOWED_TYPES (check_upload): a few characters
    return name[: MAX_FILENAME_CHARS - len(suffix)] + suffix


def add_attachment(
    session: Session,
    actor: Actor,
    filename: str,
    content: bytes,
    *,
    task_id: str | None = None,
    instance_id: int | None = None,
    confidential: bool | None = None,
) -> AttachmentView:
    """Attach a file to a case one may see (or to the case of a task, while the task takes
    notes: ``closed_tasks.note_target``). ``confidential`` None: the case's default
    (confidential on a case with confidential fields)."""
    content_type = check_upload(filename, content)
    case_id, _definition_id, task = note_target(session, actor, instance_id, task_id)
    if confidential is None:
        confidential = notes_confidential_by_default(session, case_id)
    name = stored_name(filename)
    row = Attachment(
        instance_id=case_id,
        task_id=task,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor.username,
        created_at=clock.now(),
        content=content,
        confidential=confidential,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "attach",
        instance_id=case_id,
        task_id=task,
        data={"attachment_id": row.id, "filename": name, "size": len(content), "confidential": confidential},
    )
    return _attachment_view(actor, row)


def attachments(session: Session, actor: Actor, instance_id: int) -> list[AttachmentView]:
    """The files of a case one may see (without their content; another round's are that round's)."""
    instance = visible_case(session, actor, instance_id)
    return round_scope(session, actor, instance).visible(list_attachments(session, actor, instance_id))


def list_attachments(session: Session, actor: Actor, instance_id: int) -> list[AttachmentView]:
    """For callers that already found the case visible (the page use cases)."""
    rows = list(
        session.scalars(
            select(Attachment)
            .where(Attachment.instance_id == instance_id)
            .order_by(Attachment.created_at, Attachment.id)
        )
    )
    secrets = NO_SECRETS
    # a file others uploaded and ``actor`` may open: named without the case's confidential values
    if any(_named_by_another(actor, a) for a in rows):
        secrets = _secrets(session, actor, instance_id)
    return [_attachment_view(actor, a, secrets) for a in rows]


def _secrets(session: Session, actor: Actor, instance_id: int) -> Secrets:
    instance = session.get(ProcessInstance, instance_id)
    return case_secrets(session, actor, instance_id, instance.definition_id) if instance else NO_SECRETS


def attachment_content(session: Session, actor: Actor, attachment_id: int) -> tuple[AttachmentView, bytes]:
    """A file of a case one may see; a confidential one only for its uploader and those with
    ``confidential.read``."""
    row = session.scalars(
        select(Attachment).where(Attachment.id == attachment_id).options(undefer(Attachment.content))
    ).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id}", "no_attachment", attachment=attachment_id)
    try:
        instance = visible_case(session, actor, row.instance_id)
        if row.task_id and round_scope(session, actor, instance).hides(row.task_id):  # another round's file
            raise NotFound(f"no attachment {attachment_id}")
    except NotFound:
        raise NotFound(f"no attachment {attachment_id}", "no_attachment", attachment=attachment_id) from None
    secrets = _secrets(session, actor, row.instance_id) if _named_by_another(actor, row) else NO_SECRETS
    view = _attachment_view(actor, row, secrets)  # named as listed: the download keeps that name
    if view.withheld:
        raise NotAllowed(
            f"attachment {attachment_id} is confidential: {actor.username} may not read it "
            f"(needs the permission {access.Permission.CONFIDENTIAL_READ.value})",
            "needs_permission",
            permission=access.Permission.CONFIDENTIAL_READ.value,
        )
    return view, row.content


def _readable(actor: Actor, a: Attachment) -> bool:
    return access.may_read_note(actor, confidential=a.confidential, author=a.uploaded_by)


def _named_by_another(actor: Actor, a: Attachment) -> bool:
    """Whether ``actor`` reads the name of a file someone else named (the case's confidential
    values are then masked in it)."""
    return a.uploaded_by != actor.username and _readable(actor, a)


def _attachment_view(actor: Actor, a: Attachment, secrets: Secrets = NO_SECRETS) -> AttachmentView:
    """``a`` as ``actor`` reads it: withheld (its name masked), or named in full to its
    uploader, else with ``secrets`` (the values ``actor`` may not read) masked in its name."""
    readable = _readable(actor, a)
    if not readable:
        name = mask_filename(a.filename)
    elif a.uploaded_by == actor.username:
        name = a.filename
    else:
        name = _redacted_name(a.filename, secrets)
    return AttachmentView(
        a.id,
        a.instance_id,
        a.task_id,
        name,
        a.content_type,
        a.size,
        a.sha256 if readable else "",
        a.uploaded_by,
        a.created_at,
        a.confidential,
        not readable,
    )


def _redacted_name(filename: str, secrets: Secrets) -> str:
    """``filename`` with ``secrets`` masked in its name, never in its extension: the kind of
    file still shows (陈小红来信.pdf → ******来信.pdf), as ``mask_filename`` keeps it."""
    path = PurePosixPath(filename)
    return f"{secrets.redacted(path.stem)}{path.suffix}"
