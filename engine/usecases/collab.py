"""Working together on a case: comments, file attachments and form drafts.

Attachments are kept in the database (table ``attachments``), in the same transaction as
the audit entry that records them: backed up with the cases, never separated from them.
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

from storage import repositories as repo
from storage.enums import WorkItemState
from storage.models import Attachment, Comment, ProcessInstance, WorkItem

from .. import clock
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from .confidentiality import may_see_case
from .context import Actor, audit, processes
from .tasks import may_act, may_see

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
    body: str
    created_at: datetime


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


def _case(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"no case {instance_id}")
    if not may_see_case(session, actor, instance):
        raise NotAllowed(f"{actor.username} may not see case {instance_id}")
    return instance


def _task(session: Session, actor: Actor, task_id: str) -> WorkItem:
    item = repo.work_item_by_task(session, task_id)
    if item is None:
        raise NotFound(f"no task {task_id}")
    if not may_see(actor, item):
        raise NotAllowed(f"{actor.username} may not see task {task_id}")
    return item


def _target(session: Session, actor: Actor, instance_id: int | None, task_id: str | None) -> tuple[int, str | None]:
    if task_id:
        return _task(session, actor, task_id).instance_id, task_id
    if instance_id is None:
        raise InvalidData({"instance_id": "a case or a task is needed"})
    return _case(session, actor, instance_id).id, None


# -- comments -----------------------------------------------------------------------
def add_comment(session: Session, actor: Actor, body: str, *, task_id: str | None = None,
                instance_id: int | None = None) -> CommentView:
    """Comment on a task (anyone who may see it) or on a case (anyone who may see it)."""
    body = (body or "").strip()
    if not body:
        raise InvalidData({"body": "required"})
    if len(body) > MAX_COMMENT_CHARS:
        raise InvalidData({"body": f"at most {MAX_COMMENT_CHARS} characters"})
    case_id, task = _target(session, actor, instance_id, task_id)
    comment = Comment(instance_id=case_id, task_id=task, author=actor.username, body=body, created_at=clock.now())
    session.add(comment)
    session.flush()
    audit(session, actor, "comment", instance_id=case_id, task_id=task, data={"comment_id": comment.id})
    return _comment_view(comment)


def comments(session: Session, actor: Actor, instance_id: int) -> list[CommentView]:
    _case(session, actor, instance_id)
    return list_comments(session, instance_id)


def list_comments(session: Session, instance_id: int) -> list[CommentView]:
    """No authorization: for callers that already checked the case (page use cases)."""
    rows = session.scalars(select(Comment).where(Comment.instance_id == instance_id)
                           .order_by(Comment.created_at, Comment.id))
    return [_comment_view(c) for c in rows]


def _comment_view(c: Comment) -> CommentView:
    return CommentView(c.id, c.instance_id, c.task_id, c.author, c.body, c.created_at)


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
                   task_id: str | None = None, instance_id: int | None = None) -> AttachmentView:
    content_type = check_upload(filename, len(content))
    case_id, task = _target(session, actor, instance_id, task_id)
    name = PurePosixPath(filename.replace("\\", "/")).name[:255]
    row = Attachment(instance_id=case_id, task_id=task, filename=name, content_type=content_type, size=len(content),
                     sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor.username,
                     created_at=clock.now(), content=content)
    session.add(row)
    session.flush()
    audit(session, actor, "attach", instance_id=case_id, task_id=task,
          data={"attachment_id": row.id, "filename": name, "size": len(content)})
    return _attachment_view(row)


def attachments(session: Session, actor: Actor, instance_id: int) -> list[AttachmentView]:
    _case(session, actor, instance_id)
    return list_attachments(session, instance_id)


def list_attachments(session: Session, instance_id: int) -> list[AttachmentView]:
    rows = session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                           .order_by(Attachment.created_at, Attachment.id))
    return [_attachment_view(a) for a in rows]


def attachment_content(session: Session, actor: Actor, attachment_id: int) -> tuple[AttachmentView, bytes]:
    row = session.scalars(select(Attachment).where(Attachment.id == attachment_id)
                          .options(undefer(Attachment.content))).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    _case(session, actor, row.instance_id)
    return _attachment_view(row), row.content


def _attachment_view(a: Attachment) -> AttachmentView:
    return AttachmentView(a.id, a.instance_id, a.task_id, a.filename, a.content_type, a.size, a.sha256,
                          a.uploaded_by, a.created_at)


# -- drafts -------------------------------------------------------------------------
def save_draft(session: Session, actor: Actor, task_id: str, data: dict[str, Any]) -> None:
    """Keep what was typed so far (not validated) on the work item, for whoever continues."""
    item = repo.work_item_by_task(session, task_id)
    if item is None:
        raise NotFound(f"no task {task_id}")
    if item.state != WorkItemState.READY:
        raise Conflict(f"task {item.name!r} is no longer open")
    if not may_act(actor, item):
        raise NotAllowed(f"{actor.username} may not work on task {item.name!r}")
    instance = session.get(ProcessInstance, item.instance_id)
    assert instance is not None
    meta = processes.get_by_id(session, instance.definition_id).tasks.get(item.bpmn_id)
    names = {f.id for f in meta.form.fields if not f.readonly} if meta else set()
    item.draft = {k: v for k, v in data.items()
                  if k in names and (v is None or isinstance(v, (str, int, bool, list)))}
    audit(session, actor, "save_draft", instance_id=item.instance_id, task_id=task_id, bpmn_id=item.bpmn_id)
    session.flush()

