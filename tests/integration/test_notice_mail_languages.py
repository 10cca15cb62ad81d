"""A notification's e-mail is written when it is sent, in its recipient's language
(``users.language``: None is Chinese) and time zone, from what the notification keeps of its
making, by the texts the 消息 page writes it with; one kept without them goes out as stored. A
person who turned notification e-mails off (``users.email_notices``) gets none, 督办 included,
while 消息 still shows the notice; turning it off takes their waiting e-mails out of the outbox.
A real SMTP server (aiosmtpd on localhost) receives them.

The clock stands at Monday 2026-12-07 09:00 in Beijing (01:00 UTC)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select

from engine.notifications.outbox import send_outbox
from engine.usecases import notifications as notes
from engine.usecases import people
from engine.usecases.context import SYSTEM, actor_for
from storage import migrate
from storage.db import make_engine
from storage.enums import NotificationKind
from storage.models import AuditEntry, Notification, User, UserRole, WorkItem
from tests.world import create_people
from web.notification_texts import mail_languages

from .scheduler_helpers import deploy, notifications
from .test_notifications import Inbox, overdue_case, serving

EMAILS = {"fin": "fin@example.org", "fin2": "fin2@example.org", "boss": "boss@example.org"}
DUE = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)  # 10:30 in Beijing, 21:30 the day before in New York


@pytest.fixture
def smtp():
    with serving(Inbox()) as inbox:
        yield inbox


@pytest.fixture
def world(session_factory):
    create_people(session_factory, "fin", "fin2", "boss", emails=EMAILS)
    deploy(session_factory, "deadline.bpmn")
    return session_factory


def choose(factory, username: str, *, language: str | None = None, email_notices: bool | None = None) -> None:
    with factory.begin() as s:
        me = actor_for(s, username)
        if language is not None:
            people.set_language(s, me, username, language)
        if email_notices is not None:
            people.set_email_notices(s, me, username, email_notices)


def remind(factory, *usernames: str) -> None:
    with factory.begin() as s:
        notes.notify(
            s,
            NotificationKind.REMINDER,
            dict.fromkeys(usernames),
            params={"task": "答复", "case": "修路"},
            due_at=DUE,
            instance_id=None,
        )


def mail_to(smtp, address: str):
    [message] = [m for m in smtp.messages if m["To"] == address]
    return message


def body(message) -> str:
    return message.get_content().replace("\r\n", "\n")  # as sent: CRLF line ends


def test_each_recipient_reads_the_mail_in_their_language_and_zone(world, smtp, frozen_clock):
    choose(world, "fin", language="en")
    with world.begin() as s:
        people.set_timezone(s, SYSTEM, "fin", "America/New_York")
    remind(world, "fin", "boss")
    assert send_outbox(world, smtp.settings, languages=mail_languages()) == 2

    english = mail_to(smtp, "fin@example.org")
    assert english["Subject"] == "Due soon: 答复 (修路)"
    assert body(english) == (
        "“答复” (case: 修路) is due on 2026-11-30 21:30 (America/New_York); please handle it in time.\n"
        "\n"
        "Read it in Messages after signing in.\n"
        "\n"
        "-- \n"
        "This e-mail was sent automatically by the CongressFlow system.\n"
    )
    chinese = mail_to(smtp, "boss@example.org")
    assert chinese["Subject"] == "到期提醒：答复（修路）"
    assert body(chinese) == (
        "「答复」（案件：修路）将于 2026-12-01 10:30 到期，请及时办理。\n"
        "\n"
        "登录系统后在“消息”中查看。\n"
        "\n"
        "-- \n"
        "此邮件由人大工作流系统自动发送。\n"
    )
    # what 消息 stores stays Chinese (the page writes it again in its reader's language)
    assert {n.username: n.subject for n in notifications(world)} == {
        "fin": "到期提醒：答复（修路）",
        "boss": "到期提醒：答复（修路）",
    }


def test_a_task_notice_in_english_names_the_case_and_links_to_the_task(world, smtp, frozen_clock):
    """The real path: a 督办 the deadline's timer raised, to an English reader, with the site's
    public address set."""
    choose(world, "fin", language="en")
    case = overdue_case(world)
    settings = replace(smtp.settings, public_url="https://renda.example.gov.cn")
    assert send_outbox(world, settings, languages=mail_languages()) == 4  # fin's, fin2's, boss's two
    english = mail_to(smtp, "fin@example.org")
    [item] = {n.work_item_id for n in notifications(world) if n.username == "fin"}
    with world() as s:
        task_id = s.scalar(select(WorkItem.task_id).where(WorkItem.id == item))
    assert english["Subject"] == "Supervision notice: 办理 (限期办理（测试） 2026-12-07)"
    text = body(english)
    assert text.startswith(
        "“办理” (case: 限期办理（测试） 2026-12-07) was not done by its deadline (超时转督办): the task has ended"
        " and the case goes on as the process says.\n\n"
        f"Case no.: #{case}\nOpen the task: https://renda.example.gov.cn/tasks/"
    )
    assert text.endswith("\n\n-- \nThis e-mail was sent automatically by the CongressFlow system.\n")
    assert f"Open the task: https://renda.example.gov.cn/tasks/{task_id}\n" in text
    # boss never chose: Chinese, as before
    assert {m["Subject"].split("：")[0] for m in smtp.messages if m["To"] == "boss@example.org"} == {"督办", "新任务"}


def test_a_notice_kept_without_its_params_is_sent_as_stored(world, smtp, frozen_clock):
    choose(world, "fin", language="en")
    with world.begin() as s:
        notes.notify(
            s, NotificationKind.REMINDER, {"fin": None}, "到期提醒：审查", "「审查」将于 2026-12-10 24:00 到期。"
        )
    assert send_outbox(world, smtp.settings, languages=mail_languages()) == 1
    message = mail_to(smtp, "fin@example.org")
    assert message["Subject"] == "到期提醒：审查"
    assert body(message).startswith("「审查」将于 2026-12-10 24:00 到期。\n\n登录系统后在“消息”中查看。")


def test_email_off_sends_none_and_the_notice_is_still_there(world, smtp, frozen_clock):
    choose(world, "fin2", email_notices=False)
    remind(world, "fin", "fin2")
    case = overdue_case(world)  # 督办 too: off is off
    assert send_outbox(world, smtp.settings, languages=mail_languages()) >= 2
    assert "fin2@example.org" not in {m["To"] for m in smtp.messages}
    assert "fin@example.org" in {m["To"] for m in smtp.messages}
    mine = [n for n in notifications(world) if n.username == "fin2"]
    assert {n.kind for n in mine} == {NotificationKind.REMINDER, NotificationKind.SUPERVISION}
    assert all(n.email_to is None and n.emailed_at is None for n in mine)
    assert {n.instance_id for n in mine} == {None, case}
    with world() as s:
        listed = notes.list_notifications(s, actor_for(s, "fin2"))
    assert len(listed) == 2


def test_turning_email_off_takes_the_waiting_mail_out_of_the_outbox(world, smtp, frozen_clock):
    remind(world, "fin", "fin2")  # both queued
    choose(world, "fin2", email_notices=False)
    choose(world, "fin2", email_notices=True)  # on again: what waited then is not sent after all
    assert send_outbox(world, smtp.settings, languages=mail_languages()) == 1
    assert [m["To"] for m in smtp.messages] == ["fin@example.org"]
    with world() as s:
        said = s.execute(
            select(AuditEntry.action, AuditEntry.data).where(AuditEntry.action == "set_email_notices")
        ).all()
    assert [data["email_notices"] for _action, data in said] == [False, True]
    remind(world, "fin2")  # on: e-mailed again
    assert send_outbox(world, smtp.settings, languages=mail_languages()) == 1


def test_a_language_no_one_offers_is_refused(world, frozen_clock):
    from engine.errors import InvalidData

    with pytest.raises(InvalidData) as refused, world.begin() as s:
        people.set_language(s, actor_for(s, "fin"), "fin", "fr")
    assert refused.value.codes["language"].code == "unknown_language"
    with world() as s:
        assert s.scalar(select(Notification.id).limit(1)) is None  # nothing else happened


def test_upgrading_leaves_everyone_mailed_in_chinese(session_factory, db_url):
    """Upgrading past c7e3a9d5f1b8: the people there are keep no language (Chinese) and are
    e-mailed as before; their roles stay (the table is altered, never copied)."""
    create_people(session_factory, "fin", "boss", emails=EMAILS)
    migrate.downgrade(db_url, "b2d6f0a4c8e3")
    engine = make_engine(db_url)
    assert not {"language", "email_notices"} & {c["name"] for c in inspect(engine).get_columns("users")}
    engine.dispose()
    migrate.upgrade(db_url)
    with session_factory() as s:
        found = s.execute(select(User.username, User.language, User.email_notices).order_by(User.username)).all()
        roles = s.scalar(select(func.count()).select_from(UserRole))
    assert [tuple(row) for row in found] == [("boss", None, True), ("fin", None, True)]
    assert roles == 2
