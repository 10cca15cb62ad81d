"""Flask test-client fixtures (flaskr style): ``app``, ``client``, ``runner``, ``as_user``, on the
one test world (tests/world.py) with the people of a small township: one user per role and unit.

Every test here runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL (``db_url``)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.world import PASSWORD

# the page tests' people, rows of tests.world.ROSTER
PEOPLE = (
    "office1",
    "office2",
    "finance1",
    "finance2",
    "civil1",
    "petition1",
    "chair",
    "supervisor",
    "admin",
    "designer",
    "deputy",
)


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


@pytest.fixture
def app(make_world) -> Flask:
    return make_world()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def as_user(client: FlaskClient):
    """``as_user("office1")`` signs the test client in as that person."""

    def sign_in(username: str) -> FlaskClient:
        client.post("/logout")
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


def session_cookies(response) -> list[str]:
    """The Set-Cookie headers of a response that set the session cookie."""
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("congressflow_session=")]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
