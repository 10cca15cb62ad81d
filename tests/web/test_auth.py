"""Sign in and out, session expiry, CSRF, security headers, language and time zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, Response
from itsdangerous import TimestampSigner

from tests.web.conftest import login, session_cookies, text_of
from tests.world import PASSWORD, act, start_review

PAGES = ["/", "/start", "/start/review", "/admin/users", "/cases/1", "/tasks/x"]


def test_login_page_is_chinese_first(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = text_of(response)
    assert '<html lang="zh-CN">' in html and "用户名" in html and "密码" in html


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_wrong_password_is_refused(client):
    response = login(client, "office1", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in text_of(response)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer(client):
    response = login(client, "nobody", PASSWORD)
    assert response.status_code == 401
    assert "用户名或密码不正确" in text_of(response)


def test_sign_in_and_out(client):
    response = login(client, "office1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "office1 同志" in text_of(client.get("/"))
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_next_goes_back_to_the_page_but_never_off_site(client):
    assert (
        client.post("/login?next=/start", data={"username": "office1", "password": PASSWORD}).headers["Location"]
        == "/start"
    )
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(f"/login?next={evil}", data={"username": "office1", "password": PASSWORD})
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app, client, as_user):
    from engine.usecases import people

    as_user("finance1")
    assert client.get("/").status_code == 200
    act(
        app,
        "admin",
        people.update_user,
        "finance1",
        display_name="f",
        email=None,
        roles=("officer",),
        department="finance",
        active=False,
    )
    assert client.get("/").status_code == 302  # the running session ends too
    assert login(client, "finance1").status_code == 403  # and is told why (test_deactivated_sign_in)


def test_session_cookie_flags_and_idle_expiry(app, client):
    response = login(client, "office1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert app.permanent_session_lifetime == timedelta(hours=8)


def test_an_unchanged_session_is_signed_again_a_minute_after_it_was(client, monkeypatch):
    """Every request of a signed-in browser keeps its session alive, but its cookie is signed
    again (the idle expiry pushed back) only when the session changed or once it is a minute
    old; the expiry itself still holds."""
    now = int(time.time())
    signed = [now - 61]  # what the cookie's signer takes for the time
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: signed[0])
    assert session_cookies(login(client, "office1"))  # a new session: signed (61 s ago, as it is told)
    signed[0] = now
    assert session_cookies(client.get("/"))  # a minute old: signed again
    assert client.get("/").status_code == 200 and not session_cookies(client.get("/"))  # signed a moment ago
    assert session_cookies(client.get("/lang/en?next=/"))  # changed: signed at once
    signed[0] = now - 8 * 3600 - 1  # the next cookie signed longer ago than the idle expiry
    client.get("/lang/zh_CN?next=/")
    assert client.get("/").status_code == 302  # signed out


def test_session_expires_absolutely_after_max_hours(client):
    login(client, "office1")
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["signed_in_at"] = (datetime.now(UTC) - timedelta(hours=13)).isoformat()
    assert client.get("/").status_code == 302


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_security_headers_are_added_once_and_never_over_a_routes_own(app):
    @app.get("/own-policy")
    def own_policy():
        response = Response("x")
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["x-frame-options"] = "SAMEORIGIN"  # a header's name is matched in any case
        return response

    headers = app.test_client().get("/own-policy").headers
    assert headers.getlist("Content-Security-Policy") == ["default-src 'none'; sandbox"]
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Referrer-Policy") == ["same-origin"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert headers.getlist("Cross-Origin-Opener-Policy") == ["same-origin"]


def test_the_app_asks_once_per_hook_whether_it_is_a_coroutine(app, monkeypatch):
    asked: list = []
    flasks_own = Flask.ensure_sync
    monkeypatch.setattr(Flask, "ensure_sync", lambda self, func: asked.append(func) or flasks_own(self, func))
    client = app.test_client()
    assert client.get("/login").status_code == 200
    first = len(asked)
    assert first >= 5  # the request hooks, the view, the teardowns
    assert client.get("/login").status_code == 200
    # asked again only about what is not a plain function (an extension's bound method)
    assert [type(func).__name__ for func in asked[first:]] == ["method"]


def test_forms_without_csrf_token_are_refused(db_url, make_app, app):
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    assert strict.config["WTF_CSRF_ENABLED"] is True
    client = strict.test_client()
    refused = client.post("/login", data={"username": "office1", "password": PASSWORD})
    assert refused.status_code == 400
    assert "安全令牌" in text_of(refused)
    page = text_of(client.get("/login"))
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    accepted = client.post("/login", data={"username": "office1", "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302
    case = start_review(app, "office1")
    # signed in, a claim without the token is refused as well and changes nothing
    assert client.post(f"/tasks/{case.task_id}/claim").status_code == 400
    assert "待签收" in text_of(client.get(f"/tasks/{case.task_id}"))


def test_switch_to_english_and_back(client, as_user):
    as_user("office1")
    response = client.get("/lang/en?next=/start")
    assert response.status_code == 302 and response.headers["Location"] == "/start"
    assert "lang=en" in response.headers["Set-Cookie"]
    html = text_of(client.get("/start"))
    assert '<html lang="en">' in html and "Start" in html and "Inbox" in html
    client.get("/lang/zh_CN")
    html = text_of(client.get("/start"))
    assert '<html lang="zh-CN">' in html and "待办" in html


def test_language_survives_sign_out(client, as_user):
    as_user("office1")
    client.get("/lang/en")
    client.post("/logout")
    assert "Sign in" in text_of(client.get("/login"))


def test_dates_are_shown_in_beijing_time(app, as_user, frozen_clock):
    case = start_review(app, "office1")  # the clock stands at 01:00 UTC = 09:00 in Beijing
    html = text_of(as_user("office1").get(f"/cases/{case.id}"))
    assert frozen_clock.strftime("%Y-%m-%d") + " 09:00" in html
