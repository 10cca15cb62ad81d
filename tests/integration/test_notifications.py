"""Notifications: stored with the firing, listed and marked read per user, e-mailed through
a real SMTP server (aiosmtpd on localhost) from the outbox; an unreachable or refusing
server loses nothing."""

import email
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from functools import partial

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, select

from engine import clock
from engine.notifications.outbox import MAX_ATTEMPTS, SmtpSettings, send_outbox
from engine.scheduling.service import SchedulerConfig, SchedulerService
from engine.usecases import cases, definitions, people
from engine.usecases import notifications as notes
from engine.usecases import timers as timer_usecases
from engine.usecases.context import SYSTEM, actor_for
from storage.enums import NotificationKind, TimerKind, TimerState
from storage.models import AuditEntry, Notification, WorkItem
from tests.conftest import fixture_bpmn
from tests.servers import free_port
from tests.world import create_people

from .scheduler_helpers import (
    deploy,
    notifications,
    start_deadline,
    timers,
    wait_for,
)


class Inbox:
    """An aiosmtpd handler keeping what it receives; refuses mail to ``refuse``."""

    def __init__(self, refuse=()):
        self.messages, self.refuse = [], set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


@contextmanager
def serving(inbox: Inbox) -> Iterator[Inbox]:
    """A real SMTP server on a free loopback port delivering to ``inbox``, whose ``settings``
    are the product's settings for it."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.settings = SmtpSettings(host="127.0.0.1", port=controller.port, sender="renda@example.org")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    with serving(Inbox(refuse={"broken@example.org"})) as inbox:
        yield inbox


@pytest.fixture
def world(session_factory):
    create_people(session_factory, "fin", "fin2", "boss", emails={"fin": "fin@example.org", "boss": "boss@example.org"})
    deploy(session_factory, "deadline.bpmn")
    return session_factory


def overdue_case(factory):
    """A case whose task is due in a day, then the clock a second past it: fire."""
    now = clock.now()
    case = start_deadline(factory, now - timedelta(seconds=1), now + timedelta(days=1))
    with factory.begin() as s:  # the task's "new task" notices: not what these tests count
        s.execute(delete(Notification).where(Notification.kind == NotificationKind.TASK))
    clock.advance(timedelta(days=1, seconds=1))
    assert timer_usecases.fire_due(factory) >= 1
    return case


def test_emailed_from_the_outbox(world, smtp, frozen_clock):
    overdue_case(world)
    stored = notifications(world)
    assert {(n.username, n.kind) for n in stored} == {
        ("fin", NotificationKind.SUPERVISION),
        ("fin2", NotificationKind.SUPERVISION),
        ("boss", NotificationKind.SUPERVISION),
    }
    assert {n.username: n.email_to for n in stored} == {
        "fin": "fin@example.org",
        "fin2": None,
        "boss": "boss@example.org",
    }
    # the two 督办 notices, and the office's "new task" notice of the 督办 task the timer opened
    assert send_outbox(world, smtp.settings) == 3
    subjects = sorted((m["To"], m["Subject"]) for m in smtp.messages)
    assert [to for to, _ in subjects] == ["boss@example.org", "boss@example.org", "fin@example.org"]
    assert {s for to, s in subjects if to == "boss@example.org"} == {
        "督办：办理（限期办理（测试） 2026-12-07）",
        "新任务：督办（限期办理（测试） 2026-12-07）",
    }
    [message] = [m for m in smtp.messages if m["To"] == "fin@example.org"]
    assert message["Subject"].startswith("督办：办理")
    assert (
        "已过期限（超时转督办）仍未办理，该任务已结束" in message.get_content()
        and "renda@example.org" in message["From"]
    )
    # dated when sent (RFC 5322 requires it: a mail client shows and sorts by it)
    assert {parsedate_to_datetime(m["Date"]) for m in smtp.messages} == {clock.now().replace(microsecond=0)}
    assert all(n.emailed_at is not None for n in notifications(world, task_arrivals=True) if n.email_to)
    assert send_outbox(world, smtp.settings) == 0  # sent once
    assert len(smtp.messages) == 3


def test_an_unreachable_server_loses_nothing(world, smtp, frozen_clock):
    overdue_case(world)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)
    assert send_outbox(world, down) == 0
    waiting = [n for n in notifications(world) if n.email_to]
    assert len(waiting) == 2 and all(n.emailed_at is None and n.email_attempts == 0 for n in waiting)
    assert send_outbox(world, smtp.settings) == 3  # the server is back: and the office's "new task" too


def test_a_refused_address_is_retried_then_left(world, smtp, frozen_clock):
    create_people(world, "fin3", emails={"fin3": "broken@example.org"})
    overdue_case(world)
    assert send_outbox(world, smtp.settings) == 3  # fin's and boss's 督办, boss's "new task"
    for _ in range(MAX_ATTEMPTS + 2):
        send_outbox(world, smtp.settings)
    [broken] = [n for n in notifications(world) if n.email_to == "broken@example.org"]
    assert broken.emailed_at is None and broken.email_attempts == MAX_ATTEMPTS
    assert "550" in broken.email_error
    assert len(smtp.messages) == 3


def test_the_scheduler_sends_the_mail(world, smtp, db_url):
    now = clock.now()
    start_deadline(world, now - timedelta(seconds=1), now + timedelta(seconds=0.3))
    service = SchedulerService(
        world,
        db_url,
        SchedulerConfig(refresh_interval=0.1, mail_interval=0.2),
        mailer=partial(send_outbox, world, smtp.settings),
    )
    service.start_background()
    try:
        assert wait_for(lambda: len(smtp.messages) >= 2, 10)
    finally:
        service.stop()
    assert {m["To"] for m in smtp.messages} == {"fin@example.org", "boss@example.org"}


def supervised(factory) -> set[tuple[str, int | None, str]]:
    """(who, which timer, about what task) of every 督办 notification."""
    return {
        (n.username, n.timer_id, n.params["task"])
        for n in notifications(factory)
        if n.kind == NotificationKind.SUPERVISION
    }


def timer_firings(factory, case: int) -> list[tuple[str, int | None]]:
    """(which timer event, which row) of every firing of the case in the audit log."""
    with factory() as s:
        return [
            (a.bpmn_id, a.data["timer_id"])
            for a in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.instance_id == case, AuditEntry.action == "timer_fired")
                .order_by(AuditEntry.id)
            )
        ]


def test_a_deadline_already_past_when_the_task_is_reached_is_still_supervised(world, frozen_clock):
    """The case reaches 办理 after its deadline (here at once, at the start): the boundary
    timer fires in the same steps, before anyone had the task; it is still a 督办."""
    now = clock.now()
    case = start_deadline(world, now - timedelta(hours=2), now - timedelta(hours=1))
    assert supervised(world) == {("fin", None, "办理"), ("fin2", None, "办理"), ("boss", None, "办理")}
    assert {n.work_item_id for n in notifications(world)} == {None}  # no one ever had the task
    assert [n.email_to for n in notifications(world) if n.username == "fin"] == ["fin@example.org"]
    assert timer_firings(world, case) == [("wait", None), ("handle_timeout", None)]
    with world() as s:
        assert [w.bpmn_id for w in s.scalars(select(WorkItem).where(WorkItem.instance_id == case))] == ["escalate"]


def test_when_the_tasks_holders_cannot_be_worked_out_the_supervisors_still_hear(world, frozen_clock):
    unknown_unit = fixture_bpmn("deadline.bpmn").replace(
        b'camunda:candidateGroups="finance"', b'camunda:candidateGroups="${unit}"'
    )  # no such variable
    with world.begin() as s:
        definitions.deploy(s, unknown_unit, "deadline.bpmn", SYSTEM)
    now = clock.now()
    start_deadline(world, now - timedelta(hours=2), now - timedelta(hours=1))
    assert supervised(world) == {("boss", None, "办理")}


def test_what_fired_while_the_scheduler_was_down_is_supervised_on_catching_up(world, frozen_clock):
    now = clock.now()
    case = start_deadline(world, now + timedelta(hours=1), now + timedelta(hours=2))
    [wait] = timers(world, case)
    clock.advance(timedelta(hours=3))
    assert timer_usecases.fire_due(world) == 1  # the wait; the deadline behind it fires with it
    assert timers(world, case)[0].state == TimerState.FIRED
    assert timer_firings(world, case) == [("wait", wait.id), ("handle_timeout", None)]
    assert supervised(world) == {("fin", None, "办理"), ("fin2", None, "办理"), ("boss", None, "办理")}


def test_timers_of_one_case_due_together_are_each_fired_and_supervised(world, frozen_clock):
    deploy(world, "two_deadlines.bpmn")
    now = clock.now()
    with world.begin() as s:
        case = cases.start_instance(s, SYSTEM, "two_deadlines", {"due": (now + timedelta(days=1)).isoformat()}).id
    lead, assist = sorted(timers(world, case, TimerKind.BPMN), key=lambda t: t.bpmn_id != "lead_late")
    clock.advance(timedelta(days=1, seconds=1))
    with world.begin() as s:
        assert timer_usecases.fire_timer(s, lead.id)  # the engine fires both
    with world.begin() as s:
        assert not timer_usecases.fire_timer(s, assist.id)  # fired already: nothing again
    assert {t.bpmn_id: t.state for t in timers(world, case, TimerKind.BPMN)} == {
        "lead_late": TimerState.FIRED,
        "assist_late": TimerState.FIRED,
    }
    assert sorted(timer_firings(world, case)) == [("assist_late", assist.id), ("lead_late", lead.id)]
    assert supervised(world) == {
        ("fin", lead.id, "主办"),
        ("fin2", lead.id, "主办"),
        ("boss", lead.id, "主办"),
        ("boss", assist.id, "会办"),
    }  # boss is office too: told once per task


def test_listed_and_marked_read_per_user(world, frozen_clock):
    overdue_case(world)
    with world() as s:
        fin, boss = actor_for(s, "fin"), actor_for(s, "boss")
        [mine] = notes.list_notifications(s, fin)
        assert (mine.kind, mine.kind_label, mine.read_at) == ("supervision", "督办", None)
        # boss: the 督办, and the "new task" of the 督办 task the timer opened for the office
        assert notes.unread_count(s, fin) == 1 and notes.unread_count(s, boss) == 2
    with world.begin() as s:
        assert notes.mark_read(s, fin, [mine.id]) == 1
        assert notes.mark_read(s, boss, [mine.id]) == 0  # not theirs
    with world() as s:
        assert notes.unread_count(s, fin) == 0 and notes.unread_count(s, boss) == 2
        assert notes.list_notifications(s, fin, unread_only=True) == []
        assert notes.list_notifications(s, fin)[0].read_at is not None


def test_the_due_time_is_written_in_each_readers_time_zone(world, frozen_clock):
    with world.begin() as s:
        people.set_timezone(s, SYSTEM, "boss", "America/New_York")
    due = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)  # 10:30 in Beijing, 21:30 the day before in New York
    with world.begin() as s:
        notes.notify(
            s,
            NotificationKind.REMINDER,
            {"fin": "finance", "boss": None},
            params={"task": "答复", "case": "{村道} 100%"},
            due_at=due,
        )
    texts = {n.username: (n.subject, n.message) for n in notifications(world)}
    assert texts == {  # users' braces and percent signs are text, not placeholders
        "fin": (
            "到期提醒：答复（{村道} 100%）",
            "「答复」（案件：{村道} 100%）将于 2026-12-01 10:30 到期，请及时办理。",
        ),
        "boss": (
            "到期提醒：答复（{村道} 100%）",
            "「答复」（案件：{村道} 100%）将于 2026-11-30 21:30（America/New_York）到期，请及时办理。",
        ),
    }


def test_a_due_time_naming_its_zone_is_followed_by_no_space(world, frozen_clock):
    """The zone closes the due time in a full-width parenthesis: "…（America/New_York）前", never
    "…（America/New_York） 前"; in Beijing time the due time stands apart by a space as before."""
    with world.begin() as s:
        people.set_timezone(s, SYSTEM, "boss", "America/New_York")
    respond_by = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)  # 24:00 of 12-10 in Beijing, 11:00 in New York
    with world.begin() as s:
        notes.notify(
            s,
            NotificationKind.SUPERVISION,
            {"fin": "finance", "boss": None},
            params={"task": "答复", "case": "修路", "event": "督办", "interrupting": False, "opinion": "请按时答复"},
            due_at=respond_by,
        )
    assert {n.username: n.message for n in notifications(world)} == {
        "fin": "「答复」（案件：修路）收到督办，请于 2026-12-10 24:00 前办理并回复。督办意见：请按时答复",
        "boss": "「答复」（案件：修路）收到督办，请于 2026-12-10 11:00（America/New_York）前办理并回复。"
        "督办意见：请按时答复",
    }


def test_smtp_settings_from_the_app_config():
    assert SmtpSettings.from_config({}) is None
    settings = SmtpSettings.from_config(
        {
            "SMTP_HOST": "mail.example.org",
            "SMTP_PORT": "587",
            "SMTP_STARTTLS": "true",
            "SMTP_FROM": "renda@example.org",
            "SMTP_USERNAME": "renda",
        }
    )
    assert (settings.host, settings.port, settings.starttls, settings.sender, settings.username) == (
        "mail.example.org",
        587,
        True,
        "renda@example.org",
        "renda",
    )
    assert SmtpSettings.from_config({"SMTP_HOST": "h", "SMTP_SSL": "1"}).port == 465
