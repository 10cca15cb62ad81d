"""The sign-in limits' store (Redis, ``RATELIMIT_STORAGE_URI``) out of reach: signing in goes
on, the process counting wrong passwords in its own memory until the store answers again, and
the log says so once per outage (it was a 500 for everyone, with /readyz still ready)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import world
from tests.world import PASSWORD, AppFactory
from web.security import limiter_of

pytest.importorskip("redis")


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the server log shows of the outage: the app's own warnings (Flask-Limiter's own
    logger has only a NullHandler, so its line reaches no server log)."""
    return [r.getMessage() for r in caplog.records if r.name == "web.security" and r.levelno >= logging.WARNING]


def said_unreachable(port: int) -> str:
    return (
        f"the sign-in limits' store redis://127.0.0.1:{port}/0 is unreachable: each process counts"
        " wrong passwords in its own memory until it answers again"
    )


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A port held by this process but not listening: a connection to it is refused at once,
    as to a Redis that is stopped or was never installed."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def app_on_store(make_app: AppFactory, db_url: str, store: str) -> Flask:
    app = make_app(db_url, RATELIMIT_STORAGE_URI=store)
    world.build_world(app, "office1")
    return app


def sign_in(client: FlaskClient, password: str):
    return client.post("/login", data={"username": "office1", "password": password})


def test_signing_in_goes_on_while_the_store_is_down(
    make_app: AppFactory, db_url: str, refusing_port: int, caplog: pytest.LogCaptureFixture
):
    app = app_on_store(make_app, db_url, f"redis://:store-password@127.0.0.1:{refusing_port}/0")
    with caplog.at_level(logging.WARNING):
        response = sign_in(app.test_client(), PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert outage_lines(caplog) == [said_unreachable(refusing_port)]  # without the store's password


def test_wrong_passwords_are_still_counted_and_the_outage_logged_once(
    make_app: AppFactory, db_url: str, refusing_port: int, caplog: pytest.LogCaptureFixture
):
    """SIGNIN_LIMITS_PER_ACCOUNT allows 5 wrong passwords a minute: the 6th try is refused
    from this process's memory, the store being away."""
    app = app_on_store(make_app, db_url, f"redis://127.0.0.1:{refusing_port}/0")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        answers = [sign_in(client, f"guess-{n}").status_code for n in range(6)]
    assert answers == [401, 401, 401, 401, 401, 429]
    assert outage_lines(caplog) == [said_unreachable(refusing_port)]


def test_a_store_failing_between_check_and_count_costs_no_answer(make_app: AppFactory, db_url: str, monkeypatch):
    """The store answered the check before the password was verified, then went away before
    the wrong password could be counted: the answer is still the wrong password's."""
    app = app_on_store(make_app, db_url, "memory://")

    def store_gone(*args: object, **kwargs: object) -> bool:
        raise ConnectionError("the store went away")

    monkeypatch.setattr(limiter_of(app).limiter, "hit", store_gone)
    assert sign_in(app.test_client(), "guess").status_code == 401
