"""A deactivated account is told so, and only to whoever knows its password: the right password
gets one line saying the account is deactivated and whom to ask (it was the answer a wrong
password gets, so the user kept retrying); a wrong one the answer anyone gets, so nobody
learns which accounts exist. A session open when its account was deactivated lands on the
sign-in page with the reason, once. Each attempt is in the audit log with its reason."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from engine.access import SYSTEM
from engine.usecases import people
from storage.models import AuditEntry
from tests.web.conftest import login, text_of
from web import database

DEACTIVATED = "此账号已停用，不能登录。如需恢复使用，请联系系统管理员。"
SIGNED_OUT = "您的账号已被停用，已退出登录。如需恢复使用，请联系系统管理员。"
GENERIC = "用户名或密码不正确。"


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("office1", "finance1", "admin")


def _set_active(app: Flask, username: str, active: bool) -> None:
    with database.session_factory(app).begin() as s:
        people.update_user(
            s,
            SYSTEM,
            username,
            display_name="财政一",
            email=None,
            roles=("officer",),
            department="finance",
            active=active,
        )


def _sign_in_reasons(app: Flask, username: str) -> list[tuple[str, str]]:
    with database.session_factory(app)() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.actor == username).order_by(AuditEntry.id))
        return [(e.action, e.data.get("reason", "")) for e in entries if e.action.startswith("sign_in")]


def test_the_right_password_of_a_deactivated_account_is_told_so(app: Flask):
    _set_active(app, "finance1", False)
    client = app.test_client()
    right = login(client, "finance1")
    assert right.status_code == 403
    assert DEACTIVATED in text_of(right) and GENERIC not in text_of(right)
    assert client.get("/").status_code == 302  # not signed in
    # a wrong password is answered as anyone's: that the account exists is told to no guesser
    wrong = login(client, "finance1", "Not-its-password-9")
    assert wrong.status_code == 401
    assert GENERIC in text_of(wrong) and DEACTIVATED not in text_of(wrong)
    assert _sign_in_reasons(app, "finance1") == [("sign_in_failed", "inactive"), ("sign_in_failed", "wrong_password")]
    _set_active(app, "finance1", True)  # activated again: signs in as before
    assert login(client, "finance1").status_code == 302


def test_the_right_password_of_a_deactivated_account_does_not_count_as_a_wrong_one(app: Flask):
    # the password-check limits count wrong passwords only: the user told to ask the
    # administrator is not locked out on top, and signs in at once when activated again
    _set_active(app, "finance1", False)
    client = app.test_client()
    limit = int(app.config["SIGNIN_LIMITS_PER_ACCOUNT"].split()[0])
    for _ in range(limit + 1):
        assert login(client, "finance1").status_code == 403
    _set_active(app, "finance1", True)
    assert login(client, "finance1").status_code == 302


def test_a_session_open_when_the_account_is_deactivated_is_told_why_on_the_sign_in_page(app: Flask):
    client = app.test_client()
    assert login(client, "finance1").status_code == 302
    assert client.get("/").status_code == 200
    _set_active(app, "finance1", False)
    sent = client.get("/")
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/login")
    page = text_of(client.get(sent.headers["Location"]))
    assert f'<div class="flash warning" role="alert" id="flash-said" tabindex="-1" autofocus>{SIGNED_OUT}</div>' in page
    assert SIGNED_OUT not in text_of(client.get("/login"))  # said once
    assert client.get("/").status_code == 302  # and still signed out


def test_a_session_signed_out_otherwise_is_told_nothing_of_deactivation(app: Flask):
    other = app.test_client()
    assert login(other, "office1").status_code == 302
    with database.session_factory(app).begin() as s:  # a password reset ends it: no deactivation
        from engine.usecases import sign_in

        sign_in.set_password(s, SYSTEM, "office1", "Qing-he-73-jie~")
    sent = other.get("/")
    assert sent.status_code == 302
    assert SIGNED_OUT not in text_of(other.get(sent.headers["Location"]))


def test_in_english(app: Flask):
    """(Needs the two texts in web/translations/en, compiled.)"""
    _set_active(app, "finance1", False)
    client = app.test_client()
    client.get("/lang/en")
    assert (
        "This account has been deactivated and cannot sign in. To have it restored, contact the system administrator."
        in text_of(login(client, "finance1"))
    )
    session = app.test_client()
    session.get("/lang/en")
    _set_active(app, "finance1", True)
    assert login(session, "finance1").status_code == 302
    _set_active(app, "finance1", False)
    assert (
        "Your account has been deactivated, so you have been signed out. To have it restored, contact the system "
        "administrator." in text_of(session.get(session.get("/").headers["Location"]))
    )
