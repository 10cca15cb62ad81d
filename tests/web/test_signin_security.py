"""Signing in safely: throttled password checks (per account, per address, a bounded number
of hashes at once), sessions that end for good (sign-out, a new password, deactivation), the
password policy, the password change an administrator can require, sign-in on a database
that refuses writes, and the secure cookie flag."""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from argon2 import PasswordHasher
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

from engine.usecases import people, tokens
from engine.usecases import sign_in as signing
from engine.usecases.context import SYSTEM
from storage.db import make_engine, make_session_factory
from storage.models import AuditEntry, User
from tests.servers import serving
from tests.web.conftest import login, session_cookies, text_of
from tests.world import PASSWORD
from web import database
from web.security import SLOTS, limiter_of

COOKIE = "congressflow_session"
NEW_PASSWORD = "Song-lin-64-po!"
TEMPORARY = "Yue-ya-51-wan&"


class CountingHasher:
    """The tests' hasher, counting the verifications and how many ran at once."""

    def __init__(self, inner: PasswordHasher):
        self.inner = inner
        self.verified = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def verify(self, hash: str, password: str) -> bool:
        with self._lock:
            self.verified += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            return self.inner.verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def hasher() -> Iterator[CountingHasher]:
    counting = CountingHasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    before = signing.use_hasher(counting)  # type: ignore[arg-type]
    yield counting
    signing.use_hasher(before)


def sign_in(app: Flask, username: str, password: str = PASSWORD, address: str = "127.0.0.1") -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def attempt(client: FlaskClient, username: str, password: str, address: str, **kwargs: Any):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}, **kwargs
    )


def per_minute(app: Flask, key: str) -> int:
    """The first (per-minute) number of a limits string such as "5 per minute; 10 per hour"."""
    return int(app.config[key].split()[0])


def cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def replaying(app: Flask, cookie: str) -> FlaskClient:
    """A second browser with a copy of someone's session cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def assert_served(app: Flask, cookie: str) -> None:
    copy = replaying(app, cookie)
    assert copy.get("/").status_code == 200
    assert copy.get("/api/v1/me").status_code == 200


def assert_revoked(app: Flask, cookie: str) -> None:
    copy = replaying(app, cookie)
    page = copy.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login"), page.status_code
    assert copy.get("/api/v1/me").status_code == 401


def change_password(client: FlaskClient, current: str, new: str, repeat: str | None = None):
    return client.post(
        "/settings/password",
        data={"current_password": current, "password": new, "password_repeat": new if repeat is None else repeat},
    )


# -- throttling ---------------------------------------------------------------------------
def test_wrong_passwords_for_one_account_are_throttled_before_hashing(app, hasher):
    limit = per_minute(app, "SIGNIN_LIMITS_PER_ACCOUNT")
    client = app.test_client()
    for i in range(limit):  # from as many addresses, the name spelled either way
        name = "office1" if i % 2 else " Office1 "
        assert attempt(client, name, f"guess-{i}", f"10.0.0.{i}").status_code == 401
    assert hasher.verified == limit
    # even the right password is not checked now: the answer costs no hash
    refused = attempt(client, "office1", PASSWORD, "10.0.1.1")
    assert refused.status_code == 429 and hasher.verified == limit
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "请求过于频繁" in text_of(refused)
    as_json = attempt(client, "office1", PASSWORD, "10.0.1.2", headers={"Accept": "application/json"})
    assert as_json.status_code == 429 and as_json.get_json()["code"] == "too_many_requests"
    assert int(as_json.headers["Retry-After"]) >= 1
    # the login page itself is served; another account from another address signs in
    assert client.get("/login").status_code == 200
    sign_in(app, "finance1", address="10.0.2.1")
    assert hasher.verified == limit + 1


def test_wrong_passwords_from_one_address_are_throttled_before_hashing(app, hasher):
    limit = per_minute(app, "SIGNIN_LIMITS_PER_ADDRESS")
    assert limit > per_minute(app, "SIGNIN_LIMITS_PER_ACCOUNT")
    client = app.test_client()
    for i in range(limit):  # a different name every time: no account limit is reached
        assert attempt(client, f"guess{i}", "password", "10.9.9.9").status_code == 401
    assert hasher.verified == limit
    refused = attempt(client, "office1", PASSWORD, "10.9.9.9")
    assert refused.status_code == 429 and hasher.verified == limit
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    sign_in(app, "office1", address="10.9.9.10")


def test_only_wrong_passwords_count(app, hasher):
    for _ in range(per_minute(app, "SIGNIN_LIMITS_PER_ACCOUNT") + 2):
        sign_in(app, "office1", address="10.1.1.1")


def test_checks_beyond_the_free_slots_are_answered_busy_without_hashing(app, hasher):
    slots = app.extensions[SLOTS]
    taken = app.config["SIGNIN_CONCURRENT_HASHES"]
    for _ in range(taken):
        assert slots.acquire(blocking=False)
    try:
        for _ in range(per_minute(app, "SIGNIN_LIMITS_PER_ACCOUNT") + 1):
            busy = login(app.test_client(), "office1", "a-wrong-guess")
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert "系统繁忙" in text_of(busy) and hasher.verified == 0
    finally:
        for _ in range(taken):
            slots.release()
    sign_in(app, "office1")  # the busy answers counted nothing


def test_counts_start_empty_in_a_new_app_and_reset_clears_them(app, db_url, make_app, hasher):
    def exhaust() -> None:
        for i in range(per_minute(app, "SIGNIN_LIMITS_PER_ACCOUNT")):
            attempt(app.test_client(), "office1", f"guess-{i}", "10.2.2.2")
        assert attempt(app.test_client(), "office1", PASSWORD, "10.2.2.3").status_code == 429

    exhaust()
    limiter_of(app).reset()
    sign_in(app, "office1", address="10.2.2.4")
    exhaust()
    sign_in(make_app(db_url), "office1", address="10.2.2.5")


def test_the_limiter_looks_only_at_the_posts_that_check_a_password(app, as_user, monkeypatch):
    """Its limits guard the views that check a password: its hooks run for their POSTs (a
    wrong password counted after the answer) and for no other request."""
    limiter = limiter_of(app)
    looked: list[str | None] = []
    own = limiter.identify_request
    monkeypatch.setattr(limiter, "identify_request", lambda: looked.append(request.endpoint) or own())
    client = as_user("office1")
    assert set(looked) == {"auth.login"}  # its hook, then each limit's own check
    looked.clear()
    assert client.get("/").status_code == 200
    # a POST that checks no password (refused for want of the page's CSRF token, after every app hook ran)
    assert client.post("/api/v1/me/tokens", json={"name": "工具"}).status_code == 400
    assert client.post("/logout").status_code == 302
    assert looked == []
    assert attempt(client, "office1", "wrong", "10.3.3.3").status_code == 401
    assert change_password(as_user("office1"), "wrong", NEW_PASSWORD).status_code == 422
    assert set(looked) == {"auth.login", "settings.change_password"}


def test_guessing_the_current_password_on_the_change_form_is_throttled(app, as_user, hasher):
    client = as_user("office1")
    for i in range(per_minute(app, "SIGNIN_LIMITS_PER_ACCOUNT")):
        assert change_password(client, f"guess-{i}", NEW_PASSWORD).status_code == 422
    counted = hasher.verified
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 429
    assert hasher.verified == counted


def _post_form(port: int, path: str, fields: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"})
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.slow
def test_signed_in_users_are_served_during_a_burst_of_guesses(app, hasher):
    """The product's server (waitress, 8 threads) on a free port of this machine; eight
    guessers against four accounts whose hashes have the production cost, while a signed-in
    user keeps loading the inbox."""
    targets = ["office2", "finance1", "finance2", "civil1"]
    with database.session_factory(app).begin() as s:
        s.execute(
            update(User)
            .where(User.username.in_(targets))
            .values(password_hash=PasswordHasher().hash("Ming-yue-33-hu!"))
        )
    with serving(app) as base:
        port = int(base.rsplit(":", 1)[1])
        browser = build_opener(HTTPCookieProcessor(CookieJar()))
        signed_in = browser.open(
            f"http://127.0.0.1:{port}/login",
            urlencode({"username": "office1", "password": PASSWORD}).encode(),
            timeout=30,
        )
        assert signed_in.status == 200 and signed_in.url.endswith(f":{port}/")
        verified_before = hasher.verified
        answers: Counter[int] = Counter()
        lock = threading.Lock()

        def guess(n: int) -> None:
            for i in range(25):
                status = _post_form(
                    port, "/login", {"username": targets[(n + i) % len(targets)], "password": f"guess-{n}-{i}"}
                )
                with lock:
                    answers[status] += 1

        guessers = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
        for t in guessers:
            t.start()
        timings = []
        while any(t.is_alive() for t in guessers) and len(timings) < 50:
            started = time.perf_counter()
            page = browser.open(f"http://127.0.0.1:{port}/", timeout=30)
            assert page.status == 200 and "office1 同志" in page.read().decode()
            timings.append(time.perf_counter() - started)
        for t in guessers:
            t.join(60)
        assert not any(t.is_alive() for t in guessers)
    assert timings and max(timings) < 2.0, timings
    assert set(answers) <= {401, 429, 503} and sum(answers.values()) == 200, answers
    slots = app.config["SIGNIN_CONCURRENT_HASHES"]
    assert hasher.verified - verified_before <= per_minute(app, "SIGNIN_LIMITS_PER_ADDRESS") + slots
    assert hasher.most_at_once <= slots


# -- sessions that end --------------------------------------------------------------------
def test_a_copied_session_ends_when_its_user_signs_out(app):
    client = sign_in(app, "office1")
    cookie = cookie_of(client)
    assert_served(app, cookie)
    assert client.post("/logout").status_code == 302
    assert_revoked(app, cookie)
    sign_in(app, "office1")


def test_signing_out_ends_every_session_of_the_account(app):
    here, there = sign_in(app, "office1"), sign_in(app, "office1")
    here.post("/logout")
    assert there.get("/").status_code == 302


def test_a_copied_session_ends_when_its_user_changes_their_password(app):
    client = sign_in(app, "office1")
    cookie = cookie_of(client)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/settings"
    assert "密码已修改" in text_of(client.get("/settings"))
    assert client.get("/").status_code == 200 and client.get("/api/v1/me").status_code == 200
    assert_revoked(app, cookie)
    assert login(app.test_client(), "office1").status_code == 401
    sign_in(app, "office1", NEW_PASSWORD)


def test_a_copied_session_ends_when_an_administrator_resets_the_password(app):
    cookie = cookie_of(sign_in(app, "office1"))
    admin = sign_in(app, "admin")
    assert admin.post("/admin/users/office1/password", data={"password": NEW_PASSWORD}).status_code == 302
    assert_revoked(app, cookie)
    sign_in(app, "office1", NEW_PASSWORD)


def test_a_copied_session_ends_when_its_user_is_deactivated_and_stays_ended(app):
    cookie = cookie_of(sign_in(app, "office1"))
    admin = sign_in(app, "admin")
    profile = {"display_name": "office1 同志", "department": "office", "roles": ["officer"]}
    assert admin.post("/admin/users/office1", data=profile).status_code == 302
    assert_revoked(app, cookie)
    assert admin.post("/admin/users/office1", data={**profile, "active": "true"}).status_code == 302
    assert_revoked(app, cookie)
    sign_in(app, "office1")


# -- the password policy ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "password, problem",
    [
        ("12345678", "at least 10 characters"),
        ("password", "at least 10 characters"),
        ("Qiu-shan4", "at least 10 characters"),
        ("password123", "too easy to guess"),
        ("qwertyuiop", "too easy to guess"),
        ("office1-Qiu-shan", "must not contain the user name"),
        ("OFFICE1-Qiu-shan", "must not contain the user name"),
        ("Qiu-shan-人大办王干事", "must not contain the name"),
        ("Qiu-shan-42-王干事", "must not contain the name"),
        (PASSWORD, None),
    ],
)
def test_the_policy(password, problem):
    assert signing.password_problem(password, "office1", "人大办 王干事") == problem


def test_a_two_character_chinese_name_counts_a_two_letter_user_name_does_not():
    assert signing.password_problem("Qiu-shan-42-李明", "li", "李明") == "must not contain the name"
    assert signing.password_problem("Qiu-shan-42-li", "li", "Li") is None


def test_weak_passwords_are_refused_on_the_page_in_chinese(app, as_user):
    client = as_user("office1")
    for weak, said in (
        ("12345678", "至少 10 个字符"),
        ("password", "至少 10 个字符"),
        ("Qiu-shan4", "至少 10 个字符"),
        ("password123", "太容易被猜到"),
        ("office1-Qiu-shan", "密码不能包含用户名"),
        (PASSWORD, "新密码不能与当前密码相同"),
    ):
        response = change_password(client, PASSWORD, weak)
        assert response.status_code == 422, weak
        assert said in text_of(response), weak
    mismatch = change_password(client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in text_of(mismatch)
    wrong = change_password(client, "not-my-password", NEW_PASSWORD)
    assert wrong.status_code == 422 and "当前密码不正确" in text_of(wrong)
    client.get("/lang/en")
    english = change_password(client, PASSWORD, "password123")
    assert "Too easy to guess" in text_of(english)
    sign_in(app, "office1")  # nothing above changed the password
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302
    sign_in(app, "office1", NEW_PASSWORD)


def test_the_policy_holds_for_new_users_and_resets(as_user):
    admin = as_user("admin")
    response = admin.post(
        "/admin/users",
        data={
            "username": "land1",
            "display_name": "国土所 周所长",
            "password": "周所长-Qiu-shan-42",
            "roles": ["officer"],
        },
    )
    assert response.status_code == 422 and "密码不能包含姓名" in text_of(response)
    reset = admin.post("/admin/users/civil1/password", data={"password": "password123"})
    assert reset.status_code == 422 and "太容易被猜到" in text_of(reset)


def test_demo_passwords_pass_the_policy(session_factory: sessionmaker):
    with session_factory.begin() as s:
        created = people.ensure_demo_users(s, SYSTEM)
    assert created
    demo = {d.username: d for d in people.DEMO_USERS}
    for username, password in created.items():
        assert signing.password_problem(password, username, demo[username].display_name) is None
    username, password = next(iter(created.items()))
    with session_factory() as s:
        assert signing.authenticate(s, username, password) is not None


# -- a password change required by an administrator ---------------------------------------------
def test_a_required_change_comes_before_everything_else(app, hasher):
    admin = sign_in(app, "admin")
    assert (
        admin.post("/admin/users/office1/password", data={"password": TEMPORARY, "must_change": "true"}).status_code
        == 302
    )
    client = sign_in(app, "office1", TEMPORARY)
    for url in ("/", "/cases", "/start", "/notifications"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/settings#password", url
    # a reverse proxy's basic authentication sends its header on every page: the cookie rules
    behind_a_proxy = {"Authorization": "Basic Zm9vOmJhcg=="}
    for url in ("/", "/cases"):
        response = client.get(url, headers=behind_a_proxy)
        assert response.status_code == 302 and response.headers["Location"] == "/settings#password", url
    tokens_form = client.post("/settings/tokens", data={"name": "x"}, headers=behind_a_proxy)
    assert tokens_form.status_code == 302 and tokens_form.headers["Location"] == "/settings#password"
    refused = client.post("/settings", data={"timezone": "Asia/Urumqi"})
    assert refused.status_code == 302 and refused.headers["Location"] == "/settings#password"
    page = client.get("/settings")
    assert page.status_code == 200 and "管理员要求您先修改密码" in text_of(page)
    assert client.get("/static/css/app.css").status_code == 200
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.get_json()["code"] == "password_change_required"
    with database.session_factory(app).begin() as s:
        secret = tokens.create_token(s, SYSTEM, "office1", "scripts").secret
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).get_json()["username"] == "office1"
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    assert client.get("/lang/en").status_code == 302
    assert change_password(client, TEMPORARY, NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200 and client.get("/api/v1/me").status_code == 200


def test_signing_out_works_while_a_change_is_required(app):
    admin = sign_in(app, "admin")
    admin.post("/admin/users/office1/password", data={"password": TEMPORARY, "must_change": "true"})
    client = sign_in(app, "office1", TEMPORARY)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_command_line_can_require_a_change(app, runner):
    result = runner.invoke(
        args=["users", "set-password", "finance1", "--password", TEMPORARY, "--must-change", "--user", "admin"]
    )
    assert result.exit_code == 0, result.output
    response = sign_in(app, "finance1", TEMPORARY).get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/settings#password"
    weak = runner.invoke(args=["users", "set-password", "finance1", "--password", "password123", "--operator"])
    assert weak.exit_code != 0 and "too easy to guess" in weak.output
    # an officer sets no one else's password
    refused = runner.invoke(args=["users", "set-password", "finance2", "--password", TEMPORARY, "--user", "finance1"])
    assert refused.exit_code == 4


# -- a database that refuses writes -------------------------------------------------------------
def read_only_engine(db_url: str) -> Engine:
    """The same database, opened so that every write fails (a read-only SQLite file, a
    PostgreSQL session whose transactions are read-only)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        return make_engine(f"sqlite:///file:{Path(url.database).resolve()}?mode=ro&uri=true")
    return make_engine(db_url, connect_args={"options": "-c default_transaction_read_only=on"})


