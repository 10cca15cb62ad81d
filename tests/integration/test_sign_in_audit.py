"""Every sign-in attempt is in the audit log with the client it came from (a security audit,
等保, expects failed logins and lockouts recorded with their source): a success, a wrong
password, an unknown name (under the name tried, the answer the same as a wrong password's),
an attempt the password-check limits refused (once a minute per name and address); behind
the proxy, the client's address, not the proxy's. The audit page, its download and the API
list them by name; the password typed is never stored."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storage.models import AuditEntry
from tests.web.conftest import login, text_of
from tests.world import PASSWORD
from web import database

PROXY = "127.0.0.1"
CLIENT = "203.0.113.7"
BROWSER = "Mozilla/5.0 (QA walk C)"
GUESS = "Wrong-guess-77!"


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("office1", "supervisor")


@pytest.fixture
def app(make_world) -> Flask:
    return make_world(PROXY_HOPS=1)  # behind one proxy, as the production sample runs


def attempt(client: FlaskClient, username: str, password: str, address: str = CLIENT):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": PROXY},
        headers={"X-Forwarded-For": address, "User-Agent": BROWSER},
    )


def entries(app: Flask, action: str) -> list[AuditEntry]:
    with database.session_factory(app)() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_a_wrong_password_is_recorded_with_the_client_never_the_password(app):
    assert attempt(app.test_client(), "office1", GUESS).status_code == 401
    [entry] = entries(app, "sign_in_failed")
    assert entry.actor == "office1"
    assert entry.data == {"address": CLIENT, "user_agent": BROWSER, "reason": "wrong_password"}
    assert GUESS not in json.dumps(entry.data)


def test_an_unknown_name_is_recorded_under_the_name_tried_and_answered_as_a_wrong_password(app):
    unknown = attempt(app.test_client(), " nobody-here ", GUESS)
    wrong = attempt(app.test_client(), "office1", GUESS)
    assert unknown.status_code == wrong.status_code == 401
    # the answer tells nothing of which names exist
    assert "用户名或密码不正确" in text_of(unknown) and "用户名或密码不正确" in text_of(wrong)
    first, _second = entries(app, "sign_in_failed")
    assert first.actor == "nobody-here"
    assert first.data == {"address": CLIENT, "user_agent": BROWSER, "reason": "unknown_name"}


def test_a_name_with_a_control_character_is_recorded_without_it(app):
    assert attempt(app.test_client(), "admin\x00\x1b[31m", GUESS).status_code == 401
    [entry] = entries(app, "sign_in_failed")
    assert entry.actor == "admin[31m"  # PostgreSQL keeps no NUL: the entry is written all the same


def test_a_successful_sign_in_carries_the_client(app):
    assert attempt(app.test_client(), "office1", PASSWORD).status_code == 302
    [entry] = entries(app, "sign_in")
    assert (entry.actor, entry.data) == ("office1", {"address": CLIENT, "user_agent": BROWSER})


def test_a_throttled_attempt_is_recorded_once_a_minute_per_name_and_address(app):
    limit = int(app.config["SIGNIN_LIMITS_PER_ACCOUNT"].split()[0])  # 5 a minute
    client = app.test_client()
    for _ in range(limit):
        assert attempt(client, "office1", GUESS).status_code == 401
    refused = attempt(client, "office1", PASSWORD)
    assert refused.status_code == 429
    [entry] = entries(app, "sign_in_throttled")
    assert entry.actor == "office1"
    assert entry.data["address"] == CLIENT and entry.data["user_agent"] == BROWSER
    assert entry.data["retry_after"] == int(refused.headers["Retry-After"])
    assert PASSWORD not in json.dumps(entry.data)
    for _ in range(3):  # a guesser hammering on: no write each time
        assert attempt(client, "office1", GUESS).status_code == 429
    assert len(entries(app, "sign_in_throttled")) == 1
    # the same name from another address is another source, recorded on its own
    assert attempt(client, "office1", GUESS, address="198.51.100.9").status_code == 429
    assert [e.data["address"] for e in entries(app, "sign_in_throttled")] == [CLIENT, "198.51.100.9"]
    assert len(entries(app, "sign_in_failed")) == limit  # a refused attempt is no failed check


def test_the_audit_page_its_download_and_the_api_name_them(app):
    limit = int(app.config["SIGNIN_LIMITS_PER_ACCOUNT"].split()[0])
    for _ in range(limit + 1):
        attempt(app.test_client(), "ghost", GUESS)
    reader = app.test_client()
    assert login(reader, "supervisor").status_code == 302
    page = text_of(reader.get("/audit/?user=ghost"))
    rows = page.split('id="audit"', 1)[1]
    from_client = f' <small class="muted" data-address>来自 {CLIENT}</small></td>'
    assert rows.count(f'<td title="sign_in_failed">登录失败{from_client}') == limit
    assert rows.count(f'<td title="sign_in_throttled">登录受限（失败次数过多）{from_client}') == 1
    download = list(csv.reader(io.StringIO(reader.get("/audit/export.csv?user=ghost").data.decode("utf-8-sig"))))
    assert download[0][-1] == "来源地址"
    actions = sorted((line[2], line[-1]) for line in download[1:])
    assert actions == [("登录受限（失败次数过多）", CLIENT)] + [("登录失败", CLIENT)] * limit
    listed = reader.get("/api/v1/audit?user=ghost").get_json()["items"]
    assert sorted((item["action"], item["address"]) for item in listed) == [("sign_in_failed", CLIENT)] * limit + [
        ("sign_in_throttled", CLIENT)
    ]
    # an entry of a case says no address (its data is the case's, never shown across cases)
    assert {item["address"] for item in reader.get("/api/v1/audit?action=start").get_json()["items"]} <= {None}
