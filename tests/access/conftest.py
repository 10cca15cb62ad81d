"""One township for the access tests, reached through all three doors: the web pages (a
signed-in browser), the JSON API (a personal token) and the command line (``--user``).

The people are the demo roles, plus a plain officer of the office (``clerk``) and a
supervisor outside the office department (``outsider``); the petition officer (``keeper``)
and the office head (``head``) are the only ones who may read a petitioner's identity.
Every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.usecases import (
    attachments,
    cases,
    comments,
    definitions,
    notifications,
    people,
    tasks,
    tokens,
)
from engine.usecases.context import SYSTEM, actor_for, processes
from storage.enums import NotificationKind
from tests.conftest import FIXTURES
from tests.web.conftest import PASSWORD, TEMPLATE_CACHE, WEB_FIXTURES
from web import create_app, database

# username: (roles, department)
PEOPLE: dict[str, tuple[tuple[str, ...], str | None]] = {
    "admin": (("admin",), "office"),
    "designer": (("designer",), "office"),
    "head": (("officer", "office_head"), "office"),
    "keeper": (("officer", "petition_officer"), "office"),
    "clerk": (("officer",), "office"),
    "chair": (("officer", "chair"), "presidium"),
    "finance": (("officer",), "finance"),
    "finance2": (("officer",), "finance"),
    "civil": (("officer",), "civil_affairs"),
    "supervisor": (("supervisor",), "office"),
    "outsider": (("supervisor",), None),
    "deputy": (("deputy",), None),
}
# the columns of the matrices; None is nobody signed in
COLUMNS = [
    "admin",
    "designer",
    "head",
    "keeper",
    "clerk",
    "chair",
    "finance",
    "civil",
    "supervisor",
    "outsider",
    "deputy",
    None,
]
MAY_READ_IDENTITY = {"head", "keeper"}

PETITIONER = {"petitioner_name": "张三丰", "petitioner_phone": "13900001111"}
SECRETS = ("张三丰", "三丰", "13900001111", "张某来信", "已电话联系信访人")
MASKED = ("张**", "139****1111")


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

    def use(self, fn: Any, username: str, *args: Any, **kwargs: Any) -> Any:
        with database.session_factory(self.app).begin() as s:
            return fn(s, actor_for(s, username), *args, **kwargs)

    def scene(self) -> Scene:
        started = self.use(cases.start_instance, "clerk", "review", {"subject": "修缮村道"})
        (reply,) = self.use(tasks.complete, "clerk", started.open_tasks[0].task_id, {"lead_unit": "finance"})
        attachment = self.use(attachments.add_attachment, "clerk", "现场照片.txt", b"x", instance_id=started.id)
        petition = self.use(
            cases.start_instance,
            "keeper",
            "petition_min",
            {"subject": "反映低保评定问题", "unit": "finance", **PETITIONER},
        )
        letter = self.use(
            attachments.add_attachment, "keeper", "张某来信.pdf", b"%PDF-1.4 letter", instance_id=petition.id
        )
        self.use(comments.add_comment, "keeper", "已电话联系信访人（13900001111）", instance_id=petition.id)
        return Scene(started.id, reply.task_id, attachment.id, petition.id, petition.open_tasks[0].task_id, letter.id)

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
def town(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_clock) -> Iterator[Town]:
    monkeypatch.setenv("CONGRESSFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    processes.clear()
    app = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "BPMN_DIR": str(FIXTURES),
            "SECRET_KEY": "test-secret",
            "RATELIMIT_ENABLED": False,
        }
    )
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    with database.session_factory(app).begin() as s:
        people.ensure_departments(s)
        definitions.deploy(s, (FIXTURES / "review.bpmn").read_bytes(), "review.bpmn", SYSTEM)
        definitions.deploy(s, (WEB_FIXTURES / "petition_min.bpmn").read_bytes(), "petition_min.bpmn", SYSTEM)
        for username, (roles, department) in PEOPLE.items():
            people.create_user(
                s, SYSTEM, username, PASSWORD, display_name=f"{username} 同志", roles=roles, department=department
            )
    yield Town(app)
    database.session_factory(app).kw["bind"].dispose()
    processes.clear()
