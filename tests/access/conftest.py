"""One township for the access tests, reached through all three doors: the web pages (a
signed-in browser), the JSON API (a personal token) and the command line (``--user``).

The people are the demo roles (``office_admin``, ``office_designer`` and ``office_supervisor``
sit in the office, as the demo's do), plus a plain officer of the office (``clerk``) and a
supervisor outside the office department (``outsider``), and a monitoring system's account
(``prometheus``: the role ``monitor``, no unit, made here, not a row of the world's ROSTER); the
petition officer (``keeper``) and the office head (``head``) are the only ones who may read a
petitioner's identity.
Every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.usecases import attachments, comments, notifications, people, tasks, tokens
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind
from tests.world import PASSWORD, act, start_petition, start_review
from web import database

# the access tests' people, rows of tests.world.ROSTER: the demo roles (the administrator,
# the designer and the supervisor sit in the office), a plain officer of the office, a second
# finance officer and a supervisor outside the office
PEOPLE = (
    "office_admin",
    "office_designer",
    "head",
    "keeper",
    "clerk",
    "chair",
    "finance",
    "finance2",
    "civil",
    "office_supervisor",
    "outsider",
    "deputy",
)
# the columns of the matrices; None is nobody signed in
COLUMNS = [
    "office_admin",
    "office_designer",
    "head",
    "keeper",
    "clerk",
    "chair",
    "finance",
    "civil",
    "office_supervisor",
    "outsider",
    "deputy",
    "prometheus",
    None,
]
# a monitoring system's account: the role monitor (metrics.read alone), in no unit
MONITOR = "prometheus"
MAY_READ_IDENTITY = {"head", "keeper"}

SECRETS = ("张三丰", "三丰", "13900001111", "张某来信", "已电话联系信访人")
MASKED = ("******", "******")  # confidentiality.MASK: the same for every field


@dataclass
class Scene:
    """Fresh things to act on: a review case registered by the office and now with the
    finance unit (``review``/``reply``), and a petition the petition officer registered,
    now with the finance unit, with a confidential letter and a confidential comment."""

    review: int
    reply: str  # the finance unit's open task of the review case
    attachment: int  # an ordinary file on the review case
    petition: int
    handle: str  # the finance unit's open task of the petition
    letter: int  # the petition's confidential attachment


@dataclass
class Town:
    app: Flask
    secrets: dict[str, str] = field(default_factory=dict)

    def scene(self) -> Scene:
        started = start_review(self.app, "clerk", "修缮村道")
        (reply,) = act(self.app, "clerk", tasks.complete, started.task_id, {"lead_unit": "finance"})
        attachment = act(self.app, "clerk", attachments.add_attachment, "现场照片.txt", b"x", instance_id=started.id)
        petition = start_petition(self.app, "keeper", unit="finance")
        letter = act(
            self.app, "keeper", attachments.add_attachment, "张某来信.pdf", b"%PDF-1.4 letter", instance_id=petition.id
        )
        act(self.app, "keeper", comments.add_comment, "已电话联系信访人（13900001111）", instance_id=petition.id)
        return Scene(started.id, reply.task_id, attachment.id, petition.id, petition.task_id, letter.id)

    def token_id(self, username: str) -> int:
        """A fresh API token of ``username``'s, to try to revoke."""
        with database.session_factory(self.app).begin() as s:
            return tokens.create_token(s, SYSTEM, username, "to revoke").token.id

    def notification_of(self, username: str) -> int:
        """A notification of ``username``'s, to try to open."""
        with database.session_factory(self.app).begin() as s:
            [row] = notifications.notify(s, NotificationKind.REMINDER, {username: None}, "提醒", "请办理")
            s.flush()
            return row.id

    def token(self, username: str) -> str:
        if username not in self.secrets:
            with database.session_factory(self.app).begin() as s:
                self.secrets[username] = tokens.create_token(s, SYSTEM, username, "tests").secret
        return self.secrets[username]

    def browser(self, username: str | None) -> FlaskClient:
        client = self.app.test_client()
        if username:
            response = client.post("/login", data={"username": username, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    def api(self, username: str | None, method: str, path: str, **kwargs: Any):
        headers = {"Authorization": f"Bearer {self.token(username)}"} if username else {}
        return self.app.test_client().open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def cli(self, username: str, *args: str):
        """A product command as ``username`` with --json: (exit code, stdout, stderr JSON or None)."""
        runner = self.app.test_cli_runner()
        result = runner.invoke(args=[*args, "--user", username, "--json"])
        error = None
        if result.exit_code and result.stderr.strip().startswith("{"):
            error = json.loads(result.stderr.strip().splitlines()[-1])
        return result.exit_code, result.stdout, error


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


@pytest.fixture
def town(make_world) -> Town:
    app = make_world(rate_limit=False)
    with database.session_factory(app).begin() as s:
        people.create_user(
            s,
            SYSTEM,
            MONITOR,
            PASSWORD,
            display_name="普罗米修斯",
            roles=("monitor",),
            must_change_password=False,
        )
    return Town(app)
