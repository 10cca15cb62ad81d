"""The task page: the case's key facts, the task's form (complete or save as draft),
comments, attachments and the history so far."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import clock
from engine.errors import AlreadyCompleted, Conflict, FieldError, HeldByAnother, InvalidData, NotFound
from engine.usecases import attachments, cases, closed_tasks, comments, tasks
from engine.usecases.labels import department_names, people_names
from engine.usecases.results import TaskSummary
from engine.usecases.tasks import task_form, task_page

from .. import database
from ..auth import current_actor
from ..errors import Said, say, title_of
from ..i18n import due
from ..roles import group_name
from .cases import RefusedComment, confidential_choice, refused_comment, show_case
from .formdata import as_typed, editable, field_messages, read_form

bp = Blueprint("tasks", __name__)

# What a submission refused meanwhile lost to, which says what the kept values are for: someone
# else holds the task now ("holder": to pass on to them), someone completed it first
# ("completion": to copy into a comment on it), or it closed undone, its case cancelled or the
# task withdrawn by the process ("closing": its page takes no more comments; the case page does)
LostTo = Literal["holder", "completion", "closing"]


def _render(
    task_id: str,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    comment: RefusedComment | None = None,
    taken: Said | None = None,
    lost_to: LostTo = "holder",
    status: int = 200,
):
    """The task page; ``taken``: the reader's submission was refused because the task changed
    meanwhile (``lost_to`` says how): what the page says of it above the form, kept as typed to
    copy from."""
    page = task_page(database.session(), current_actor(), task_id)
    form = page.detail.form
    fields = editable(form, page.hidden)
    values = {**page.values, **(values or {})}
    return render_template(
        "tasks/show.html",
        page=page,
        t=page.detail.summary,
        fields=fields,
        values=values,
        shown=form.shown(values),
        errors=field_messages(errors or {}, form),
        hand_over_note_chars=tasks.HAND_OVER_NOTE_CHARS,
        refused_comment=comment,
        taken=taken,
        lost_to=lost_to,
    ), status


@bp.get("/tasks/<task_id>")
def show(task_id: str):
    return _render(task_id)


@bp.post("/tasks/<task_id>")
def submit(task_id: str):
    actor = current_actor()
    # a reader: a writer's session would take SQLite's write lock to read the form, and end in a
    # ROLLBACK, at which psycopg forgets the statements it prepared on that connection
    try:
        with database.session_factory(read_only=True)() as s:
            form, hidden = task_form(s, actor, task_id)
    except NotFound as exc:
        if exc.reason != "no_task":
            raise
        return _left_unit(task_id, exc)
    data = read_form(form, request.form, hidden)
    if request.form.get("action") == "draft":
        try:
            seen = seen_on_page(DRAFT_SEEN)
            with database.session_factory().begin() as s:
                tasks.save_draft(s, actor, task_id, data, seen=seen)
        except InvalidData as exc:
            return _render(task_id, values=data, errors=exc.field_errors, status=422)
        except Conflict as exc:
            if exc.reason == "task_draft_saved_meanwhile":
                return _draft_refused(task_id, data, exc)
            if (lost_to := _lost_to(exc)) is None:
                raise
            return _kept(task_id, data, exc, lost_to)
        flash(_("草稿已保存。"), "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    started = clock.now()
    try:
        with database.session_factory().begin() as s:
            following = tasks.complete(s, actor, task_id, data)
            running = not following and cases.still_running(s, actor, task_id)
            units = department_names(s)
            people = people_names(s, [t.assignee for t in following if t.assignee])
    except InvalidData as exc:
        return _render(task_id, values=data, errors=exc.field_errors, status=422)
    except Conflict as exc:
        if (lost_to := _lost_to(exc)) is None:
            raise  # any other conflict: the error page says it
        return _kept(task_id, data, exc, lost_to)
    flash(*_next_step(following, started, units, people, running))
    mine = [t for t in following if t.assignee == actor.username]
    if mine:
        return redirect(url_for("tasks.show", task_id=mine[0].task_id))
    return redirect(url_for("inbox.index"))


# The hidden fields by which the task page says what it read: the draft (tasks.save_draft's
# seen) and the latest claim, hand-over or give-back (tasks.hand_over's and tasks.unclaim's
# seen), each a revision
DRAFT_SEEN = "draft_seen"
HOLDING_SEEN = "holding_seen"


def seen_on_page(name: str) -> int | None:
    """The revision the page's hidden field ``name`` carries (None: the form does not carry one:
    a page served before it did, the inbox's rows); anything but a number is refused naming it."""
    raw = request.form.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):  # an audit entry's id
        raise InvalidData({name: FieldError("not_a_number")})
    return int(raw)


