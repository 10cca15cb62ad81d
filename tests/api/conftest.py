"""The API as its clients see it: a Flask test client per person, authenticated with a
personal API token (or, where a test says so, a signed-in browser session).

Every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL (``db_url``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.usecases import tokens
from engine.usecases.context import SYSTEM
from tests.world import PASSWORD, start_review

PREFIX = "/api/v1"

# the API tests' people, rows of tests.world.ROSTER
PEOPLE = ("clerk", "clerk2", "fin", "fin2", "landy", "chair", "supervisor", "admin", "designer", "deputy")


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

    def to_unit(self, unit: str = "finance", subject: str = "路灯不亮") -> dict:
        """A review case registered by the office (through the API) and now waiting for ``unit``'s reply."""
        case = start_review(self.app, "clerk", subject)
        done = self.as_("clerk").post(f"/tasks/{case.task_id}/complete", json={"data": {"lead_unit": unit}})
        assert done.status_code == 200, done.get_json()
        [reply] = done.get_json()["open_tasks"]
        return {"case": case.id, "reply": reply["task_id"]}


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


@pytest.fixture
def world(make_world, session_factory: sessionmaker) -> World:
    return World(make_world(csrf=True), session_factory)
