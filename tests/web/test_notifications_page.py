"""消息: the page of one's notifications, the unread badge in the header, marking read
(one, all, by opening the task), only one's own, CSRF on every form, English.

The notifications come the real way: a case waits for the finance office's reply, the clock
passes its due date and the 督办 timer a day after it, and the scheduler fires (the overdue
notice, the 督办). (A due date passing with a 督办 timer on the task's border at that very moment
is the 督办 alone: tests/integration/test_notices_once_and_to_takers.py.)"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update

from engine import clock
from engine.usecases import cases, notifications, tasks
from engine.usecases import timers as timer_usecases
from engine.usecases.context import actor_for
from storage.db import engines_of
from storage.enums import NotificationKind
from storage.models import Notification, User
from tests.web.conftest import text_of
from tests.web.test_cases import start_proposal
from tests.world import PASSWORD, act, deploy
from web import database, notification_texts
from web.views.notifications import PER_PAGE


def overdue_reply(app) -> str:
    """A reply task of the finance office (tests/fixtures/overdue_then_supervised.bpmn: due
    2026-12-22 24:00, its 督办 timer a day later), then the clock past both: fire the timers.
    Returns the task id."""
    deploy(app, "overdue_then_supervised.bpmn")
    case = act(app, "office1", cases.start_instance, "overdue_then_supervised", {"subject": "关于修缮村道的意见"})
    (reply,) = case.open_tasks
    clock.advance(timedelta(days=30))
    # its reminder (long past: it tells nobody), its due date, the 督办 timer
    assert timer_usecases.fire_due(database.session_factory(app)) == 3
    return reply.task_id


def stored(app, username: str) -> list[Notification]:
    with database.session_factory(app)() as s:
        return list(s.scalars(select(Notification).where(Notification.username == username).order_by(Notification.id)))


def unread_of(app, username: str) -> int:
    with database.session_factory(app)() as s:
        return notifications.unread_count(s, actor_for(s, username))


def badge(html: str) -> int | None:
    found = re.search(r'<span class="badge overdue" id="unread-count">(\d+)</span>', html)
    return int(found.group(1)) if found else None


def rows(html: str) -> dict[int, str]:
    """Notification id → its row's data-read ("yes"/"no")."""
    return {int(i): read for i, read in re.findall(r'data-notification-id="(\d+)" data-read="(\w+)"', html)}