def _draft_refused(task_id: str, data: dict, exc: Conflict):
    """A draft refused because another was saved after the page read its draft (another tab,
    a colleague of the unit): the page again, what was typed still in its form to go on with,
    which now names the newer draft as read, so that saving once more overwrites it (the
    choice is the reader's, said above the form)."""
    said = say(exc)
    if said is not None:
        flash(_("%(said)s%(more)s", said=said.text, more=said.hint) if said.hint else said.text, "error")
    return _render(task_id, values=data, status=409)


def _left_unit(task_id: str, not_found: NotFound):
    """The page of a submission of a task the reader may no longer see: moved out of the unit
    it is offered to while its page was open (closed_tasks.left_unit), it says so (403) and
    shows what they typed, read-only, to pass on; anything else is "no such task" (404), which
    tells nothing of a task they could never see."""
    with database.session_factory(read_only=True)() as s:
        left = closed_tasks.left_unit(s, current_actor(), task_id)
    if left is None:
        raise not_found
    kept = [
        (label, _("、").join(left.choices[name].get(v, v) for v in request.form.getlist(name) if v))
        for name, label in left.labels.items()
        if any(request.form.getlist(name))
    ]
    return render_template("tasks/left_unit.html", said=say(left.refusal), kept=kept), 403


def _lost_to(exc: Conflict) -> LostTo | None:
    """What a refused submission lost to, if it is a race the reader lost while filling in the
    form (None: some other conflict)."""
    if isinstance(exc, HeldByAnother):  # handed to a colleague, or taken back and claimed by one
        return "holder"
    if isinstance(exc, AlreadyCompleted):  # by someone else, or in another tab, first
        return "completion"
    if exc.reason in ("case_cancelled", "task_closed"):  # cancelled, or withdrawn by a timer, a 退回
        return "closing"
    return None


def _kept(task_id: str, data: dict, exc: Conflict, lost_to: LostTo):
    """The task page saying why the submission of ``data`` was refused (409), what the reader
    typed kept on it to copy from, with nothing to submit it with; only the fields they may
    read, as the form only ever reads those (read_form leaves out the hidden ones)."""
    said = say(exc)
    if said is not None and said.title is None:  # headed as the error page would head it
        said = replace(said, title=str(title_of(409)[0]))
    return _render(task_id, values=data, taken=said, lost_to=lost_to, status=409)


def _next_step(
    following: list[TaskSummary],
    started: datetime,
    units: dict[str, str],
    people: dict[str, str],
    running: bool = False,
) -> tuple[str, str]:
    """What happened and who acts next (a person by name, a unit by its name), for the
    message after a submission; a warning besides for each new task nobody active can take
    (``TaskSummary.nobody_to_take``), which would otherwise wait unseen."""
    # the same step again is a next step like any other: a loop the answer asked for (the
    # next issue registered, another round of follow-up), not something refused (what is
    # incomplete the form refuses before anything is submitted)
    new = [t for t in following if t.created_at >= started]
    if not following and running:  # waits for a worker, a message, a timer or a called case
        return _("已提交。案件正在等待（外部系统、消息或期限），目前没有需要人办理的任务。"), "success"
    if not following:
        return _("已提交，案件已办结。"), "success"
    if not new:
        return _("已提交。其他并行的任务仍在办理中。"), "success"
    steps = []
    for t in new:
        holder = _holder(t, units, people)
        if t.due_at is not None:
            steps.append(_("%(holder)s「%(task)s」，期限 %(due)s", holder=holder, task=t.name, due=due(t.due_at)))
        else:
            steps.append(_("%(holder)s「%(task)s」", holder=holder, task=t.name))
    said = _("已提交。下一步：%(steps)s。", steps=_("；").join(steps))
    warning = untaken_warning(new, units, people)
    if warning is None:
        return said, "success"
    return _("%(said)s%(more)s", said=said, more=warning), "warning"


