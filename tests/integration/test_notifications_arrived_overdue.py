"""A task whose due date has already passed when it arrives (a petition registered days after it
was received, a ledger's open task, a late start) is one notice to whoever is told of it, 新任务
（已逾期）, not a 新任务 then a 逾期 a moment later when the scheduler fires its due date. The
due date still fires (its history entry), the task still counts as overdue, and the supervisors,
who are not told of a task's arrival, still read the overdue notice. A task due later is told
of as before: 新任务 on arrival, 逾期 at its due time.

The real petition process; the clock stands at Monday 2026-12-07 09:00 in Beijing. keeper (the
petition officer) registers; head (the office head) may take the office's petition task too."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from engine import clock
from engine.notifications.outbox import send_outbox
from engine.usecases import cases, definitions, people
from engine.usecases import notifications as notes
from engine.usecases import timers as timer_usecases
from engine.usecases.context import SYSTEM, actor_for
from storage import repositories as repo
from storage.enums import TimerKind
from storage.models import AuditEntry, Notification, Timer
from tests.conftest import REPO_ROOT
from tests.integration.test_notices_once_and_to_takers import PETITION
from tests.integration.test_notifications import Inbox, serving
from tests.world import act, build_world, create_people
from web import notification_texts
from web.i18n import LANG_COOKIE
from web.notification_texts import mail_languages

PEOPLE = ["keeper", "head", "office_supervisor", "outsider"]
EMAILS = {name: f"{name}@example.org" for name in PEOPLE}
ACCEPT = "审查是否受理并告知信访人"
CASE = "宅基地纠纷 · 来信"


@pytest.fixture
def world(session_factory, frozen_clock):
    build_world(session_factory)
    create_people(session_factory, *PEOPLE, emails=EMAILS)
    with session_factory.begin() as s:
        definitions.deploy(s, (REPO_ROOT / "bpmn" / "petition.bpmn").read_bytes(), "petition.bpmn", SYSTEM)
    return session_factory


def register(factory, received_on: str) -> int:
    return act(factory, "keeper", cases.start_instance, "petition", {**PETITION, "received_on": received_on}).id


def told(factory, case_id: int) -> list[tuple[str, str, str, str]]:
    """(who, kind, subject, message) of the case's notifications, in the order made."""
    with factory() as s:
        rows = s.execute(
            select(Notification.username, Notification.kind, Notification.subject, Notification.message)
            .where(Notification.instance_id == case_id)
            .order_by(Notification.id)
        )
        return [(u, k.value, subject, message) for u, k, subject, message in rows]


def mailed(factory) -> list:
    with serving(Inbox()) as smtp:
        send_outbox(factory, smtp.settings, languages=mail_languages())
    return smtp.messages


def body(message) -> str:
    return message.get_content().replace("\r\n", "\n")


def test_a_petition_registered_late_is_one_notice_to_the_officer(world):
    case_id = register(world, "2026-10-01")  # 15 days: due 2026-10-16 24:00, long past
    arrived = (
        "head",
        "task",
        f"新任务（已逾期）：{ACCEPT}（{CASE}）",
        f"「{ACCEPT}」（案件：{CASE}）已到您的待办，已于 2026-10-16 24:00 到期，请尽快办理。",
    )
    assert told(world, case_id) == [arrived]

    assert timer_usecases.fire_due(world) == 1  # its due date still fires, a moment later
    with world() as s:
        [due] = s.scalars(select(Timer).where(Timer.instance_id == case_id, Timer.kind == TimerKind.TASK_DUE))
        assert due.fired_at is not None
        assert s.scalar(
            select(AuditEntry.action).where(AuditEntry.instance_id == case_id, AuditEntry.action == "task_overdue")
        )
        # still overdue wherever overdue tasks are counted
        assert [w.name for w, *_ in repo.overdue_work_items(s, clock.now()) if w.instance_id == case_id] == [ACCEPT]
    late = f"「{ACCEPT}」（案件：{CASE}）已于 2026-10-16 24:00 到期，尚未办结。"
    assert sorted((who, kind, message) for who, kind, _, message in told(world, case_id)) == [
        ("head", "task", arrived[3]),  # head: that notice alone, no 逾期 after it
        # keeper registered it (not told of its arrival): the deadline's notice is theirs
        ("keeper", "overdue", late + "请尽快办理。"),
        # the supervisors hear of no arrival: they read the overdue notice as before
        ("office_supervisor", "overdue", late + "办理人：镇人大办。"),
        ("outsider", "overdue", late + "办理人：镇人大办。"),
    ]
    assert Counter(str(m["To"]) for m in mailed(world)) == {
        "head@example.org": 1,
        "keeper@example.org": 1,
        "office_supervisor@example.org": 1,
        "outsider@example.org": 1,
    }
    with world() as s:
        [note] = notes.list_notifications(s, actor_for(s, "head"))
        assert (note.kind, note.kind_label) == ("task", "新任务（已逾期）")