def test_the_holder_sees_the_overdue_notice_and_the_badge(app, as_user):
    task_id = overdue_reply(app)
    mine = stored(app, "finance1")
    kinds = {n.kind for n in mine}
    assert NotificationKind.OVERDUE in kinds and NotificationKind.SUPERVISION in kinds
    c = as_user("finance1")
    html = text_of(c.get("/notifications"))
    assert "逾期：答复（关于修缮村道的意见）" in html
    assert "「答复」（案件：关于修缮村道的意见）已于 2026-12-22 24:00 到期，尚未办结。请尽快办理。" in html
    assert set(rows(html)) == {n.id for n in mine} and set(rows(html).values()) == {"no"}
    assert html.count('<span class="badge muted">未读</span>') == len(mine)
    # newest first (then by id): the order of the rows
    shown = [int(i) for i in re.findall(r'data-notification-id="(\d+)"', html)]
    assert shown == [n.id for n in sorted(mine, key=lambda n: (n.created_at, n.id), reverse=True)]
    # the time, in Beijing time like every other date
    when = (mine[0].created_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert when in html
    # a way to the task each one is about
    assert f'action="/notifications/{mine[0].id}/open"' in html and "查看任务" in html
    # the header badge on any page counts the unread ones
    assert badge(text_of(c.get("/"))) == len(mine) == unread_of(app, "finance1")
    assert 'href="/notifications" id="notifications-link"' in text_of(c.get("/"))
    assert task_id


def test_marking_read_lowers_the_badge(app, as_user):
    overdue_reply(app)
    mine = stored(app, "finance1")
    c = as_user("finance1")
    response = c.post(f"/notifications/{mine[0].id}/read", data={"next": "/notifications?unread=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications?unread=1"
    assert unread_of(app, "finance1") == len(mine) - 1
    html = text_of(c.get("/notifications"))
    assert rows(html)[mine[0].id] == "yes"
    assert badge(html) == len(mine) - 1
    unread_page = text_of(c.get("/notifications?unread=1"))
    assert mine[0].id not in rows(unread_page) and len(rows(unread_page)) == len(mine) - 1
    response = c.post("/notifications/read")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert unread_of(app, "finance1") == 0
    html = text_of(c.get("/"))
    assert badge(html) is None and "消息" in html
    assert "没有未读消息。" in text_of(c.get("/notifications?unread=1"))
    # the others' notifications are untouched
    assert unread_of(app, "finance2") == len(stored(app, "finance2")) > 0


def test_opening_one_goes_to_its_task_and_marks_it_read(app, as_user):
    task_id = overdue_reply(app)
    [overdue] = [n for n in stored(app, "finance1") if n.kind == NotificationKind.OVERDUE]
    c = as_user("finance1")
    response = c.post(f"/notifications/{overdue.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{task_id}"
    assert [n.read_at is not None for n in stored(app, "finance1") if n.id == overdue.id] == [True]
    assert c.get(response.headers["Location"]).status_code == 200


def test_another_user_neither_sees_nor_marks_them(app, as_user):
    overdue_reply(app)
    [theirs, *_] = stored(app, "finance1")
    c = as_user("office1")
    html = text_of(c.get("/notifications"))
    own = [n.id for n in stored(app, "office1")]  # only the "new task" notices of their own
    assert theirs.id not in rows(html) and set(rows(html)) == set(own) and (badge(html) or 0) == len(own)
    # someone else's id: marking it read is ignored, opening it is "not found"
    assert c.post(f"/notifications/{theirs.id}/read").status_code == 302
    assert c.post("/notifications/read").status_code == 302
    assert c.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert unread_of(app, "finance1") == len(stored(app, "finance1"))
    # the supervisor hears of it with their own copy
    boss = as_user("supervisor")
    assert badge(text_of(boss.get("/"))) == len(stored(app, "supervisor")) > 0


def test_only_unread_filter_and_pages(app, as_user):
    with database.session_factory(app).begin() as s:
        for n in range(PER_PAGE + 5):
            notifications.notify(
                s, NotificationKind.REMINDER, {"civil1": "civil_affairs"}, f"提醒第{n}号", f"第{n}号的正文"
            )
            clock.advance(timedelta(minutes=1))
    c = as_user("civil1")
    first = text_of(c.get("/notifications"))
    assert len(rows(first)) == PER_PAGE and f"提醒第{PER_PAGE + 4}号" in first and "提醒第0号" not in first
    assert 'href="/notifications?page=2" rel="next"' in first
    second = text_of(c.get("/notifications?page=2"))
    assert len(rows(second)) == 5 and "提醒第0号" in second and 'rel="prev"' in second
    assert f"第 2 / 2 页，共 {PER_PAGE + 5} 项" in second
    c.post(f"/notifications/{max(rows(first))}/read")
    unread = text_of(c.get("/notifications?unread=1"))
    assert f"提醒第{PER_PAGE + 4}号" not in unread and len(rows(unread)) == PER_PAGE
    assert 'href="/notifications?unread=1&amp;page=2" rel="next"' in unread
    assert badge(unread) == PER_PAGE + 4
    assert c.get("/notifications?page=abc").status_code == 200  # a bad page number is page 1


def test_one_count_per_page_and_none_for_anonymous(app, client, as_user):
    overdue_reply(app)
    counts: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if "notifications" in statement and "count(" in statement.lower():
            counts.append(statement)

    engines = engines_of(database.engine(app))  # the pages read through the readers' engine
    for engine in engines:
        event.listen(engine, "before_cursor_execute", watch)
    try:
        assert client.get("/login").status_code == 200
        assert counts == []
        c = as_user("finance1")
        counts.clear()
        assert c.get("/").status_code == 200
        assert len(counts) == 1
        counts.clear()
        assert c.get("/notifications?unread=1").status_code == 200
        assert len(counts) == 1  # the page's unread count serves the badge too
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", watch)


def test_forms_need_the_csrf_token(app, as_user, db_url, make_app):
    overdue_reply(app)
    [note, *_] = stored(app, "finance1")
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    c = strict.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    assert c.post("/login", data={"username": "finance1", "password": PASSWORD, "csrf_token": token}).status_code == 302
    for path in ("/notifications/read", f"/notifications/{note.id}/read", f"/notifications/{note.id}/open"):
        assert c.post(path).status_code == 400, path
    assert unread_of(app, "finance1") == len(stored(app, "finance1"))
    page = c.get("/notifications").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert c.post(f"/notifications/{note.id}/read", data={"csrf_token": token}).status_code == 302
    assert c.post("/notifications/read", data={"csrf_token": token}).status_code == 302
    assert unread_of(app, "finance1") == 0


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/notifications/read").headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/notifications", "/notifications?unread=1"])
def test_the_english_page(app, as_user, path):
    overdue_reply(app)
    c = as_user("finance1")
    c.get("/lang/en")
    html = text_of(c.get(path))
    assert '<html lang="en">' in html
    for english in (
        "Messages",
        "Unread",
        "Mark all as read",
        "Mark as read",
        "Overdue notice",
        "Supervision",
        "Open the task",
        "Type",
        "Time",
    ):
        assert english in html, english
    assert "消息" not in html and "全部标为已读" not in html
    assert '<span class="badge muted">New task</span>' in html and "新任务" not in html  # the reply offered to finance
    assert f'title="Unread messages: {unread_of(app, "finance1")}"' in html


def test_a_failing_count_costs_the_badge_not_the_page(app, as_user, monkeypatch):
    """An error page after a failed query renders the header too: no second failure there."""
    from sqlalchemy.exc import OperationalError

    def broken(session, actor):
        raise OperationalError("SELECT count(*) FROM notifications", {}, Exception("the connection is gone"))

    c = as_user("finance1")
    monkeypatch.setattr(notifications, "unread_count", broken)
    html = text_of(c.get("/"))
    assert badge(html) is None and 'id="notifications-link"' in html


def test_the_texts_are_written_in_the_readers_language_and_zone(app, as_user):
    """Stored (and e-mailed) in Chinese; the page writes them anew from what they are made
    of, in the language of the page and the reader's own time zone."""
    overdue_reply(app)
    mine = stored(app, "finance1")
    overdue = next(n for n in mine if n.kind == NotificationKind.OVERDUE)
    assert overdue.params["task"] == "答复" and overdue.params["case"] == "关于修缮村道的意见"
    with database.session_factory(app).begin() as s:
        s.execute(update(User).where(User.username == "finance1").values(timezone="America/New_York"))
    due = datetime.fromisoformat(overdue.params["due_at"])
    c = as_user("finance1")
    c.get("/lang/en")
    html = text_of(c.get("/notifications"))
    assert "Overdue: 答复 (关于修缮村道的意见)" in html
    new_york = due.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert (
        f"“答复” (case: 关于修缮村道的意见) was due on {new_york} and is not done yet. "
        "Please handle it as soon as possible."
    ) in html
    assert "Supervision notice: 答复 (关于修缮村道的意见)" in html and "尚未办结" not in html
    c.get("/lang/zh_CN")
    html = text_of(c.get("/notifications"))
    assert f"「答复」（案件：关于修缮村道的意见）已于 {new_york} 到期，尚未办结。请尽快办理。" in html


def test_the_supervisor_reads_who_holds_it_in_english(app, as_user):
    overdue_reply(app)
    c = as_user("supervisor")
    c.get("/lang/en")
    html = text_of(c.get("/notifications"))
    assert (  # the unit by its name (data: as entered)
        "“答复” (case: 关于修缮村道的意见) was due on 2026-12-22 24:00 and is not done yet. Handled by: 财政所."
    ) in html


def test_rows_without_params_show_what_was_stored(app, as_user):
    overdue_reply(app)
    with database.session_factory(app).begin() as s:
        s.execute(update(Notification).where(Notification.username == "finance1").values(params=None))
    c = as_user("finance1")
    c.get("/lang/en")
    assert "逾期：答复（关于修缮村道的意见）" in text_of(c.get("/notifications"))


def test_a_co_handling_view_received_reads_on_the_page_and_opens_the_reply(app, as_user):
    """The lead unit's 消息 when a co-handling unit's view reaches it (its task's 'tell'): the
    page answered 500 on a kind it had no name for, hiding every other message with it."""
    case = start_proposal(app)
    assign = {"category": "construction", "lead_unit": "finance", "cohandling_units": ["civil_affairs"]}
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, {**assign, "assignment_note": "请办理"})
    opened = act(app, "office1", cases.instance_detail, case.id).open_tasks
    view = next(t for t in opened if t.bpmn_id == "Task_CohandlingView")
    reply = next(t for t in opened if t.bpmn_id == "Task_Reply")
    act(app, "civil1", tasks.complete, view.task_id, {"cohandling_opinion": "同意主办单位方案"})
    client = as_user("finance1")
    page = client.get("/notifications")
    assert page.status_code == 200
    row = text_of(page).split("已送达：", 1)[1].split("</tr>", 1)[0]
    assert row.startswith("向主办单位提出协办意见 · 民政办（修缮村道）")
    assert client.get("/api/v1/me/notifications").status_code == 200
    [sent] = [n for n in act(app, "finance1", notifications.list_notifications) if n.kind == NotificationKind.SENT]
    opening = client.post(f"/notifications/{sent.id}/open")
    assert opening.status_code == 302 and opening.headers["Location"].endswith(f"/tasks/{reply.task_id}")
    client.get("/lang/en")
    assert "Received: 向主办单位提出协办意见 · 民政办 (修缮村道)" in text_of(client.get("/notifications"))


def test_every_kind_of_notification_has_a_name():
    assert set(notifications.KIND_LABELS) == set(NotificationKind)
    assert set(notification_texts.KIND_NAMES) == {kind.value for kind in NotificationKind}  # the pages' names
