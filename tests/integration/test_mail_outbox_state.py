"""The e-mail outbox as people and administrators meet it (tests/qa-n findings 3 and 4), through
a real SMTP server (aiosmtpd on localhost, as tests/integration/test_notifications.py runs it):

* a notification's e-mail names its case (``案件编号：#N``, as the pages write it) and links to
  its task, or its case, at the site's public address (``CONGRESSFLOW_PUBLIC_URL``); without
  one, it says where to read it;
* an SMTP server that stops answering is logged once when it stops (how many wait) and once
  when it answers again (how many went), not every round, and why is noted on the waiting
  notifications;
* mail older than ``MAX_AGE`` is marked given up, with its reason, instead of left aside unsaid;
  ``outbox_status`` counts what waits, since when, and what was given up.

The clock stands at Monday 2026-12-07 09:00 in Beijing (01:00 UTC)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import clock
from engine.notifications.outbox import MAX_ATTEMPTS, SmtpSettings, outbox_status, send_outbox
from engine.notifications.smtp import EXPIRED_ERROR
from engine.usecases import cases
from engine.usecases import notifications as notes
from storage.enums import NotificationKind
from storage.models import Notification, OutgoingMail, WorkItem
from tests.servers import free_port
from tests.world import act, create_people, deploy

from .scheduler_helpers import start_deadline
from .test_mail_task_outbox import MEETING
from .test_notifications import Inbox

SMTP_LOG = "engine.notifications.smtp"
OUTBOX_LOG = "engine.notifications.outbox"


@contextmanager
def serving_at(port: int, inbox: Inbox) -> Iterator[Inbox]:
    """A real SMTP server on ``port`` delivering to ``inbox`` (its ``settings``: the product's)."""
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.settings = SmtpSettings(host="127.0.0.1", port=port, sender="renda@example.org", timeout=2)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def township(session_factory):
    create_people(
        session_factory,
        "fin",
        "boss",
        "clerk",
        emails={"fin": "fin@example.org", "boss": "boss@example.org"},
    )
    deploy(session_factory, "deadline.bpmn", "mail_task.bpmn")
    return session_factory


def a_case_with_a_task(factory) -> tuple[int, str]:
    """A case of deadline.bpmn at its task 办理 (finance's: fin is told of it, 新任务), due in
    three days; (the case, the task's id)."""
    now = clock.now()
    case = start_deadline(factory, now - timedelta(seconds=1), now + timedelta(days=3))
    with factory() as s:
        [task_id] = s.scalars(select(WorkItem.task_id).where(WorkItem.instance_id == case)).all()
    return case, task_id


def a_case_notice(factory, case: int, username: str = "boss") -> None:
    """A notice about the case, not about one of its tasks."""
    with factory.begin() as s:
        notes.notify(
            s,
            NotificationKind.CANCELLED,
            {username: None},
            "已取消：办理",
            "案件「限期办理（测试）」已取消。",
            instance_id=case,
        )


def letters(inbox: Inbox) -> dict[tuple[str, str], str]:
    """(to, subject): the text of each message received."""
    return {(m["To"], m["Subject"]): m.get_content().replace("\r\n", "\n") for m in inbox.messages}


def stored(factory) -> list[Notification]:
    with factory() as s:
        return list(s.scalars(select(Notification).where(Notification.email_to.is_not(None)).order_by(Notification.id)))


def status_of(factory):
    with factory() as s:
        return outbox_status(s)


# -- finding 3: the case's number and a link -------------------------------------------------
def test_the_email_names_the_case_and_links_to_its_task_or_case(township, frozen_clock):
    case, task_id = a_case_with_a_task(township)
    a_case_notice(township, case)
    with serving_at(free_port(), Inbox()) as smtp:
        settings = replace(smtp.settings, public_url="https://renda.example.cn/cf")
        assert send_outbox(township, settings) == 2  # fin's 新任务, boss's 已取消
    got = letters(smtp)
    subject = "新任务：办理（限期办理（测试） 2026-12-07）"
    assert got[("fin@example.org", subject)].endswith(
        f"\n\n案件编号：#{case}\n查看任务：https://renda.example.cn/cf/tasks/{task_id}"
        "\n\n-- \n此邮件由人大工作流系统自动发送。\n"
    )
    assert got[("boss@example.org", "已取消：办理")] == (
        "案件「限期办理（测试）」已取消。\n\n"
        f"案件编号：#{case}\n"
        f"查看案件：https://renda.example.cn/cf/cases/{case}\n\n"
        "-- \n此邮件由人大工作流系统自动发送。\n"
    )


def test_without_a_public_address_the_email_says_where_to_read_it(township, frozen_clock):
    case, _ = a_case_with_a_task(township)
    with serving_at(free_port(), Inbox()) as smtp:
        assert send_outbox(township, smtp.settings) == 1
    text = letters(smtp)[("fin@example.org", "新任务：办理（限期办理（测试） 2026-12-07）")]
    assert text.endswith(
        f"\n\n案件编号：#{case}\n登录系统后在“消息”中查看。\n\n-- \n此邮件由人大工作流系统自动发送。\n"
    )
    assert "http" not in text


def test_the_public_address_comes_from_the_app_configuration():
    settings = SmtpSettings.from_config({"SMTP_HOST": "mail.example", "PUBLIC_URL": "https://renda.example.cn/"})
    assert settings is not None and settings.public_url == "https://renda.example.cn"
    assert SmtpSettings.from_config({"SMTP_HOST": "mail.example"}).public_url is None  # type: ignore[union-attr]


# -- finding 4: an outage said once each way, noted on the rows --------------------------------
def test_an_smtp_outage_is_logged_when_it_begins_and_ends_not_every_round(township, frozen_clock, caplog):
    case, _ = a_case_with_a_task(township)  # fin's 新任务
    a_case_notice(township, case)  # boss's 已取消
    port = free_port()
    down = SmtpSettings(host="127.0.0.1", port=port, sender="renda@example.org", timeout=2)
    caplog.set_level(logging.DEBUG, logger=SMTP_LOG)
    for _ in range(4):  # four rounds (every 2 seconds in the scheduler)
        assert send_outbox(township, down) == 0
    warnings = [r.getMessage() for r in caplog.records if r.name == SMTP_LOG and r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"SMTP server 127.0.0.1:{port} not reachable (")
    assert "; 2 e-mail(s) wait in the outbox" in warnings[0]
    # why, on the waiting rows; an outage is no refusal: their attempts stay
    rows = stored(township)
    assert [(r.email_attempts, r.emailed_at) for r in rows] == [(0, None), (0, None)]
    assert all(r.email_error.startswith(f"unreachable: 127.0.0.1:{port}: ") for r in rows)
    status = status_of(township)
    assert (status.waiting, status.given_up) == ({"notifications": 2, "process": 0}, {"notifications": 0, "process": 0})
    assert status.trouble is not None and (status.trouble.kind, status.trouble.server) == (
        "unreachable",
        f"127.0.0.1:{port}",
    )
    assert status.oldest_waiting == frozen_clock

    caplog.clear()
    with serving_at(port, Inbox()) as smtp:  # the server answers again
        assert send_outbox(township, smtp.settings) == 2
        assert send_outbox(township, smtp.settings) == 0
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == SMTP_LOG and r.levelno >= logging.INFO]
    assert said == [("INFO", f"SMTP server 127.0.0.1:{port} answers again; 2 of 2 waiting e-mail(s) sent")]
    assert [(r.emailed_at, r.email_error) for r in stored(township)] == [(frozen_clock, None), (frozen_clock, None)]
    assert status_of(township).trouble is None


