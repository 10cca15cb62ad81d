"""Working together on a case: comments, file attachments and form drafts.

Attachments are kept in the database (table ``attachments``), in the same transaction as
the audit entry that records them: backed up with the cases, never separated from them.
A comment or attachment may be confidential (by default on a case with confidential fields,
e.g. a petition): then only its author and those with ``confidential.read`` read it; the
others see that it is there (``withheld``), never what it says or whose letter it is.
Limits: ``MAX_ATTACHMENT_BYTES`` and the ``ALLOWED_TYPES`` by file extension; the stored
content type comes from that list, never from the uploading browser.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from storage.enums import WorkItemState
from storage.models import Attachment, Comment

from .. import access, clock
from ..access import Actor
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from .confidentiality import hidden_fields, mask_filename, notes_confidential_by_default
from .context import audit, processes
from .visibility import visible_case, visible_task

MAX_COMMENT_CHARS = 4000
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
class CommentView:
    id: int
    instance_id: int
    task_id: str | None
    author: str
    body: str                # "" when withheld
    created_at: datetime
    confidential: bool = False
    withheld: bool = False   # confidential, and the reader may not read it


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
    withheld: bool = False   # confidential, and the reader may not read it: the file name is masked


def _target(session: Session, actor: Actor, instance_id: int | None,
            task_id: str | None) -> tuple[int, int, str | None]:
    """(case id, its definition id, task id) of a case or task ``actor`` may see."""
    if task_id:
        item, instance = visible_task(session, actor, task_id)
        return instance.id, instance.definition_id, task_id
    if instance_id is None:
        raise InvalidData({"instance_id": "a case or a task is needed"})
    instance = visible_case(session, actor, instance_id)
    return instance.id, instance.definition_id, None


# -- comments -----------------------------------------------------------------------
def add_comment(session: Session, actor: Actor, body: str, *, task_id: str | None = None,
                instance_id: int | None = None, confidential: bool | None = None) -> CommentView:
    """Comment on a task or a case one may see. ``confidential`` None: the case's default
    (confidential on a case with confidential fields)."""
    body = (body or "").strip()
    if not body:
        raise InvalidData({"body": "required"})
    if len(body) > MAX_COMMENT_CHARS:
        raise InvalidData({"body": f"at most {MAX_COMMENT_CHARS} characters"})
    case_id, definition_id, task = _target(session, actor, instance_id, task_id)
    if confidential is None:
        confidential = notes_confidential_by_default(session, definition_id)
    comment = Comment(instance_id=case_id, task_id=task, author=actor.username, body=body, created_at=clock.now(),
                      confidential=confidential)
    session.add(comment)
    session.flush()
    audit(session, actor, "comment", instance_id=case_id, task_id=task,
          data={"comment_id": comment.id, "confidential": confidential})
    return _comment_view(actor, comment)


def comments(session: Session, actor: Actor, instance_id: int) -> list[CommentView]:
    """The comments on a case one may see, oldest first."""
    visible_case(session, actor, instance_id)
    return list_comments(session, actor, instance_id)


def list_comments(session: Session, actor: Actor, instance_id: int) -> list[CommentView]:
    """For callers that already found the case visible (the page use cases)."""
    rows = session.scalars(select(Comment).where(Comment.instance_id == instance_id)
                           .order_by(Comment.created_at, Comment.id))
    return [_comment_view(actor, c) for c in rows]


def _comment_view(actor: Actor, c: Comment) -> CommentView:
    readable = access.may_read_note(actor, confidential=c.confidential, author=c.author)
    return CommentView(c.id, c.instance_id, c.task_id, c.author, c.body if readable else "", c.created_at,
                       c.confidential, not readable)


# -- attachments --------------------------------------------------------------------
def check_upload(filename: str, size: int) -> str:
    """The content type to store for ``filename``; InvalidData when the file is refused."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if not name or suffix not in ALLOWED_TYPES:
        raise InvalidData({"file": f"file type not allowed; allowed: {' '.join(sorted(ALLOWED_TYPES))}"})
    if size == 0:
        raise InvalidData({"file": "the file is empty"})
    if size > MAX_ATTACHMENT_BYTES:
        raise InvalidData({"file": f"larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"})
    return ALLOWED_TYPES[suffix]