def _holder(t: TaskSummary, units: dict[str, str], people: dict[str, str]) -> str:
    if t.assignee:
        return people.get(t.assignee, t.assignee)
    return _("、").join(group_name(g, units) for g in t.candidate_groups) or _("未指定")


def untaken_warning(opened: list[TaskSummary], units: dict[str, str], people: dict[str, str]) -> str | None:
    """What to say of the tasks just opened (by a submission, or a start) that no active person
    can take (``TaskSummary.nobody_to_take``), which would otherwise wait unseen; None: none.
    The action stands all the same (nothing is refused for it): said, for the office to put it
    right."""
    warnings = [
        _("注意：目前没有在用的人员能办理「%(task)s」（%(holder)s）。", task=t.name, holder=_holder(t, units, people))
        for t in opened
        if t.nobody_to_take
    ]
    if not warnings:
        return None
    warnings.append(_("请管理员在“系统管理 → 用户”中添加或恢复人员，或请人大办主任将任务转交他人。"))
    said = warnings[0]
    for more in warnings[1:]:
        said = _("%(said)s%(more)s", said=said, more=more)  # a space between sentences in English
    return said


def _closed_case(exc: Conflict) -> int | None:
    """The case of a task a comment or file was refused on because the task closed while its
    page was open (its case cancelled, or the process withdrew it), whose own page still takes
    notes (closed_tasks.note_target); None: another conflict."""
    if exc.reason in ("case_cancelled", "task_closed"):
        return int(exc.params["case"])
    return None


def _said_text(exc: Conflict) -> str:
    said = say(exc)
    return said.text if said is not None else str(exc)


# The addresses the task page's comment and upload forms post to: a refused one is said on the
# page at that address, which a reload or a reopened tab asks for again: the task page, not 405.
@bp.get("/tasks/<task_id>/comments")
@bp.get("/tasks/<task_id>/attachments")
def form_address(task_id: str):
    return redirect(url_for("tasks.show", task_id=task_id), 303)


@bp.post("/tasks/<task_id>/comments")
def comment(task_id: str):
    """A comment refused (blank, too long) is said on the task page itself, which stays open
    with the comment in its form as it was typed."""
    try:
        with database.session_factory().begin() as s:
            comments.add_comment(
                s,
                current_actor(),
                as_typed(request.form.get("body", "")),
                task_id=task_id,
                confidential=confidential_choice(),
            )
    except InvalidData as exc:
        return _render(task_id, comment=refused_comment(exc), status=422)
    except Conflict as exc:
        if (case := _closed_case(exc)) is None:
            raise
        # the task's page takes no more comments, its case's does: the comment, as typed, in the
        # case page's form, with why and where it would go, for one click to post it there
        said = _("意见未发表在任务上：%(why)s 可在此发表到案件上。", why=_said_text(exc))
        kept = RefusedComment(request.form.get("body", ""), confidential_choice(), said)
        return show_case(case, refused_comment=kept, status=409)
    flash(_("意见已添加。"), "success")
    return redirect(url_for("tasks.show", task_id=task_id) + "#comments")


@bp.post("/tasks/<task_id>/attachments")
def attach(task_id: str):
    upload = request.files.get("file")
    content = upload.read() if upload else b""
    try:
        with database.session_factory().begin() as s:
            attachments.add_attachment(
                s,
                current_actor(),
                (upload.filename or "") if upload else "",
                content,
                task_id=task_id,
                confidential=confidential_choice(),
            )
    except InvalidData as exc:
        flash(_("附件未上传：%(why)s", why="；".join(field_messages(exc.field_errors).values())), "error")
    except Conflict as exc:
        if (case := _closed_case(exc)) is None:
            raise
        # as a comment (above): the case page, whose upload form takes it (a file input cannot
        # be filled in again: the officer chooses the file once more)
        flash(_("附件未上传到任务：%(why)s 可在此上传到案件。", why=_said_text(exc)), "error")
        return show_case(case, status=409)
    else:
        flash(_("附件已上传。"), "success")
    return redirect(url_for("tasks.show", task_id=task_id) + "#attachments")