# -- finding 4: too old to send: given up, said, counted ----------------------------------------
def test_mail_older_than_seven_days_is_marked_given_up_with_its_reason(township, frozen_clock, caplog):
    case, _ = a_case_with_a_task(township)  # fin's 新任务
    a_case_notice(township, case)  # boss's 已取消
    act(township, "clerk", cases.start_instance, "mail_task", {**MEETING, "deputy_email": "wang5@example.org"})
    clock.advance(timedelta(days=7, minutes=1))
    a_case_notice(township, case, "fin")  # written now: still sent
    caplog.set_level(logging.INFO, logger=OUTBOX_LOG)
    with serving_at(free_port(), Inbox()) as smtp:
        assert send_outbox(township, smtp.settings) == 1
        assert send_outbox(township, smtp.settings) == 0
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [("fin@example.org", "已取消：办理")]
    # written a week ago: fin's 新任务, boss's 已取消, boss's 新任务 of the meeting case's 核对回执
    *old, fresh = stored(township)
    assert [(r.email_attempts, r.email_error, r.emailed_at) for r in old] == [(MAX_ATTEMPTS, EXPIRED_ERROR, None)] * 3
    assert (fresh.email_attempts, fresh.email_error, fresh.emailed_at) == (0, None, clock.now())
    assert EXPIRED_ERROR == "expired: not sent within 7 days; given up"
    with township() as s:
        [mail] = s.scalars(select(OutgoingMail)).all()
    assert (mail.attempts, mail.error, mail.sent_at) == (MAX_ATTEMPTS, EXPIRED_ERROR, None)
    # said once, in the round that gave them up
    said = [r.getMessage() for r in caplog.records if r.name == OUTBOX_LOG]
    assert said == [
        "4 e-mail(s) not sent within 7 days given up (3 notification(s), 1 process mail(s)); the admin area"
        " (系统管理) lists the notifications' and /metrics counts them"
    ]
    status = status_of(township)
    assert (status.waiting, status.given_up, status.oldest_waiting) == (
        {"notifications": 0, "process": 0},
        {"notifications": 3, "process": 1},
        None,
    )
    assert sorted((g.username, g.subject, g.trouble.kind) for g in status.given_up_recently) == [
        ("boss", "已取消：办理", "expired"),
        ("boss", "新任务：核对回执（第三次代表大会）", "expired"),
        ("fin", "新任务：办理（限期办理（测试） 2026-12-07）", "expired"),
    ]


def test_a_refused_one_is_given_up_too_and_listed_with_the_servers_words(township, frozen_clock):
    create_people(township, "fin2", emails={"fin2": "broken@example.org"})
    a_case_with_a_task(township)  # 新任务 to fin and fin2
    with serving_at(free_port(), Inbox(refuse={"broken@example.org"})) as smtp:
        for _ in range(MAX_ATTEMPTS + 1):
            send_outbox(township, smtp.settings)
    status = status_of(township)
    assert status.given_up == {"notifications": 1, "process": 0} and status.waiting_total == 0
    [given_up] = status.given_up_recently
    assert (given_up.username, given_up.trouble.kind) == ("fin2", "refused")
    assert "550" in given_up.trouble.detail