def sign_ins(app: Flask, username: str) -> int:
    with database.session_factory(app)() as s:
        return len(
            s.scalars(select(AuditEntry).where(AuditEntry.actor == username, AuditEntry.action == "sign_in")).all()
        )


def test_sign_in_works_when_the_audit_entry_cannot_be_written(app, db_url, caplog):
    sign_in(app, "office1")
    assert sign_ins(app, "office1") == 1
    writable = app.extensions[database.EXTENSION]
    read_only = read_only_engine(db_url)
    app.extensions[database.EXTENSION] = make_session_factory(read_only)
    try:
        with caplog.at_level(logging.WARNING, logger="engine.usecases.people"):
            client = sign_in(app, "office1")
        assert "could not be written" in caplog.text
        assert client.get("/api/v1/me").get_json()["username"] == "office1"
        with caplog.at_level(logging.WARNING, logger="web.views.auth"):
            response = client.post("/logout")
        assert response.status_code == 302 and client.get("/").status_code == 302
        assert "could not be ended" in caplog.text
    finally:
        app.extensions[database.EXTENSION] = writable
        read_only.dispose()
    assert sign_ins(app, "office1") == 1


# -- cookies ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, secure", [("true", True), ("True", True), ("false", False), ("False", False)])
def test_the_session_cookie_can_be_marked_secure(app, db_url, make_app, monkeypatch, value, secure):
    monkeypatch.setenv("CONGRESSFLOW_SESSION_COOKIE_SECURE", value)
    configured = make_app(db_url)
    assert configured.config["SESSION_COOKIE_SECURE"] is secure
    response = login(configured.test_client(), "office1")
    assert response.status_code == 302
    set_cookie = session_cookies(response)
    assert set_cookie and ("; Secure" in set_cookie[0]) is secure


