"""A monitoring system's account (the role ``monitor``, 监控: ``metrics.read`` and nothing
else) holds the API token Prometheus scrapes /metrics with; it signs in to no page. The right
password gets one line saying so (the wrong one the answer anyone gets), the attempt is in the
audit log, a session begun before its roles became that is nobody's, and its token goes on
reading the figures."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from engine import access
from engine.access import SYSTEM, Actor
from engine.usecases import people, tokens
from storage.models import AuditEntry
from tests.web.conftest import login, text_of
from tests.world import PASSWORD
from web import database

MONITOR = "prometheus"
REFUSED = "此账号供监控系统凭 API 令牌读取运行指标，不能登录网页。"
REMOTE = {"REMOTE_ADDR": "10.1.2.3"}  # another machine's Prometheus: a token is needed


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("office1", "admin")


def _create(app: Flask, username: str, *roles: str) -> None:
    with database.session_factory(app).begin() as s:
        people.create_user(
            s, SYSTEM, username, PASSWORD, display_name="监控系统", roles=roles, must_change_password=False
        )


@pytest.fixture
def monitored(app: Flask) -> Flask:
    _create(app, MONITOR, "monitor")
    return app


def test_the_policy_keeps_an_account_of_the_figures_alone_off_the_pages():
    assert not access.may_sign_in_to_pages(Actor(MONITOR, frozenset({"monitor"}), frozenset({"monitor"})))
    # a role that grants nothing but is someone's work, another role beside, a unit: pages
    assert access.may_sign_in_to_pages(Actor("deputy", frozenset({"deputy"})))
    assert access.may_sign_in_to_pages(Actor("both", frozenset({"monitor", "chair"})))
    assert access.may_sign_in_to_pages(Actor("unit", frozenset({"monitor"}), department="finance"))
    assert access.may_sign_in_to_pages(Actor("nobody"))


def test_the_right_password_is_told_the_account_is_for_a_token(monitored: Flask):
    client = monitored.test_client()
    response = login(client, MONITOR)
    assert response.status_code == 403
    assert REFUSED in text_of(response)
    assert client.get("/").status_code == 302  # not signed in
    # a wrong password is answered as anyone's: the account's kind is told to no guesser
    wrong = login(client, MONITOR, "not-its-password")
    assert wrong.status_code == 401 and REFUSED not in text_of(wrong) and "用户名或密码不正确" in text_of(wrong)
    with database.session_factory(monitored)() as s:
        audited = [
            (e.action, e.data["reason"])
            for e in s.scalars(select(AuditEntry).where(AuditEntry.actor == MONITOR).order_by(AuditEntry.id))
            if e.action.startswith("sign_in")
        ]
    assert audited == [("sign_in_failed", "token_only"), ("sign_in_failed", "wrong_password")]
    assert login(client, "office1").status_code == 302  # everyone else signs in as before


def test_refused_the_pages_its_api_token_still_reads_the_metrics(monitored: Flask):
    assert login(monitored.test_client(), MONITOR).status_code == 403
    with database.session_factory(monitored).begin() as s:
        secret = tokens.create_token(s, SYSTEM, MONITOR, "prometheus", None).secret
    bearer = {"Authorization": f"Bearer {secret}"}
    response = monitored.test_client().get("/metrics", headers=bearer, environ_base=REMOTE)
    assert response.status_code == 200, response.text
    assert "congressflow_database_up 1.0" in response.text.splitlines()
    assert monitored.test_client().get("/metrics", environ_base=REMOTE).status_code in (401, 403)


def test_a_session_ends_when_its_roles_leave_only_the_figures(app: Flask):
    _create(app, "watcher", "monitor", "chair")
    client = app.test_client()
    assert login(client, "watcher").status_code == 302
    assert client.get("/").status_code == 200
    with database.session_factory(app).begin() as s:
        people.update_user(
            s, SYSTEM, "watcher", display_name="监控系统", email=None, roles=("monitor",), department=None, active=True
        )
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
