"""消息: the signed-in user's notifications (reminders, overdue notices, 督办), marking them
read, and the unread count the page header shows on every page."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from engine.usecases import notifications

from .. import database, notification_texts
from ..auth import current_actor
from .auth import safe_next
from .queryargs import page_number

bp = Blueprint("notifications", __name__)

PER_PAGE = 20


@bp.get("/notifications")
def index():
    page = notifications.notification_page(
        database.session(),
        current_actor(),
        unread_only=request.args.get("unread") == "1",
        page=page_number(request.args.get("page")),
        per_page=PER_PAGE,
    )
    g.unread_notifications = page.unread  # the header badge needs no COUNT of its own here
    return render_template("notifications/index.html", page=page)


# the texts, in the reader's language and time zone, written as the API writes them
bp.add_app_template_global(notification_texts.kind_label, "notification_kind_label")
bp.add_app_template_global(notification_texts.subject, "notification_subject")
bp.add_app_template_global(notification_texts.message, "notification_message")


def _back():
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))


@bp.post("/notifications/read")
def mark_all_read():
    with database.session_factory().begin() as s:
        notifications.mark_read(s, current_actor())
    flash(_("已全部标为已读。"), "success")
    return _back()


@bp.post("/notifications/<int(max=2147483647):notification_id>/read")
def mark_read(notification_id: int):
    # someone else's id changes nothing (the use case only touches the actor's own)
    with database.session_factory().begin() as s:
        notifications.mark_read(s, current_actor(), [notification_id])
    return _back()


@bp.post("/notifications/<int(max=2147483647):notification_id>/open")
def open_target(notification_id: int):
    """Go to the task (else the case) the notification is about; it is read from now on."""
    with database.session_factory().begin() as s:
        note = notifications.open_notification(s, current_actor(), notification_id)
    if note.task_id:
        return redirect(url_for("tasks.show", task_id=note.task_id))
    if note.instance_id:
        return redirect(url_for("cases.show", instance_id=note.instance_id))
    return redirect(url_for("notifications.index"))


def unread_badge() -> dict[str, Callable[[], int]]:
    """For the header: ``unread_notification_count()``, counted at most once per request
    (one indexed COUNT) and only when a signed-in page asks for it."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = _count_unread()
        return g.unread_notifications

    return {"unread_notification_count": count}


def _count_unread() -> int:
    # The request's own session (read-only: web/database.py), not a second connection of
    # the request's.
    session = database.session()
    try:
        return notifications.unread_count(session, current_user.actor)
    except SQLAlchemyError:
        # an error page after a failed query (its transaction aborted): no badge rather
        # than a second failure while showing the first
        session.rollback()
        return 0