def test_behind_one_proxy_each_client_counts_on_its_own(make_world, hasher):
    """PROXY_HOPS=1: every request comes from the proxy's address, the client's in the
    X-Forwarded-For it sets; one client's wrong passwords do not lock out another."""
    app = make_world(PROXY_HOPS=1)
    limit = per_minute(app, "SIGNIN_LIMITS_PER_ADDRESS")
    client = app.test_client()
    for i in range(limit):
        forwarded = {"X-Forwarded-For": "203.0.113.7"}
        assert attempt(client, f"guess{i}", "password", "127.0.0.1", headers=forwarded).status_code == 401
    assert attempt(client, "guess", "x", "127.0.0.1", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    other = attempt(client, "office1", PASSWORD, "127.0.0.1", headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 302  # signed in: another client behind the same proxy


def test_behind_one_proxy_the_served_product_tells_clients_apart(make_world, hasher):
    """The same through the product's own server (waitress, as ``serve`` runs it), whose
    default is to drop the forwarded headers before the app sees them: then every client
    behind the proxy is the proxy, and one client's guesses lock all of them out."""
    app = make_world(PROXY_HOPS=1)
    limit = per_minute(app, "SIGNIN_LIMITS_PER_ADDRESS")

    def sign_in(base: str, username: str, password: str, client: str) -> int:
        connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        body = urlencode({"username": username, "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": client}
        connection.request("POST", "/login", body, headers)
        status = connection.getresponse().status
        connection.close()
        return status

    with serving(app) as base:
        for i in range(limit):
            assert sign_in(base, f"guess{i}", "password", "203.0.113.7") == 401
        assert sign_in(base, "guess", "x", "203.0.113.7") == 429
        assert sign_in(base, "office1", PASSWORD, "198.51.100.2") == 302  # another client: signed in


def test_without_proxy_hops_a_forwarded_address_is_not_believed(app, hasher):
    limit = per_minute(app, "SIGNIN_LIMITS_PER_ADDRESS")
    client = app.test_client()
    for i in range(limit):  # a different forged address every time, from one connection
        forged = {"X-Forwarded-For": f"198.51.100.{i}"}
        assert attempt(client, f"guess{i}", "password", "10.9.9.9", headers=forged).status_code == 401
    assert attempt(client, "guess", "x", "10.9.9.9", headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
