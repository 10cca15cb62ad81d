"""/api/v1/tasks: the inbox with its filters, a task with its form, and the work on it."""

from __future__ import annotations

from uuid import UUID

from engine import clock
from engine.usecases import tasks
from storage.repositories import InboxFilter

from .common import actor, make_blueprint, reader, writer
from .forms import answered_form
from .schemas import (
    CompletedSchema,
    CompleteSchema,
    DraftSchema,
    HandOverSchema,
    TaskDetailSchema,
    TaskListArgs,
    TaskPageSchema,
    TaskSchema,
    UnclaimSchema,
)

bp = make_blueprint("tasks", "/tasks", "User tasks: the inbox and the work on each task (待办任务)")


@bp.get("")
@bp.arguments(TaskListArgs, location="query")
@bp.response(200, TaskPageSchema)
def list_tasks(args: dict):
    """One page of tasks (by default the earliest due first) and the total for the filter."""
    per_page, page = args["per_page"], args["page"]
    flt = InboxFilter(
        scope=args["scope"],
        process_key=args.get("process") or None,
        overdue_at=clock.now() if args["overdue"] else None,
        due_before=args.get("due_before"),
        group=args.get("unit") or None,
        text=(args.get("text") or "").strip() or None,
        sort=args["sort"],
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    rows, total = tasks.list_tasks(reader(), actor(), flt)
    return {"total": total, "page": page, "per_page": per_page, "items": rows}


@bp.get("/<uuid:task_id>")
@bp.response(200, TaskDetailSchema)
def task_detail(task_id: UUID):
    """The task with its form (its bounds evaluated against the case now, as the task page
    shows them), the case data it sees, your draft, history, comments, files."""
    page = tasks.task_page(reader(), actor(), str(task_id))
    return {
        "task": page.detail.summary,
        "form": answered_form(page.detail.form, page.bounds),
        "data": page.detail.data,
        "values": page.values,
        "has_draft": page.has_draft,
        "can_act": page.can_act,
        "can_claim": page.can_claim,
        "can_give_back": page.can_give_back,
        "hidden": sorted(page.hidden),
        "documentation": page.detail.documentation,
        "help": page.detail.help,
        "instance_status": page.instance_status,
        "history": page.history,
        "comments": page.comments,
        "attachments": page.attachments,
        "colleagues": [{"username": u, "display_name": n} for u, n in page.colleagues],
        "choices": page.choices,
        "draft_revision": page.draft_revision,
        "holding": page.holding,
    }


@bp.post("/<uuid:task_id>/claim")
@bp.response(200, TaskSchema)
def claim(task_id: UUID):
    """Take an unclaimed task of one of your groups."""
    with writer() as s:
        return tasks.claim(s, actor(), str(task_id))


@bp.post("/<uuid:task_id>/unclaim")
@bp.arguments(UnclaimSchema, required=False)  # no body at all: given back as it stands
@bp.response(200, TaskSchema)
def unclaim(args: dict, task_id: UUID):
    """Give a task you hold (or, reassigning tasks, someone holds) back to its groups; given
    ``seen`` (the task's ``holding``), 409 ``holding_changed`` when its holder handed it on or
    someone claimed it since, rather than take it from whoever holds it now unseen."""
    with writer() as s:
        return tasks.unclaim(s, actor(), str(task_id), seen=args["seen"])


@bp.post("/<uuid:task_id>/hand-over")
@bp.arguments(HandOverSchema)
@bp.response(200, TaskSchema)
def hand_over(args: dict, task_id: UUID):
    """Hand a task to a colleague who may work on it too, with a comment; given ``seen`` (the
    task's ``holding``), 409 ``holding_changed`` when someone claimed, handed on or gave back
    the task since."""
    with writer() as s:
        return tasks.hand_over(s, actor(), str(task_id), args["to"], args["comment"], seen=args["seen"])


@bp.post("/<uuid:task_id>/complete")
@bp.arguments(CompleteSchema)
@bp.response(200, CompletedSchema)
def complete(args: dict, task_id: UUID):
    """Submit the form: 422 with a message per field when it does not pass; 409 when
    someone else completed the task first (``already_completed``), or holds it now: claimed it,
    or was handed it, while it was yours or offered to you too (``held_by_another``; ``said``
    names who and when). A field the data leaves out takes its default, or
    else keeps the case's value (as Camunda does); but a ``fresh`` one answered in an earlier
    round is then its default or empty, as the task page's form sends it untouched. The
    answer names the tasks it opened that no active person can take (``nobody_to_take``: the
    completion stands all the same, as the task page says)."""
    with writer() as s:
        following = tasks.complete(s, actor(), str(task_id), args["data"])
    untaken = sorted(t.task_id for t in following if t.nobody_to_take)
    return {"completed": str(task_id), "open_tasks": following, "nobody_to_take": untaken}


# the revision of the draft a save made (tasks.draft_revision): the next save's ``revision``
DRAFT_REVISION = "Draft-Revision"


@bp.put("/<uuid:task_id>/draft")
@bp.arguments(DraftSchema)
@bp.response(
    204,
    headers={
        DRAFT_REVISION: {
            "description": "the saved draft's revision: send it as the next save's revision",
            "schema": {"type": "integer"},
        }
    },
)
def save_draft(args: dict, task_id: UUID):
    """Keep what was typed so far (not validated), for you to go on with: a draft is its
    author's until the task is submitted (nobody else's task page or values carry it). Given
    ``revision`` (the task's ``draft_revision``), 409 ``task_draft_saved_meanwhile`` when a
    draft was saved since, naming who saved it and when; the answer's Draft-Revision is the
    revision to send with the next save (one read afterwards may already be someone else's)."""
    with writer() as s:
        revision = tasks.save_draft(s, actor(), str(task_id), args["data"], seen=args["revision"])
    return None, 204, {DRAFT_REVISION: str(revision)}
