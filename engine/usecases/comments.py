"""Comments on a case, made on one of its tasks or on the case page. A comment may be
confidential (by default on a case with confidential fields, e.g. a petition): then only
its author and those with ``confidential.read`` read it; the others see that it is there
(``withheld``), never what it says. One its author left open is read by whoever sees the
case, but by those without ``confidential.read`` with the case's confidential values masked
in it (``confidentiality.case_secrets``): "已电话联系陈小红" was left open all the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Comment, ProcessInstance

from .. import access, clock
from ..access import Actor
from ..errors import FieldError, InvalidData
from ..text import control_character
from .closed_tasks import note_target
from .confidentiality import NO_SECRETS, Secrets, case_secrets, notes_confidential_by_default
from .context import audit
from .visibility import round_scope, visible_case

MAX_COMMENT_CHARS = 4000


@dataclass(frozen=True)
class CommentView:
    id: int
    instance_id: int
    task_id: str | None
    author: str
    body: str  # "" when withheld
    created_at: datetime
    confidential: bool = False
    withheld: bool = False  # confidential, and the reader may not read it


# -- comments -----------------------------------------------------------------------
def add_comment(
    session: Session,
    actor: Actor,
    body: str,
    *,
    task_id: str | None = None,
    instance_id: int | None = None,
    confidential: bool | None = None,
) -> CommentView:
    """Comment on a task or a case one may see; on a task only while it takes notes
    (``closed_tasks.note_target``: a task of a cancelled case, or withdrawn, is refused with
    why). ``confidential`` None: the case's default (confidential on a case with confidential
    fields)."""
    body = (body or "").strip()
    if not body:
        raise InvalidData({"body": FieldError("required")})
    if len(body) > MAX_COMMENT_CHARS:
        raise InvalidData({"body": FieldError("max_length", {"max": MAX_COMMENT_CHARS})})
    if (refused := control_character(body)) is not None:
        raise InvalidData({"body": refused})
    case_id, _definition_id, task = note_target(session, actor, instance_id, task_id)
    if confidential is None:
        confidential = notes_confidential_by_default(session, case_id)
    comment = Comment(
        instance_id=case_id,
        task_id=task,
        author=actor.username,
        body=body,
        created_at=clock.now(),
        confidential=confidential,
    )
    session.add(comment)
    session.flush()
    audit(
        session,
        actor,
        "comment",
        instance_id=case_id,
        task_id=task,
        data={"comment_id": comment.id, "confidential": confidential},
    )
    return _comment_view(actor, comment)


def comments(session: Session, actor: Actor, instance_id: int) -> list[CommentView]:
    """The comments on a case one may see, oldest first (another round's are that round's)."""
    instance = visible_case(session, actor, instance_id)
    return round_scope(session, actor, instance).visible(list_comments(session, actor, instance_id))


def list_comments(session: Session, actor: Actor, instance_id: int) -> list[CommentView]:
    """For callers that already found the case visible (the page use cases)."""
    rows = list(
        session.scalars(
            select(Comment).where(Comment.instance_id == instance_id).order_by(Comment.created_at, Comment.id)
        )
    )
    secrets = NO_SECRETS
    # what others wrote and ``actor`` may read: said without the case's confidential values
    if any(c.author != actor.username and _readable(actor, c) for c in rows):
        instance = session.get(ProcessInstance, instance_id)
        if instance is not None:
            secrets = case_secrets(session, actor, instance_id, instance.definition_id)
    return [_comment_view(actor, c, secrets) for c in rows]


def _readable(actor: Actor, c: Comment) -> bool:
    return access.may_read_note(actor, confidential=c.confidential, author=c.author)


def _comment_view(actor: Actor, c: Comment, secrets: Secrets = NO_SECRETS) -> CommentView:
    """``c`` as ``actor`` reads it: withheld, or in full to its author, else with ``secrets``
    (the values ``actor`` may not read) masked in it."""
    readable = _readable(actor, c)
    body = c.body if c.author == actor.username else secrets.redacted(c.body)
    return CommentView(
        c.id, c.instance_id, c.task_id, c.author, body if readable else "", c.created_at, c.confidential, not readable
    )