def add_attachment(session: Session, actor: Actor, filename: str, content: bytes, *,
                   task_id: str | None = None, instance_id: int | None = None,
                   confidential: bool | None = None) -> AttachmentView:
    """Attach a file to a case one may see (or to the case of a task). ``confidential``
    None: the case's default (confidential on a case with confidential fields)."""
    content_type = check_upload(filename, len(content))
    case_id, definition_id, task = _target(session, actor, instance_id, task_id)
    if confidential is None:
        confidential = notes_confidential_by_default(session, definition_id)
    name = PurePosixPath(filename.replace("\\", "/")).name[:255]
    row = Attachment(instance_id=case_id, task_id=task, filename=name, content_type=content_type, size=len(content),
                     sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor.username,
                     created_at=clock.now(), content=content, confidential=confidential)
    session.add(row)
    session.flush()
    audit(session, actor, "attach", instance_id=case_id, task_id=task,
          data={"attachment_id": row.id, "filename": name, "size": len(content), "confidential": confidential})
    return _attachment_view(actor, row)


def attachments(session: Session, actor: Actor, instance_id: int) -> list[AttachmentView]:
    """The files of a case one may see (without their content)."""
    visible_case(session, actor, instance_id)
    return list_attachments(session, actor, instance_id)


def list_attachments(session: Session, actor: Actor, instance_id: int) -> list[AttachmentView]:
    """For callers that already found the case visible (the page use cases)."""
    rows = session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                           .order_by(Attachment.created_at, Attachment.id))
    return [_attachment_view(actor, a) for a in rows]


def attachment_content(session: Session, actor: Actor, attachment_id: int) -> tuple[AttachmentView, bytes]:
    """A file of a case one may see; a confidential one only for its uploader and those with
    ``confidential.read``."""
    row = session.scalars(select(Attachment).where(Attachment.id == attachment_id)
                          .options(undefer(Attachment.content))).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    try:
        visible_case(session, actor, row.instance_id)
    except NotFound:
        raise NotFound(f"no attachment {attachment_id}") from None
    view = _attachment_view(actor, row)
    if view.withheld:
        raise NotAllowed(f"attachment {attachment_id} is confidential: {actor.username} may not read it "
                         f"(needs the permission {access.Permission.CONFIDENTIAL_READ.value})")
    return view, row.content


def _attachment_view(actor: Actor, a: Attachment) -> AttachmentView:
    readable = access.may_read_note(actor, confidential=a.confidential, author=a.uploaded_by)
    return AttachmentView(a.id, a.instance_id, a.task_id, a.filename if readable else mask_filename(a.filename),
                          a.content_type, a.size, a.sha256 if readable else "", a.uploaded_by, a.created_at,
                          a.confidential, not readable)


# -- drafts -------------------------------------------------------------------------
def save_draft(session: Session, actor: Actor, task_id: str, data: dict[str, Any]) -> None:
    """Keep what was typed so far (not validated) on the work item, for whoever continues."""
    item, instance = visible_task(session, actor, task_id)
    if item.state != WorkItemState.READY:
        raise Conflict(f"task {item.name!r} is no longer open")
    if not access.may_act(actor, item):
        raise NotAllowed(f"{actor.username} may not work on task {item.name!r}")
    meta = processes.get_by_id(session, instance.definition_id).tasks.get(item.bpmn_id)
    hidden = hidden_fields(session, actor, instance.definition_id)
    names = {f.id for f in meta.form.fields if not f.readonly and f.id not in hidden} if meta else set()
    item.draft = {k: v for k, v in data.items()
                  if k in names and (v is None or isinstance(v, (str, int, bool, list)))}
    audit(session, actor, "save_draft", instance_id=item.instance_id, task_id=task_id, bpmn_id=item.bpmn_id)
    session.flush()

