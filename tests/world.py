"""The one test world: the people of a small township (one table, ``ROSTER``, and one way to
create them, ``create_people``), the two processes the web, API and access tests work on
(``review.bpmn`` and ``petition_min.bpmn`` in tests/fixtures/; ``build_world``), running a use
case as someone (``act``), starting a review case or a petition (``start_review``,
``start_petition``), and the web app's test configuration (``app_config``, used by the
``make_app`` fixture of tests/conftest.py).

Each suite picks its people from the table by name (``create_people(app, "office1", ...)``): the
suites' names differ, the person behind a name is the same in every suite."""

from __future__ import annotations

import io
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache
from openpyxl import Workbook
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from engine.usecases import cases, definitions, people
from engine.usecases.context import SYSTEM, actor_for
from storage.db import READ_ONLY
from web import database

REPO_ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "Qiu-shan-42-lu!"  # every test user's: strong enough for the password policy

T = TypeVar("T")
Target = Flask | sessionmaker  # an app (its database) or a session factory


@dataclass(frozen=True)
class Person:
    roles: tuple[str, ...]
    department: str | None
    display_name: str = ""  # empty: "<username> 同志"


OFFICER = ("officer",)
# username: who they are. Every test user is one of these rows (created by create_people).
# Some people have several names, one per suite that uses them (clerk / office1, fin / finance1,
# supervisor / outsider, ...); the access tests' administrator, designer and supervisor sit in
# the office as the demo's do (office_admin, office_designer, office_supervisor), the page and
# API tests' in no department (admin, designer, supervisor).
ROSTER: dict[str, Person] = {
    # the congress office (镇人大办)
    "office1": Person(OFFICER, "office"),
    "office2": Person(OFFICER, "office"),
    "clerk": Person(OFFICER, "office"),
    "clerk2": Person(OFFICER, "office"),
    "a": Person(OFFICER, "office"),
    "b": Person(OFFICER, "office"),
    "head": Person(("officer", "office_head"), "office"),
    "keeper": Person(("officer", "petition_officer"), "office"),  # the office's petition officer
    "boss": Person(("supervisor",), "office"),
    "office_supervisor": Person(("supervisor",), "office"),
    "office_admin": Person(("admin",), "office"),
    "office_designer": Person(("designer",), "office"),
    # the presidium (人大主席团)
    "chair": Person(("officer", "chair"), "presidium"),
    "member": Person(OFFICER, "presidium"),
    # the handling units
    "finance": Person(OFFICER, "finance"),
    "finance1": Person(OFFICER, "finance"),
    "finance2": Person(OFFICER, "finance"),
    "fin": Person(OFFICER, "finance"),
    "fin2": Person(OFFICER, "finance"),
    "fin3": Person(OFFICER, "finance"),
    **{f"fin_{n}": Person(OFFICER, "finance") for n in range(4)},  # the claim race (tests/integration/test_races.py)
    "landy": Person(OFFICER, "land"),
    "civil": Person(OFFICER, "civil_affairs"),
    "civil1": Person(OFFICER, "civil_affairs"),
    "civ": Person(OFFICER, "civil_affairs"),
    "petition1": Person(OFFICER, "petition_office"),
    "xinfang": Person(("officer", "petition_officer"), "petition_office"),
    # in no department
    "supervisor": Person(("supervisor",), None),
    "outsider": Person(("supervisor",), None),
    "admin": Person(("admin",), None),
    "root": Person(("admin",), None),
    "designer": Person(("designer",), None),
    "deputy": Person(("deputy",), None),
    "wang": Person(("deputy",), None),
    "li": Person(("deputy",), None),
}


def session_factory_of(target: Target) -> sessionmaker:
    if isinstance(target, Flask):
        return database.session_factory(target)
    return target


