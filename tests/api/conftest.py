"""The API as its clients see it: a Flask test client per person, authenticated with a
personal API token (or, where a test says so, a signed-in browser session).

Every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL (``db_url``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.usecases import definitions, tokens
from engine.usecases.context import SYSTEM, processes
from tests.conftest import fixture_bpmn, make_user
from web import database

API_FIXTURES = Path(__file__).parent / "fixtures"
PREFIX = "/api/v1"
PASSWORD = "Qiu-shan-42-lu!"  # tests.conftest.make_user

# username: (roles, department)
PEOPLE = {
    "clerk": (("officer",), "office"),
    "clerk2": (("officer",), "office"),
    "fin": (("officer",), "finance"),
    "fin2": (("officer",), "finance"),
    "landy": (("officer",), "land"),
    "chair": (("officer", "chair"), "presidium"),
    "boss": (("supervisor",), None),
    "admin": (("admin",), None),
    "designer": (("designer",), None),
    "deputy": (("deputy",), None),
}


class Caller:
    """One person's API client: ``caller.get("/tasks")`` → ``/api/v1/tasks`` with their token."""

    def __init__(self, client: FlaskClient, headers: dict[str, str]):
        self.client = client
        self.headers = headers

    def _call(self, method: str, path: str, **kwargs: Any):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self._call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self._call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self._call("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any):
        return self._call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self._call("DELETE", path, **kwargs)


@dataclass
class World:
    app: Flask
    factory: sessionmaker
    secrets: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.secrets:
            with self.factory.begin() as s:
                self.secrets[username] = tokens.create_token(s, SYSTEM, username, "tests").secret
        return self.secrets[username]

    def as_(self, username: str) -> Caller:
        return Caller(self.app.test_client(), {"Authorization": f"Bearer {self.token(username)}"})

    def anonymous(self) -> Caller:
        return Caller(self.app.test_client(), {})

    def browser(self, username: str) -> tuple[Caller, str]:
        """A client signed in through the login page, and the CSRF token its pages carry."""
        client = self.app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return Caller(client, {}), token

    def start(self, username: str = "clerk", subject: str = "路灯不亮", **data: Any) -> dict:
        response = self.as_(username).post(
            "/instances", json={"process_key": "review", "data": {"subject": subject, **data}}
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def to_unit(self, unit: str = "finance", subject: str = "路灯不亮") -> dict:
        """A review case registered by the office and now waiting for ``unit``'s reply."""
        case = self.start(subject=subject)
        register = case["open_tasks"][0]["task_id"]
        done = self.as_("clerk").post(f"/tasks/{register}/complete", json={"data": {"lead_unit": unit}})
        assert done.status_code == 200, done.get_json()
        [reply] = done.get_json()["open_tasks"]
        return {"case": case["id"], "reply": reply["task_id"]}


@pytest.fixture
def world(
    session_factory: sessionmaker, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_clock
) -> Iterator[World]:
    from web import create_app

    monkeypatch.setenv("CONGRESSFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    # the parsed-process cache is keyed by definition id, and every test database starts
    # its ids at 1: a test must not meet the previous test's processes
    processes.clear()
    for username, (roles, department) in PEOPLE.items():
        make_user(session_factory, username, roles, department)
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
        definitions.deploy(s, (API_FIXTURES / "petition_api.bpmn").read_bytes(), "petition_api.bpmn", SYSTEM)
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret"})
    yield World(app, session_factory)
    database.session_factory(app).kw["bind"].dispose()
    processes.clear()
