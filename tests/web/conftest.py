"""Flask test-client fixtures (flaskr style): ``app``, ``client``, ``runner``, plus the
people of a small township (one user per role and unit) and the processes they use.

Every test here runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL (``db_url``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache

from engine.usecases import cases, definitions, people
from engine.usecases.context import SYSTEM, actor_for, processes
from tests.conftest import FIXTURES, REPO_ROOT
from web import create_app, database

WEB_FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "Qiu-shan-42-lu!"

# username: (roles, department)
PEOPLE = {
    "office1": (("officer",), "office"),
    "office2": (("officer",), "office"),
    "finance1": (("officer",), "finance"),
    "finance2": (("officer",), "finance"),
    "civil1": (("officer",), "civil_affairs"),
    "petition1": (("officer",), "petition_office"),
    "chair": (("officer", "chair"), "presidium"),
    "supervisor": (("supervisor",), None),
    "admin": (("admin",), None),
    "designer": (("designer",), None),
    "deputy": (("deputy",), None),
}


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """The setup step compiles the catalogs (``pybabel compile``); do it here when a
    fresh checkout runs the tests without it."""
    root = REPO_ROOT / "web" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            CommandLineInterface().run(["pybabel", "compile", "--use-fuzzy", "-d", str(root)])
            break


class _SharedBytecode(BytecodeCache):
    """Templates compiled once per test session, not once per app (each test makes one)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = _SharedBytecode()


@pytest.fixture
def app(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_clock) -> Iterator[Flask]:
    monkeypatch.setenv("CONGRESSFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    # the parsed-process cache is keyed by definition id, and every test database starts
    # its ids at 1: a test must not meet the previous test's processes
    processes.clear()
    app = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "BPMN_DIR": str(FIXTURES),
            "SECRET_KEY": "test-secret",
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
    yield app
    database.session_factory(app).kw["bind"].dispose()
    processes.clear()


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


@dataclass
class Case:
    id: int
    task_id: str  # the open task
    bpmn_id: str


def start_review(app: Flask, subject: str = "关于修缮村道的意见", starter: str = "office1") -> Case:
    with database.session_factory(app).begin() as s:
        detail = cases.start_instance(s, actor_for(s, starter), "review", {"subject": subject})
    task = detail.open_tasks[0]
    return Case(detail.id, task.task_id, task.bpmn_id)


def start_petition(app: Flask, unit: str = "finance", starter: str = "petition1") -> Case:
    with database.session_factory(app).begin() as s:
        detail = cases.start_instance(
            s,
            actor_for(s, starter),
            "petition_min",
            {
                "subject": "反映低保评定问题",
                "petitioner_name": "张三丰",
                "petitioner_phone": "13900001111",
                "unit": unit,
            },
        )
    task = detail.open_tasks[0]
    return Case(detail.id, task.task_id, task.bpmn_id)


def use(app: Flask, fn, *args, **kwargs):
    """Run one use case as the given user in its own transaction: ``use(app, tasks.claim, "office1", id)``."""
    username, *rest = args
    with database.session_factory(app).begin() as s:
        return fn(s, actor_for(s, username), *rest, **kwargs)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