def test_a_task_due_later_is_a_new_task_then_at_its_due_time_overdue(world):
    case_id = register(world, "2026-12-07")  # due 2026-12-22 24:00
    assert [(who, kind, subject) for who, kind, subject, _ in told(world, case_id)] == [
        ("head", "task", f"新任务：{ACCEPT}（{CASE}）")
    ]
    assert told(world, case_id)[0][3] == f"「{ACCEPT}」（案件：{CASE}）已到您的待办，期限 2026-12-22 24:00。"
    with world() as s:
        [due_at] = s.scalars(select(Timer.due_at).where(Timer.instance_id == case_id, Timer.kind == TimerKind.TASK_DUE))
    clock.advance(due_at - clock.now())
    assert timer_usecases.fire_due(world) >= 1  # its reminder (late by now) and its due date
    head = [(kind, subject) for who, kind, subject, _ in told(world, case_id) if who == "head"]
    assert head == [("task", f"新任务：{ACCEPT}（{CASE}）"), ("overdue", f"逾期：{ACCEPT}（{CASE}）")]


def test_the_mail_says_it_in_each_readers_language(world):
    with world.begin() as s:
        people.set_language(s, actor_for(s, "head"), "head", "en")
    register(world, "2026-10-01")
    [english] = mailed(world)
    assert english["Subject"] == f"New task (overdue): {ACCEPT} ({CASE})"
    assert body(english).startswith(
        f"“{ACCEPT}” (case: {CASE}) is in your inbox and was already due on 2026-10-16 24:00. "
        "Please handle it as soon as possible.\n"
    )


def test_the_page_says_it_in_the_readers_language(world, make_app, db_url):
    register(world, "2026-10-01")
    with world() as s:
        [note] = notes.list_notifications(s, actor_for(s, "head"))
    app = make_app(db_url)
    with app.test_request_context(headers={"Cookie": f"{LANG_COOKIE}=en"}):  # the language link's
        assert (notification_texts.kind_label(note), notification_texts.subject(note)) == (
            "New task (overdue)",
            f"New task (overdue): {ACCEPT} ({CASE})",
        )
        assert notification_texts.message(note) == (
            f"“{ACCEPT}” (case: {CASE}) is in your inbox and was already due on 2026-10-16 24:00. "
            "Please handle it as soon as possible."
        )
    with app.test_request_context():
        assert notification_texts.kind_label(note) == "新任务（已逾期）"


def test_the_mail_in_chinese(world):
    register(world, "2026-10-01")
    [chinese] = mailed(world)
    assert chinese["Subject"] == f"新任务（已逾期）：{ACCEPT}（{CASE}）"
    assert body(chinese).startswith(
        f"「{ACCEPT}」（案件：{CASE}）已到您的待办，已于 2026-10-16 24:00 到期，请尽快办理。\n"
    )
