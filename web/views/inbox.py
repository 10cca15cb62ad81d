"""The inbox: my tasks, my groups' unclaimed tasks, all open tasks (supervisors); claim,
unclaim and hand over from the list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import InvalidData
from engine.usecases import tasks
from engine.usecases.inbox import InboxQuery, inbox_page
from engine.usecases.labels import people_names

from .. import database
from ..auth import current_actor
from ..roles import person_name
from .auth import safe_next
from .formdata import field_messages, one_line
from .queryargs import page_number
from .tasks import HOLDING_SEEN, seen_on_page

bp = Blueprint("inbox", __name__)


@bp.get("/")
def index():
    args = request.args
    query = InboxQuery(
        tab=args.get("tab", ""),
        process_key=args.get("process", ""),
        due=args.get("due", ""),
        group=args.get("unit", ""),
        text=args.get("q", "")[:200],
        sort=args.get("sort", "due"),
        page=page_number(args.get("page")),
    )
    page = inbox_page(database.session(), current_actor(), query)
    return render_template("inbox/index.html", page=page)


def _back(task_id: str):
    return redirect(safe_next(request.form.get("next"), url_for("tasks.show", task_id=task_id)))


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):
    with database.session_factory().begin() as s:
        summary = tasks.claim(s, current_actor(), task_id)
    flash(_("已签收：%(name)s", name=summary.name), "success")
    return _back(task_id)


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str):
    seen = seen_on_page(HOLDING_SEEN)  # the task page's, as for a hand-over (the inbox's rows: none)
    with database.session_factory().begin() as s:
        summary = tasks.unclaim(s, current_actor(), task_id, seen=seen)
    flash(_("已退回待签收：%(name)s", name=summary.name), "success")
    return _back(task_id)


@bp.post("/tasks/<task_id>/handover")
def hand_over(task_id: str):
    colleague = request.form.get("colleague", "").strip()
    try:
        seen = seen_on_page(HOLDING_SEEN)  # the task page's: what it showed of who holds the task
        with database.session_factory().begin() as s:
            summary = tasks.hand_over(
                s, current_actor(), task_id, colleague, request.form.get("comment", ""), seen=seen
            )
            who = person_name(colleague, people_names(s, [colleague]))  # by name, as the task page lists them
    except InvalidData as exc:  # said on the task page, where the hand-over form is
        flash(_("未转交：%(why)s", why=one_line(_labelled(exc.codes).values())), "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(_("已转交给 %(who)s：%(name)s", who=who, name=summary.name), "success")
    return redirect(url_for("inbox.index"))


def _labelled(codes: dict) -> dict[str, str]:
    """A hand-over's refused fields, each message after the field's name."""
    names = {"to": _("转交给"), "comment": _("转交说明")}
    return {f: f"{names.get(f, f)}{_('：')}{m}" for f, m in field_messages(codes).items()}