@contextmanager
def statements_sent(bind: Engine) -> Iterator[list[str]]:
    """The SQL of every statement sent through ``bind`` within the block (an executemany once)."""
    sent: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(bind, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", record)


@contextmanager
def rollbacks_on(bind: Engine) -> Iterator[list[bool]]:
    """One entry per transaction rolled back on ``bind`` within the block: was it a reader's
    (``storage.db.READ_ONLY``)? A writer's ROLLBACK takes SQLite's write lock for nothing and
    makes psycopg forget the statements it prepared on the connection."""
    rolled_back: list[bool] = []

    def record(connection: Any) -> None:
        rolled_back.append(bool(connection.get_execution_options().get(READ_ONLY)))

    event.listen(bind, "rollback", record)
    try:
        yield rolled_back
    finally:
        event.remove(bind, "rollback", record)


def create_people(target: Target, *usernames: str, emails: Mapping[str, str] | None = None) -> None:
    """Create these people of the ROSTER (in this order, in one transaction), with PASSWORD
    and, where ``emails`` says, an e-mail address; they sign in straight to their pages (no
    password change asked first, as a new account otherwise is)."""
    emails = emails or {}
    with session_factory_of(target).begin() as s:
        for username in usernames:
            person = ROSTER[username]
            people.create_user(
                s,
                SYSTEM,
                username,
                PASSWORD,
                display_name=person.display_name or f"{username} 同志",
                email=emails.get(username),
                roles=person.roles,
                department=person.department,
                must_change_password=False,
            )


def act(target: Target, username: str, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one use case as ``username`` in its own transaction: ``act(app, "office1", tasks.claim, task_id)``."""
    with session_factory_of(target).begin() as s:
        return use_case(s, actor_for(s, username), *args, **kwargs)


def deploy(target: Target, *files: str | Path) -> None:
    """Deploy BPMN files as the system, in one transaction; a bare name is a file of tests/fixtures/."""
    with session_factory_of(target).begin() as s:
        for file in files:
            path = FIXTURES / file if isinstance(file, str) else file
            definitions.deploy(s, path.read_bytes(), path.name, SYSTEM)


def deploy_mail_task_to_a_confidential_address(target: Target) -> None:
    """tests/fixtures/mail_task.bpmn with the deputy's e-mail (its recipient) a confidential field,
    and so its only recipient (deploy refuses a confidential address beside others): no Cc, no Bcc."""
    source = (FIXTURES / "mail_task.bpmn").read_text(encoding="utf-8")
    plain = '<camunda:formField id="deputy_email" label="代表邮箱" type="string" />'
    assert plain in source
    others = re.compile(r'\s*<camunda:field name="cc"[^>]*/>|\s*<camunda:field name="bcc">.*?</camunda:field>', re.S)
    source, dropped = others.subn("", source)
    assert dropped == 2
    confidential = (
        '<camunda:formField id="deputy_email" label="代表邮箱" type="string"><camunda:properties>'
        '<camunda:property id="confidential" value="true" /></camunda:properties></camunda:formField>'
    )
    with session_factory_of(target).begin() as s:
        definitions.deploy(s, source.replace(plain, confidential).encode(), "mail_task.bpmn", SYSTEM)


def deploy_petition_min_with_a_confidential_task_field(target: Target) -> None:
    """tests/fixtures/petition_min.bpmn with a confidential field in its unit's task form too
    (回访电话, ``called_on``): one a unit's officer may not read, nor is shown back."""
    source = (FIXTURES / "petition_min.bpmn").read_text(encoding="utf-8")
    plain = '<camunda:formField id="answered_on" label="答复日期" type="date" />'
    assert plain in source
    confidential = plain + (
        '<camunda:formField id="called_on" label="回访电话" type="string"><camunda:properties>'
        '<camunda:property id="confidential" value="true" /></camunda:properties></camunda:formField>'
    )
    with session_factory_of(target).begin() as s:
        definitions.deploy(s, source.replace(plain, confidential).encode(), "petition_min.bpmn", SYSTEM)


# the processes of the world: a review case and a petition with a confidential identity
WORLD_PROCESSES = ("review.bpmn", "petition_min.bpmn")


def build_world(target: Target, *usernames: str) -> None:
    """The departments, the world's processes (review, petition_min) and these people."""
    with session_factory_of(target).begin() as s:
        people.ensure_departments(s)
    deploy(target, *WORLD_PROCESSES)
    create_people(target, *usernames)


@dataclass
class Case:
    id: int
    task_id: str  # the open task
    bpmn_id: str


REVIEW_SUBJECT = "关于修缮村道的意见"
PETITION_SUBJECT = "反映低保评定问题"
PETITIONER = {"petitioner_name": "张三丰", "petitioner_phone": "13900001111"}  # confidential


def _case(detail: Any) -> Case:
    task = detail.open_tasks[0]
    return Case(detail.id, task.task_id, task.bpmn_id)


def start_review(target: Target, starter: str, subject: str = REVIEW_SUBJECT, **data: Any) -> Case:
    """A review case (review.bpmn) started by ``starter``, waiting for the office to register it."""
    return _case(act(target, starter, cases.start_instance, "review", {"subject": subject, **data}))


def start_petition(target: Target, starter: str, unit: str = "finance") -> Case:
    """A petition (petition_min.bpmn) from PETITIONER, started by ``starter``, now with ``unit``."""
    data = {"subject": PETITION_SUBJECT, **PETITIONER, "unit": unit}
    return _case(act(target, starter, cases.start_instance, "petition_min", data))


# a deputy's proposal (bpmn/proposal.bpmn) as the office registers it, in recess
PROPOSAL = {
    "kind": "suggestion",
    "title": "修缮村道",
    "content": "村道破损",
    "deputy": "deputy",
    "submitted_during": "recess",
}


def start_proposal(target: Target, starter: str = "office1") -> int:
    """bpmn/proposal.bpmn deployed and a PROPOSAL started by ``starter``, waiting for the
    office to classify and assign it: the case's id."""
    deploy(target, REPO_ROOT / "bpmn" / "proposal.bpmn")
    return act(target, starter, cases.start_instance, "proposal", PROPOSAL).id


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


def app_config(database_url: str, *, csrf: bool = False, rate_limit: bool = True, **config: Any) -> dict[str, Any]:
    """The test configuration: TESTING, a fixed SECRET_KEY, tests/fixtures/ as BPMN_DIR; CSRF
    protection off unless ``csrf``, the sign-in limits on unless not ``rate_limit`` (left on, either
    keeps the product's own default). ``config`` adds or overrides."""
    settings: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-not-for-production-0123456789",
        "BPMN_DIR": str(FIXTURES),
    }
    if not csrf:
        settings["WTF_CSRF_ENABLED"] = False
    if not rate_limit:
        settings["RATELIMIT_ENABLED"] = False
    return {**settings, **config}


class AppFactory(Protocol):
    """The ``make_app`` fixture (tests/conftest.py)."""

    def __call__(
        self, database_url: str, *, instance: str = ..., csrf: bool = ..., rate_limit: bool = ..., **config: Any
    ) -> Flask: ...


def dispose(app: Flask) -> None:
    database.session_factory(app).kw["bind"].dispose()


def xlsx_file(*sheets: tuple[str, list[list[object]], list[str]]) -> bytes:
    """An .xlsx of these worksheets, in this order: (title, rows, ranges to merge), as an
    office's Excel would hand it to the imports."""
    book = Workbook()
    book.remove(book.active)
    for title, rows, merges in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in merges:
            sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@contextmanager
def new_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server (``TEST_DATABASE_URL``), dropped afterwards."""
    server = os.environ["TEST_DATABASE_URL"]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"cf_restore_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def waits_on_a_lock(factory: Any, thread: Any, seconds: float = 20, kind: str | None = None) -> bool:
    """Whether ``thread``'s statement came to wait on a lock (PostgreSQL: a backend of this
    database waits on one; ``kind``: on that kind only, e.g. ``"advisory"``) before the thread
    ended, within ``seconds``; SQLite cannot say, so a moment for the thread to reach its BEGIN
    IMMEDIATE, and True. The race tests' one way to know their second party is held by the
    first's open transaction."""
    with factory() as s:
        if s.get_bind().dialect.name != "postgresql":
            time.sleep(0.3)
            return True
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND (CAST(:kind AS text) IS NULL OR wait_event = :kind)"
        ).bindparams(kind=kind)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and thread.is_alive():
            if s.scalar(waiting):
                return True
            s.rollback()
            time.sleep(0.02)
    return False
