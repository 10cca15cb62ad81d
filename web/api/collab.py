"""Comments and file attachments on cases and tasks."""

from __future__ import annotations

from io import BytesIO
from uuid import UUID

from flask import send_file

from engine.usecases import attachments, comments

from ..exports import attachment_names
from .common import FORM_AND_FILES, actor, make_blueprint, reader, writer
from .schemas import (
    AttachmentSchema,
    AttachmentUploadSchema,
    CommentInSchema,
    CommentSchema,
)

bp = make_blueprint("collab", "", "Comments and attachments (意见与附件)")

CASE = "/instances/<int(max=2147483647):instance_id>"
TASK = "/tasks/<uuid:task_id>"


@bp.get(CASE + "/comments")
@bp.response(200, CommentSchema(many=True))
def case_comments(instance_id: int):
    """The comments on a case, oldest first."""
    return comments.comments(reader(), actor(), instance_id)


@bp.post(CASE + "/comments")
@bp.arguments(CommentInSchema)
@bp.response(201, CommentSchema)
def comment_case(args: dict, instance_id: int):
    """Comment on a case you may see."""
    with writer() as s:
        return comments.add_comment(
            s, actor(), args["body"], instance_id=instance_id, confidential=args["confidential"]
        )


@bp.post(TASK + "/comments")
@bp.arguments(CommentInSchema)
@bp.response(201, CommentSchema)
def comment_task(args: dict, task_id: UUID):
    """Comment on a task you may see."""
    with writer() as s:
        return comments.add_comment(s, actor(), args["body"], task_id=str(task_id), confidential=args["confidential"])


@bp.get(CASE + "/attachments")
@bp.response(200, AttachmentSchema(many=True))
def case_attachments(instance_id: int):
    """The files attached to a case (without their content)."""
    return attachments.attachments(reader(), actor(), instance_id)


@bp.post(CASE + "/attachments")
@bp.arguments(AttachmentUploadSchema, location=FORM_AND_FILES)
@bp.response(201, AttachmentSchema)
def attach_to_case(body: dict, instance_id: int):
    """Attach a file (multipart field ``file``; size and type limited; field ``confidential``)."""
    upload = body["file"]
    with writer() as s:
        return attachments.add_attachment(
            s, actor(), upload.filename or "", upload.read(), instance_id=instance_id, confidential=body["confidential"]
        )


@bp.post(TASK + "/attachments")
@bp.arguments(AttachmentUploadSchema, location=FORM_AND_FILES)
@bp.response(201, AttachmentSchema)
def attach_to_task(body: dict, task_id: UUID):
    """Attach a file to the case of a task, noting the task."""
    upload = body["file"]
    with writer() as s:
        return attachments.add_attachment(
            s, actor(), upload.filename or "", upload.read(), task_id=str(task_id), confidential=body["confidential"]
        )


@bp.get("/attachments/<int(max=2147483647):attachment_id>")
@bp.doc(
    responses={
        "200": {
            "description": "the file",
            # the file's own type (text/plain, application/pdf, …), served as an attachment
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def download(attachment_id: int):
    """Download an attached file."""
    view, content = attachments.attachment_content(reader(), actor(), attachment_id)
    response = send_file(BytesIO(content), mimetype=view.content_type, as_attachment=True, download_name=view.filename)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(attachment_id, view.filename))
    return response
