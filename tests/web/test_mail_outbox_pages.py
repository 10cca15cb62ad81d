"""What the pages say of e-mail (tests/qa-n findings 4 and 8a): the administrator reads, atop the
admin area, that mail waits because the SMTP server does not answer (why, how many, since
when) and which notifications' e-mails were given up; ``/metrics`` counts what waits, how long
the oldest has, and what was given up; 我的设置 shows the address one is mailed at, or that
there is none, and who sets it. Nothing of it where SMTP is not configured. ``/readyz`` stays
ready while SMTP is down (a load balancer must not pull a healthy web server).

The clock stands at Monday 2026-12-07 09:00 in Beijing (01:00 UTC)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from engine import clock
from engine.notifications.outbox import SmtpSettings, send_outbox
from engine.usecases import notifications as notes
from storage.enums import NotificationKind
from storage.models import User
from tests.servers import free_port
from tests.web.conftest import login, text_of
from web import database, metrics

SMTP = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "2525"}


def signed_in(app, username: str):
    """A test client of ``app`` (made here with its own configuration) signed in as ``username``."""
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def give_addresses(app) -> None:
    with database.session_factory(app).begin() as s:
        s.execute(update(User).where(User.username == "office1").values(email="office1@renda.example.org"))
        s.execute(update(User).where(User.username == "office2").values(email="office2@renda.example.org"))


def notices(app) -> None:
    """Two notices for people with an address (their e-mails wait in the outbox), one for one
    without."""
    with database.session_factory(app).begin() as s:
        notes.notify(
            s,
            NotificationKind.REMINDER,
            {"office1": None, "office2": None, "finance1": None},
            "到期提醒：审查",
            "「审查」将于 2026-12-10 24:00 到期，请及时办理。",
        )


def unreachable_round(app) -> int:
    """One round of the outbox against an SMTP server that does not answer; its port."""
    port = free_port()
    send_outbox(database.session_factory(app), SmtpSettings(host="127.0.0.1", port=port, timeout=2))
    return port


def mail_series(client) -> list[str]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return [line for line in response.text.splitlines() if line.startswith("congressflow_mail_")]


def test_an_smtp_outage_is_said_to_the_administrator_and_counted(make_world, frozen_clock):
    metrics.instruments.cache_clear()
    app = make_world(**SMTP)
    give_addresses(app)
    notices(app)
    clock.advance(timedelta(hours=2))
    port = unreachable_round(app)

    page = text_of(signed_in(app, "admin").get("/admin/users"))
    # what the connection said (Linux: "[Errno 111] Connection refused") in the middle
    assert re.search(
        f"邮件发送失败：无法连接邮件服务器 127\\.0\\.0\\.1:{port}（[^）]*Connection refused）；"
        "2 封待发送，最早的一封生成于 2026-12-07 09:00（已等待 2 小时）。",
        page,
    )
    assert "服务器恢复后会自动补发；超过 7 天仍未发出的将放弃。" in page
    # and on the area's other pages
    assert 'id="mail-outbox"' in signed_in(app, "admin").get("/admin/calendar").get_data(as_text=True)

    client = app.test_client()
    assert mail_series(client) == [
        'congressflow_mail_waiting{outbox="notifications"} 2.0',
        'congressflow_mail_waiting{outbox="process"} 0.0',
        "congressflow_mail_oldest_waiting_seconds 7200.0",
        'congressflow_mail_given_up{outbox="notifications"} 0.0',
        'congressflow_mail_given_up{outbox="process"} 0.0',
    ]
    ready = client.get("/readyz")
    assert ready.status_code == 200  # SMTP is not the web server's readiness


def test_mail_given_up_is_listed_to_the_administrator_with_its_reason(make_world, frozen_clock):
    metrics.instruments.cache_clear()
    app = make_world(**SMTP)
    give_addresses(app)
    notices(app)
    clock.advance(timedelta(days=8))
    unreachable_round(app)  # the round gives up what is older than 7 days, then finds nothing to send

    html = signed_in(app, "admin").get("/admin/users").get_data(as_text=True)
    page = text_of(signed_in(app, "admin").get("/admin/users"))
    assert "最近 30 天有 2 封通知邮件未能发出，已放弃（通知仍在收件人的“消息”中）。" in page
    assert "邮件发送失败" not in page  # nothing waits
    for who in ("office1", "office2"):
        assert f"{who} &lt;{who}@renda.example.org&gt;" in html
    assert page.count("超过 7 天未能发出，已放弃") == 2
    assert page.count("到期提醒：审查") == 2
    assert mail_series(app.test_client())[-2:] == [
        'congressflow_mail_given_up{outbox="notifications"} 2.0',
        'congressflow_mail_given_up{outbox="process"} 0.0',
    ]


def test_nothing_is_said_of_mail_where_smtp_is_not_configured(make_world, frozen_clock):
    metrics.instruments.cache_clear()
    app = make_world()
    give_addresses(app)
    notices(app)
    clock.advance(timedelta(days=1))
    assert 'id="mail-outbox"' not in signed_in(app, "admin").get("/admin/users").get_data(as_text=True)
    assert mail_series(app.test_client()) == []


def test_nothing_is_said_while_mail_goes_out(make_world, frozen_clock):
    metrics.instruments.cache_clear()
    app = make_world(**SMTP)
    give_addresses(app)
    notices(app)
    clock.advance(timedelta(minutes=1))  # written a minute ago: the next round sends them
    assert 'id="mail-outbox"' not in signed_in(app, "admin").get("/admin/users").get_data(as_text=True)


# -- 我的设置: the address one is mailed at --------------------------------------------------
def test_my_settings_show_my_address_and_who_sets_it(make_world, frozen_clock):
    app = make_world(**SMTP)
    give_addresses(app)
    page = text_of(signed_in(app, "office1").get("/settings"))
    assert "<h2>电子邮箱</h2> <p><span data-email>office1@renda.example.org</span></p>" in page
    assert "也发送到这个邮箱。邮箱由管理员设置；如需修改，请联系管理员。" in page
    assert 'name="email"' not in page  # read only
    none = text_of(signed_in(app, "finance1").get("/settings"))
    assert "未设置邮箱：通知只在“消息”中显示，不发送邮件。" in none
    assert "邮箱由管理员设置；如需通过邮件接收通知，请联系管理员。" in none


def test_my_settings_say_no_mail_is_sent_where_smtp_is_not_configured(make_world, frozen_clock):
    app = make_world()
    give_addresses(app)
    page = text_of(signed_in(app, "office1").get("/settings"))
    assert "office1@renda.example.org" in page and "本系统未开启邮件发送：通知只在“消息”中显示。" in page
    assert "也发送到这个邮箱" not in page
